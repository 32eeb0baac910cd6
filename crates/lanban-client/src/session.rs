//! A live board: a local mirror kept current over the board's WebSocket.
//!
//! The session starts from a snapshot (the host's, or the replica's when the board is kept on disk), then keeps
//! one socket open, always connecting with `since` = the mirror's seq so nothing committed in between is missed.
//! Events apply in seq order through `lanban-core`'s [`Snapshot::apply`]: duplicates are ignored, a gap is filled
//! from `/events`, and `resync` (or a gap that cannot be filled) replaces the mirror with a fresh snapshot. When
//! the socket breaks, the session reconnects with exponential backoff and full jitter until it is closed or its
//! member is removed. With a replica, every change to the mirror is also written to disk (`keep`).
//!
//! The session is the one place that orders, deduplicates and resyncs: subscribers ([`BoardSession::watch`])
//! receive each next event once, or a whole snapshot.

mod history;
mod keep;
mod options;
mod outbox;
mod socket;

pub use options::{Origin, ReplicaSlot, SessionOptions};

pub use outbox::{ChangeState, Handed, Held, PendingChange, Submitted};

use std::sync::{Arc, RwLock};
use std::time::Duration;

use lanban_core::api::Snapshot;
use lanban_core::event::{BoardMoved, Event, PresenceEntry};
use lanban_core::ids::{BoardId, CardId};
use lanban_core::time::Timestamp;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use lanban_core::mutation::Mutation;
use uuid::Uuid;

use crate::api::Api;
use crate::error::ClientError;

/// Where the session's connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the first socket.
    Connecting,
    /// The socket is open and the mirror is current.
    Connected,
    /// The socket broke at `since` (or the host could not be reached since then); retrying. `last_synced`: when
    /// the mirror was last known to be current with the host.
    Reconnecting {
        since: Timestamp,
        attempt: u32,
        last_synced: Option<Timestamp>,
    },
    /// Still retrying, but the server has been unreachable for a while.
    Offline {
        since: Timestamp,
        attempt: u32,
        last_synced: Option<Timestamp>,
    },
    /// The computer at the host's address presented another certificate than the one pinned for it: nothing was
    /// sent to it. The session keeps trying (the real host may come back); the board shown is this computer's
    /// copy as of `last_synced`.
    IdentityChanged {
        since: Timestamp,
        last_synced: Option<Timestamp>,
    },
    /// The board moved to another host (`board.moved`, see [`BoardSession::moved`]): the session has stopped;
    /// open the board there.
    Moved,
    /// The member was removed or the board is gone: the session has stopped.
    Removed,
    /// The host speaks a newer protocol (`host_protocol`) than this app: the session has stopped, and the board
    /// shown is this computer's copy; update the app to go on.
    Outdated { host_protocol: u32 },
    /// Closed by [`BoardSession::close`].
    Closed,
}

/// What happened to the mirror.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// An event was applied (in seq order, each once).
    Applied(Arc<Event>),
    /// The mirror was replaced by a fresh snapshot (after `resync` or an unfillable gap).
    Resynced(Arc<Snapshot>),
    /// Who is connected, and what they view.
    Presence(Vec<PresenceEntry>),
    /// This member was removed from the board; the session has stopped.
    Removed,
    /// The changes this person made that the board does not show yet (queued, sent, or failed), in order.
    Changes(Arc<Vec<PendingChange>>),
    /// The board moved to another host; the session has stopped (see [`BoardSession::moved`]).
    Moved(Arc<BoardMoved>),
}

/// A live board. Dropping it stops its task.
pub struct BoardSession {
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    /// The host and this member's credential (a std lock: never held across an `.await`; replaced when the host
    /// is found at another address, see [`BoardSession::move_host`]).
    api: std::sync::RwLock<Api>,
    /// Cuts a reconnect backoff short (the host was found again).
    retry_now: tokio::sync::Notify,
    board_id: BoardId,
    options: SessionOptions,
    /// Where the board came from when the session opened.
    origin: Origin,
    /// When the mirror was last known to be current with the host (a std lock: never held across an `.await`).
    last_synced: std::sync::Mutex<Option<Timestamp>>,
    /// Writes every change of the mirror to the replica, in order; `None` without a replica.
    keep: Option<keep::Keeper>,
    /// Where the board is kept, for the outbox's entries.
    keep_slot: Option<ReplicaSlot>,
    /// The changes this person made that the board does not show yet (a std lock: never held across an `.await`;
    /// taken after the mirror's lock when both are needed).
    outbox: std::sync::Mutex<outbox::Outbox>,
    /// Wakes the outbox's task when a change is queued.
    outbox_wake: tokio::sync::Notify,
    /// True once the mirror has caught up with the host after (re)connecting: the outbox sends only then, so a
    /// change is checked against the board as the host has it.
    caught_up: watch::Sender<bool>,
    /// The seq the host's hello named on this connection.
    catch_up_to: std::sync::atomic::AtomicU64,
    /// Where the board went, once a `board.moved` naming another host was applied.
    moved: std::sync::Mutex<Option<BoardMoved>>,
    /// The mirror (a std lock: never held across an `.await`).
    state: RwLock<Snapshot>,
    events: broadcast::Sender<SyncEvent>,
    connection: watch::Sender<ConnectionState>,
    presence: watch::Sender<Vec<PresenceEntry>>,
    /// What this client views; sent to the server whenever it changes.
    viewing: watch::Sender<Option<CardId>>,
    /// Tells the task to stop.
    stop: watch::Sender<bool>,
}

impl BoardSession {
    /// Opens a board: takes its snapshot, then goes live in the background.
    pub async fn open(api: Api, board_id: BoardId) -> Result<BoardSession, ClientError> {
        Self::open_with(api, board_id, SessionOptions::default()).await
    }

    /// [`BoardSession::open`] with other timings.
    pub async fn open_with(
        api: Api,
        board_id: BoardId,
        options: SessionOptions,
    ) -> Result<BoardSession, ClientError> {
        let snapshot = api.snapshot(board_id).await?;
        Ok(Self::start(api, snapshot, options, Origin::Host, None))
    }

    /// Opens a board kept in a replica: from the replica at once when it holds the board (no network needed; the
    /// session then catches up from the replica's seq once the host answers), else from the host's snapshot,
    /// which the replica then keeps. Every change to the mirror is written to the replica from then on.
    pub async fn open_replicated(
        api: Api,
        board_id: BoardId,
        options: SessionOptions,
        slot: ReplicaSlot,
    ) -> Result<BoardSession, ClientError> {
        let ReplicaSlot { replica, host } = &slot;
        let stored = replica.load(host, board_id)?;
        let (snapshot, origin) = match stored {
            Some(snapshot) => {
                let info = replica.info(host, board_id)?;
                let origin = Origin::Replica {
                    synced_at: info.as_ref().and_then(|i| i.synced_at.clone()),
                    unreachable_since: info.and_then(|i| i.host_unreachable_since),
                };
                (snapshot, origin)
            }
            None => {
                let snapshot = api.snapshot(board_id).await?;
                replica.save_snapshot(host, &snapshot)?;
                replica.mark_synced(host, board_id, &Timestamp::now())?;
                (snapshot, Origin::Host)
            }
        };
        Ok(Self::start(api, snapshot, options, origin, Some(slot)))
    }

    /// Starts the session's task from `snapshot`.
    fn start(
        api: Api,
        snapshot: Snapshot,
        options: SessionOptions,
        origin: Origin,
        slot: Option<ReplicaSlot>,
    ) -> BoardSession {
        let board_id = snapshot.board.id;
        let last_synced = match &origin {
            Origin::Host => Some(Timestamp::now()),
            Origin::Replica { synced_at, .. } => synced_at.clone(),
        };
        let shared = Arc::new_cyclic(|weak| Shared {
            retry_now: tokio::sync::Notify::new(),
            keep: slot
                .clone()
                .map(|slot| keep::Keeper::spawn(slot, board_id, weak.clone())),
            keep_slot: slot,
            api: std::sync::RwLock::new(api),
            outbox: std::sync::Mutex::default(),
            outbox_wake: tokio::sync::Notify::new(),
            caught_up: watch::channel(false).0,
            catch_up_to: std::sync::atomic::AtomicU64::new(u64::MAX),
            moved: std::sync::Mutex::new(None),
            board_id,
            state: RwLock::new(snapshot),
            events: broadcast::channel(options.event_buffer.max(16)).0,
            connection: watch::channel(ConnectionState::Connecting).0,
            presence: watch::channel(Vec::new()).0,
            viewing: watch::channel(None).0,
            stop: watch::channel(false).0,
            last_synced: std::sync::Mutex::new(last_synced),
            origin,
            options,
        });
        if let Err(err) = shared.load_kept() {
            tracing::error!(error = %err, "cannot read the changes kept for this board");
        }
        let task = tokio::spawn(socket::run(shared.clone()));
        tokio::spawn(outbox::drain(shared.clone()));
        tokio::spawn(history::complete(shared.clone()));
        BoardSession {
            shared,
            task: Some(task),
        }
    }

    /// Makes a change: kept first (on disk with a replica), then sent in order. While the host is reachable this
    /// waits for its answer (up to 10 s): `Done` with the answer, or the refusal as an error (the change is then
    /// dropped). When the host is out of reach (or slow), the answer is `Queued`: the change goes when the host is
    /// back, and [`SyncEvent::Changes`] tells what becomes of it.
    pub async fn submit(&self, key: Uuid, mutation: Mutation) -> Result<Submitted, ClientError> {
        self.hand(key, mutation)?.answer().await
    }

    /// The first half of [`submit`](Self::submit): the change is kept and queued when this returns, so changes
    /// handed one after another are sent (and applied) in that order, whatever awaits their answers.
    pub fn hand(&self, key: Uuid, mutation: Mutation) -> Result<Handed, ClientError> {
        let connection = self.connection();
        let outcome = self.shared.enqueue(key, mutation)?;
        Ok(Handed {
            connection,
            outcome,
        })
    }

    /// Where the board is kept on disk, if it is.
    pub fn replica_slot(&self) -> Option<ReplicaSlot> {
        self.shared.keep_slot.clone()
    }

    /// Where the board moved, once the session learned it moved to another host (it has stopped then).
    pub fn moved(&self) -> Option<BoardMoved> {
        self.shared
            .moved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The changes this person made that the board does not show yet, in order.
    pub fn changes(&self) -> Vec<PendingChange> {
        self.shared.outbox().list()
    }

    /// Drops a change that could not be applied (or is still queued) without sending it; false if there is none
    /// with this key.
    pub fn discard_change(&self, key: Uuid) -> Result<bool, ClientError> {
        Ok(self.shared.discard(key)?.is_some())
    }

    /// Sends a change that could not be applied again, on top of the board as it is now (a new key: the host
    /// refused the old request, so it applied nothing).
    pub async fn apply_again(&self, key: Uuid) -> Result<Submitted, ClientError> {
        let Some(mutation) = self.shared.discard(key)? else {
            return Err(ClientError::Closed);
        };
        let again = self.read(|board| mutation.on_top(board));
        self.submit(Uuid::now_v7(), again).await
    }

    /// Where the board came from when the session opened (the host, or the replica on disk).
    pub fn origin(&self) -> &Origin {
        &self.shared.origin
    }

    /// When the mirror was last known to be current with the host.
    pub fn last_synced(&self) -> Option<Timestamp> {
        self.shared.last_synced()
    }

    /// The server this session talks to, with its credential.
    pub fn api(&self) -> Api {
        self.shared.api()
    }

    /// The host was found at another address (another DHCP lease, another port): talk to it there from now on,
    /// trusting the same certificate and with the same credential, and reconnect at once.
    pub fn move_host(&self, address: &str) -> Result<(), ClientError> {
        let current = self.shared.api();
        let moved = match current.pin() {
            Some(pin) => Api::pinned(address, pin)?,
            None => Api::new(address)?,
        };
        let moved = match current.token() {
            Some(token) => moved.with_token(token),
            None => moved,
        };
        self.switch_host(moved);
        Ok(())
    }

    /// The board is served by another server from now on (this member hosts it from their own computer, its host
    /// gone for good): talk to `api` (with its credential), and reconnect at once. The mirror, its seq and the
    /// waiting changes carry on there.
    pub fn switch_host(&self, api: Api) {
        *self.shared.api.write().unwrap_or_else(|e| e.into_inner()) = api;
        self.shared.retry_now.notify_one();
    }

    /// The board.
    pub fn board_id(&self) -> BoardId {
        self.shared.board_id
    }

    /// A copy of the mirror.
    pub fn state(&self) -> Snapshot {
        self.read(Snapshot::clone)
    }

    /// Reads the mirror without copying it.
    pub fn read<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> R {
        let state = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
        f(&state)
    }

    /// The seq the mirror is current to.
    pub fn seq(&self) -> u64 {
        self.read(|s| s.seq)
    }

    /// Changes to the mirror, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.shared.events.subscribe()
    }

    /// The mirror and its changes from that point on, taken together: the receiver yields exactly the events
    /// after the returned snapshot's seq (or a [`SyncEvent::Resynced`] that replaces it), each once, in order.
    ///
    /// Events are applied and sent under the mirror's lock, so subscribing under the same lock leaves nothing
    /// between the copy and the first event received.
    pub fn watch(&self) -> (Snapshot, broadcast::Receiver<SyncEvent>) {
        let state = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
        let events = self.shared.events.subscribe();
        (state.clone(), events)
    }

    /// The connection state, watchable.
    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.shared.connection.subscribe()
    }

    /// The room's presence, watchable.
    pub fn presence(&self) -> watch::Receiver<Vec<PresenceEntry>> {
        self.shared.presence.subscribe()
    }

    /// Tells the room which card this client has open (or none).
    pub fn set_viewing(&self, card: Option<CardId>) {
        self.shared.viewing.send_replace(card);
    }

    /// Waits until the mirror has applied `seq` (or the timeout passes).
    pub async fn wait_for_seq(&self, seq: u64, timeout: Duration) -> Result<(), ClientError> {
        let mut events = self.subscribe();
        let wait = async {
            loop {
                if self.seq() >= seq {
                    return Ok(());
                }
                match events.recv().await {
                    Ok(SyncEvent::Removed) => return Err(ClientError::Closed),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return Err(ClientError::Closed),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    /// Waits until the connection state satisfies `ready` (or the timeout passes).
    pub async fn wait_for_connection(
        &self,
        ready: impl Fn(&ConnectionState) -> bool,
        timeout: Duration,
    ) -> Result<ConnectionState, ClientError> {
        let mut connection = self.connection();
        let wait = async {
            let state = connection
                .wait_for(|s| ready(s))
                .await
                .map_err(|_| ClientError::Closed)?;
            Ok(state.clone())
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| ClientError::Timeout)?
    }

    /// Tells the session to stop (its socket closes shortly); see [`BoardSession::close`] to wait for it.
    pub fn stop(&self) {
        self.shared.stop.send_replace(true);
        self.shared.connection.send_replace(ConnectionState::Closed);
    }

    /// Stops the session and closes its socket.
    pub async fn close(mut self) {
        self.shared.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.shared.connection.send_replace(ConnectionState::Closed);
    }
}

impl Shared {
    /// Notes a `board.moved` (under the mirror's lock, as it is applied): one naming the host this session
    /// already trusts changes nothing; one naming another host stops the session, and subscribers are told.
    fn moved_away(&self, moved: &BoardMoved) {
        if self.api().pin() == Some(moved.fingerprint) {
            return;
        }
        *self.moved.lock().unwrap_or_else(|e| e.into_inner()) = Some(moved.clone());
        let _ = self.events.send(SyncEvent::Moved(Arc::new(moved.clone())));
    }

    /// True once the board moved to another host.
    fn has_moved(&self) -> bool {
        self.moved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// The host's client as it is now.
    fn api(&self) -> Api {
        self.api.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn last_synced(&self) -> Option<Timestamp> {
        self.last_synced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Notes that the mirror is current with the host as of now (and tells the replica).
    fn synced_now(&self) {
        let now = Timestamp::now();
        *self.last_synced.lock().unwrap_or_else(|e| e.into_inner()) = Some(now.clone());
        if let Some(keep) = &self.keep {
            keep.send(keep::Keep::Synced(now));
        }
    }
}

impl Drop for BoardSession {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
    }
}
