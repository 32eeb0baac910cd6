//! One member's open board in the office day: its socket read frame by frame (seqs checked, tagged events timed)
//! while it carries out the presence changes and reconnects it is told to.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use lanban_client::Api;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{Order, Shared};
use crate::wire::{self, Frame};

/// One member's open board: reads every frame (checking the seqs and timing the tagged events), and carries out
/// the presence changes and reconnects it is told to.
pub(super) async fn member(
    api: Api,
    board: lanban_core::ids::BoardId,
    token: String,
    mut socket: wire::Socket,
    mut orders: mpsc::UnboundedReceiver<Order>,
    shared: Arc<Shared>,
) {
    let mut last: Option<u64> = None;
    loop {
        tokio::select! {
            order = orders.recv() => match order {
                None | Some(Order::Stop) => return,
                Some(Order::Presence(card)) => {
                    let message = serde_json::json!({"type": "presence", "viewing_card": card});
                    if socket.send(Message::text(message.to_string())).await.is_err() {
                        shared.violation("a presence change could not be sent".into());
                    }
                }
                Some(Order::Reconnect) => {
                    let began = Instant::now();
                    drop(socket);
                    socket = match wire::connect(&api, board, &token, last).await {
                        Ok(socket) => socket,
                        Err(err) => {
                            shared.violation(format!("a reconnect failed: {err:#}"));
                            return;
                        }
                    };
                    // The time to hello is taken when the hello arrives (below).
                    pending_reconnect(&shared, began, &mut socket, &mut last).await;
                }
            },
            frame = socket.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => {
                        shared.violation("a socket closed during the day".into());
                        return;
                    }
                };
                heard(&shared, text.as_str(), &mut last);
            }
        }
    }
}

/// Reads frames up to the reconnected socket's hello, timing it.
async fn pending_reconnect(
    shared: &Shared,
    began: Instant,
    socket: &mut wire::Socket,
    last: &mut Option<u64>,
) {
    while let Some(Ok(message)) = socket.next().await {
        if let Message::Text(text) = message {
            let hello = matches!(wire::parse(text.as_str()), Ok(Frame::Hello { .. }));
            heard(shared, text.as_str(), last);
            if hello {
                if let Ok(mut h) = shared.reconnects.lock() {
                    let _ = h.record(began.elapsed().as_micros() as u64);
                }
                return;
            }
        }
    }
    shared.violation("a reconnected socket closed before its hello".into());
}

/// One frame: the hello sets where the seqs start (a reconnect's replays from its `since`), an event must be the
/// next seq; a tagged event is timed.
fn heard(shared: &Shared, text: &str, last: &mut Option<u64>) {
    match wire::parse(text) {
        Ok(Frame::Hello { seq }) => {
            // A first hello starts the count; a reconnect's hello is at or past what was seen (its replays follow).
            if last.is_none() {
                *last = Some(seq);
            }
        }
        Ok(Frame::Event { seq, tag }) => {
            if let Some(before) = *last
                && seq != before + 1
            {
                shared.violation(format!("seq {seq} after {before}"));
            }
            *last = Some(seq);
            let Some(tag) = tag.and_then(|t| usize::try_from(t).ok()) else {
                return;
            };
            let (Some(scheduled), Some(kind)) = (shared.scheduled.get(tag), shared.kinds.get(tag))
            else {
                return;
            };
            let at = scheduled.load(Ordering::Acquire);
            let kind = kind.load(Ordering::Relaxed);
            if at == 0 || kind == 0 {
                return;
            }
            shared.received[tag].fetch_add(1, Ordering::Relaxed);
            let now = shared.start.elapsed().as_nanos() as u64;
            let micros = now.saturating_sub(at - 1) / 1000;
            if let Some(h) = shared.latency.get(usize::from(kind - 1))
                && let Ok(mut h) = h.lock()
            {
                let _ = h.record(micros.max(1));
            }
        }
        Ok(Frame::Resync { .. }) => shared.violation("a socket was told to resync".into()),
        Ok(Frame::Presence | Frame::Ping | Frame::Other) => {}
        Err(err) => shared.violation(format!("unreadable frame: {err:#}")),
    }
}
