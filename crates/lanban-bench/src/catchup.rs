//! `catchup`: a member holding a board mirror is offline while K events are committed; the clock runs from its
//! reconnect (`?since=` its mirror's seq) until all K events are decoded and applied to the mirror, in order.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use lanban_client::Api;
use lanban_core::api::Snapshot;
use lanban_core::event::ServerMessage;
use tokio_tungstenite::tungstenite::Message;

use crate::report::Run;
use crate::target::Target;
use crate::wire::{self, BenchBoard};

#[derive(Debug, Clone)]
pub struct Params {
    /// Events missed each time.
    pub events: u64,
    /// Catch-ups per run; the run reports their median.
    pub repeats: usize,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("missed events", self.events.to_string()),
            ("catch-ups per run", self.repeats.to_string()),
        ])
    }
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    let board = wire::setup_boards(&target.host()?, 1, 2).await?.remove(0);
    let api = Api::new(&target.url)?;
    let reader = api.with_token(board.tokens[1].clone());
    let mut mirror = reader.snapshot(board.id).await?;
    let mut times = Vec::new();
    let mut hellos = Vec::new();
    for round in 0..params.repeats.max(1) {
        // Offline: K cards are added.
        let boards = std::slice::from_ref(&board);
        wire::add_cards(
            &api,
            boards,
            params.events as usize,
            |_| 0,
            |i| format!("{round}-{i}"),
        )
        .await
        .context("writing the missed events")?;
        let until = mirror.seq + params.events;
        let time = catch_up(&api, &board, &mut mirror, until, &mut run, &mut hellos).await?;
        times.push(time);
        if mirror.seq != until {
            run.violation(format!(
                "the mirror is at {} after catching up to {until}",
                mirror.seq
            ));
        }
    }
    // The mirror built from the replays must be the board.
    let snapshot = reader.snapshot(board.id).await?;
    if snapshot.cards.len() != mirror.cards.len() || snapshot.seq != mirror.seq {
        run.violation(format!(
            "the caught-up mirror ({} cards at seq {}) differs from the board ({} cards at seq {})",
            mirror.cards.len(),
            mirror.seq,
            snapshot.cards.len(),
            snapshot.seq
        ));
    }
    push_figures(&mut run, times, hellos);
    Ok(run)
}

/// Reconnects with `since` the mirror's seq and applies events to the mirror until it is at `until`; returns
/// how long that took. Out-of-order seqs go to `run`, the time to each hello to `hellos`.
async fn catch_up(
    api: &Api,
    board: &BenchBoard,
    mirror: &mut Snapshot,
    until: u64,
    run: &mut Run,
    hellos: &mut Vec<Duration>,
) -> anyhow::Result<Duration> {
    let from = mirror.seq;
    let started = Instant::now();
    let mut socket = wire::connect(api, board.id, &board.tokens[1], Some(from)).await?;
    while mirror.seq < until {
        let message = tokio::time::timeout(Duration::from_secs(60), socket.next())
            .await
            .context("catch-up stalled for 60 s")?
            .context("the socket closed during catch-up")??;
        let Message::Text(text) = message else {
            continue;
        };
        match serde_json::from_str::<ServerMessage>(&text)? {
            ServerMessage::Event(event) => {
                if event.seq != mirror.seq + 1 {
                    run.violation(format!("seq {} arrived after {}", event.seq, mirror.seq));
                }
                mirror
                    .apply(&event)
                    .map_err(|e| anyhow::anyhow!("cannot apply seq {}: {e}", event.seq))?;
            }
            ServerMessage::Resync { seq } => bail!("told to resync at {seq}"),
            ServerMessage::Hello { .. } => hellos.push(started.elapsed()),
            ServerMessage::Presence { .. } => {}
        }
    }
    let elapsed = started.elapsed();
    let _ = socket.close(None).await;
    Ok(elapsed)
}

/// Adds the medians and extremes of the catch-up times and the times to hello.
fn push_figures(run: &mut Run, mut times: Vec<Duration>, mut hellos: Vec<Duration>) {
    times.sort();
    hellos.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    run.push(
        "connected (hello) median",
        hellos.get(hellos.len() / 2).map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
    run.push(
        "catch-up median",
        times.get(times.len() / 2).map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
    run.push(
        "catch-up min",
        times.first().map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
    run.push(
        "catch-up max",
        times.last().map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
}
