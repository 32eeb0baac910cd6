//! The share panel: whether this computer's board server is reachable from the network, and at which addresses.

use tauri::State;

use crate::error::CommandResult;
use crate::host::{Host, ShareStatus};

/// The share panel's facts, or null when this computer hosts nothing.
#[tauri::command]
#[specta::specta]
pub async fn share_status(host: State<'_, Host>) -> CommandResult<Option<ShareStatus>> {
    Ok(host.status().await)
}

/// Turns "Share on this network" on or off (the server moves between loopback and every interface).
#[tauri::command]
#[specta::specta]
pub async fn set_sharing(host: State<'_, Host>, sharing: bool) -> CommandResult<ShareStatus> {
    host.set_sharing(sharing).await
}
