//! A board's WebSocket session: hello, replay from the log, then live events and presence, with pings.
//! Transport only: every decision about the board was made by a route and the store before the event got here.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use lanban_core::event::{ClientMessage, ServerMessage, close_code};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, MissedTickBehavior, timeout};
use tracing::Instrument;

use crate::AppState;
use crate::hub::{RoomMessage, Subscription};
use crate::store::{Actor, rows};

/// Largest message a client may send.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// Bytes a socket gathers before writing when several messages are queued at once (a replay); a single live
/// message is flushed at once. Small, because every socket keeps its buffer.
pub const WRITE_BUFFER: usize = 8 * 1024;
/// How long the server waits for the peer to answer its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Events read from the log per page while replaying.
const REPLAY_PAGE: usize = 1000;

/// Why a session ended (for the log).
#[derive(Debug)]
#[allow(dead_code, reason = "the fields are read through Debug, in the log")]
enum End {
    Closed(u16, &'static str),
    PeerLeft,
    WriteFailed,
}

struct Outbox {
    sink: SplitSink<WebSocket, Message>,
    write_timeout: Duration,
}

impl Outbox {
    async fn send(&mut self, message: Message) -> Result<(), End> {
        match timeout(self.write_timeout, self.sink.send(message)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::WriteFailed),
        }
    }

    /// Queues a message without flushing: it goes out when the write buffer fills or at the next flush.
    async fn feed(&mut self, message: Message) -> Result<(), End> {
        match timeout(self.write_timeout, self.sink.feed(message)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::WriteFailed),
        }
    }

    async fn flush(&mut self) -> Result<(), End> {
        match timeout(self.write_timeout, self.sink.flush()).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::WriteFailed),
        }
    }

    async fn send_json(&mut self, message: &ServerMessage) -> Result<(), End> {
        let text = serde_json::to_string(message).map_err(|_| End::WriteFailed)?;
        self.send(Message::Text(text.into())).await
    }

    async fn close(&mut self, code: u16, reason: &'static str) -> End {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self.send(Message::Close(Some(frame))).await;
        End::Closed(code, reason)
    }
}

/// Runs one socket of `actor` on their board until it closes.
pub async fn session(socket: WebSocket, state: AppState, actor: Actor, since: Option<u64>) {
    let span = tracing::info_span!("socket", board = %actor.board_id, member = %actor.member_id);
    async move {
        let subscription = state.hub.subscribe(actor.board_id, actor.member_id);
        let connection = subscription.connection;
        tracing::debug!(connection, seq = subscription.seq, "socket open");
        let (sink, mut stream) = socket.split();
        let mut outbox = Outbox {
            sink,
            write_timeout: state.config.write_timeout,
        };
        let end = match drive(
            &mut outbox,
            &mut stream,
            &state,
            &actor,
            since,
            subscription,
        )
        .await
        {
            Ok(end) | Err(end) => end,
        };
        if let End::Closed(..) = end {
            // Finish the closing handshake: wait (briefly) for the peer's close frame, so it reads ours
            // before the connection goes away.
            let _ = timeout(CLOSE_GRACE, async {
                while let Some(Ok(message)) = stream.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
        state.hub.unsubscribe(actor.board_id, connection);
        tracing::debug!(?end, "socket closed");
    }
    .instrument(span)
    .await
}

async fn drive(
    outbox: &mut Outbox,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    state: &AppState,
    actor: &Actor,
    since: Option<u64>,
    mut subscription: Subscription,
) -> Result<End, End> {
    let board = actor.board_id;
    // The member may have been removed between the check before the upgrade and the subscription: the hub
    // remembers removals it published, so no second database read is needed.
    if subscription.removed {
        return Ok(outbox
            .close(close_code::MEMBER_REMOVED, "not a member of this board")
            .await);
    }
    outbox
        .send_json(&ServerMessage::Hello {
            board_id: board,
            member_id: actor.member_id,
            seq: subscription.seq,
        })
        .await?;
    let mut last_seq = match since {
        // Boxed: most sockets never replay, and the replay's state would otherwise enlarge every session.
        Some(since) => {
            match Box::pin(catch_up(outbox, state, board, since, subscription.seq)).await? {
                CaughtUp::From(seq) => seq,
                CaughtUp::Closed(end) => return Ok(end),
            }
        }
        None => subscription.seq,
    };

    let mut ping = tokio::time::interval_at(
        Instant::now() + state.config.ping_interval,
        state.config.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => {
                return Ok(outbox.close(close_code::GOING_AWAY, "the server is shutting down").await);
            }
            message = subscription.receiver.recv() => match message {
                Ok(RoomMessage::Event(event)) => {
                    if event.seq <= last_seq {
                        continue;
                    }
                    outbox.send(Message::Text(event.text.clone())).await?;
                    last_seq = event.seq;
                    if event.closes == Some(actor.member_id) {
                        return Ok(outbox.close(close_code::MEMBER_REMOVED, "removed from the board").await);
                    }
                }
                Ok(RoomMessage::Presence(text)) => outbox.send(Message::Text((*text).clone())).await?,
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "socket fell behind; asking it to resync");
                    let seq = state.hub.seq(board);
                    outbox.send_json(&ServerMessage::Resync { seq }).await?;
                    return Ok(outbox.close(close_code::RESYNC, "fell behind; take a snapshot").await);
                }
                Err(RecvError::Closed) => {
                    return Ok(outbox.close(close_code::GOING_AWAY, "the room closed").await);
                }
            },
            frame = stream.next() => {
                let Some(frame) = frame else {
                    return Ok(End::PeerLeft);
                };
                last_heard = Instant::now();
                match frame {
                    Ok(Message::Text(text)) => match serde_json::from_str::<ClientMessage>(text.as_str()) {
                        Ok(ClientMessage::Presence { viewing_card }) => {
                            state.hub.set_viewing(board, subscription.connection, viewing_card);
                        }
                        Err(_) => {
                            return Ok(outbox.close(close_code::POLICY_VIOLATION, "not a valid client message").await);
                        }
                    },
                    Ok(Message::Binary(_)) => {
                        return Ok(outbox.close(close_code::UNSUPPORTED_DATA, "binary frames are not accepted").await);
                    }
                    Ok(Message::Ping(_) | Message::Pong(_)) => {}
                    Ok(Message::Close(_)) => return Ok(End::PeerLeft),
                    Err(err) => {
                        let (code, reason) = classify(&err);
                        return Ok(outbox.close(code, reason).await);
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= state.config.idle_timeout {
                    return Ok(outbox.close(close_code::IDLE, "no answer to pings").await);
                }
                outbox.send(Message::Ping(Default::default())).await?;
            }
        }
    }
}

/// Where a socket's live events start after `?since=`.
enum CaughtUp {
    /// Live events after this seq are sent.
    From(u64),
    /// The socket was closed instead.
    Closed(End),
}

/// Replays stored events after `since` up to `subscribed` (the seq at subscription), or handles a `since`
/// ahead of the board.
async fn catch_up(
    outbox: &mut Outbox,
    state: &AppState,
    board: lanban_core::ids::BoardId,
    since: u64,
    subscribed: u64,
) -> Result<CaughtUp, End> {
    if since > subscribed {
        // A change can be committed (and seen in a snapshot) an instant before the writer publishes it: such
        // a `since` is not ahead of the board, and those events still arrive through the subscription.
        let committed = state
            .store
            .read(move |conn| rows::board_seq(conn, board))
            .await
            .unwrap_or(subscribed);
        if since <= committed {
            return Ok(CaughtUp::From(since));
        }
        outbox
            .send_json(&ServerMessage::Resync { seq: subscribed })
            .await?;
        let end = outbox
            .close(close_code::RESYNC, "since is ahead of the board")
            .await;
        return Ok(CaughtUp::Closed(end));
    }
    let mut from = since;
    while from < subscribed {
        let page = state
            .store
            .read(move |conn| rows::event_texts(conn, board, from, subscribed, REPLAY_PAGE))
            .await;
        let page = match page {
            Ok(page) if !page.is_empty() => page,
            _ => {
                let end = outbox
                    .close(close_code::INTERNAL_ERROR, "cannot read the event log")
                    .await;
                return Ok(CaughtUp::Closed(end));
            }
        };
        // A page goes out in buffer-sized writes rather than one system call per event.
        for (seq, text) in page {
            outbox.feed(Message::Text(text.into())).await?;
            from = seq;
        }
        outbox.flush().await?;
    }
    Ok(CaughtUp::From(subscribed))
}

fn classify(err: &axum::Error) -> (u16, &'static str) {
    let text = err.to_string();
    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
        (close_code::MESSAGE_TOO_BIG, "message too big")
    } else if text.contains("UTF-8") || text.contains("utf-8") {
        (close_code::INVALID_PAYLOAD, "text frames must be UTF-8")
    } else {
        (close_code::POLICY_VIOLATION, "protocol error")
    }
}
