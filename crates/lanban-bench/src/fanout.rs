//! `fanout`: C clients on R boards each hold the board's socket while mutations (card creations, by the boards'
//! members in turn, with idempotency keys as the app sends them) arrive open-loop at a target rate, or as fast as
//! W writers can send them. Latency runs from each mutation's *scheduled* send time to its receipt at every
//! member, so a server that falls behind is charged for the wait (no coordinated omission). Every delivery is
//! checked: per client, seqs consecutive from the hello on, none lost, none twice.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::stream::{self, StreamExt};
use hdrhistogram::Histogram;
use lanban_client::Api;
use lanban_core::api::CreateCard;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::report::{Run, histogram};
use crate::target::Target;
use crate::wire::{self, BenchBoard, Frame, Socket, TAG_PREFIX};

/// What to run.
#[derive(Debug, Clone)]
pub struct Params {
    pub clients: usize,
    pub boards: usize,
    /// Mutations per second, open-loop; 0 sends as fast as `writers` closed-loop writers can.
    pub rate: u64,
    pub writers: usize,
    pub duration: Duration,
    /// Mutations sent in this first part are checked but not counted in the latency figures.
    pub warmup: Duration,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("clients", self.clients.to_string()),
            ("boards", self.boards.to_string()),
            (
                "rate",
                if self.rate == 0 {
                    format!("max ({} writers)", self.writers)
                } else {
                    format!("{}/s", self.rate)
                },
            ),
            ("duration", format!("{}s", self.duration.as_secs_f64())),
            ("warmup", format!("{}s", self.warmup.as_secs_f64())),
        ])
    }
}

/// State shared by the senders and the sockets.
struct Clock {
    /// When mutation 0 is scheduled.
    start: OnceLock<Instant>,
    /// Per mutation: nanoseconds after `start` when it was scheduled (open loop) or sent (closed loop), + 1;
    /// 0 while unknown.
    sent: Vec<AtomicU64>,
    /// Mutations below this number are warm-up.
    warmup: u64,
}

impl Clock {
    fn sent_at(&self, tag: u64) -> Option<Instant> {
        let start = *self.start.get()?;
        let nanos = self.sent.get(tag as usize)?.load(Ordering::Acquire);
        (nanos > 0).then(|| start + Duration::from_nanos(nanos - 1))
    }

    fn mark(&self, tag: u64, at: Instant) {
        if let (Some(start), Some(slot)) = (self.start.get(), self.sent.get(tag as usize)) {
            let nanos = at.saturating_duration_since(*start).as_nanos() as u64;
            slot.store(nanos + 1, Ordering::Release);
        }
    }
}

/// What one client saw.
struct Seen {
    board: usize,
    last_seq: u64,
    deliveries: u64,
    last_delivery: Option<Instant>,
    latency: Histogram<u64>,
    violations: Vec<String>,
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    let host = target.host()?;
    let boards_n = params.boards.max(1);
    let members = params.clients.div_ceil(boards_n).max(1);
    let boards = wire::setup_boards(&host, boards_n, members).await?;
    let api = Api::new(&target.url)?;

    // One socket per client: client c is member c / R of board c % R.
    let sockets: Vec<anyhow::Result<(usize, Socket, u64)>> = stream::iter(0..params.clients)
        .map(|c| {
            let (api, board) = (api.clone(), boards[c % boards_n].clone());
            async move {
                let token = &board.tokens[(c / boards_n) % board.tokens.len()];
                let mut socket = wire::connect(&api, board.id, token, None).await?;
                let seq = hello(&mut socket).await?;
                Ok((c % boards_n, socket, seq))
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;

    let total = if params.rate == 0 {
        // Room for far more than any server here can take.
        (50_000.0 * (params.duration + params.warmup).as_secs_f64()) as u64
    } else {
        (params.rate as f64 * (params.duration + params.warmup).as_secs_f64()) as u64
    };
    let warmup = if params.rate == 0 {
        0
    } else {
        (params.rate as f64 * params.warmup.as_secs_f64()) as u64
    };
    let clock = Arc::new(Clock {
        start: OnceLock::new(),
        sent: (0..total).map(|_| AtomicU64::new(0)).collect(),
        warmup,
    });
    let final_seqs: Arc<Vec<AtomicU64>> =
        Arc::new((0..boards_n).map(|_| AtomicU64::new(u64::MAX)).collect());
    let (done_tx, done_rx) = watch::channel(false);
    let mut readers = Vec::new();
    let mut hello_seqs: Vec<Option<u64>> = vec![None; boards_n];
    for socket in sockets {
        let (board, socket, seq) = socket?;
        match hello_seqs[board] {
            Some(other) if other != seq => run.violation(format!(
                "clients of board {board} were told different seqs at hello ({other} and {seq}) with no writes"
            )),
            _ => hello_seqs[board] = Some(seq),
        }
        readers.push(tokio::spawn(read(
            socket,
            board,
            seq,
            clock.clone(),
            final_seqs.clone(),
            done_rx.clone(),
        )));
    }
    // Let the presence announcements of all those connections pass before the clock starts.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cpu_before = target.cpu_seconds();
    let tool_before = crate::target::cpu_seconds_of("self");
    let committed: Arc<Vec<AtomicU64>> =
        Arc::new((0..boards_n).map(|_| AtomicU64::new(0)).collect());
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let acks = Arc::new(Mutex::new(histogram()));
    let apis: Arc<Vec<Vec<Api>>> = Arc::new(
        boards
            .iter()
            .map(|b| b.tokens.iter().map(|t| api.with_token(t.clone())).collect())
            .collect(),
    );
    let sender = Sender {
        boards: Arc::new(boards),
        apis,
        clock: clock.clone(),
        committed: committed.clone(),
        failures: failures.clone(),
        acks: acks.clone(),
        last_ack: Arc::new(Mutex::new(None)),
    };
    let start = Instant::now() + Duration::from_millis(20);
    let _ = clock.start.set(start);
    let sent = if params.rate == 0 {
        sender
            .closed_loop(
                params.writers.max(1),
                start + params.warmup + params.duration,
                total,
            )
            .await
    } else {
        sender.open_loop(params.rate, total).await
    };
    let last_ack = sender.last_ack.lock().ok().and_then(|g| *g);
    let cpu_after = target.cpu_seconds();
    let tool_after = crate::target::cpu_seconds_of("self");

    // Every acknowledged mutation was published before its answer: each board's final seq is known now.
    for (b, seq) in hello_seqs.iter().enumerate() {
        if let Some(seq) = seq {
            final_seqs[b].store(
                seq + committed[b].load(Ordering::Acquire),
                Ordering::Release,
            );
        }
    }
    let _ = done_tx.send(true);
    let mut latency = histogram();
    let mut deliveries = 0u64;
    let mut last_delivery: Option<Instant> = None;
    for reader in readers {
        let seen = reader.await.context("a reader panicked")?;
        let expected = final_seqs[seen.board].load(Ordering::Acquire);
        if seen.last_seq != expected {
            run.violation(format!(
                "a client of board {} ended at seq {} but the board is at {expected}: {} events lost",
                seen.board,
                seen.last_seq,
                expected.saturating_sub(seen.last_seq)
            ));
        }
        for v in seen.violations {
            run.violation(v);
        }
        deliveries += seen.deliveries;
        let _ = latency.add(&seen.latency);
        last_delivery = last_delivery.max(seen.last_delivery);
    }
    let committed_total: u64 = committed.iter().map(|c| c.load(Ordering::Acquire)).sum();
    let expected_deliveries: u64 = (0..boards_n)
        .map(|b| {
            let members_here = (0..params.clients).filter(|c| c % boards_n == b).count() as u64;
            committed[b].load(Ordering::Acquire) * members_here
        })
        .sum();
    if deliveries != expected_deliveries {
        run.violation(format!(
            "{deliveries} deliveries, expected {expected_deliveries} (mutations × members)"
        ));
    }
    if let Ok(failures) = failures.lock() {
        for f in failures.iter() {
            run.violation(f.clone());
        }
    }

    let elapsed = last_ack.map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    let delivery_span =
        last_delivery.map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    run.push("mutations sent", sent as f64, "");
    run.push("committed", committed_total as f64, "");
    run.push(
        "committed/s",
        if elapsed > 0.0 {
            committed_total as f64 / elapsed
        } else {
            0.0
        },
        "/s",
    );
    run.push(
        "deliveries/s",
        if delivery_span > 0.0 {
            deliveries as f64 / delivery_span
        } else {
            0.0
        },
        "/s",
    );
    run.push_latency(
        [
            "delivery p50",
            "delivery p90",
            "delivery p99",
            "delivery p99.9",
            "delivery max",
        ],
        &latency,
    );
    if let Ok(acks) = acks.lock() {
        run.push("ack p50", acks.value_at_quantile(0.5) as f64 / 1000.0, "ms");
        run.push(
            "ack p99",
            acks.value_at_quantile(0.99) as f64 / 1000.0,
            "ms",
        );
    }
    if let (Some(before), Some(after)) = (cpu_before, cpu_after)
        && elapsed > 0.0
    {
        run.push("server CPU", (after - before) / elapsed, "cores");
    }
    if let (Some(before), Some(after)) = (tool_before, tool_after)
        && elapsed > 0.0
    {
        run.push("load tool CPU", (after - before) / elapsed, "cores");
    }
    Ok(run)
}

/// Reads frames up to the hello; returns its seq.
pub async fn hello(socket: &mut Socket) -> anyhow::Result<u64> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .context("no hello within 30 s")?
            .context("the socket closed before hello")??;
        if let Message::Text(text) = message
            && let Frame::Hello { seq } = wire::parse(&text)?
        {
            return Ok(seq);
        }
    }
}

async fn read(
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
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(close))) => {
                seen.violations.push(format!(
                    "the server closed a socket of board {board}: {close:?}"
                ));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => {
                seen.violations
                    .push(format!("a socket of board {board} failed: {err}"));
                break;
            }
            None => {
                seen.violations
                    .push(format!("a socket of board {board} ended"));
                break;
            }
        };
        let now = Instant::now();
        match wire::parse(&text) {
            Ok(Frame::Event { seq, tag }) => {
                if seq != seen.last_seq + 1 && seen.violations.len() < 10 {
                    seen.violations.push(format!(
                        "board {board}: seq {seq} arrived after {} ({})",
                        seen.last_seq,
                        if seq <= seen.last_seq {
                            "duplicate or reordered"
                        } else {
                            "gap: events lost"
                        }
                    ));
                }
                seen.last_seq = seen.last_seq.max(seq);
                seen.deliveries += 1;
                seen.last_delivery = Some(now);
                if let Some(tag) = tag
                    && tag >= clock.warmup
                    && let Some(sent) = clock.sent_at(tag)
                {
                    let micros = now.saturating_duration_since(sent).as_micros() as u64;
                    let _ = seen.latency.record(micros.max(1));
                }
            }
            Ok(Frame::Resync { seq }) => {
                seen.violations.push(format!(
                    "board {board}: told to resync at {seq} (fell behind)"
                ));
                break;
            }
            Ok(_) => {}
            Err(err) => {
                seen.violations
                    .push(format!("board {board}: unreadable frame: {err}"));
                break;
            }
        }
    }
    let _ = socket.close(None).await;
    seen
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Sends the mutations.
#[derive(Clone)]
struct Sender {
    boards: Arc<Vec<BenchBoard>>,
    /// Per board, per member: a client with that member's token.
    apis: Arc<Vec<Vec<Api>>>,
    clock: Arc<Clock>,
    committed: Arc<Vec<AtomicU64>>,
    failures: Arc<Mutex<Vec<String>>>,
    acks: Arc<Mutex<Histogram<u64>>>,
    last_ack: Arc<Mutex<Option<Instant>>>,
}

impl Sender {
    /// Mutation `tag`: a card on board `tag % R`, by its members in turn.
    async fn send(&self, tag: u64) {
        let n = self.boards.len() as u64;
        let b = (tag % n) as usize;
        let members = &self.apis[b];
        let api = &members[((tag / n) as usize) % members.len()];
        let body = CreateCard {
            title: format!("{TAG_PREFIX}{tag}"),
            ..Default::default()
        };
        let result = api.create_card(self.boards[b].column, &body).await;
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
    async fn open_loop(&self, rate: u64, total: u64) -> u64 {
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
    async fn closed_loop(&self, writers: usize, until: Instant, total: u64) -> u64 {
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
