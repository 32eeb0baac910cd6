//! The share panel: whether this computer's board server is reachable from the network, and at which addresses.

use std::sync::Arc;

use tauri::State;

use lanban_core::room_code::RoomCode;
use serde::Serialize;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::host::{Host, ShareStatus};
use crate::invite::{self, Invite, Invites};
use crate::lan::Lan;

/// The share panel's facts, or null when this computer hosts nothing.
#[tauri::command]
#[specta::specta]
pub async fn share_status(host: State<'_, Host>) -> CommandResult<Option<ShareStatus>> {
    Ok(host.status().await)
}

/// Turns "Share on this network" on or off (the server moves between loopback and every interface); while on,
/// the server is announced on the network (if discovery is on).
#[tauri::command]
#[specta::specta]
pub async fn set_sharing(
    host: State<'_, Host>,
    lan: State<'_, Arc<Lan>>,
    sharing: bool,
) -> CommandResult<ShareStatus> {
    let status = host.set_sharing(sharing).await?;
    announce(&host, &lan).await;
    Ok(status)
}

/// Brings what discovery announces up to date (sharing turned on or off, a board added).
pub async fn announce(host: &Host, lan: &Lan) {
    lan.advert_changed(host.advert()).await;
}

/// The invite link for `room_code` on this computer's server (while it is shared), and its QR code.
#[tauri::command]
#[specta::specta]
pub async fn invite_link(host: State<'_, Host>, room_code: String) -> CommandResult<InviteLink> {
    let code: RoomCode =
        room_code
            .parse()
            .map_err(|e: lanban_core::room_code::RoomCodeError| {
                CommandError::new(AppErrorCode::ValidationFailed, e.to_string())
            })?;
    let Some((hosts, port, fingerprint)) = host.invite_parts().await else {
        return Err(CommandError::new(
            AppErrorCode::NotSharing,
            "Turn on sharing on the network first: the link points teammates at this computer's address.",
        ));
    };
    let link = invite::link(&code, &hosts, port, &fingerprint);
    let qr_svg = invite::qr_svg(&link)?;
    Ok(InviteLink { link, qr_svg })
}

/// An invite, ready to copy or scan.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct InviteLink {
    /// `lanban://join?…`
    pub link: String,
    /// The link as a QR code (an SVG document).
    pub qr_svg: String,
}

/// Takes the invite link the app was opened with (or that was opened since), if any; a broken link is an error.
#[tauri::command]
#[specta::specta]
pub fn take_invite(invites: State<'_, Invites>) -> CommandResult<Option<Invite>> {
    invites.take()
}
