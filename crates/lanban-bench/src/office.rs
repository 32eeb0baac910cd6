//! `office`: an office day compressed. B boards of M members each, every member with the board open (one socket),
//! and a mix of what a team does, open loop at a total rate: card edits, moves between two columns, comments,
//! presence changes (opening and closing a card) and reconnects (a laptop waking up: the socket dropped and opened
//! again with `?since=`). Each change is sent as the app sends it (its request with an `Idempotency-Key`) by one of
//! the board's members in turn; its event carries a tag, so every member's socket times its arrival from the
//! change's *scheduled* time (no coordinated omission). Reports p50/p99 per kind of change, the reconnects' time to
//! `hello`, and the server's CPU per member. Checks every socket: seqs consecutive from its hello (across its
//! reconnects), every change delivered to every member once.
//!
//! This file runs the day and reports it; `member` is one member's open board.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use lanban_client::Api;
use lanban_core::api::{CreateCard, CreateColumn, CreateComment, UpdateCard};
use lanban_core::ids::{CardId, ColumnId};
use lanban_core::mutation::Mutation;
use tokio::sync::mpsc;

mod member;

use crate::report::{Run, histogram};
use crate::target::Target;
use crate::wire::{self, BenchBoard, TAG_PREFIX};

#[derive(Debug, Clone)]
pub struct Params {
    pub boards: usize,
    pub members: usize,
    /// Actions per second over all boards, open loop.
    pub rate: u64,
    pub duration: Duration,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("boards", self.boards.to_string()),
            ("members per board", self.members.to_string()),
            ("rate", format!("{}/s", self.rate)),
            ("duration", format!("{}s", self.duration.as_secs_f64())),
            (
                "mix",
                "40% edits, 25% moves, 20% comments, 10% presence, 5% reconnects".into(),
            ),
        ])
    }
}

/// What a team does, and how often (out of 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Edit,
    Move,
    Comment,
    Presence,
    Reconnect,
}

const CHANGES: [Kind; 3] = [Kind::Edit, Kind::Move, Kind::Comment];

impl Kind {
    /// Action `i`'s kind: a fixed, evenly spread sequence (no randomness, so runs compare).
    fn of(i: u64) -> Kind {
        match (i.wrapping_mul(37)) % 100 {
            0..40 => Kind::Edit,
            40..65 => Kind::Move,
            65..85 => Kind::Comment,
            85..95 => Kind::Presence,
            _ => Kind::Reconnect,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Edit => "edit",
            Kind::Move => "move",
            Kind::Comment => "comment",
            Kind::Presence => "presence",
            Kind::Reconnect => "reconnect",
        }
    }
}

/// Cards each board starts with, spread over its two columns.
const CARDS_PER_BOARD: usize = 20;

/// One board of the day: its members' tokens, its two columns, its cards.
struct Board {
    bench: BenchBoard,
    columns: [ColumnId; 2],
    cards: Vec<CardId>,
}

/// What the sockets share: when each change was scheduled, and the figures.
struct Shared {
    start: Instant,
    /// Per action: nanoseconds after `start` it was scheduled, + 1 (0: not a change, or not yet sent).
    scheduled: Vec<AtomicU64>,
    /// Per action: its kind's index in [`CHANGES`], + 1.
    kinds: Vec<AtomicU8>,
    /// Per change: how many members received it.
    received: Vec<AtomicU64>,
    /// Delivery latency per kind of change, in microseconds.
    latency: [Mutex<Histogram<u64>>; 3],
    /// Time from a reconnect's start to its `hello`, in microseconds.
    reconnects: Mutex<Histogram<u64>>,
    violations: Mutex<Vec<String>>,
}

impl Shared {
    fn violation(&self, what: String) {
        if let Ok(mut v) = self.violations.lock()
            && v.len() < 20
        {
            v.push(what);
        }
    }
}

/// What a member's socket task is told to do.
enum Order {
    /// Send a presence change (open this card, or none).
    Presence(Option<CardId>),
    /// Drop the socket and open it again with `?since=` the last seq seen.
    Reconnect,
    Stop,
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    if let Err(err) = lanban_server::raise_fd_limit() {
        tracing::warn!(error = %err, "cannot raise this tool's open-file limit");
    }
    let boards = setup(target, params).await?;
    let api = Api::new(&target.url)?;
    let total = (params.rate as f64 * params.duration.as_secs_f64()).ceil() as usize;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        scheduled: (0..total).map(|_| AtomicU64::new(0)).collect(),
        kinds: (0..total).map(|_| AtomicU8::new(0)).collect(),
        received: (0..total).map(|_| AtomicU64::new(0)).collect(),
        latency: [
            Mutex::new(histogram()),
            Mutex::new(histogram()),
            Mutex::new(histogram()),
        ],
        reconnects: Mutex::new(histogram()),
        violations: Mutex::new(Vec::new()),
    });

    // Every member opens the board.
    let mut orders = Vec::new();
    let mut tasks = Vec::new();
    for board in &boards {
        let mut of_board = Vec::new();
        for token in &board.bench.tokens {
            let socket = wire::connect(&api, board.bench.id, token, None).await?;
            let (tx, rx) = mpsc::unbounded_channel();
            of_board.push(tx);
            tasks.push(tokio::spawn(member::member(
                api.clone(),
                board.bench.id,
                token.clone(),
                socket,
                rx,
                shared.clone(),
            )));
        }
        orders.push(of_board);
    }

    let cpu_before = (target.cpu_seconds(), Instant::now());
    let shared_start = Instant::now();
    let mut sends = Vec::new();
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    for i in 0..total {
        let at = Duration::from_secs_f64(i as f64 / params.rate as f64);
        tokio::time::sleep_until((shared_start + at).into()).await;
        let kind = Kind::of(i as u64);
        *counts.entry(kind.name()).or_default() += 1;
        let b = i % boards.len();
        let m = (i / boards.len()) % board_members(&boards[b]);
        let board = &boards[b];
        let card = board.cards[(i / boards.len() / 3) % board.cards.len()];
        match kind {
            Kind::Presence => {
                let open = (i / boards.len()) % 2 == 0;
                let _ = orders[b][m].send(Order::Presence(open.then_some(card)));
            }
            Kind::Reconnect => {
                let _ = orders[b][m].send(Order::Reconnect);
            }
            change => {
                let tag = format!("{TAG_PREFIX}{i}");
                let mutation = match change {
                    Kind::Edit => Mutation::UpdateCard {
                        card,
                        patch: Box::new(UpdateCard {
                            title: Some(Some(tag)),
                            ..Default::default()
                        }),
                        base: None,
                    },
                    // A move stamps the title too, so that its event carries the tag.
                    Kind::Move => Mutation::UpdateCard {
                        card,
                        patch: Box::new(UpdateCard {
                            title: Some(Some(tag)),
                            column_id: Some(Some(board.columns[(i / boards.len()) % 2])),
                            ..Default::default()
                        }),
                        base: None,
                    },
                    _ => Mutation::CreateComment {
                        card,
                        comment: CreateComment {
                            id: None,
                            body: tag,
                        },
                    },
                };
                let index = CHANGES.iter().position(|k| *k == change).unwrap_or(0);
                shared.kinds[i].store(index as u8 + 1, Ordering::Relaxed);
                let scheduled = shared_start + at;
                let nanos = scheduled.saturating_duration_since(shared.start).as_nanos();
                shared.scheduled[i].store(nanos as u64 + 1, Ordering::Release);
                let writer = api.with_token(board.bench.tokens[m].clone());
                let shared = shared.clone();
                sends.push(tokio::spawn(async move {
                    let request = mutation.request()?;
                    let key = uuid::Uuid::now_v7().to_string();
                    let (status, body) = writer
                        .send_kept(
                            &key,
                            request.method.parse()?,
                            &request.path,
                            request.body.as_deref(),
                        )
                        .await?;
                    if !(200..300).contains(&status) {
                        shared.violation(format!("change {i} answered {status}: {body}"));
                    }
                    anyhow::Ok(())
                }));
            }
        }
    }
    for send in sends {
        if let Err(err) = send.await.map_err(anyhow::Error::from).and_then(|r| r) {
            shared.violation(format!("a change failed: {err:#}"));
        }
    }
    // Every change reaches every member (a reconnecting one through its replay).
    let members: u64 =
        boards.iter().map(|b| board_members(b) as u64).sum::<u64>() / boards.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let missing = (0..total).any(|i| {
            shared.kinds[i].load(Ordering::Relaxed) != 0
                && shared.received[i].load(Ordering::Relaxed) < members
        });
        if !missing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = cpu_before.1.elapsed().as_secs_f64();
    let cpu_after = target.cpu_seconds();
    for of_board in &orders {
        for member in of_board {
            let _ = member.send(Order::Stop);
        }
    }
    for task in tasks {
        let _ = task.await;
    }

    for i in 0..total {
        if shared.kinds[i].load(Ordering::Relaxed) == 0 {
            continue;
        }
        let got = shared.received[i].load(Ordering::Relaxed);
        if got != members {
            shared.violation(format!("change {i} reached {got} of {members} members"));
        }
    }
    let everyone = (boards.len() as u64 * members) as f64;
    for (name, count) in &counts {
        run.push(static_count(name), *count as f64, "");
    }
    for (k, kind) in CHANGES.iter().enumerate() {
        let h = shared.latency[k]
            .lock()
            .map_err(|_| anyhow::anyhow!("a socket task panicked"))?;
        if !h.is_empty() {
            let [p50, p99] = quantile_names(*kind);
            run.push(p50, h.value_at_quantile(0.5) as f64 / 1000.0, "ms");
            run.push(p99, h.value_at_quantile(0.99) as f64 / 1000.0, "ms");
        }
    }
    if let Ok(h) = shared.reconnects.lock()
        && !h.is_empty()
    {
        run.push(
            "reconnect to hello p50",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            "ms",
        );
        run.push(
            "reconnect to hello p99",
            h.value_at_quantile(0.99) as f64 / 1000.0,
            "ms",
        );
    }
    if let (Some(before), Some(after)) = (cpu_before.0, cpu_after)
        && elapsed > 0.0
    {
        let cores = (after - before) / elapsed;
        run.push("server CPU", cores, "cores");
        run.push("server CPU per member", cores * 1e6 / everyone, "µs/s");
    }
    if let Ok(violations) = shared.violations.lock() {
        for v in violations.iter() {
            run.violation(v.clone());
        }
    }
    Ok(run)
}

fn board_members(board: &Board) -> usize {
    board.bench.tokens.len()
}

fn static_count(name: &str) -> &'static str {
    match name {
        "edit" => "edits",
        "move" => "moves",
        "comment" => "comments",
        "presence" => "presence changes",
        _ => "reconnects",
    }
}

fn quantile_names(kind: Kind) -> [&'static str; 2] {
    match kind {
        Kind::Edit => ["edit p50", "edit p99"],
        Kind::Move => ["move p50", "move p99"],
        _ => ["comment p50", "comment p99"],
    }
}

/// The boards, each with two columns and its cards.
async fn setup(target: &Target, params: &Params) -> anyhow::Result<Vec<Board>> {
    let host = target.host()?;
    let benched = wire::setup_boards(&host, params.boards.max(1), params.members.max(1)).await?;
    let mut boards = Vec::with_capacity(benched.len());
    for bench in benched {
        let writer = host.with_token(bench.tokens[0].clone());
        let done = writer
            .create_column(
                bench.id,
                &CreateColumn {
                    title: "Done".into(),
                    ..Default::default()
                },
            )
            .await
            .context("creating a column")?;
        let columns = [bench.column, done.id];
        let mut cards = Vec::with_capacity(CARDS_PER_BOARD);
        for c in 0..CARDS_PER_BOARD {
            let card = writer
                .create_card(
                    columns[c % 2],
                    &CreateCard {
                        title: format!("Task {c}"),
                        ..Default::default()
                    },
                )
                .await
                .context("creating a card")?;
            cards.push(card.id);
        }
        boards.push(Board {
            bench,
            columns,
            cards,
        });
    }
    Ok(boards)
}
