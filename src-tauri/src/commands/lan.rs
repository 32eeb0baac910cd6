//! The Join screen's view of the network: hosts found by discovery, and the setting that turns it off.

use std::sync::Arc;

use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandResult;
use crate::lan::{Lan, LanStatus, Stopping};

/// Discovery's state (hosts are listed only while the Join screen watches).
#[tauri::command]
#[specta::specta]
pub fn lan_status(lan: State<'_, Arc<Lan>>) -> LanStatus {
    lan.status()
}

/// Starts browsing the network; every change to the hosts seen arrives on `on_change`. Returns the state now.
#[tauri::command]
#[specta::specta]
pub async fn lan_watch(
    lan: State<'_, Arc<Lan>>,
    on_change: Channel<LanStatus>,
) -> CommandResult<LanStatus> {
    let (status, stopping) = lan.watch(on_change);
    finish(stopping).await;
    Ok(status)
}

/// Stops browsing.
#[tauri::command]
#[specta::specta]
pub async fn lan_unwatch(lan: State<'_, Arc<Lan>>) -> CommandResult<()> {
    finish(lan.unwatch()).await;
    Ok(())
}

/// Turns discovery on or off (remembered across restarts).
#[tauri::command]
#[specta::specta]
pub async fn set_discovery(lan: State<'_, Arc<Lan>>, enabled: bool) -> CommandResult<LanStatus> {
    let (status, stopping) = lan.set_enabled(enabled)?;
    finish(stopping).await;
    Ok(status)
}

/// Stops a daemon off the async workers (it waits for its goodbye to go out).
async fn finish(stopping: Stopping) {
    let _ = tauri::async_runtime::spawn_blocking(move || stopping.finish()).await;
}
