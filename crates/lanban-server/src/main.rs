//! `lanban-server`: serve boards from a data directory; back it up; export and import boards; take a board over
//! from a desktop host.

mod take_over;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use lanban_discovery::{Discovery, HostAdvert, Interfaces, computer_name, forced_by_environment};
use lanban_server::datalock::DataLock;
use lanban_server::tls::TlsMode;
use lanban_server::{Config, RunningServer, StartError, Synchronous};

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
    /// Add a board from an export or a handoff package to the data directory (with the server stopped: refused
    /// while a server serves it). The host credential opens it at once; its members' tokens work if the file has
    /// their hashes (a package), otherwise they join again with its room code.
    Import {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        file: PathBuf,
    },
    /// Join a board as a member (to take it over from its host next): its room code, on the host at FROM
    /// (`IP:PORT`) with the certificate FINGERPRINT its share panel shows.
    Join {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        from: String,
        /// Base64url, so it may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        fingerprint: String,
        #[arg(long)]
        code: String,
        /// The member name the board shows for this server.
        #[arg(long, default_value = "Lanban server")]
        name: String,
    },
    /// Take over a board joined with `join` once its host offered it (Share panel, «Host there»): the whole
    /// board moves into DATA and every member's app follows it to ADDRESS (`IP:PORT` this server will listen on;
    /// repeat for several). Run with the server stopped (refused while a server serves DATA), then serve.
    TakeOver {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        board: lanban_core::ids::BoardId,
        #[arg(long = "address", required = true)]
        addresses: Vec<String>,
    },
    /// Offer a board this server serves (running, on this computer at AT) to its member named TO, to host on
    /// their computer: their app asks them, and the board moves there when they accept.
    Offer {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:7420")]
        at: String,
        #[arg(long)]
        board: lanban_core::ids::BoardId,
        #[arg(long)]
        to: String,
    },
    /// List the Lanban hosts announced on the network (mDNS), one JSON object per line: name, tag, board count,
    /// fingerprint, addresses. Handy to check what teammates' Join screens see, or whether two hosts share a tag.
    Hosts {
        /// How long to listen.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
}

/// `println!` for the lines a serving server says about itself, except that a closed stdout (`lanban-server |
/// head -1`) does not stop the server.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

async fn run_task(task: Task) -> anyhow::Result<()> {
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
            take_over::write_private(&out, &serde_json::to_vec_pretty(&export)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("exported board {board} to {}", out.display());
        }
        Task::Import { data, file } => {
            // Not behind a running server's back: it would not know of the board.
            let _lock = DataLock::acquire(&data)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let export: portable::BoardExport =
                serde_json::from_slice(&bytes).context("not a board export")?;
            let identity = lanban_server::tls::Identity::load_or_create(&data)
                .context("loading this server's identity")?;
            let mut conn = portable::open_for_cli(&data)?;
            let board = portable::import_board(&mut conn, &export, identity.fingerprint.tag())?;
            println!("imported board {board} into {}", data.display());
        }
        Task::Join {
            data,
            from,
            fingerprint,
            code,
            name,
        } => take_over::join(&data, &from, &fingerprint, &code, &name).await?,
        Task::TakeOver {
            data,
            board,
            addresses,
        } => {
            let _lock = DataLock::acquire(&data)?;
            take_over::take_over(&data, board, &addresses).await?
        }
        Task::Offer {
            data,
            at,
            board,
            to,
        } => take_over::offer(&data, &at, board, &to).await?,
        Task::Hosts { seconds } => {
            // `Discovery::start` refuses while LANBAN_DISCOVERY=0, saying so.
            let discovery =
                Discovery::start(&Interfaces::Lan).context("not listening on the network")?;
            let found = discovery.browse_for(std::time::Duration::from_secs_f64(seconds.max(0.1)));
            discovery.shutdown();
            for host in found? {
                println!("{}", serde_json::to_string(&host)?);
            }
        }
    }
    Ok(())
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
        return run_task(task).await;
    }
    let data = match cli.data {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    match lanban_server::raise_fd_limit() {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(err) => tracing::warn!(error = %err, "cannot raise the open-file limit"),
    }
    // Held while serving: `import` and `take-over` (and a second server) are refused meanwhile.
    let _lock = DataLock::acquire(&data)?;
    let mut config = Config::new(&data);
    config.synchronous = cli.synchronous;
    config.tls = cli.tls;
    let server = RunningServer::start(config, cli.bind)
        .await
        .map_err(|err| match err {
            StartError::Listen(_) => {
                anyhow::Error::new(err).context(format!("binding {}", cli.bind))
            }
            err => anyhow::Error::new(err).context(format!("opening {}", data.display())),
        })?;
    let addr = server.addr;
    match server.fingerprint() {
        Some(fingerprint) => {
            say!("listening on https://{addr} (plain http:// from this computer only)");
            say!("certificate fingerprint (teammates pin it): {fingerprint}");
        }
        None => say!("listening on http://{addr}"),
    }
    say!("room codes start with {} (this server's tag)", server.tag());
    let discovery_wanted = !cli.no_discovery && forced_by_environment() != Some(false);
    let name = cli.name.unwrap_or_else(computer_name);
    let mut announcer = if discovery_wanted {
        announce(&server, &name).await
    } else {
        None
    };
    tracing::info!(data = %data.display(), %addr, "serving");
    tokio::select! {
        () = shutdown_signal() => {}
        // Serving failed; `stop` says why.
        () = server.stopped() => {}
        () = keep_announced(announcer.as_mut(), &server) => {}
    }
    if let Some(announcer) = announcer {
        // Teammates' Join screens see the server leave before it stops answering.
        tokio::task::spawn_blocking(move || announcer.discovery.shutdown()).await?;
    }
    server.stop().await?;
    tracing::info!("stopped");
    Ok(())
}

/// The server's mDNS announcement and what it says now.
struct Announcer {
    discovery: Discovery,
    advert: HostAdvert,
}

/// Announces the server on the network if it serves TLS beyond loopback (`server.advert` is `None` without TLS,
/// and a server on a loopback address is not reachable from the network, even with `--tls always`); a failure to
/// start mDNS is logged, never fatal (teammates can still type the address).
async fn announce(server: &RunningServer, name: &str) -> Option<Announcer> {
    if server.addr.ip().is_loopback() {
        return None;
    }
    let advert = server.advert(name).await?;
    let mut discovery = match Discovery::start(&Interfaces::Lan) {
        Ok(discovery) => discovery,
        Err(err) => {
            tracing::warn!(error = %err, "not announced on the network");
            return None;
        }
    };
    if let Err(err) = discovery.advertise(&advert) {
        tracing::warn!(error = %err, "not announced on the network");
        tokio::task::spawn_blocking(move || discovery.shutdown())
            .await
            .ok();
        return None;
    }
    say!(
        "announced on the network as \"{}\" ({})",
        advert.name,
        lanban_discovery::SERVICE_TYPE
    );
    Some(Announcer { discovery, advert })
}

/// Keeps the announcement's board count current, checking every 5 s; never returns (nor does it without an
/// announcement).
async fn keep_announced(announcer: Option<&mut Announcer>, server: &RunningServer) {
    let Some(announcer) = announcer else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        let Some(advert) = server.advert(&announcer.advert.name).await else {
            continue;
        };
        if advert != announcer.advert {
            if let Err(err) = announcer.discovery.advertise(&advert) {
                tracing::warn!(error = %err, "cannot update the announcement");
            }
            announcer.advert = advert;
        }
    }
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Task};

    #[test]
    fn a_fingerprint_may_begin_with_a_hyphen() {
        let cli = Cli::try_parse_from([
            "lanban-server",
            "join",
            "--data",
            "d",
            "--from",
            "127.0.0.1:7420",
            "--fingerprint",
            "-898aXM1x_RGh-pZ1NWSSa2VkoLl_UqefdQ3rn9KCSM",
            "--code",
            "ZF78-9NGX-XHAF",
        ]);
        match cli.map(|cli| cli.command) {
            Ok(Some(Task::Join { fingerprint, .. })) => {
                assert_eq!(fingerprint, "-898aXM1x_RGh-pZ1NWSSa2VkoLl_UqefdQ3rn9KCSM");
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
