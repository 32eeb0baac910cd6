//! The bridge: forwards a board session's changes to the window over a Tauri IPC channel, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lanban_client::{BoardSession, ConnectionState, SyncEvent};
use lanban_core::api::Snapshot;
use lanban_core::event::{Event, PresenceEntry};
use lanban_core::time::Timestamp;
use serde::Serialize;
use tauri::ipc::Channel;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Connection state as the header's pill shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ConnectionView {
    Connecting,
    Connected,
    Reconnecting { since: Timestamp, attempt: u32 },
    Offline { since: Timestamp, attempt: u32 },
    Removed,
    Closed,
}

impl From<&ConnectionState> for ConnectionView {
    fn from(state: &ConnectionState) -> Self {
        match state {
            ConnectionState::Connecting => ConnectionView::Connecting,
            ConnectionState::Connected => ConnectionView::Connected,
            ConnectionState::Reconnecting { since, attempt } => ConnectionView::Reconnecting {
                since: since.clone(),
                attempt: *attempt,
            },
            ConnectionState::Offline { since, attempt } => ConnectionView::Offline {
                since: since.clone(),
                attempt: *attempt,
            },
            ConnectionState::Removed => ConnectionView::Removed,
            ConnectionState::Closed => ConnectionView::Closed,
        }
    }
}

/// What the bridge sends the window.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BridgeMessage {
    /// A committed event, applied to the session's mirror; the UI applies it in seq order.
    Event { event: Event },
    /// Replace the board with this snapshot.
    Resynced { snapshot: Snapshot },
    /// Who is connected and what they view.
    Presence { members: Vec<PresenceEntry> },
    /// The connection changed.
    Connection { state: ConnectionView },
    /// This member was removed from the board.
    Removed,
}

/// Forwards `session`'s changes to `channel` until the session ends or the window goes away. `open` is
/// cleared when the bridge stops.
pub fn spawn(
    session: Arc<BoardSession>,
    channel: Channel<BridgeMessage>,
    open: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let mut events = session.subscribe();
    let mut connection = session.connection();
    tokio::spawn(async move {
        let send = |message: BridgeMessage| channel.send(message).is_ok();
        let initial = ConnectionView::from(&*connection.borrow_and_update());
        if send(BridgeMessage::Connection { state: initial }) {
            loop {
                let message = tokio::select! {
                    received = events.recv() => match received {
                        Ok(SyncEvent::Applied(event)) => BridgeMessage::Event { event: (*event).clone() },
                        Ok(SyncEvent::Resynced(snapshot)) => BridgeMessage::Resynced { snapshot: (*snapshot).clone() },
                        Ok(SyncEvent::Presence(members)) => BridgeMessage::Presence { members },
                        Ok(SyncEvent::Removed) => BridgeMessage::Removed,
                        // The window fell behind the session: hand it the whole board instead.
                        Err(RecvError::Lagged(_)) => BridgeMessage::Resynced { snapshot: session.state() },
                        Err(RecvError::Closed) => break,
                    },
                    changed = connection.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        BridgeMessage::Connection { state: ConnectionView::from(&*connection.borrow_and_update()) }
                    }
                };
                if !send(message) {
                    break;
                }
            }
        }
        open.store(false, Ordering::Relaxed);
    })
}
