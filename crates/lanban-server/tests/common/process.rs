//! The real `lanban-server` binary as a child process, for tests that kill it, signal it or measure it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process.
pub struct Server {
    pub child: Child,
}

impl Server {
    /// Starts the binary on `127.0.0.1:port` with its data in `data`.
    pub fn start(data: &Path, port: u16) -> Server {
        Self::quiet(
            Command::new(env!("CARGO_BIN_EXE_lanban-server"))
                .args(["--bind", &format!("127.0.0.1:{port}"), "--data"])
                .arg(data),
        )
    }

    /// As [`Server::start`], with a soft limit on the size of any file it writes (`ulimit -S -f`, in 512-byte
    /// blocks) and `SIGXFSZ` ignored: a write past the limit fails with `EFBIG`, as one on a full disk fails with
    /// `ENOSPC`. The limit can be lifted from outside while it runs (`rlimit::prlimit`).
    #[allow(dead_code)] // not every test binary that shares this module uses it
    pub fn start_limited(data: &Path, port: u16, blocks: u64) -> Server {
        Self::quiet(
            Command::new("sh")
                .args([
                    "-c",
                    // An ignored signal stays ignored through exec, and the limit stays too.
                    r#"trap '' XFSZ; ulimit -S -f "$1"; exec "$0" --bind "$2" --data "$3""#,
                    env!("CARGO_BIN_EXE_lanban-server"),
                    &blocks.to_string(),
                    &format!("127.0.0.1:{port}"),
                ])
                .arg(data),
        )
    }

    /// As [`Server::start`], inside `disk`'s mount namespace, so `data` (under its mount point) is on it.
    #[allow(dead_code)] // not every test binary that shares this module uses it
    pub fn start_on(disk: &SmallDisk, data: &Path, port: u16) -> Server {
        Self::quiet(
            Command::new("nsenter")
                .args(["--target", &disk.holder.id().to_string(), "--mount", "--"])
                .arg(env!("CARGO_BIN_EXE_lanban-server"))
                .args(["--bind", &format!("127.0.0.1:{port}"), "--data"])
                .arg(data),
        )
    }

    /// Spawns `command`, logging errors only, to nowhere.
    fn quiet(command: &mut Command) -> Server {
        let child = command
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        Server { child }
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

/// A test that fails (panics) with its server running does not leave the process behind.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until `/api/health` answers.
pub async fn wait_healthy(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    lanban_client::tls::install_default_provider();
    let http = reqwest::Client::new();
    loop {
        if let Ok(response) = http.get(format!("{url}/api/health")).send().await
            && response.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not come back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Server {
    /// The process's resident memory, in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// A free loopback port (free now; the server binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A server process on a free port, ready: the process, its port and URL, and an API client holding the host
/// credential.
pub struct Launched {
    pub server: Server,
    pub port: u16,
    pub url: String,
    pub host: lanban_client::Api,
    pub host_token: String,
}

/// Starts the binary on `data` and waits until it answers.
pub async fn launch(data: &Path) -> Launched {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = Server::start(data, port);
    wait_healthy(&url).await;
    let host_token = std::fs::read_to_string(data.join("host-token"))
        .expect("the host credential")
        .trim()
        .to_owned();
    let host = lanban_client::Api::new(&url)
        .expect("a URL")
        .with_token(&host_token);
    Launched {
        server,
        port,
        url,
        host,
        host_token,
    }
}

/// A small disk of a test's own: a tmpfs of a given size mounted on a directory in a mount namespace that only a
/// holder process (a `sleep`) and the servers started on it ([`Server::start_on`]) see; the machine's mounts are
/// untouched, and the tmpfs goes with the holder. A write past its size fails with `ENOSPC`, as on a full disk.
/// Needs root (CI runs as root).
#[allow(dead_code)] // not every test binary that shares this module uses it
pub struct SmallDisk {
    holder: Child,
    /// The mount point, as the servers on it see it.
    pub dir: PathBuf,
}

#[allow(dead_code)]
impl SmallDisk {
    /// Mounts a tmpfs of `kib` KiB on `dir` (created if missing) in a new mount namespace.
    pub fn mount(dir: &Path, kib: u64) -> SmallDisk {
        std::fs::create_dir_all(dir).expect("the mount point");
        let mut holder = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount -t tmpfs -o size="$1"k lanban-test "$2" && echo mounted && exec sleep 3600"#)
            .args(["sh", &kib.to_string()])
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare runs (this test mounts a small disk in a mount namespace of its own and must run as root; CI does)");
        let mut line = String::new();
        let stdout = holder.stdout.take().expect("the holder's output");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the holder says whether it mounted");
        assert_eq!(
            line.trim(),
            "mounted",
            "could not mount a tmpfs in a mount namespace (this test must run as root; CI does)"
        );
        SmallDisk {
            holder,
            dir: dir.to_owned(),
        }
    }

    /// Where `path` (on the disk, as its servers see it) is seen from outside the namespace.
    pub fn outside(&self, path: &Path) -> PathBuf {
        let relative = path.strip_prefix("/").unwrap_or(path);
        Path::new(&format!("/proc/{}/root", self.holder.id())).join(relative)
    }

    /// Gives the disk `kib` KiB in all, its servers still running on it (as when space is freed).
    pub fn resize(&self, kib: u64) {
        let status = Command::new("nsenter")
            .args([
                "--target",
                &self.holder.id().to_string(),
                "--mount",
                "--",
                "mount",
                "-o",
            ])
            .arg(format!("remount,size={kib}k"))
            .arg(&self.dir)
            .status()
            .expect("nsenter runs");
        assert!(status.success(), "the tmpfs could not be resized");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}
