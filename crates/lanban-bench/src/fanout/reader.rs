//! One fan-out client's reader: takes every frame off its socket, checks that the seqs run on from the hello
//! without a gap or a repeat, and times each tagged delivery from its mutation's scheduled send.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::fanout::Clock;
use crate::peer;
use crate::report::histogram;
use crate::wire::{self, Frame, Socket};

/// What one client saw.
pub struct Seen {
    pub board: usize,
    pub last_seq: u64,
    pub deliveries: u64,
    pub last_delivery: Option<Instant>,
    pub latency: Histogram<u64>,
    pub violations: Vec<String>,
}

/// Reads a client's socket of `board`, whose hello was at `first_seq`, until `done` is set and the client has
/// the board's final seq (or 15 s more have passed), or until the socket fails.
pub async fn read(
    mut socket: Socket,
    board: usize,
    first_seq: u64,
    clock: Arc<Clock>,
    final_seqs: Arc<Vec<AtomicU64>>,
    mut done: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen {
        board,
        last_seq: first_seq,
        deliveries: 0,
        last_delivery: None,
        latency: histogram(),
        violations: Vec::new(),
    };
    let mut drain_deadline: Option<tokio::time::Instant> = None;
    loop {
        if *done.borrow() {
            if seen.last_seq >= final_seqs[board].load(Ordering::Acquire) {
                break;
            }
            drain_deadline
                .get_or_insert_with(|| tokio::time::Instant::now() + Duration::from_secs(15));
        }
        let frame = tokio::select! {
            frame = socket.next() => frame,
            _ = done.changed(), if !*done.borrow() => continue,
            () = sleep_until(drain_deadline) => break,
        };
        if let Some(Ok(Message::Text(text))) = &frame
            && text.as_str() == peer::PING
        {
            let _ = socket.send(Message::text(peer::PONG)).await;
            continue;
        }
        if seen.receive(frame, &clock).is_break() {
            break;
        }
    }
    let _ = socket.close(None).await;
    seen
}

impl Seen {
    /// Takes one frame (or the socket's end); breaks when reading must stop.
    fn receive(
        &mut self,
        frame: Option<Result<Message, tungstenite::Error>>,
        clock: &Clock,
    ) -> ControlFlow<()> {
        let board = self.board;
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(close))) => {
                self.violations.push(format!(
                    "the server closed a socket of board {board}: {close:?}"
                ));
                return ControlFlow::Break(());
            }
            Some(Ok(_)) => return ControlFlow::Continue(()),
            Some(Err(err)) => {
                self.violations
                    .push(format!("a socket of board {board} failed: {err}"));
                return ControlFlow::Break(());
            }
            None => {
                self.violations
                    .push(format!("a socket of board {board} ended"));
                return ControlFlow::Break(());
            }
        };
        let now = Instant::now();
        match wire::parse(&text) {
            Ok(Frame::Event { seq, tag }) => self.deliver(seq, tag, now, clock),
            Ok(Frame::Resync { seq }) => {
                self.violations.push(format!(
                    "board {board}: told to resync at {seq} (fell behind)"
                ));
                return ControlFlow::Break(());
            }
            Ok(_) => {}
            Err(err) => {
                self.violations
                    .push(format!("board {board}: unreadable frame: {err}"));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// Counts event `seq`, received at `now`, checking it follows the last one; times it if it carries the tag
    /// of a mutation sent after the warm-up.
    fn deliver(&mut self, seq: u64, tag: Option<u64>, now: Instant, clock: &Clock) {
        if seq != self.last_seq + 1 && self.violations.len() < 10 {
            self.violations.push(format!(
                "board {}: seq {seq} arrived after {} ({})",
                self.board,
                self.last_seq,
                if seq <= self.last_seq {
                    "duplicate or reordered"
                } else {
                    "gap: events lost"
                }
            ));
        }
        self.last_seq = self.last_seq.max(seq);
        self.deliveries += 1;
        self.last_delivery = Some(now);
        if let Some(tag) = tag
            && tag >= clock.warmup
            && let Some(sent) = clock.sent_at(tag)
        {
            let micros = now.saturating_duration_since(sent).as_micros() as u64;
            let _ = self.latency.record(micros.max(1));
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
