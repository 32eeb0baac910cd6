//! The start screen: host a board, join one by code, reopen a recent one, leave.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use lanban_client::tls::probe_fingerprint;
use lanban_client::{Api, BoardSession};
use lanban_core::api::Snapshot;
use lanban_core::event::PresenceEntry;
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::Member;
use lanban_core::room_code::{RoomCode, RoomCodeError};
use lanban_core::time::Timestamp;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::bridge::{self, BridgeMessage};
use crate::error::{CommandError, CommandResult, PresentedHost};
use crate::host::Host;
use crate::lan::Lan;
use crate::recent::{Recent, RecentBoard, RecentEntry};
use crate::state::{Active, ActiveBoard};

/// A board just opened: everything the board view needs to paint at once.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OpenedBoard {
    pub snapshot: Snapshot,
    /// This person on the board.
    pub me: Member,
    /// `host:port` of the board's server.
    pub server: String,
    /// This computer hosts the board.
    pub hosting: bool,
    pub presence: Vec<PresenceEntry>,
}

/// True for an address on this computer (`127.0.0.1:7420`, `localhost:7420`, `[::1]:7420`).
fn is_this_computer(address: &str) -> bool {
    let host_port = host_port(address);
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` of an address typed with or without a scheme.
fn host_port(address: &str) -> &str {
    let address = address.trim().trim_end_matches('/');
    address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"))
        .unwrap_or(address)
}

/// A client for the host at `address`: HTTPS trusting only `fingerprint` when there is one; plain HTTP to this
/// computer; for another computer without a fingerprint yet, nothing is sent: its certificate's fingerprint is
/// read from a TLS handshake and returned as `confirm_host`, for the person to compare with the host's share panel
/// and send back (trust on first use).
async fn client_for(address: &str, fingerprint: Option<&str>) -> CommandResult<Api> {
    match fingerprint.map(str::trim).filter(|f| !f.is_empty()) {
        Some(text) => {
            let pin: Fingerprint = text.parse().map_err(|_| CommandError {
                field: Some("fingerprint".into()),
                ..CommandError::new("validation_failed", "That is not a host fingerprint.")
            })?;
            Ok(Api::pinned(host_port(address), pin)?)
        }
        None if is_this_computer(address) => Ok(Api::new(host_port(address))?),
        None => Err(confirm_host(probe_fingerprint(host_port(address)).await?)),
    }
}

/// `confirm_host`: nothing was sent; the person compares the words of the certificate the host presented with
/// the host's share panel, and the app asks again with its fingerprint.
fn confirm_host(presented: Fingerprint) -> CommandError {
    CommandError {
        host: Some(Box::new(PresentedHost {
            fingerprint: presented.to_string(),
            phrase: presented.phrase(),
        })),
        ..CommandError::new(
            "confirm_host",
            "First time on this host: check that its share panel shows the same words.",
        )
    }
}

fn server_label(api: &Api) -> String {
    api.base_url()
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_owned()
}

/// Opens a live session on `board` and connects it to the window.
async fn open(
    active: &Active,
    recent: &Recent,
    api: Api,
    board: BoardId,
    me: MemberId,
    hosting: bool,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    active.replace(None).await;
    let session = Arc::new(BoardSession::open(api.clone(), board).await?);
    let bridge_open = Arc::new(AtomicBool::new(true));
    // Subscribe before reading the state: anything applied in between arrives twice and the UI skips it by seq.
    let bridge = bridge::spawn(session.clone(), on_event, bridge_open.clone());
    let snapshot = session.state();
    let me = snapshot
        .members
        .iter()
        .find(|m| m.id == me)
        .cloned()
        .ok_or_else(|| {
            CommandError::new("not_found", "You are no longer a member of this board.")
        })?;
    recent.touch(board, Some(&snapshot.board.name))?;
    let presence = session.presence().borrow().clone();
    active
        .replace(Some(ActiveBoard {
            session,
            bridge,
            bridge_open,
            me: me.clone(),
        }))
        .await;
    Ok(OpenedBoard {
        snapshot,
        me,
        server: server_label(&api),
        hosting,
        presence,
    })
}

/// A board just created or joined, before it is opened.
struct Opened {
    board_name: String,
    member: Member,
    token: String,
    hosting: bool,
}

/// Adds a newly created or joined board to the recent list, then opens it.
async fn remember_and_open(
    active: &Active,
    recent: &Recent,
    api: Api,
    board: BoardId,
    opened: Opened,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    recent.remember(RecentEntry {
        board_id: board,
        board_name: opened.board_name,
        server: server_label(&api),
        member_id: opened.member.id,
        member_name: opened.member.name,
        token: opened.token.clone(),
        hosting: opened.hosting,
        last_opened: Timestamp::now(),
        fingerprint: api.pin().map(|f| f.to_string()),
    })?;
    let member_api = api.with_token(opened.token);
    open(
        active,
        recent,
        member_api,
        board,
        opened.member.id,
        opened.hosting,
        on_event,
    )
    .await
}

/// Creates a board on this computer's embedded server and opens it.
#[tauri::command]
#[specta::specta]
pub async fn host_board(
    host: State<'_, Host>,
    lan: State<'_, Lan>,
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    board_name: String,
    member_name: String,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    let (url, host_token) = host.ensure().await?;
    let api = Api::new(&url)?;
    let created = api
        .with_token(host_token)
        .create_board(&board_name, &member_name)
        .await?;
    // While shared, the network hears about the new board.
    crate::commands::share::announce(&host, &lan).await;
    let opened = Opened {
        board_name: created.board.name,
        member: created.member,
        token: created.token,
        hosting: true,
    };
    remember_and_open(&active, &recent, api, created.board.id, opened, on_event).await
}

/// Joins a board by its room code on the host at `address` (`192.168.1.20:7420`) and opens it. Another
/// computer is joined over HTTPS pinned to `fingerprint`; without one, to the certificate it presents if this
/// person confirmed that one before, else the answer is `confirm_host` with it, and the room code has not been
/// sent. `discovered`: the address came from discovery, so the host's certificate must make the code's tag
/// (`wrong_host` otherwise, nothing sent).
#[tauri::command]
#[specta::specta]
// A command's parameters are its IPC fields (three are state handles).
#[allow(clippy::too_many_arguments)]
pub async fn join_board(
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    room_code: String,
    member_name: String,
    address: String,
    fingerprint: Option<String>,
    discovered: bool,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    if address.trim().is_empty() {
        return Err(CommandError {
            field: Some("address".into()),
            ..CommandError::new(
                "validation_failed",
                "Type the host's address, like 192.168.1.20:7420.",
            )
        });
    }
    let code: RoomCode = room_code.parse().map_err(|e: RoomCodeError| CommandError {
        field: Some("room_code".into()),
        ..CommandError::new("validation_failed", e.to_string())
    })?;
    // Found by discovery: the code goes only to the computer whose certificate makes the code's tag, and never
    // to this computer on an announcement's word.
    let wrong_host = || {
        CommandError::new(
            "wrong_host",
            format!(
                "The computer at {} does not give out codes starting with {}: the code was not sent. Check the code.",
                host_port(&address),
                code.tag()
            ),
        )
    };
    let here = is_this_computer(&address);
    if discovered && here {
        return Err(wrong_host());
    }
    let pin: Option<Fingerprint> = match fingerprint
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(text) => Some(text.parse().map_err(|_| CommandError {
            field: Some("fingerprint".into()),
            ..CommandError::new("validation_failed", "That is not a host fingerprint.")
        })?),
        None if here => None,
        None => {
            let presented = probe_fingerprint(host_port(&address)).await?;
            if discovered && presented.tag() != code.tag() {
                return Err(wrong_host());
            }
            // A certificate this person already confirmed (a board joined from that host) needs no second look.
            if !recent.trusts(&presented.to_string()) {
                return Err(confirm_host(presented));
            }
            Some(presented)
        }
    };
    if discovered && pin.is_some_and(|p| p.tag() != code.tag()) {
        return Err(wrong_host());
    }
    let api = match pin {
        Some(pin) => Api::pinned(host_port(&address), pin)?,
        None => Api::new(host_port(&address))?,
    };
    let joined = api.join(&room_code, &member_name).await?;
    let opened = Opened {
        board_name: joined.board.name,
        member: joined.member,
        token: joined.token,
        hosting: false,
    };
    remember_and_open(&active, &recent, api, joined.board.id, opened, on_event).await
}

/// Reopens a recent board with its remembered token (starting the embedded server if this computer hosts it),
/// over HTTPS pinned to the fingerprint remembered when joining. A board joined before hosts used TLS has none
/// yet: the answer is then `confirm_host`, and the confirmed `fingerprint` comes back with the next call.
#[tauri::command]
#[specta::specta]
pub async fn open_recent(
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    board_id: BoardId,
    fingerprint: Option<String>,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    let entry = recent.get(board_id).ok_or_else(|| {
        CommandError::new("not_found", "This board is not in your recent boards.")
    })?;
    let api = if entry.hosting {
        Api::new(&host.ensure().await?.0)?
    } else {
        // A remembered pin always wins: a host that now presents another certificate is refused.
        let pin = entry.fingerprint.as_deref().or(fingerprint.as_deref());
        let api = client_for(&entry.server, pin).await?;
        if entry.fingerprint.is_none()
            && let Some(pin) = api.pin()
        {
            recent.pin(board_id, &pin.to_string())?;
        }
        api
    };
    let api = api.with_token(entry.token);
    open(
        &active,
        &recent,
        api,
        board_id,
        entry.member_id,
        entry.hosting,
        on_event,
    )
    .await
}

/// The start screen's list, most recent first.
#[tauri::command]
#[specta::specta]
pub fn list_recent(recent: State<'_, Recent>) -> Vec<RecentBoard> {
    recent.list()
}

/// Removes a board from the recent list.
#[tauri::command]
#[specta::specta]
pub fn forget_recent(recent: State<'_, Recent>, board_id: BoardId) -> CommandResult<()> {
    recent.forget(board_id)
}

/// Closes the open board (the embedded server keeps serving teammates).
#[tauri::command]
#[specta::specta]
pub async fn leave_board(active: State<'_, Active>) -> CommandResult<()> {
    active.replace(None).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_this_computer() {
        for (address, here) in [
            ("127.0.0.1:7420", true),
            ("http://127.0.0.1:7420/", true),
            ("localhost:7420", true),
            ("[::1]:7420", true),
            ("127.1.2.3:7420", true),
            ("192.168.1.20:7420", false),
            ("https://10.0.0.5:7420", false),
            ("[fe80::1]:7420", false),
            ("studio-pc.local:7420", false),
        ] {
            assert_eq!(is_this_computer(address), here, "{address}");
        }
        assert_eq!(host_port("https://10.0.0.5:7420/"), "10.0.0.5:7420");
    }
}
