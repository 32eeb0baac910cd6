//! `fanout`: C clients on R boards each hold the board's socket while mutations (card creations, by the boards'
//! members in turn, with idempotency keys as the app sends them) arrive open-loop at a target rate, or as fast as
//! W writers can send them. Latency runs from each mutation's *scheduled* send time to its receipt at every
//! member, so a server that falls behind is charged for the wait (no coordinated omission). Every delivery is
//! checked: per client, seqs consecutive from the hello on, none lost, none twice.
//!
//! This file runs the scenario and reports it; `reader` is one client's socket and `sender` sends the mutations.

mod reader;
mod sender;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::stream::{self, StreamExt};
use hdrhistogram::Histogram;
use lanban_client::Api;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::reader::Seen;
use crate::fanout::sender::{Client, Sender};
use crate::peer::{self, PeerApi};
use crate::report::{Run, histogram};
use crate::target::Target;
use crate::wire::{self, BenchBoard, Frame, Socket};

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
    /// A clock with room for the `total` mutations a run may send, the first `warmup` of them warm-up.
    fn new(total: u64, warmup: u64) -> Clock {
        Clock {
            start: OnceLock::new(),
            sent: (0..total).map(|_| AtomicU64::new(0)).collect(),
            warmup,
        }
    }

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

/// The clients' sockets being read, one reader task each.
struct Readers {
    tasks: Vec<JoinHandle<Seen>>,
    /// Per board: the seq its clients were told at hello (`None` for a board without clients).
    hello_seqs: Vec<Option<u64>>,
    /// Per board: the seq its readers must reach before they stop (`u64::MAX` until the sending is over).
    final_seqs: Arc<Vec<AtomicU64>>,
    /// Set to true when the sending is over.
    done: watch::Sender<bool>,
}

/// What the sending measured.
struct Sending {
    /// Mutations sent.
    sent: u64,
    /// When mutation 0 was scheduled.
    start: Instant,
    /// When the last answer came.
    last_ack: Option<Instant>,
    cpu_before: CpuSeconds,
    cpu_after: CpuSeconds,
}

/// CPU time used so far, in seconds, by the server and by this tool (where /proc tells).
#[derive(Clone, Copy)]
struct CpuSeconds {
    server: Option<f64>,
    tool: Option<f64>,
}

impl CpuSeconds {
    fn now(target: &Target) -> CpuSeconds {
        CpuSeconds {
            server: target.cpu_seconds(),
            tool: crate::target::cpu_seconds_of("self"),
        }
    }
}

/// What the clients received, all readers together.
struct Delivered {
    deliveries: u64,
    last_delivery: Option<Instant>,
    latency: Histogram<u64>,
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    let boards_n = params.boards.max(1);
    let members = params.clients.div_ceil(boards_n).max(1);
    let (boards, client) = if target.peer.is_some() {
        let api = PeerApi::new(&target.url)?;
        let boards = peer::setup_boards(&api, boards_n, members).await?;
        (boards, Client::Peer(api))
    } else {
        let boards = wire::setup_boards(&target.host()?, boards_n, members).await?;
        (boards, Client::Lanban(Api::new(&target.url)?))
    };

    let sockets = connect_all(&client, &target.url, &boards, params.clients).await;
    let (total, warmup) = schedule(params);
    let clock = Arc::new(Clock::new(total, warmup));
    let readers = spawn_readers(&mut run, sockets, boards_n, &clock)?;
    // Let the presence announcements of all those connections pass before the clock starts.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cpu_before = CpuSeconds::now(target);
    let sender = Sender::new(&client, boards, clock.clone());
    let start = Instant::now() + Duration::from_millis(20);
    let _ = clock.start.set(start);
    let sent = if params.rate == 0 {
        let until = start + params.warmup + params.duration;
        sender
            .closed_loop(params.writers.max(1), until, total)
            .await
    } else {
        sender.open_loop(params.rate, total).await
    };
    let last_ack = sender.last_ack();
    let cpu_after = CpuSeconds::now(target);
    let sending = Sending {
        sent,
        start,
        last_ack,
        cpu_before,
        cpu_after,
    };

    let delivered = finish_reading(&mut run, readers, sender.committed()).await?;
    check_deliveries(&mut run, params, sender.committed(), delivered.deliveries);
    for failure in sender.failures() {
        run.violation(failure);
    }
    push_figures(&mut run, &sending, &delivered, &sender);
    Ok(run)
}

/// How many mutations a run has room for, and how many of the first are warm-up.
fn schedule(params: &Params) -> (u64, u64) {
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
    (total, warmup)
}

/// Opens one socket per client, each up to its hello: client c is member c / R of board c % R. Yields each
/// client's board, socket and hello seq.
async fn connect_all(
    client: &Client,
    url: &str,
    boards: &[BenchBoard],
    clients: usize,
) -> Vec<anyhow::Result<(usize, Socket, u64)>> {
    let boards_n = boards.len();
    stream::iter(0..clients)
        .map(|c| {
            let (client, board, url) =
                (client.clone(), boards[c % boards_n].clone(), url.to_owned());
            async move {
                let token = &board.tokens[(c / boards_n) % board.tokens.len()];
                let mut socket = match &client {
                    Client::Lanban(api) => wire::connect(api, board.id, token, None).await?,
                    Client::Peer(_) => peer::connect(&url, token).await?,
                };
                let seq = hello(&mut socket).await?;
                Ok((c % boards_n, socket, seq))
            }
        })
        .buffer_unordered(64)
        .collect()
        .await
}

/// Starts a reader per socket, and checks that the clients of a board were all told the same seq at hello.
fn spawn_readers(
    run: &mut Run,
    sockets: Vec<anyhow::Result<(usize, Socket, u64)>>,
    boards_n: usize,
    clock: &Arc<Clock>,
) -> anyhow::Result<Readers> {
    let final_seqs: Arc<Vec<AtomicU64>> =
        Arc::new((0..boards_n).map(|_| AtomicU64::new(u64::MAX)).collect());
    let (done, done_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut hello_seqs: Vec<Option<u64>> = vec![None; boards_n];
    for socket in sockets {
        let (board, socket, seq) = socket?;
        match hello_seqs[board] {
            Some(other) if other != seq => run.violation(format!(
                "clients of board {board} were told different seqs at hello ({other} and {seq}) with no writes"
            )),
            _ => hello_seqs[board] = Some(seq),
        }
        tasks.push(tokio::spawn(reader::read(
            socket,
            board,
            seq,
            clock.clone(),
            final_seqs.clone(),
            done_rx.clone(),
        )));
    }
    Ok(Readers {
        tasks,
        hello_seqs,
        final_seqs,
        done,
    })
}

/// Tells the readers where each board ended, waits for them, and checks that every client reached that seq.
async fn finish_reading(
    run: &mut Run,
    readers: Readers,
    committed: &[AtomicU64],
) -> anyhow::Result<Delivered> {
    let final_seqs = readers.final_seqs;
    // Every acknowledged mutation was published before its answer: each board's final seq is known now.
    for (b, seq) in readers.hello_seqs.iter().enumerate() {
        if let Some(seq) = seq {
            final_seqs[b].store(
                seq + committed[b].load(Ordering::Acquire),
                Ordering::Release,
            );
        }
    }
    let _ = readers.done.send(true);
    let mut delivered = Delivered {
        deliveries: 0,
        last_delivery: None,
        latency: histogram(),
    };
    for reader in readers.tasks {
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
        delivered.deliveries += seen.deliveries;
        let _ = delivered.latency.add(&seen.latency);
        delivered.last_delivery = delivered.last_delivery.max(seen.last_delivery);
    }
    Ok(delivered)
}

/// Checks that each committed mutation reached every member of its board: client c is on board c % R.
fn check_deliveries(run: &mut Run, params: &Params, committed: &[AtomicU64], deliveries: u64) {
    let boards_n = committed.len();
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
}

/// Adds the run's figures, in the order they are printed.
fn push_figures(run: &mut Run, sending: &Sending, delivered: &Delivered, sender: &Sender) {
    let committed_total: u64 = sender
        .committed()
        .iter()
        .map(|c| c.load(Ordering::Acquire))
        .sum();
    let start = sending.start;
    let elapsed = sending
        .last_ack
        .map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    let delivery_span = delivered
        .last_delivery
        .map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    run.push("mutations sent", sending.sent as f64, "");
    run.push("committed", committed_total as f64, "");
    let per_second = |count: u64, span: f64| if span > 0.0 { count as f64 / span } else { 0.0 };
    run.push("committed/s", per_second(committed_total, elapsed), "/s");
    run.push(
        "deliveries/s",
        per_second(delivered.deliveries, delivery_span),
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
        &delivered.latency,
    );
    if let Some(acks) = sender.acks() {
        run.push("ack p50", acks.value_at_quantile(0.5) as f64 / 1000.0, "ms");
        run.push(
            "ack p99",
            acks.value_at_quantile(0.99) as f64 / 1000.0,
            "ms",
        );
    }
    let (before, after) = (sending.cpu_before, sending.cpu_after);
    if let (Some(before), Some(after)) = (before.server, after.server)
        && elapsed > 0.0
    {
        run.push("server CPU", (after - before) / elapsed, "cores");
    }
    if let (Some(before), Some(after)) = (before.tool, after.tool)
        && elapsed > 0.0
    {
        run.push("load tool CPU", (after - before) / elapsed, "cores");
    }
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
