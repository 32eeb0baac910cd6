//! The session's background task: one socket at a time, reconnecting with backoff; applying what the server sends
//! in seq order, filling gaps from `/events`, resyncing from a snapshot.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lanban_core::event::{Change, ClientMessage, Event, ServerMessage, close_code};
use lanban_core::state::{Applied, ApplyError};
use lanban_core::time::Timestamp;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api::is_locked_out;
use crate::error::ClientError;
use crate::session::keep::Keep;
use crate::session::{ConnectionState, Origin, SessionOptions, Shared, SyncEvent};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How one socket ended.
enum End {
    /// Reconnect (with backoff).
    Broken,
    /// The host's address answered with another certificate than the pinned one; try again later (with backoff).
    Impostor,
    /// Take a snapshot, then reconnect at once.
    Resync,
    /// Stop for good.
    Removed,
    /// The session was closed.
    Stopped,
    /// The board moved to another host (`board.moved`): this session stops; its owner follows.
    Moved,
    /// The host speaks a newer protocol than this build: stop, rather than misread the board.
    Outdated(u32),
}

/// Since when the host has been out of reach, and when that started on this run's clock.
type Down = (Timestamp, tokio::time::Instant);

/// The session's task: connect, follow the board, reconnect, until stopped or removed.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut attempt: u32 = 0;
    let mut down = initially_down(&shared);
    loop {
        if *stop.borrow() {
            return;
        }
        shared.caught_up.send_replace(false);
        shared
            .catch_up_to
            .store(u64::MAX, std::sync::atomic::Ordering::Relaxed);
        let end = match connect(&shared).await {
            Ok(socket) => {
                attempt = 0;
                down = None;
                shared.synced_now();
                shared.connection.send_replace(ConnectionState::Connected);
                let end = live(&shared, socket, &mut stop).await;
                shared.caught_up.send_replace(false);
                // Who is online is known only while connected: nobody is shown online on a board out of touch.
                shared.presence.send_replace(Vec::new());
                let _ = shared.events.send(SyncEvent::Presence(Vec::new()));
                // The mirror was current until the socket ended.
                shared.synced_now();
                end
            }
            Err(ConnectError::LockedOut) => End::Removed,
            Err(ConnectError::Failed(ClientError::HostIdentityChanged {
                expected,
                presented,
            })) => {
                tracing::warn!(%expected, %presented, "the host's address presented another certificate");
                End::Impostor
            }
            Err(ConnectError::Failed(err)) => {
                tracing::debug!(error = %err, "cannot connect");
                End::Broken
            }
        };
        match end {
            End::Stopped => return,
            End::Moved => {
                shared.connection.send_replace(ConnectionState::Moved);
                return;
            }
            End::Removed => {
                removed(&shared);
                return;
            }
            End::Outdated(host_protocol) => {
                tracing::warn!(
                    host_protocol,
                    "the host speaks a newer protocol; update this app"
                );
                shared
                    .connection
                    .send_replace(ConnectionState::Outdated { host_protocol });
                return;
            }
            End::Resync if resync(&shared).await.is_ok() => continue,
            // A failed resync falls through to a backoff; the next connection retries the snapshot too.
            End::Resync | End::Broken | End::Impostor => {}
        }
        attempt = attempt.saturating_add(1);
        let (since, at) = down
            .get_or_insert_with(|| (Timestamp::now(), tokio::time::Instant::now()))
            .clone();
        let state = match end {
            End::Impostor => ConnectionState::IdentityChanged {
                since,
                last_synced: shared.last_synced(),
            },
            _ => unreachable(&shared, since, at, attempt),
        };
        shared.connection.send_replace(state);
        let delay = backoff(&shared.options, attempt);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.retry_now.notified() => {}
            () = stopped(&mut stop) => return,
        }
    }
}

/// A board opened from a replica whose host was already out of reach is offline from the first failed attempt.
fn initially_down(shared: &Shared) -> Option<Down> {
    match &shared.origin {
        Origin::Replica {
            unreachable_since: Some(since),
            ..
        } => {
            let now = tokio::time::Instant::now();
            let long_ago = now.checked_sub(shared.options.offline_after).unwrap_or(now);
            Some((since.clone(), long_ago))
        }
        _ => None,
    }
}

/// The state while the host is out of reach; past `offline_after` the replica notes since when.
fn unreachable(
    shared: &Shared,
    since: Timestamp,
    at: tokio::time::Instant,
    attempt: u32,
) -> ConnectionState {
    let last_synced = shared.last_synced();
    if at.elapsed() >= shared.options.offline_after {
        if let Some(keep) = &shared.keep {
            keep.send(Keep::Unreachable(since.clone()));
        }
        ConnectionState::Offline {
            since,
            attempt,
            last_synced,
        }
    } else {
        ConnectionState::Reconnecting {
            since,
            attempt,
            last_synced,
        }
    }
}

/// This member was removed: the session stops, and the board's copy on disk goes.
fn removed(shared: &Shared) {
    if let Some(keep) = &shared.keep {
        keep.send(Keep::Forget);
    }
    shared.connection.send_replace(ConnectionState::Removed);
    let _ = shared.events.send(SyncEvent::Removed);
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
    // One client for this attempt (the host's address may change meanwhile: the next attempt uses the new one).
    let api = shared.api();
    let since = shared.state.read().unwrap_or_else(|e| e.into_inner()).seq;
    let url = api.socket_url(shared.board_id, Some(since));
    let mut request = url
        .into_client_request()
        .map_err(|e| ConnectError::Failed(ClientError::Address(e.to_string())))?;
    if let Some(token) = api.token() {
        let value = format!("Bearer {token}").parse().map_err(|_| {
            ConnectError::Failed(ClientError::Address("token is not a header value".into()))
        })?;
        request.headers_mut().insert("authorization", value);
    }
    let config = WebSocketConfig::default().max_message_size(Some(16 << 20));
    // A pinned host gets our TLS configuration; any other certificate fails the handshake.
    let connector = api
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
            api.identity_changed()
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
        ServerMessage::Hello { protocol, .. } if protocol > lanban_core::PROTOCOL_VERSION => {
            Some(End::Outdated(protocol))
        }
        ServerMessage::Hello { seq, .. } => {
            shared
                .catch_up_to
                .store(seq, std::sync::atomic::Ordering::Relaxed);
            let have = shared.state.read().unwrap_or_else(|e| e.into_inner()).seq;
            if have >= seq {
                shared.caught_up.send_replace(true);
            }
            None
        }
        ServerMessage::Presence { members } => {
            shared.presence.send_replace(members.clone());
            let _ = shared.events.send(SyncEvent::Presence(members));
            None
        }
        ServerMessage::Resync { .. } => Some(End::Resync),
        ServerMessage::Event(event) => match apply(shared, &event) {
            Ok(()) => shared.has_moved().then_some(End::Moved),
            Err(ApplyError::Gap { have, .. }) => {
                // Fill the gap from the log, then apply the event that revealed it.
                if fill(shared, have).await.is_err() || apply(shared, &event).is_err() {
                    Some(End::Resync)
                } else {
                    shared.has_moved().then_some(End::Moved)
                }
            }
        },
    }
}

/// Applies an event to the mirror and tells subscribers and the replica, under the mirror's lock (see
/// [`BoardSession::watch`](crate::BoardSession::watch)).
fn apply(shared: &Shared, event: &Event) -> Result<(), ApplyError> {
    let mut state = shared.state.write().unwrap_or_else(|e| e.into_inner());
    if state.apply(event)? == Applied::Applied {
        let event = Arc::new(event.clone());
        if let Some(keep) = &shared.keep {
            keep.send(Keep::Event(event.clone()));
        }
        if let Change::BoardMoved(moved) = &event.change {
            shared.moved_away(moved);
        }
        let _ = shared.events.send(SyncEvent::Applied(event));
        shared.settle(&state);
        if state.seq
            >= shared
                .catch_up_to
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            shared
                .caught_up
                .send_if_modified(|c| !std::mem::replace(c, true));
        }
    }
    Ok(())
}

async fn fill(shared: &Shared, mut have: u64) -> Result<(), ClientError> {
    loop {
        let page = shared.api().events(shared.board_id, have, None).await?;
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
    let snapshot = Arc::new(shared.api().snapshot(shared.board_id).await?);
    let mut state = shared.state.write().unwrap_or_else(|e| e.into_inner());
    *state = (*snapshot).clone();
    if let Some(keep) = &shared.keep {
        keep.send(Keep::Snapshot(snapshot.clone()));
    }
    let _ = shared.events.send(SyncEvent::Resynced(snapshot));
    shared.settle(&state);
    Ok(())
}
