//! A live board: a local mirror kept current over the board's WebSocket.
//!
//! The session takes a snapshot, then keeps one socket open, always connecting with `since` = the mirror's seq
//! so nothing committed in between is missed. Events apply in seq order through `lanban-core`'s
//! [`Snapshot::apply`]: duplicates are ignored, a gap is filled from `/events`, and `resync` (or a gap that
//! cannot be filled) replaces the mirror with a fresh snapshot. When the socket breaks, the session reconnects
//! with exponential backoff and full jitter until it is closed or its member is removed.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lanban_core::api::Snapshot;
use lanban_core::event::{ClientMessage, Event, PresenceEntry, ServerMessage, close_code};
use lanban_core::ids::{BoardId, CardId};
use lanban_core::state::{Applied, ApplyError};
use lanban_core::time::Timestamp;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api::{Api, is_locked_out};
use crate::error::ClientError;

/// Where the session's connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the first socket.
    Connecting,
    /// The socket is open and the mirror is current.
    Connected,
    /// The socket broke at `since`; retrying.
    Reconnecting { since: Timestamp, attempt: u32 },
    /// Still retrying, but the server has been unreachable for a while.
    Offline { since: Timestamp, attempt: u32 },
    /// The member was removed or the board is gone: the session has stopped.
    Removed,
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
}

/// Timing of a session (the defaults suit people; tests shorten them).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// First reconnect delay; doubles each attempt.
    pub backoff_base: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// After this long without a connection the state says `Offline` instead of `Reconnecting`.
    pub offline_after: Duration,
    /// A socket silent for this long (the server pings every 20 s) is given up and reopened.
    pub idle_timeout: Duration,
    /// Buffered [`SyncEvent`]s for slow subscribers.
    pub event_buffer: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            offline_after: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            event_buffer: 4096,
        }
    }
}

/// A live board. Dropping it stops its task.
pub struct BoardSession {
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    api: Api,
    board_id: BoardId,
    options: SessionOptions,
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

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How one socket ended.
enum End {
    /// Reconnect (with backoff).
    Broken,
    /// Take a snapshot, then reconnect at once.
    Resync,
    /// Stop for good.
    Removed,
    /// The session was closed.
    Stopped,
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
        let shared = Arc::new(Shared {
            api,
            board_id,
            state: RwLock::new(snapshot),
            events: broadcast::channel(options.event_buffer.max(16)).0,
            connection: watch::channel(ConnectionState::Connecting).0,
            presence: watch::channel(Vec::new()).0,
            viewing: watch::channel(None).0,
            stop: watch::channel(false).0,
            options,
        });
        let task = tokio::spawn(run(shared.clone()));
        Ok(BoardSession {
            shared,
            task: Some(task),
        })
    }

    /// The server this session talks to, with its credential.
    pub fn api(&self) -> &Api {
        &self.shared.api
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

impl Drop for BoardSession {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
    }
}

async fn run(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut attempt: u32 = 0;
    let mut down_since: Option<(Timestamp, tokio::time::Instant)> = None;
    loop {
        let stopping = *stop.borrow();
        if stopping {
            return;
        }
        let end = match connect(&shared).await {
            Ok(socket) => {
                attempt = 0;
                down_since = None;
                shared.connection.send_replace(ConnectionState::Connected);
                live(&shared, socket, &mut stop).await
            }
            Err(ConnectError::LockedOut) => End::Removed,
            Err(ConnectError::Failed(err)) => {
                tracing::debug!(error = %err, "cannot connect");
                End::Broken
            }
        };
        match end {
            End::Stopped => return,
            End::Removed => {
                shared.connection.send_replace(ConnectionState::Removed);
                let _ = shared.events.send(SyncEvent::Removed);
                return;
            }
            End::Resync => {
                if resync(&shared).await.is_err() {
                    // Fall through to a backoff; the next connection retries the snapshot too.
                } else {
                    continue;
                }
            }
            End::Broken => {}
        }
        attempt = attempt.saturating_add(1);
        let (since, at) = down_since
            .get_or_insert_with(|| (Timestamp::now(), tokio::time::Instant::now()))
            .clone();
        let state = if at.elapsed() >= shared.options.offline_after {
            ConnectionState::Offline { since, attempt }
        } else {
            ConnectionState::Reconnecting { since, attempt }
        };
        shared.connection.send_replace(state);
        let delay = backoff(&shared.options, attempt);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stopped(&mut stop) => return,
        }
    }
}

/// Resolves once the session is told to stop.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other `.await`.
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// Exponential backoff with full jitter in [delay/2, delay].
fn backoff(options: &SessionOptions, attempt: u32) -> Duration {
    let exp = options
        .backoff_base
        .saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
    let delay = exp.min(options.backoff_max);
    let half = delay / 2;
    let jitter_ms = half.as_millis() as u64;
    let extra = if jitter_ms == 0 {
        0
    } else {
        crate::random_u64() % (jitter_ms + 1)
    };
    half + Duration::from_millis(extra)
}

enum ConnectError {
    LockedOut,
    Failed(ClientError),
}

async fn connect(shared: &Shared) -> Result<Socket, ConnectError> {
    let since = shared.state.read().unwrap_or_else(|e| e.into_inner()).seq;
    let url = shared.api.socket_url(shared.board_id, Some(since));
    let mut request = url
        .into_client_request()
        .map_err(|e| ConnectError::Failed(ClientError::Address(e.to_string())))?;
    if let Some(token) = shared.api.token() {
        let value = format!("Bearer {token}").parse().map_err(|_| {
            ConnectError::Failed(ClientError::Address("token is not a header value".into()))
        })?;
        request.headers_mut().insert("authorization", value);
    }
    let config = WebSocketConfig::default().max_message_size(Some(16 << 20));
    // A pinned host gets our TLS configuration; any other certificate fails the handshake.
    let connector = shared
        .api
        .tls()
        .map(|tls| tokio_tungstenite::Connector::Rustls(tls.clone()));
    let connecting =
        tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, connector);
    match connecting.await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) if is_locked_out(response.status()) => {
            Err(ConnectError::LockedOut)
        }
        Err(err) => Err(ConnectError::Failed(
            shared
                .api
                .identity_changed()
                .unwrap_or_else(|| ClientError::Network(err.to_string())),
        )),
    }
}

async fn live(shared: &Shared, mut socket: Socket, stop: &mut watch::Receiver<bool>) -> End {
    let mut viewing = shared.viewing.subscribe();
    viewing.mark_changed();
    loop {
        tokio::select! {
            () = stopped(stop) => {
                let _ = socket.close(None).await;
                return End::Stopped;
            }
            changed = viewing.changed() => {
                if changed.is_err() {
                    continue;
                }
                let card = *viewing.borrow_and_update();
                let message = ClientMessage::Presence { viewing_card: card };
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return End::Broken;
                }
            }
            frame = tokio::time::timeout(shared.options.idle_timeout, socket.next()) => {
                let frame = match frame {
                    Err(_) => {
                        tracing::info!("the server went silent; reconnecting");
                        return End::Broken;
                    }
                    Ok(None) | Ok(Some(Err(_))) => return End::Broken,
                    Ok(Some(Ok(frame))) => frame,
                };
                match frame {
                    Message::Text(text) => match serde_json::from_str::<ServerMessage>(text.as_str()) {
                        Ok(message) => {
                            if let Some(end) = handle(shared, message).await {
                                return end;
                            }
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "unreadable server message; reconnecting");
                            return End::Broken;
                        }
                    },
                    Message::Close(frame) => {
                        let code = frame.map(|f| u16::from(f.code));
                        return match code {
                            Some(close_code::MEMBER_REMOVED) => End::Removed,
                            Some(close_code::RESYNC) => End::Resync,
                            _ => End::Broken,
                        };
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Applies one server message; `Some` ends the socket.
async fn handle(shared: &Shared, message: ServerMessage) -> Option<End> {
    match message {
        ServerMessage::Hello { .. } => None,
        ServerMessage::Presence { members } => {
            shared.presence.send_replace(members.clone());
            let _ = shared.events.send(SyncEvent::Presence(members));
            None
        }
        ServerMessage::Resync { .. } => Some(End::Resync),
        ServerMessage::Event(event) => match apply(shared, &event) {
            Ok(()) => None,
            Err(ApplyError::Gap { have, .. }) => {
                // Fill the gap from the log, then apply the event that revealed it.
                if fill(shared, have).await.is_err() || apply(shared, &event).is_err() {
                    Some(End::Resync)
                } else {
                    None
                }
            }
        },
    }
}

fn apply(shared: &Shared, event: &Event) -> Result<(), ApplyError> {
    let applied = {
        let mut state = shared.state.write().unwrap_or_else(|e| e.into_inner());
        state.apply(event)?
    };
    if applied == Applied::Applied {
        let _ = shared
            .events
            .send(SyncEvent::Applied(Arc::new(event.clone())));
    }
    Ok(())
}

async fn fill(shared: &Shared, mut have: u64) -> Result<(), ClientError> {
    loop {
        let page = shared.api.events(shared.board_id, have, None).await?;
        for event in &page.events {
            apply(shared, event).map_err(|e| ClientError::Protocol(e.to_string()))?;
        }
        have = shared.state.read().unwrap_or_else(|e| e.into_inner()).seq;
        if page.events.is_empty() || have >= page.seq {
            return Ok(());
        }
    }
}

async fn resync(shared: &Shared) -> Result<(), ClientError> {
    let snapshot = shared.api.snapshot(shared.board_id).await?;
    {
        let mut state = shared.state.write().unwrap_or_else(|e| e.into_inner());
        *state = snapshot.clone();
    }
    let _ = shared.events.send(SyncEvent::Resynced(Arc::new(snapshot)));
    Ok(())
}
