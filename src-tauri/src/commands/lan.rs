//! The Join screen's view of the network: hosts found by discovery, and the setting that turns it off.

use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandResult;
use crate::lan::{Lan, LanStatus};

/// Discovery's state (hosts are listed only while the Join screen watches).
#[tauri::command]
#[specta::specta]
pub fn lan_status(lan: State<'_, Lan>) -> LanStatus {
    lan.status()
}

/// Starts browsing the network; every change to the hosts seen arrives on `on_change`. Returns the state now.
#[tauri::command]
#[specta::specta]
pub fn lan_watch(lan: State<'_, Lan>, on_change: Channel<LanStatus>) -> LanStatus {
    lan.watch(on_change)
}

/// Stops browsing.
#[tauri::command]
#[specta::specta]
pub fn lan_unwatch(lan: State<'_, Lan>) {
    lan.unwatch();
}

/// Turns discovery on or off (remembered across restarts).
#[tauri::command]
#[specta::specta]
pub fn set_discovery(lan: State<'_, Lan>, enabled: bool) -> CommandResult<LanStatus> {
    lan.set_enabled(enabled)
}
