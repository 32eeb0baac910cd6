//! `lanban-bench`: Lanban's load tool. It starts a server of its own (a child process with a fresh data
//! directory) or targets one with `--url`, speaks only the public HTTP/WebSocket protocol, checks every
//! delivery, and reports percentiles as a table or JSON. See docs/performance.md for the figures and commands.

mod catchup;
mod edits;
mod fanout;
mod idle;
mod office;
mod peer;
mod report;
mod storm;
mod target;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use lanban_server::Synchronous;

use crate::report::{Report, Run};
use crate::target::Target;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Load tool for the Lanban sync server: fan-out, idle sockets, catch-up, reconnect storms."
)]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    #[command(flatten)]
    global: Global,
}

#[derive(Debug, Args)]
struct Global {
    /// Put load on this server instead of starting one (`http://host:port`).
    #[arg(long, global = true, requires = "host_token")]
    url: Option<String>,
    /// The host credential of the `--url` server (the `host-token` file's line).
    #[arg(long, global = true, env = "LANBAN_HOST_TOKEN")]
    host_token: Option<String>,
    /// The `--url` server's process id, to read its memory and CPU time from /proc.
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// SQLite durability of the server this tool starts (stated in the report).
    #[arg(long, global = true, value_enum, default_value_t = Synchronous::Full)]
    synchronous: Synchronous,
    /// Repeat the measurement this many times, each on a fresh server, and report the median.
    #[arg(long, global = true, default_value_t = 1)]
    runs: usize,
    /// Print the report as JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Pin the server this tool starts to the first CPU and this tool to the second, so that neither takes the
    /// other's core and figures compare run to run (the side-by-side setup of docs/performance.md).
    #[arg(long, global = true, conflicts_with = "url")]
    pin: bool,
    /// Put the load on the Node stack instead (Express 5 + socket.io 4 + better-sqlite3 12, in
    /// crates/lanban-bench/peer; `npm ci --prefix crates/lanban-bench/peer` first), to compare side by side.
    /// `fanout` only; `--synchronous` applies to it as to Lanban.
    #[arg(long, global = true, conflicts_with = "url")]
    peer: bool,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// C clients on R boards; mutations at a rate (or max); delivery latency and checks.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        #[arg(long, default_value_t = 100)]
        boards: usize,
        /// Mutations per second, open loop; 0 = as fast as `--writers` closed-loop writers can.
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        /// Closed-loop writers for `--rate 0`.
        #[arg(long, default_value_t = 64)]
        writers: usize,
        /// Seconds of measured load.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Seconds of load before it, checked but not in the latency figures.
        #[arg(long, default_value_t = 2.0)]
        warmup: f64,
    },
    /// N open sockets; the server's memory per socket.
    Idle {
        #[arg(long, default_value_t = 15000)]
        sockets: usize,
        #[arg(long, default_value_t = 10)]
        members_per_board: usize,
    },
    /// A client misses K events and reconnects with `since`: time until all are applied.
    Catchup {
        #[arg(long, default_value_t = 1000)]
        events: u64,
        #[arg(long, default_value_t = 5)]
        repeats: usize,
    },
    /// N clients reconnect at once after missing some events: time until all converged.
    Storm {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        #[arg(long, default_value_t = 100)]
        boards: usize,
        #[arg(long, default_value_t = 5)]
        missed: u64,
    },
    /// An office day compressed: B boards of M members, every member with the board open, and a mix of card
    /// edits, moves, comments, presence changes and reconnects at a total rate; p50/p99 per kind, the server's CPU
    /// per member.
    Office {
        #[arg(long, default_value_t = 50)]
        boards: usize,
        #[arg(long, default_value_t = 10)]
        members: usize,
        /// Actions per second over all boards, open loop.
        #[arg(long, default_value_t = 100)]
        rate: u64,
        /// Seconds of the day.
        #[arg(long, default_value_t = 30.0)]
        duration: f64,
    },
    /// One member edits card descriptions one after another on a board of N cards that each have one: time to each
    /// answer.
    Edits {
        #[arg(long, default_value_t = 9000)]
        cards: usize,
        #[arg(long, default_value_t = 300)]
        edits: usize,
    },
    /// Every scenario, small and short, checking correctness only (for CI): exits non-zero on any loss,
    /// duplicate, reorder or failed request. Asserts no times.
    Smoke,
    /// Run a server (used by the tool itself; prints `listening on URL`).
    #[command(hide = true)]
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        #[arg(long, value_enum, default_value_t = Synchronous::Full)]
        synchronous: Synchronous,
        /// The CPU to run on (`--pin`).
        #[arg(long)]
        cpu: Option<usize>,
    },
}

/// One scenario with its parameters.
enum Plan {
    Fanout(fanout::Params),
    Idle(idle::Params),
    Catchup(catchup::Params),
    Storm(storm::Params),
    Office(office::Params),
    Edits(edits::Params),
}

impl Plan {
    fn name(&self) -> &'static str {
        match self {
            Plan::Fanout(_) => "fanout",
            Plan::Idle(_) => "idle",
            Plan::Catchup(_) => "catchup",
            Plan::Storm(_) => "storm",
            Plan::Office(_) => "office",
            Plan::Edits(_) => "edits",
        }
    }

    fn describe(&self) -> std::collections::BTreeMap<&'static str, String> {
        match self {
            Plan::Fanout(p) => p.describe(),
            Plan::Idle(p) => p.describe(),
            Plan::Catchup(p) => p.describe(),
            Plan::Storm(p) => p.describe(),
            Plan::Office(p) => p.describe(),
            Plan::Edits(p) => p.describe(),
        }
    }

    async fn run(&self, target: &Target) -> anyhow::Result<Run> {
        match self {
            Plan::Fanout(p) => fanout::run(target, p).await,
            Plan::Idle(p) => idle::run(target, p).await,
            Plan::Catchup(p) => catchup::run(target, p).await,
            Plan::Storm(p) => storm::run(target, p).await,
            Plan::Office(p) => office::run(target, p).await,
            Plan::Edits(p) => edits::run(target, p).await,
        }
    }
}

fn plans(scenario: Scenario) -> Vec<Plan> {
    let secs = Duration::from_secs_f64;
    match scenario {
        Scenario::Fanout {
            clients,
            boards,
            rate,
            writers,
            duration,
            warmup,
        } => vec![Plan::Fanout(fanout::Params {
            clients,
            boards,
            rate,
            writers,
            duration: secs(duration.max(0.1)),
            warmup: secs(warmup.max(0.0)),
        })],
        Scenario::Idle {
            sockets,
            members_per_board,
        } => vec![Plan::Idle(idle::Params {
            sockets,
            members_per_board,
        })],
        Scenario::Catchup { events, repeats } => {
            vec![Plan::Catchup(catchup::Params { events, repeats })]
        }
        Scenario::Storm {
            clients,
            boards,
            missed,
        } => vec![Plan::Storm(storm::Params {
            clients,
            boards,
            missed,
        })],
        Scenario::Office {
            boards,
            members,
            rate,
            duration,
        } => vec![Plan::Office(office::Params {
            boards,
            members,
            rate: rate.max(1),
            duration: secs(duration.max(0.1)),
        })],
        Scenario::Edits { cards, edits } => vec![Plan::Edits(edits::Params { cards, edits })],
        Scenario::Smoke => vec![
            Plan::Fanout(fanout::Params {
                clients: 40,
                boards: 4,
                rate: 200,
                writers: 8,
                duration: secs(1.0),
                warmup: secs(0.2),
            }),
            Plan::Fanout(fanout::Params {
                clients: 20,
                boards: 2,
                rate: 0,
                writers: 8,
                duration: secs(1.0),
                warmup: secs(0.0),
            }),
            Plan::Idle(idle::Params {
                sockets: 200,
                members_per_board: 10,
            }),
            Plan::Catchup(catchup::Params {
                events: 300,
                repeats: 2,
            }),
            Plan::Storm(storm::Params {
                clients: 100,
                boards: 10,
                missed: 3,
            }),
            Plan::Office(office::Params {
                boards: 4,
                members: 5,
                rate: 100,
                duration: secs(1.0),
            }),
            Plan::Edits(edits::Params {
                cards: 50,
                edits: 20,
            }),
        ],
        Scenario::Serve { .. } => Vec::new(),
    }
}

async fn target(global: &Global) -> anyhow::Result<Target> {
    match (&global.url, &global.host_token) {
        (Some(url), Some(token)) => {
            Target::external(url, token.clone(), global.server_pid, None).await
        }
        _ if global.peer => Target::spawn_peer(global.synchronous, global.pin).await,
        _ => Target::spawn(global.synchronous, global.pin).await,
    }
}

async fn measure(plan: &Plan, global: &Global) -> anyhow::Result<Report> {
    if global.peer && !matches!(plan, Plan::Fanout(_)) {
        anyhow::bail!(
            "the Node peer serves the fan-out only; `{}` runs against Lanban",
            plan.name()
        );
    }
    let mut runs = Vec::new();
    let mut environment = None;
    for i in 0..global.runs.max(1) {
        let target = target(global).await?;
        environment.get_or_insert_with(|| target.environment());
        let run = plan
            .run(&target)
            .await
            .with_context(|| format!("{} run {} failed", plan.name(), i + 1))?;
        target.stop().await;
        runs.push(run);
    }
    let environment = environment.context("no run")?;
    Ok(Report::new(plan.name(), plan.describe(), environment, runs))
}

async fn bench(cli: Cli) -> anyhow::Result<bool> {
    let mut reports = Vec::new();
    for plan in plans(cli.scenario) {
        let report = measure(&plan, &cli.global).await?;
        if !cli.global.json {
            println!("{}", report.table());
        }
        reports.push(report);
    }
    if cli.global.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    Ok(reports.iter().all(|r| r.correct))
}

/// Keeps this thread, and every thread it starts from now on (the runtime's), on CPU `cpu` (its number, as the
/// system counts them). Not an index into the CPUs this process may use: the server the tool starts inherits the
/// tool's own CPU, and picking "the first one it may use" put it on the tool's CPU (every `--pin` figure before
/// this fix measured both on one core).
fn pin_to(cpu: usize) -> Result<(), String> {
    if core_affinity::set_for_current(core_affinity::CoreId { id: cpu }) {
        Ok(())
    } else {
        Err(format!(
            "cannot pin to CPU {cpu} (--pin needs two CPUs; this computer has {})",
            target::machine_cores()
        ))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    target::note_machine_cores();
    // Before the runtime starts its threads, which inherit the CPU.
    let pinned = match &cli.scenario {
        Scenario::Serve { cpu: Some(cpu), .. } => pin_to(*cpu),
        _ if cli.global.pin => pin_to(1),
        _ => Ok(()),
    };
    if let Err(err) = pinned {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        if let Scenario::Serve {
            data,
            bind,
            synchronous,
            ..
        } = cli.scenario
        {
            return target::serve(data, bind, synchronous).await.map(|()| true);
        }
        if cfg!(debug_assertions) && !matches!(cli.scenario, Scenario::Smoke) {
            eprintln!("note: a debug build; figures are only comparable from `cargo run --release -p lanban-bench`");
        }
        bench(cli).await
    });
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("correctness checks failed");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
