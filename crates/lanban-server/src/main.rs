//! `lanban-server`: serve boards from a data directory; back it up; export and import boards.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use lanban_discovery::{Discovery, HostAdvert, Interfaces};
use lanban_server::tls::TlsMode;
use lanban_server::{AppState, Config, Synchronous};

/// Lanban's sync server.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "Serves Lanban boards to the desktop app and other clients over HTTP and WebSocket."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Task>,
    /// Directory for the database and the host credential (default: the OS data directory).
    #[arg(long, env = "LANBAN_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "LANBAN_BIND", default_value = "127.0.0.1:7420")]
    bind: SocketAddr,
    /// SQLite durability: `full` fsyncs every commit; `normal` may lose the last commits on power loss.
    #[arg(long, value_enum, default_value_t = Synchronous::Full)]
    synchronous: Synchronous,
    /// `auto`: HTTPS (self-signed, clients pin its fingerprint) when listening beyond loopback, with plain HTTP
    /// from this computer only; `always`: HTTPS on loopback too; `off`: plain HTTP only (behind a TLS proxy).
    #[arg(long, value_enum, default_value_t = TlsMode::Auto)]
    tls: TlsMode,
    /// Do not announce this server on the network (mDNS/DNS-SD). It announces itself whenever it serves TLS
    /// beyond loopback, unless this is given or LANBAN_DISCOVERY=0.
    #[arg(long)]
    no_discovery: bool,
    /// The name teammates' Join screens show for this server (default: the computer's name).
    #[arg(long)]
    name: Option<String>,
}

/// What to do instead of serving.
#[derive(Debug, clap::Subcommand)]
enum Task {
    /// Copy the database to FILE while the server may be running (a consistent online backup). To restore,
    /// put the file in an empty data directory as `lanban.sqlite` (and keep the old `host-token`, or let the
    /// server make a new one).
    Backup {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write one board (columns, cards, members, history; no tokens) to FILE as JSON.
    Export {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        board: lanban_core::ids::BoardId,
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a board from an export to the data directory (with the server stopped). Its members join again
    /// with its room code; the host credential opens it at once.
    Import {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        file: PathBuf,
    },
    /// List the Lanban hosts announced on the network (mDNS), one JSON object per line: name, tag, board count,
    /// fingerprint, addresses. Handy to check what teammates' Join screens see, or whether two hosts share a tag.
    Hosts {
        /// How long to listen.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
}

fn run_task(task: Task) -> anyhow::Result<()> {
    use lanban_server::store::portable;
    match task {
        Task::Backup { data, out } => {
            portable::backup(&data, &out)
                .with_context(|| format!("backing up {}", data.display()))?;
            println!("backed up {} to {}", data.display(), out.display());
        }
        Task::Export { data, board, out } => {
            let mut conn = portable::open_for_cli(&data)?;
            let export = portable::export_board(&mut conn, board)?;
            std::fs::write(&out, serde_json::to_vec_pretty(&export)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("exported board {board} to {}", out.display());
        }
        Task::Import { data, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let export: portable::BoardExport =
                serde_json::from_slice(&bytes).context("not a board export")?;
            let mut conn = portable::open_for_cli(&data)?;
            let board = portable::import_board(&mut conn, &export)?;
            println!("imported board {board} into {}", data.display());
        }
        Task::Hosts { seconds } => {
            anyhow::ensure!(
                !discovery_off_by_environment(),
                "LANBAN_DISCOVERY=0: not listening on the network"
            );
            let discovery = Discovery::start(&Interfaces::Lan)?;
            let found = discovery.browse_for(std::time::Duration::from_secs_f64(seconds.max(0.1)));
            discovery.shutdown();
            for host in found? {
                println!("{}", serde_json::to_string(&host)?);
            }
        }
    }
    Ok(())
}

/// `LANBAN_DISCOVERY=0` (or `off`, `false`): no mDNS at all.
fn discovery_off_by_environment() -> bool {
    std::env::var("LANBAN_DISCOVERY").is_ok_and(|v| matches!(v.trim(), "0" | "off" | "false"))
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = dirs::data_dir().context("no OS data directory; pass --data")?;
    Ok(base.join("lanban-server"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    if let Some(task) = cli.command {
        return run_task(task);
    }
    let data = match cli.data {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    match lanban_server::raise_fd_limit() {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(err) => tracing::warn!(error = %err, "cannot raise the open-file limit"),
    }
    let mut config = Config::new(&data);
    config.synchronous = cli.synchronous;
    config.tls = cli.tls;
    let state = AppState::open(config).with_context(|| format!("opening {}", data.display()))?;
    let listener =
        lanban_server::listen(cli.bind).with_context(|| format!("binding {}", cli.bind))?;
    let addr = listener.local_addr()?;
    match state.tls_on(addr) {
        Some(identity) => {
            println!("listening on https://{addr} (plain http:// from this computer only)");
            println!(
                "certificate fingerprint (teammates pin it): {}",
                identity.fingerprint
            );
        }
        None => println!("listening on http://{addr}"),
    }
    println!("room codes start with {} (this server's tag)", state.tag());
    let announcer = announce(cli.no_discovery, cli.name, &state, addr).await;
    tracing::info!(data = %data.display(), %addr, "serving");
    let served = lanban_server::serve(listener, state, shutdown_signal()).await;
    if let Some(announcer) = announcer {
        announcer.abort();
        // Teammates' Join screens see the server leave.
        let discovery = announcer.discovery.lock().await.take();
        if let Some(discovery) = discovery {
            tokio::task::spawn_blocking(move || discovery.shutdown()).await?;
        }
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// The server's mDNS announcement, kept up to date with its board count.
struct Announcer {
    discovery: std::sync::Arc<tokio::sync::Mutex<Option<Discovery>>>,
    refresh: tokio::task::JoinHandle<()>,
}

impl Announcer {
    fn abort(&self) {
        self.refresh.abort();
    }
}

/// Announces the server on the network while it serves TLS beyond loopback, unless turned off; a failure to
/// start mDNS is logged, never fatal (teammates can still type the address).
async fn announce(
    no_discovery: bool,
    name: Option<String>,
    state: &AppState,
    addr: SocketAddr,
) -> Option<Announcer> {
    let off_by_environment =
        std::env::var("LANBAN_DISCOVERY").is_ok_and(|v| matches!(v.trim(), "0" | "off" | "false"));
    let identity = state.tls_on(addr)?;
    if no_discovery || off_by_environment {
        return None;
    }
    let mut discovery = match Discovery::start(&Interfaces::Lan) {
        Ok(discovery) => discovery,
        Err(err) => {
            tracing::warn!(error = %err, "not announced on the network");
            return None;
        }
    };
    let name = name.unwrap_or_else(|| {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        host.split('.').next().unwrap_or("lanban").to_owned()
    });
    let mut advert = HostAdvert {
        name,
        server_id: state.server_id.to_string(),
        fingerprint: identity.fingerprint,
        tag: state.tag().to_string(),
        boards: 0,
        protocol: lanban_core::PROTOCOL_VERSION,
        port: addr.port(),
    };
    let store = state.store.clone();
    advert.boards = count_boards(&store).await.unwrap_or(0);
    if let Err(err) = discovery.advertise(&advert) {
        tracing::warn!(error = %err, "not announced on the network");
        discovery.shutdown();
        return None;
    }
    println!(
        "announced on the network as \"{}\" ({})",
        advert.name,
        lanban_discovery::SERVICE_TYPE
    );
    let discovery = std::sync::Arc::new(tokio::sync::Mutex::new(Some(discovery)));
    let shared = discovery.clone();
    // The board count in the announcement follows boards being created (checked every 5 s: a COUNT of a table
    // of a few rows).
    let refresh = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let Ok(boards) = count_boards(&store).await else {
                continue;
            };
            if boards != advert.boards {
                advert.boards = boards;
                if let Some(discovery) = shared.lock().await.as_mut()
                    && let Err(err) = discovery.advertise(&advert)
                {
                    tracing::warn!(error = %err, "cannot update the announcement");
                }
            }
        }
    });
    Some(Announcer { discovery, refresh })
}

async fn count_boards(
    store: &lanban_server::store::Store,
) -> Result<u32, lanban_server::error::ApiError> {
    store
        .read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM boards", [], |r| r.get(0))?))
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
