//! What the session tests share: a real server in a temp dir, quick session timings, patience.

use std::net::SocketAddr;
use std::time::Duration;

use lanban_client::SessionOptions;
use lanban_server::{Config, JoinLimits, RunningServer};

pub const PATIENCE: Duration = Duration::from_secs(15);

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir);
    config.join_limits = JoinLimits {
        per_address: 1000,
        global: 10_000,
        window: Duration::from_secs(60),
    };
    config
}

pub async fn start(dir: &std::path::Path, addr: SocketAddr) -> RunningServer {
    RunningServer::start(config(dir), addr)
        .await
        .expect("server starts")
}

pub fn quick() -> SessionOptions {
    SessionOptions {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(300),
        offline_after: Duration::from_millis(400),
        ..SessionOptions::default()
    }
}
