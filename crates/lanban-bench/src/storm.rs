//! `storm`: N clients on R boards lose their sockets at once (a network blip); E changes per board are committed
//! meanwhile; then all N reconnect at the same instant with `?since=` their last seq. The clock runs from that
//! instant until the last client has every missed event, in order. A refused or failed connect is retried
//! after a short pause, as the app does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::stream::{self, StreamExt};
use lanban_client::Api;
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::hello;
use crate::report::Run;
use crate::target::Target;
use crate::wire::{self, Frame};

#[derive(Debug, Clone)]
pub struct Params {
    pub clients: usize,
    pub boards: usize,
    /// Changes per board committed while everyone is away.
    pub missed: u64,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("clients", self.clients.to_string()),
            ("boards", self.boards.to_string()),
            ("missed events per board", self.missed.to_string()),
        ])
    }
}

/// How one client's reconnect went.
struct Outcome {
    converged: Duration,
    retries: u32,
    violation: Option<String>,
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    if let Err(err) = lanban_server::raise_fd_limit() {
        tracing::warn!(error = %err, "cannot raise this tool's open-file limit");
    }
    let boards_n = params.boards.max(1);
    let members = params.clients.div_ceil(boards_n).max(1);
    let boards = wire::setup_boards(&target.host()?, boards_n, members).await?;
    let api = Api::new(&target.url)?;

    // Everyone connects and is up to date…
    let sockets = connect_all(&api, &boards, params.clients, members).await?;
    // …then every socket drops at once.
    drop(sockets);
    let mut seq_of_board = Vec::with_capacity(boards_n);
    for board in &boards {
        let host = api.with_token(board.tokens[0].clone());
        seq_of_board.push(host.snapshot(board.id).await?.seq);
    }

    // While they are away, each board gets `missed` changes.
    let count = boards_n * params.missed as usize;
    wire::add_cards(&api, &boards, count, |i| i % boards_n, |i| i.to_string())
        .await
        .context("writing while everyone is away")?;

    let (outcomes, all) = reconnect_all(&api, &boards, &seq_of_board, params, members).await?;
    push_figures(&mut run, outcomes, all);
    Ok(run)
}

/// Connects every client (client c is member c / R of board c % R) and reads up to its hello.
async fn connect_all(
    api: &Api,
    boards: &[wire::BenchBoard],
    clients: usize,
    members: usize,
) -> anyhow::Result<Vec<wire::Socket>> {
    let boards_n = boards.len();
    let opened: Vec<anyhow::Result<wire::Socket>> = stream::iter(0..clients)
        .map(|c| {
            let (api, board) = (api.clone(), &boards[c % boards_n]);
            async move {
                let token = &board.tokens[(c / boards_n) % members];
                let mut socket = wire::connect(&api, board.id, token, None).await?;
                hello(&mut socket).await?;
                Ok(socket)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(opened.len());
    for socket in opened {
        sockets.push(socket.context("connecting before the storm")?);
    }
    Ok(sockets)
}

/// Reconnects every client at the same instant, each `since` its board's seq before the storm, and waits for
/// all of them; returns how each went and the time until the last converged.
async fn reconnect_all(
    api: &Api,
    boards: &[wire::BenchBoard],
    seq_of_board: &[u64],
    params: &Params,
    members: usize,
) -> anyhow::Result<(Vec<Outcome>, Duration)> {
    let boards_n = boards.len();
    let barrier = std::sync::Arc::new(Barrier::new(params.clients + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..params.clients {
        let b = c % boards_n;
        let board = boards[b].clone();
        let token = board.tokens[(c / boards_n) % members].clone();
        let (api, barrier) = (api.clone(), barrier.clone());
        let since = seq_of_board[b];
        let until = since + params.missed;
        tasks.spawn(async move {
            barrier.wait().await;
            let started = Instant::now();
            reconnect(&api, &board, &token, since, until, started).await
        });
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        outcomes.push(outcome.context("a client task panicked")?);
    }
    Ok((outcomes, started.elapsed()))
}

/// Adds the time until all converged, the clients' percentiles and the retries; passes on the violations.
fn push_figures(run: &mut Run, outcomes: Vec<Outcome>, all: Duration) {
    let mut times: Vec<Duration> = outcomes.iter().map(|o| o.converged).collect();
    times.sort();
    let retries: u32 = outcomes.iter().map(|o| o.retries).sum();
    for o in outcomes {
        if let Some(v) = o.violation {
            run.violation(v);
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    run.push("all converged", ms(all), "ms");
    run.push(
        "client p50",
        times.get(times.len() / 2).map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
    run.push(
        "client p99",
        times
            .get(times.len() * 99 / 100)
            .map_or(f64::NAN, |d| ms(*d)),
        "ms",
    );
    run.push("connect retries", f64::from(retries), "");
}

/// Reconnects (retrying failed connects) and reads until the client has seq `until`.
async fn reconnect(
    api: &Api,
    board: &wire::BenchBoard,
    token: &str,
    since: u64,
    until: u64,
    started: Instant,
) -> Outcome {
    let mut retries = 0;
    let deadline = started + Duration::from_secs(60);
    let mut last = since;
    while Instant::now() < deadline {
        let mut socket = match wire::connect(api, board.id, token, Some(last)).await {
            Ok(socket) => socket,
            Err(_) => {
                retries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        loop {
            if last >= until {
                let converged = started.elapsed();
                let _ = socket.close(None).await;
                return Outcome {
                    converged,
                    retries,
                    violation: None,
                };
            }
            let frame = match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => wire::parse(&text),
                Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) | Err(_) => break,
                Ok(Some(Ok(_))) => continue,
            };
            match frame {
                Ok(Frame::Event { seq, .. }) => {
                    if seq != last + 1 {
                        return Outcome {
                            converged: started.elapsed(),
                            retries,
                            violation: Some(format!("seq {seq} arrived after {last}")),
                        };
                    }
                    last = seq;
                }
                Ok(Frame::Resync { seq }) => {
                    return Outcome {
                        converged: started.elapsed(),
                        retries,
                        violation: Some(format!("told to resync at {seq}")),
                    };
                }
                Ok(_) => {}
                Err(err) => {
                    return Outcome {
                        converged: started.elapsed(),
                        retries,
                        violation: Some(format!("unreadable frame: {err}")),
                    };
                }
            }
        }
        retries += 1;
    }
    Outcome {
        converged: started.elapsed(),
        retries,
        violation: Some(format!(
            "not converged within 60 s (at seq {last} of {until})"
        )),
    }
}
