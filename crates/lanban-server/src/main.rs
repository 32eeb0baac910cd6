//! `lanban-server`: serve boards from a data directory, or take a backup of one.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use lanban_server::{AppState, Config, Synchronous};
use tokio::net::TcpListener;

/// Lanban's sync server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Directory for the database and the host credential (default: the OS data directory).
    #[arg(long, env = "LANBAN_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "LANBAN_BIND", default_value = "127.0.0.1:7420")]
    bind: SocketAddr,
    /// SQLite durability: `full` fsyncs every commit; `normal` may lose the last commits on power loss.
    #[arg(long, value_enum, default_value_t = Synchronous::Full)]
    synchronous: Synchronous,
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
    let data = match cli.data {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    let mut config = Config::new(&data);
    config.synchronous = cli.synchronous;
    let state = AppState::open(config).with_context(|| format!("opening {}", data.display()))?;
    let listener = TcpListener::bind(cli.bind)
        .await
        .with_context(|| format!("binding {}", cli.bind))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    tracing::info!(data = %data.display(), %addr, "serving");
    lanban_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
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
