//! The bridge: forwards a board session's changes to the window over a Tauri IPC channel, in order. The session
//! orders, deduplicates and resyncs; the bridge only passes its results on, so the window never asks back.

use std::sync::Arc;

use lanban_client::{BoardSession, ChangeState, ConnectionState, PendingChange, SyncEvent};
use lanban_core::api::Snapshot;
use lanban_core::event::{Event, PresenceEntry};
use lanban_core::ids::MemberId;
use lanban_core::model::Card;
use lanban_core::mutation::Mutation;
use lanban_core::time::Timestamp;
use serde::Serialize;

use crate::error::AppErrorCode;
use tauri::ipc::Channel;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Connection state as the header's pill shows it. `last_synced`: when the board was last known to be current
/// with the host (while it is out of reach, the board shown is this computer's copy as of then).
/// `identity_changed`: another computer answered at the host's address (its certificate is not the pinned one);
/// nothing is sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ConnectionView {
    Connecting,
    Connected,
    Reconnecting {
        since: Timestamp,
        attempt: u32,
        last_synced: Option<Timestamp>,
    },
    Offline {
        since: Timestamp,
        attempt: u32,
        last_synced: Option<Timestamp>,
    },
    IdentityChanged {
        since: Timestamp,
        last_synced: Option<Timestamp>,
    },
    Moved,
    Removed,
    /// The host runs a newer Lanban than this app: update to go on.
    Outdated {
        host_protocol: u32,
    },
    Closed,
}

impl From<&ConnectionState> for ConnectionView {
    fn from(state: &ConnectionState) -> Self {
        match state.clone() {
            ConnectionState::Connecting => ConnectionView::Connecting,
            ConnectionState::Connected => ConnectionView::Connected,
            ConnectionState::Reconnecting {
                since,
                attempt,
                last_synced,
            } => ConnectionView::Reconnecting {
                since,
                attempt,
                last_synced,
            },
            ConnectionState::Offline {
                since,
                attempt,
                last_synced,
            } => ConnectionView::Offline {
                since,
                attempt,
                last_synced,
            },
            ConnectionState::IdentityChanged { since, last_synced } => {
                ConnectionView::IdentityChanged { since, last_synced }
            }
            ConnectionState::Moved => ConnectionView::Moved,
            ConnectionState::Removed => ConnectionView::Removed,
            ConnectionState::Outdated { host_protocol } => {
                ConnectionView::Outdated { host_protocol }
            }
            ConnectionState::Closed => ConnectionView::Closed,
        }
    }
}

/// What the bridge sends the window: the open board's changes, already ordered, deduplicated and resynced by the
/// session, so the window applies each event as it comes.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BridgeMessage {
    /// The next committed event: its seq is one above the last event or snapshot sent.
    Event { event: Event },
    /// The next committed events, in order (the first one above the last event or snapshot sent): those the
    /// session had applied by the time the bridge passed the first on, sent as one message (a burst).
    Events { events: Vec<Event> },
    /// Replace the board with this snapshot (the session resynced, or the window fell behind); later events
    /// follow it.
    Resynced { snapshot: Snapshot },
    /// Who is connected and what they view.
    Presence { members: Vec<PresenceEntry> },
    /// The connection changed.
    Connection { state: ConnectionView },
    /// This member was removed from the board.
    Removed,
    /// The changes this person made that the board does not show yet, in order: queued (the host is away),
    /// sent (its event is on the way), or failed (refused, or a teammate changed the same thing meanwhile).
    Changes { changes: Vec<PendingChangeView> },
    /// The board moved to another computer (`host` hosts it now): call `follow_move`, then open it again.
    Moved { host: MemberId },
}

/// A change the board does not show yet.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PendingChangeView {
    /// The key the window chose for it.
    pub key: String,
    pub mutation: Mutation,
    pub state: ChangeStateView,
    pub queued_at: Timestamp,
    /// While it waits: why the host did not run its last try (busy, its disk full, rate limiting), if it said.
    pub held: Option<HeldView>,
}

/// The host's answer to a try it did not run; the change is sent again.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HeldView {
    pub code: Option<AppErrorCode>,
    pub message: String,
}

/// Where a pending change stands.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ChangeStateView {
    Queued,
    Sent,
    /// `current`: the card as the board has it now, when the change is about a card.
    Failed {
        code: Option<AppErrorCode>,
        message: String,
        current: Option<Box<Card>>,
    },
}

impl From<&PendingChange> for PendingChangeView {
    fn from(change: &PendingChange) -> Self {
        let state = match &change.state {
            ChangeState::Queued => ChangeStateView::Queued,
            ChangeState::Sent => ChangeStateView::Sent,
            ChangeState::Failed {
                code,
                message,
                current,
                ..
            } => ChangeStateView::Failed {
                code: code.map(AppErrorCode::from),
                message: message.clone(),
                current: current.clone(),
            },
        };
        Self {
            key: change.key.to_string(),
            mutation: change.mutation.clone(),
            state,
            queued_at: change.queued_at.clone(),
            held: change.held.as_ref().map(|held| HeldView {
                code: held.code.map(AppErrorCode::from),
                message: held.message.clone(),
            }),
        }
    }
}

fn changes(list: &[PendingChange]) -> BridgeMessage {
    BridgeMessage::Changes {
        changes: list.iter().map(PendingChangeView::from).collect(),
    }
}

/// Forwards `session`'s changes to `channel` until the session ends or the window goes away, starting after
/// `seen`, the seq of the snapshot the window painted: if the session has moved on since, the first message
/// is that newer snapshot.
pub fn spawn(
    session: Arc<BoardSession>,
    channel: Channel<BridgeMessage>,
    seen: u64,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        forward(&session, |message| channel.send(message).is_ok(), seen).await;
    })
}

/// Most events sent in one message.
const MAX_BURST: usize = 256;

/// `first`, and the events the session applied after it that are already waiting, as one message; and the first
/// thing waiting that is not an event, to pass on after it.
fn burst(
    first: &Event,
    events: &mut tokio::sync::broadcast::Receiver<SyncEvent>,
) -> (BridgeMessage, Option<Result<SyncEvent, RecvError>>) {
    use tokio::sync::broadcast::error::TryRecvError;
    let mut burst = vec![first.clone()];
    let next = loop {
        if burst.len() == MAX_BURST {
            break None;
        }
        match events.try_recv() {
            Ok(SyncEvent::Applied(event)) => burst.push((*event).clone()),
            Ok(other) => break Some(Ok(other)),
            Err(TryRecvError::Empty) => break None,
            Err(TryRecvError::Lagged(missed)) => break Some(Err(RecvError::Lagged(missed))),
            Err(TryRecvError::Closed) => break Some(Err(RecvError::Closed)),
        }
    };
    let message = match burst.len() {
        1 => BridgeMessage::Event {
            event: burst.remove(0),
        },
        _ => BridgeMessage::Events { events: burst },
    };
    (message, next)
}

/// What the session says next: what the last burst held back, else the next message (cancel-safe: a held message is
/// taken only by the poll that returns it).
async fn next(
    held: &mut Option<Result<SyncEvent, RecvError>>,
    events: &mut tokio::sync::broadcast::Receiver<SyncEvent>,
) -> Result<SyncEvent, RecvError> {
    match held.take() {
        Some(next) => next,
        None => events.recv().await,
    }
}

/// The bridge's loop; `send` answers false once the window is gone.
async fn forward(session: &BoardSession, send: impl Fn(BridgeMessage) -> bool, seen: u64) {
    let mut connection = session.connection();
    let (snapshot, mut events) = session.watch();
    let presence = session.presence().borrow().clone();
    let initial = ConnectionView::from(&*connection.borrow_and_update());
    if !send(BridgeMessage::Connection { state: initial })
        || !send(BridgeMessage::Presence { members: presence })
        || !send(changes(&session.changes()))
    {
        return;
    }
    if snapshot.seq != seen && !send(BridgeMessage::Resynced { snapshot }) {
        return;
    }
    // What came after a burst of events, to pass on next.
    let mut held = None;
    loop {
        let message = tokio::select! {
            received = next(&mut held, &mut events) => match received {
                Ok(SyncEvent::Applied(event)) => {
                    let (burst, next) = burst(&event, &mut events);
                    held = next;
                    burst
                }
                Ok(SyncEvent::Resynced(snapshot)) => BridgeMessage::Resynced { snapshot: (*snapshot).clone() },
                Ok(SyncEvent::Presence(members)) => BridgeMessage::Presence { members },
                Ok(SyncEvent::Removed) => BridgeMessage::Removed,
                Ok(SyncEvent::Changes(list)) => changes(&list),
                Ok(SyncEvent::Moved(moved)) => BridgeMessage::Moved { host: moved.host },
                // The window fell behind the session: hand it the whole board, and follow on from there.
                Err(RecvError::Lagged(_)) => {
                    let (snapshot, rest) = session.watch();
                    events = rest;
                    // The list may have changed meanwhile too.
                    if !send(changes(&session.changes())) {
                        return;
                    }
                    BridgeMessage::Resynced { snapshot }
                }
                Err(RecvError::Closed) => return,
            },
            changed = connection.changed() => {
                if changed.is_err() {
                    return;
                }
                BridgeMessage::Connection { state: ConnectionView::from(&*connection.borrow_and_update()) }
            }
        };
        if !send(message) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use lanban_client::Api;
    use lanban_core::api::{CreateCard, CreateColumn};
    use lanban_core::event::{Change, RoomCodeRotated};
    use lanban_core::room_code::RoomCode;
    use lanban_server::{Config, RunningServer};

    use super::*;

    /// The events a message to the window carries (none for other messages).
    fn carried(message: &BridgeMessage) -> &[Event] {
        match message {
            BridgeMessage::Event { event } => std::slice::from_ref(event),
            BridgeMessage::Events { events } => events,
            _ => &[],
        }
    }

    /// Adds a card titled `title` to `column`.
    async fn add_card(api: &Api, column: lanban_core::ids::ColumnId, title: &str) {
        let card = CreateCard {
            title: title.into(),
            ..Default::default()
        };
        api.create_card(column, &card).await.unwrap();
    }

    #[tokio::test]
    async fn the_window_gets_a_newer_board_first_then_each_following_event_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start(Config::new(dir.path()), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let host = Api::new(&server.url()).unwrap();
        let created = host
            .with_token(&server.host_token)
            .create_board("Launch", "Ada")
            .await
            .unwrap();
        let ada = host.with_token(&created.token);
        let board = created.board.id;
        let column = CreateColumn {
            title: "Todo".into(),
            ..Default::default()
        };
        let column = ada.create_column(board, &column).await.unwrap();
        let session = BoardSession::open(ada.clone(), board).await.unwrap();
        // The window painted the board at seq 1 (before the column); the session has moved on since.
        let seen = 1;
        assert!(session.seq() > seen);

        let messages = Mutex::new(Vec::new());
        let events = std::sync::atomic::AtomicUsize::new(0);
        let send = |message: BridgeMessage| {
            events.fetch_add(
                carried(&message).len(),
                std::sync::atomic::Ordering::Relaxed,
            );
            messages.lock().unwrap().push(message);
            // The window goes away after five events.
            events.load(std::sync::atomic::Ordering::Relaxed) < 5
        };
        let writes = async {
            for i in 0..5 {
                add_card(&ada, column.id, &format!("Card {i}")).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(15), async {
            tokio::join!(forward(&session, send, seen), writes)
        })
        .await
        .expect("five events in time");

        let messages = messages.into_inner().unwrap();
        assert!(matches!(messages[0], BridgeMessage::Connection { .. }));
        assert!(matches!(messages[1], BridgeMessage::Presence { .. }));
        assert!(matches!(&messages[2], BridgeMessage::Changes { changes } if changes.is_empty()));
        let BridgeMessage::Resynced { snapshot } = &messages[3] else {
            panic!("a newer board first: {:?}", messages[3]);
        };
        let mut seq = snapshot.seq;
        for message in &messages[4..] {
            for event in carried(message) {
                assert_eq!(event.seq, seq + 1, "each next event once");
                seq = event.seq;
            }
        }
        assert_eq!(seq, session.seq());
        session.close().await;
    }

    fn applied(seq: u64) -> SyncEvent {
        SyncEvent::Applied(Arc::new(Event {
            seq,
            actor: MemberId::new(),
            at: Timestamp::now(),
            change: Change::RoomCodeRotated(RoomCodeRotated {
                room_code: RoomCode::generate().unwrap(),
            }),
        }))
    }

    /// The seqs of the events `message` carries.
    fn seqs(message: &BridgeMessage) -> Vec<u64> {
        carried(message).iter().map(|e| e.seq).collect()
    }

    #[test]
    fn a_burst_goes_as_one_message_and_what_follows_it_after() {
        let (tx, mut rx) = tokio::sync::broadcast::channel(1024);
        // Alone: one event, nothing held.
        tx.send(applied(1)).unwrap();
        let Ok(SyncEvent::Applied(first)) = rx.try_recv() else {
            panic!("an event");
        };
        let (message, held) = burst(&first, &mut rx);
        assert!(matches!(message, BridgeMessage::Event { .. }));
        assert_eq!(seqs(&message), [1]);
        assert!(held.is_none());

        // A burst, then the presence: the events in order in one message, the presence held for after it.
        for seq in 2..=5 {
            tx.send(applied(seq)).unwrap();
        }
        tx.send(SyncEvent::Presence(Vec::new())).unwrap();
        tx.send(applied(6)).unwrap();
        let Ok(SyncEvent::Applied(first)) = rx.try_recv() else {
            panic!("an event");
        };
        let (message, held) = burst(&first, &mut rx);
        assert_eq!(seqs(&message), [2, 3, 4, 5]);
        assert!(matches!(held, Some(Ok(SyncEvent::Presence(_)))));
        assert!(matches!(rx.try_recv(), Ok(SyncEvent::Applied(e)) if e.seq == 6));

        // At most MAX_BURST events in one message; the rest follow in the next.
        for seq in 7..(7 + MAX_BURST as u64 + 10) {
            tx.send(applied(seq)).unwrap();
        }
        let Ok(SyncEvent::Applied(first)) = rx.try_recv() else {
            panic!("an event");
        };
        let (message, held) = burst(&first, &mut rx);
        assert_eq!(seqs(&message).len(), MAX_BURST);
        assert!(held.is_none());
        let Ok(SyncEvent::Applied(first)) = rx.try_recv() else {
            panic!("an event");
        };
        assert_eq!(first.seq, 7 + MAX_BURST as u64);

        // A window that fell behind: the lag is held, to resync after the events it has.
        let (tx, mut rx) = tokio::sync::broadcast::channel(2);
        for seq in 1..=5 {
            tx.send(applied(seq)).unwrap();
        }
        let Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) = rx.try_recv() else {
            panic!("lagged");
        };
        let Ok(SyncEvent::Applied(first)) = rx.try_recv() else {
            panic!("an event");
        };
        tx.send(applied(6)).unwrap();
        tx.send(applied(7)).unwrap();
        let (message, held) = burst(&first, &mut rx);
        assert_eq!(seqs(&message), [4]);
        assert!(matches!(held, Some(Err(RecvError::Lagged(_)))));
    }
}
