//! A board's WebSocket session: hello, replay from the log, then live events and presence, with pings.
//! Transport only: every decision about the board was made by a route and the store before the event got here.

use std::ops::ControlFlow;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::future::BoxFuture;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt};
use lanban_core::event::{ClientMessage, ServerMessage, close_code};
use lanban_core::ids::{BoardId, CardId};
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
use tokio::time::{Instant, MissedTickBehavior, error::Elapsed, timeout};
use tracing::Instrument;

use crate::AppState;
use crate::hub::{RoomMessage, Subscription};
use crate::store::{self, Actor, rows};

/// Largest message a client may send.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// Bytes a socket gathers before writing when several messages are queued at once (a replay); a single live
/// message is flushed at once. Small, because every socket keeps its buffer.
pub const WRITE_BUFFER: usize = 8 * 1024;
/// How long the server waits for the peer to answer its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// Events read from the log per page while replaying.
const REPLAY_PAGE: usize = 1000;
/// A socket's presence reaches the room at most once per this interval; changes in between are coalesced into
/// the latest one, sent when the interval is over. A member flooding presence changes so costs only themself:
/// the room sees at most 4 presence messages a second from each socket.
pub const PRESENCE_INTERVAL: Duration = Duration::from_millis(250);

/// What a socket last told about its presence, and when the room may hear from it next.
struct PresenceGate {
    /// A change that came too soon after the last one, to announce when the interval is over (the latest wins).
    waiting: Option<Option<CardId>>,
    next: Instant,
}

impl PresenceGate {
    fn new() -> Self {
        Self {
            waiting: None,
            next: Instant::now(),
        }
    }

    /// The change to announce now, if the interval allows; otherwise it waits (replacing any earlier one).
    fn offer(&mut self, card: Option<CardId>) -> Option<Option<CardId>> {
        let now = Instant::now();
        if now >= self.next && self.waiting.is_none() {
            self.next = now + PRESENCE_INTERVAL;
            Some(card)
        } else {
            self.waiting = Some(card);
            None
        }
    }

    /// The waiting change, once its time has come.
    fn due(&mut self) -> Option<Option<CardId>> {
        let card = self.waiting.take()?;
        self.next = Instant::now() + PRESENCE_INTERVAL;
        Some(card)
    }
}

/// Why a session ended (for the log).
#[derive(Debug)]
#[allow(dead_code, reason = "the fields are read through Debug, in the log")]
enum End {
    Closed(u16, &'static str),
    PeerLeft,
    WriteFailed,
}

/// What each step of a session leads to: go on, or end the session this way.
type Step<T = ()> = ControlFlow<End, T>;

struct Outbox {
    sink: SplitSink<WebSocket, Message>,
    write_timeout: Duration,
}

// Futures of their own rather than `async fn`s where they are awaited by every message: a session keeps room for
// its largest step for as long as the socket is open, and an `async fn` would also keep its arguments there.
impl Outbox {
    fn send(&mut self, message: Message) -> impl Future<Output = Step> + Send + '_ {
        timeout(self.write_timeout, self.sink.send(message)).map(written)
    }

    /// Queues a message without flushing: it goes out when the write buffer fills or at the next flush.
    fn feed(&mut self, message: Message) -> impl Future<Output = Step> + Send + '_ {
        timeout(self.write_timeout, self.sink.feed(message)).map(written)
    }

    fn flush(&mut self) -> impl Future<Output = Step> + Send + '_ {
        timeout(self.write_timeout, self.sink.flush()).map(written)
    }

    /// Tells the peer to take a snapshot from `seq` and closes the socket, saying why. Boxed, as every way of
    /// closing: it happens once a socket, and would otherwise take room in every session.
    fn resync(&mut self, seq: u64, reason: &'static str) -> BoxFuture<'_, End> {
        // Encoded before any await: a `ServerMessage` is several hundred bytes.
        let message = encoded(&ServerMessage::Resync { seq });
        Box::pin(async move {
            let Step::Continue(message) = message else {
                return End::WriteFailed;
            };
            if let Step::Break(end) = self.send(message).await {
                return end;
            }
            self.close(close_code::RESYNC, reason).await
        })
    }

    fn close(&mut self, code: u16, reason: &'static str) -> BoxFuture<'_, End> {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        Box::pin(async move {
            let _ = self.send(Message::Close(Some(frame))).await;
            End::Closed(code, reason)
        })
    }
}

/// Whether a write went out in time.
fn written<E>(result: Result<Result<(), E>, Elapsed>) -> Step {
    match result {
        Ok(Ok(())) => Step::Continue(()),
        _ => Step::Break(End::WriteFailed),
    }
}

/// A server message as a text frame.
fn encoded(message: &ServerMessage) -> Step<Message> {
    match serde_json::to_string(message) {
        Ok(text) => Step::Continue(Message::Text(text.into())),
        Err(_) => Step::Break(End::WriteFailed),
    }
}

/// Runs one socket of `actor` on their board until it closes.
///
/// Not an `async fn`: the future it returns is kept for as long as the socket is open, by every socket, and an
/// `async fn` would keep its arguments in it too (the socket alone is several hundred bytes) after handing them on.
pub fn session(
    socket: WebSocket,
    state: AppState,
    actor: Actor,
    since: Option<u64>,
) -> impl Future<Output = ()> + Send {
    let span = tracing::info_span!("socket", board = %actor.board_id, member = %actor.member_id);
    let (sink, mut stream) = socket.split();
    async move {
        let subscription = state.hub.subscribe(actor.board_id, actor.member_id);
        let connection = subscription.connection;
        tracing::debug!(connection, seq = subscription.seq, "socket open");
        let mut outbox = Outbox {
            sink,
            write_timeout: state.config.write_timeout,
        };
        let end = drive(
            &mut outbox,
            &mut stream,
            &state,
            &actor,
            since,
            subscription,
        )
        .await;
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
}

/// Greets the peer, replays what it missed, then forwards live events and presence until the session ends.
async fn drive(
    outbox: &mut Outbox,
    stream: &mut SplitStream<WebSocket>,
    state: &AppState,
    actor: &Actor,
    since: Option<u64>,
    mut subscription: Subscription,
) -> End {
    let mut last_seq = match greet(outbox, state, actor, since, &subscription).await {
        Step::Continue(seq) => seq,
        Step::Break(end) => return end,
    };
    let connection = subscription.connection;
    let mut ping = tokio::time::interval_at(
        Instant::now() + state.config.ping_interval,
        state.config.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut presence = PresenceGate::new();
    // Made once: a `cancelled()` made in the loop would join and leave the token's waiters (a lock each way) at
    // every event this socket forwards.
    let shutdown = state.shutdown.cancelled();
    tokio::pin!(shutdown);
    loop {
        let step = tokio::select! {
            biased; // first ready wins: an event's wake-up polls only shutdown and room (`forward` empties it)
            () = &mut shutdown => {
                Step::Break(outbox.close(close_code::GOING_AWAY, "the server is shutting down").await)
            }
            message = subscription.receiver.recv() => {
                forward(outbox, state, actor, &mut last_seq, message, &mut subscription.receiver).await
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                match heard(outbox, frame).await {
                    Heard::Presence(card) => {
                        if let Some(card) = presence.offer(card) {
                            state.hub.set_viewing(actor.board_id, connection, card);
                        }
                        Step::Continue(())
                    }
                    Heard::Step(step) => step,
                }
            }
            () = tokio::time::sleep_until(presence.next), if presence.waiting.is_some() => {
                if let Some(card) = presence.due() {
                    state.hub.set_viewing(actor.board_id, connection, card);
                }
                Step::Continue(())
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= state.config.idle_timeout {
                    Step::Break(outbox.close(close_code::IDLE, "no answer to pings").await)
                } else {
                    outbox.send(Message::Ping(Default::default())).await
                }
            }
        };
        if let Step::Break(end) = step {
            return end;
        }
    }
}

/// Sends the hello and replays what the peer missed since `since`; live events go on after the seq returned.
async fn greet(
    outbox: &mut Outbox,
    state: &AppState,
    actor: &Actor,
    since: Option<u64>,
    subscription: &Subscription,
) -> Step<u64> {
    // The member may have been removed between the check before the upgrade and the subscription: the hub
    // remembers removals it published, so no second database read is needed.
    if subscription.removed {
        let end = outbox
            .close(close_code::MEMBER_REMOVED, "not a member of this board")
            .await;
        return Step::Break(end);
    }
    let hello = encoded(&ServerMessage::Hello {
        board_id: actor.board_id,
        member_id: actor.member_id,
        seq: subscription.seq,
        protocol: lanban_core::PROTOCOL_VERSION,
    })?;
    outbox.send(hello).await?;
    match since {
        // Boxed: most sockets never replay, and the replay's state would otherwise enlarge every session.
        Some(since) => {
            Box::pin(catch_up(
                outbox,
                state,
                actor.board_id,
                since,
                subscription.seq,
            ))
            .await
        }
        None => Step::Continue(subscription.seq),
    }
}

/// Room messages written to a socket with one flush, at most: a burst of events reaches a peer in one write.
const BURST: usize = 64;

/// Forwards a room message to the peer, and what else is already queued for it (up to [`BURST`]), with one flush;
/// `last_seq` is the last event it has.
async fn forward(
    outbox: &mut Outbox,
    state: &AppState,
    actor: &Actor,
    last_seq: &mut u64,
    first: Result<RoomMessage, RecvError>,
    receiver: &mut broadcast::Receiver<RoomMessage>,
) -> Step {
    let mut message = first;
    let mut forwarded = 1;
    loop {
        forward_one(outbox, state, actor, last_seq, message).await?;
        if forwarded == BURST {
            break;
        }
        message = match receiver.try_recv() {
            Ok(next) => Ok(next),
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
        };
        forwarded += 1;
    }
    outbox.flush().await
}

/// Queues one room message for the peer (a close, or the resync that ends the session, is flushed with it).
async fn forward_one(
    outbox: &mut Outbox,
    state: &AppState,
    actor: &Actor,
    last_seq: &mut u64,
    message: Result<RoomMessage, RecvError>,
) -> Step {
    match message {
        Ok(RoomMessage::Event(event)) => {
            if event.seq <= *last_seq {
                return Step::Continue(());
            }
            outbox.feed(Message::Text(event.text.clone())).await?;
            *last_seq = event.seq;
            if event.closes == Some(actor.member_id) {
                return Step::Break(
                    outbox
                        .close(close_code::MEMBER_REMOVED, "removed from the board")
                        .await,
                );
            }
            Step::Continue(())
        }
        Ok(RoomMessage::Presence(text)) => outbox.feed(Message::Text((*text).clone())).await,
        Err(RecvError::Lagged(missed)) => {
            tracing::info!(missed, "socket fell behind; asking it to resync");
            let seq = state.hub.seq(actor.board_id);
            Step::Break(outbox.resync(seq, "fell behind; take a snapshot").await)
        }
        Err(RecvError::Closed) => Step::Break(
            outbox
                .close(close_code::GOING_AWAY, "the room closed")
                .await,
        ),
    }
}

/// What a frame from the peer asks for.
enum Heard {
    /// A presence change (announced through the socket's [`PresenceGate`]).
    Presence(Option<CardId>),
    /// Anything else, handled already: go on, or end the session.
    Step(Step),
}

/// Handles one frame from the peer (`None`: the peer has gone).
async fn heard(outbox: &mut Outbox, frame: Option<Result<Message, axum::Error>>) -> Heard {
    let Some(frame) = frame else {
        return Heard::Step(Step::Break(End::PeerLeft));
    };
    Heard::Step(match frame {
        Ok(Message::Text(text)) => match serde_json::from_str::<ClientMessage>(text.as_str()) {
            Ok(ClientMessage::Presence { viewing_card }) => return Heard::Presence(viewing_card),
            Err(_) => Step::Break(
                outbox
                    .close(close_code::POLICY_VIOLATION, "not a valid client message")
                    .await,
            ),
        },
        Ok(Message::Binary(_)) => Step::Break(
            outbox
                .close(
                    close_code::UNSUPPORTED_DATA,
                    "binary frames are not accepted",
                )
                .await,
        ),
        Ok(Message::Ping(_) | Message::Pong(_)) => Step::Continue(()),
        Ok(Message::Close(_)) => Step::Break(End::PeerLeft),
        Err(err) => {
            let (code, reason) = classify(&err);
            Step::Break(outbox.close(code, reason).await)
        }
    })
}

/// Replays stored events after `since` up to `subscribed` (the seq at subscription), or handles a `since`
/// ahead of the board; live events go on after the seq returned.
async fn catch_up(
    outbox: &mut Outbox,
    state: &AppState,
    board: BoardId,
    since: u64,
    subscribed: u64,
) -> Step<u64> {
    if since > subscribed {
        // A change can be committed (and seen in a snapshot) an instant before the writer publishes it: such
        // a `since` is not ahead of the board, and those events still arrive through the subscription.
        let committed = state
            .store
            .read(move |conn| rows::board_seq(conn, board).map_err(store::Error::from))
            .await
            .unwrap_or(subscribed);
        if since <= committed {
            return Step::Continue(since);
        }
        return Step::Break(
            outbox
                .resync(subscribed, "since is ahead of the board")
                .await,
        );
    }
    let mut from = since;
    while from < subscribed {
        let page = state
            .store
            .read(move |conn| {
                rows::event_texts(conn, board, from, subscribed, REPLAY_PAGE)
                    .map_err(store::Error::from)
            })
            .await;
        let page = match page {
            // The log starts past `from`: those events were compacted (docs/protocol.md §9.6); the peer takes a
            // snapshot and comes back.
            Ok(page) if page.first().is_none_or(|(seq, _)| *seq != from + 1) => {
                let end = outbox
                    .resync(subscribed, "the events since `since` were compacted")
                    .await;
                return Step::Break(end);
            }
            Ok(page) => page,
            Err(_) => {
                return Step::Break(
                    outbox
                        .close(close_code::INTERNAL_ERROR, "cannot read the event log")
                        .await,
                );
            }
        };
        // A page goes out in buffer-sized writes rather than one system call per event.
        for (seq, text) in page {
            outbox.feed(Message::Text(text.into())).await?;
            from = seq;
        }
        outbox.flush().await?;
    }
    Step::Continue(subscribed)
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

#[cfg(test)]
mod tests {
    /// The size of the future `f` returns, without calling it.
    fn output_size<A, B, C, D, F>(_: impl Fn(A, B, C, D) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every open socket keeps its session's future, so its size is paid per socket (docs/performance.md, idle
    /// sockets). It was 2,600 bytes when an argument of several hundred bytes (the socket, a server message) was
    /// kept across an await; 1,248 once they were not. Bound loosely, to catch such a regression and not a
    /// compiler's layout change.
    #[test]
    fn a_session_keeps_little_per_socket() {
        let size = output_size(super::session);
        assert!(size <= 1536, "a socket's session future takes {size} bytes");
    }
}
