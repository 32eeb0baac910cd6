//! The server under load: one this tool starts (its own binary, run as `lanban-bench serve`, in a separate
//! process with a fresh data directory, so its memory and CPU are its own), or an external one given by `--url`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use lanban_client::Api;
use lanban_server::{AppState, Config, Synchronous};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::report::Environment;

/// The CPUs this tool could use before it pinned itself (`--pin` leaves it one).
static MACHINE_CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Notes how many CPUs there are; call before pinning.
pub fn note_machine_cores() {
    MACHINE_CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
}

pub fn machine_cores() -> usize {
    *MACHINE_CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A server to put load on.
pub struct Target {
    /// `http://host:port`.
    pub url: String,
    pub host_token: String,
    /// The server's process, when known (for its memory).
    pub pid: Option<u32>,
    pub synchronous: String,
    child: Option<Child>,
    /// The server runs on the first CPU and this tool on the second (`--pin`).
    pinned: bool,
    /// It is the Node peer (`--peer`), with its `node --version`.
    pub peer: Option<String>,
    _data: Option<tempfile::TempDir>,
}

impl Target {
    /// Starts a server of this binary in a temporary data directory and waits until it listens; `pin`: on the first
    /// CPU.
    pub async fn spawn(synchronous: Synchronous, pin: bool) -> anyhow::Result<Target> {
        let data = tempfile::Builder::new().prefix("lanban-bench-").tempdir()?;
        let exe = std::env::current_exe().context("cannot find this program to start a server")?;
        let mut command = Command::new(exe);
        command.arg("serve");
        if pin {
            command.arg("--cpu").arg("0");
        }
        let (child, url) = start(command, data.path(), synchronous).await?;
        let host_token = std::fs::read_to_string(data.path().join("host-token"))
            .context("cannot read the server's host credential")?
            .trim()
            .to_owned();
        Ok(Target {
            url,
            host_token,
            pid: child.id(),
            synchronous: synchronous.pragma().to_ascii_lowercase(),
            child: Some(child),
            pinned: pin,
            peer: None,
            _data: Some(data),
        })
    }

    /// Starts the Node peer (`peer/server.js`, its packages installed with `npm ci`) in a temporary data
    /// directory; `pin`: on the first CPU (through `taskset`, as it is not this binary).
    pub async fn spawn_peer(synchronous: Synchronous, pin: bool) -> anyhow::Result<Target> {
        let dir = std::path::Path::new(crate::peer::DIR);
        if !dir.join("node_modules").is_dir() {
            bail!(
                "the Node peer's packages are not installed: run `npm ci --prefix {}` first",
                dir.display()
            );
        }
        let version = std::process::Command::new("node")
            .arg("--version")
            .output()
            .context("cannot run node (the peer needs Node.js 20 or later)")?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        let data = tempfile::Builder::new().prefix("lanban-peer-").tempdir()?;
        let mut command = if pin {
            let mut taskset = Command::new("taskset");
            taskset.args(["--cpu-list", "0", "node"]);
            taskset
        } else {
            Command::new("node")
        };
        command.arg(dir.join("server.js"));
        let (child, url) = start(command, data.path(), synchronous).await?;
        Ok(Target {
            url,
            host_token: String::new(),
            pid: child.id(),
            synchronous: synchronous.pragma().to_ascii_lowercase(),
            child: Some(child),
            pinned: pin,
            peer: Some(version),
            _data: Some(data),
        })
    }

    /// A server someone else started.
    pub async fn external(
        url: &str,
        host_token: String,
        pid: Option<u32>,
        synchronous: Option<String>,
    ) -> anyhow::Result<Target> {
        let api = Api::new(url)?;
        let health = api.health().await.context("the server does not answer")?;
        if health.protocol != lanban_core::PROTOCOL_VERSION {
            bail!(
                "the server speaks protocol {}, this tool {}",
                health.protocol,
                lanban_core::PROTOCOL_VERSION
            );
        }
        Ok(Target {
            url: api.base_url().to_owned(),
            host_token,
            pid,
            synchronous: synchronous.unwrap_or_else(|| "unknown (external server)".into()),
            child: None,
            pinned: false,
            peer: None,
            _data: None,
        })
    }

    /// An API client with the host credential.
    pub fn host(&self) -> anyhow::Result<Api> {
        Ok(Api::new(&self.url)?.with_token(self.host_token.clone()))
    }

    /// The server's resident memory in KiB, from /proc.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The server's CPU time so far (user + system), in seconds, from /proc.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds_of(&self.pid?.to_string())
    }

    /// What the report says about where it ran.
    pub fn environment(&self) -> Environment {
        Environment {
            cpu: cpu_model(),
            cores: machine_cores(),
            commit: commit(),
            synchronous: self.synchronous.clone(),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            server: if let Some(node) = &self.peer {
                format!(
                    "the Node peer (Express 5, socket.io 4, better-sqlite3 12; Node.js {node}) started by the tool{}",
                    if self.pinned {
                        ", pinned to CPU 0 (the tool on CPU 1)"
                    } else {
                        ""
                    }
                )
            } else if self.pinned {
                "server started by the tool, pinned to CPU 0 (the tool on CPU 1)".into()
            } else if self.child.is_some() {
                "server started by the tool".into()
            } else {
                format!("external server {}", self.url)
            },
        }
    }

    /// Stops a server this tool started.
    pub async fn stop(mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill().await;
        }
    }
}

/// Starts a server's `command` with its data directory `data` and SQLite's `synchronous`, and waits for its
/// `listening on URL` line; yields the process and the URL. Its log goes to a file beside its data, out of the
/// report's way.
async fn start(
    mut command: Command,
    data: &Path,
    synchronous: Synchronous,
) -> anyhow::Result<(Child, String)> {
    let log = std::fs::File::create(data.join("server.log"))?;
    let mut child = command
        .arg("--data")
        .arg(data)
        .arg("--synchronous")
        .arg(synchronous.pragma().to_ascii_lowercase())
        .stderr(log)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the server")?;
    let stdout = child.stdout.take().context("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("the server did not start within 30 s")??
        .context("the server exited before listening")?;
    let url = line
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected server output: {line}"))?
        .to_owned();
    // Keep draining its stdout so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, url))
}

/// CPU time (user + system) of process `pid` (or `self`) so far, in seconds, from /proc.
pub fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The commit this was built from: `LANBAN_COMMIT`, else `git describe` of the working directory.
fn commit() -> String {
    if let Ok(commit) = std::env::var("LANBAN_COMMIT") {
        return commit;
    }
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=10"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// `lanban-bench serve`: the production server (same configuration and logging as `lanban-server`), printing
/// `listening on URL` once it listens.
pub async fn serve(
    data: PathBuf,
    bind: SocketAddr,
    synchronous: Synchronous,
) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = lanban_server::raise_fd_limit() {
        tracing::warn!(error = %err, "cannot raise the open-file limit");
    }
    let mut config = Config::new(&data);
    config.synchronous = synchronous;
    // The tool measures what the server can take, not the budgets that keep one member from filling its disk.
    config.changes_per_minute = usize::MAX;
    config.joins_per_board_per_minute = usize::MAX;
    let state = AppState::open(config)?;
    let listener = lanban_server::listen(bind)?;
    println!("listening on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    lanban_server::serve(listener, state, shutdown).await?;
    Ok(())
}
