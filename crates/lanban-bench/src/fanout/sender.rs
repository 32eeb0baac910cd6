//! The fan-out's writers: card creations on the boards, by their members in turn, either open-loop on a
//! schedule or closed-loop as fast as the answers come; each one's answer is timed and counted.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use lanban_client::Api;
use lanban_core::api::CreateCard;
use lanban_core::ids::ColumnId;

use crate::fanout::Clock;
use crate::peer::PeerApi;
use crate::report::histogram;
use crate::wire::{BenchBoard, TAG_PREFIX};

/// A member's client of the server under load: Lanban's, or the Node peer's (`--peer`).
#[derive(Clone)]
pub enum Client {
    Lanban(Api),
    Peer(PeerApi),
}

impl Client {
    fn with_token(&self, token: String) -> Client {
        match self {
            Client::Lanban(api) => Client::Lanban(api.with_token(token)),
            Client::Peer(api) => Client::Peer(api.with_token(token)),
        }
    }

    async fn create_card(&self, column: ColumnId, title: String) -> anyhow::Result<()> {
        match self {
            Client::Lanban(api) => {
                let body = CreateCard {
                    title,
                    ..Default::default()
                };
                api.create_card(column, &body).await?;
                Ok(())
            }
            Client::Peer(api) => api.create_card(column, title).await,
        }
    }
}

/// Sends the mutations.
#[derive(Clone)]
pub struct Sender {
    boards: Arc<Vec<BenchBoard>>,
    /// Per board, per member: a client with that member's token.
    apis: Arc<Vec<Vec<Client>>>,
    clock: Arc<Clock>,
    /// Per board: mutations acknowledged.
    committed: Arc<Vec<AtomicU64>>,
    /// The first failed mutations, as violations.
    failures: Arc<Mutex<Vec<String>>>,
    /// Microseconds from each measured mutation's scheduled send to its answer.
    acks: Arc<Mutex<Histogram<u64>>>,
    /// When the last answer came.
    last_ack: Arc<Mutex<Option<Instant>>>,
}

impl Sender {
    /// A sender to `boards` as their members, through clients made from `api`.
    pub fn new(api: &Client, boards: Vec<BenchBoard>, clock: Arc<Clock>) -> Sender {
        let apis = boards
            .iter()
            .map(|b| b.tokens.iter().map(|t| api.with_token(t.clone())).collect())
            .collect();
        Sender {
            committed: Arc::new((0..boards.len()).map(|_| AtomicU64::new(0)).collect()),
            boards: Arc::new(boards),
            apis: Arc::new(apis),
            clock,
            failures: Arc::new(Mutex::new(Vec::new())),
            acks: Arc::new(Mutex::new(histogram())),
            last_ack: Arc::new(Mutex::new(None)),
        }
    }

    /// Per board: mutations acknowledged so far.
    pub fn committed(&self) -> &[AtomicU64] {
        &self.committed
    }

    /// The failed mutations recorded (the first 20), as violations.
    pub fn failures(&self) -> Vec<String> {
        self.failures.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// The answer times of the measured mutations, in microseconds.
    pub fn acks(&self) -> Option<Histogram<u64>> {
        self.acks.lock().ok().map(|acks| acks.clone())
    }

    /// When the last answer came.
    pub fn last_ack(&self) -> Option<Instant> {
        self.last_ack.lock().ok().and_then(|g| *g)
    }

    /// Mutation `tag`: a card on board `tag % R`, by its members in turn.
    async fn send(&self, tag: u64) {
        let n = self.boards.len() as u64;
        let b = (tag % n) as usize;
        let members = &self.apis[b];
        let api = &members[((tag / n) as usize) % members.len()];
        let result = api
            .create_card(self.boards[b].column, format!("{TAG_PREFIX}{tag}"))
            .await;
        let now = Instant::now();
        match result {
            Ok(_) => {
                self.committed[b].fetch_add(1, Ordering::AcqRel);
                if tag >= self.clock.warmup
                    && let Some(sent) = self.clock.sent_at(tag)
                    && let Ok(mut acks) = self.acks.lock()
                {
                    let _ = acks
                        .record((now.saturating_duration_since(sent).as_micros() as u64).max(1));
                }
            }
            Err(err) => {
                if let Ok(mut failures) = self.failures.lock()
                    && failures.len() < 20
                {
                    failures.push(format!("mutation {tag} failed: {err}"));
                }
            }
        }
        if let Ok(mut last) = self.last_ack.lock() {
            *last = (*last).max(Some(now));
        }
    }

    /// Sends `total` mutations at `rate` per second on schedule, whatever the answers do. A thread paces
    /// them (its sleep is precise to tens of microseconds, unlike the runtime's millisecond timer).
    pub async fn open_loop(&self, rate: u64, total: u64) -> u64 {
        let start = self.clock.start.get().copied().unwrap_or_else(Instant::now);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let pacer = std::thread::spawn(move || {
            for tag in 0..total {
                let due = start + Duration::from_nanos(tag * 1_000_000_000 / rate);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if tx.send(tag).is_err() {
                    break;
                }
            }
        });
        let mut tasks = tokio::task::JoinSet::new();
        let mut sent = 0;
        while let Some(tag) = rx.recv().await {
            self.clock.mark(
                tag,
                start + Duration::from_nanos(tag * 1_000_000_000 / rate),
            );
            let sender = self.clone();
            tasks.spawn(async move { sender.send(tag).await });
            sent += 1;
            // Reap finished ones as we go so the set stays small.
            while tasks.try_join_next().is_some() {}
        }
        let _ = pacer.join();
        while tasks.join_next().await.is_some() {}
        sent
    }

    /// `writers` writers each send one mutation after another until `until`.
    pub async fn closed_loop(&self, writers: usize, until: Instant, total: u64) -> u64 {
        // Sends are timed from the clock's start: none goes before it.
        if let Some(start) = self.clock.start.get() {
            tokio::time::sleep_until((*start).into()).await;
        }
        let next = Arc::new(AtomicU64::new(0));
        let sent = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..writers {
            let (sender, next, sent, stop) =
                (self.clone(), next.clone(), sent.clone(), stop.clone());
            tasks.spawn(async move {
                while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                    let tag = next.fetch_add(1, Ordering::Relaxed);
                    if tag >= total {
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    sender.clock.mark(tag, Instant::now());
                    sender.send(tag).await;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        sent.load(Ordering::Relaxed) as u64
    }
}
