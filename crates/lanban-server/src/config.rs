//! What a server instance is told at start: where its data lives and the limits it enforces.

use std::path::PathBuf;
use std::time::Duration;

/// How SQLite makes a commit durable (see README "Guarantees").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Synchronous {
    /// fsync on every commit: an acknowledged write survives power loss as well as a crash.
    #[default]
    Full,
    /// fsync at checkpoints only: an acknowledged write survives a crash of the server, but the last
    /// commits may be lost if the machine loses power.
    Normal,
}

impl Synchronous {
    /// The `PRAGMA synchronous` value.
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// Limits on failed joins (guessing room codes).
#[derive(Debug, Clone)]
pub struct JoinLimits {
    /// Failed joins from one address within `window` before that address is refused.
    pub per_address: usize,
    /// Failed joins from all addresses within `window` before every join is refused.
    pub global: usize,
    /// The sliding window.
    pub window: Duration,
}

impl Default for JoinLimits {
    fn default() -> Self {
        Self {
            per_address: 5,
            global: 100,
            window: Duration::from_secs(60),
        }
    }
}

/// When a board's event log is compacted behind a snapshot (docs/protocol.md §11): events are dropped once every
/// current member has passed them, or once they are older than `horizon`, but the newest `keep` are always kept.
#[derive(Debug, Clone)]
pub struct Compaction {
    /// How often boards are looked at.
    pub every: Duration,
    /// The newest events of a board always kept (its recent activity).
    pub keep: u64,
    /// Events older than this are dropped whoever has not seen them (they take a snapshot instead).
    pub horizon: Duration,
}

impl Default for Compaction {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(60 * 60),
            keep: 10_000,
            horizon: Duration::from_secs(30 * 24 * 60 * 60),
        }
    }
}

/// The clock the trash's age is read on: the system's, or a test's.
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> time::OffsetDateTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(std::sync::Arc::new(time::OffsetDateTime::now_utc))
    }

    /// A clock that reads `now` (a test's).
    pub fn new(now: impl Fn() -> time::OffsetDateTime + Send + Sync + 'static) -> Clock {
        Clock(std::sync::Arc::new(now))
    }

    /// The time now.
    pub fn now(&self) -> time::OffsetDateTime {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// How long the trash keeps what is moved there (docs/protocol.md §6.32): looked at with the log's compaction.
#[derive(Debug, Clone)]
pub struct Trash {
    /// What has been in the trash longer than this is deleted for good.
    pub keep: Duration,
    /// The clock its age is read on.
    pub clock: Clock,
}

impl Default for Trash {
    fn default() -> Self {
        Self {
            keep: Duration::from_secs(30 * 24 * 60 * 60),
            clock: Clock::system(),
        }
    }
}

/// Everything a server instance needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds `lanban.sqlite` and `host-token`.
    pub data_dir: PathBuf,
    /// SQLite durability mode.
    pub synchronous: Synchronous,
    /// How often each socket is pinged.
    pub ping_interval: Duration,
    /// A socket silent (no frame, not even a pong) for this long is dropped.
    pub idle_timeout: Duration,
    /// A socket whose writes stall this long is dropped.
    pub write_timeout: Duration,
    /// Messages a room buffers for its slowest subscriber before that one is sent `resync` and dropped.
    pub room_buffer: usize,
    /// Open sockets one member may have at once.
    pub max_sockets_per_member: usize,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait.
    pub max_concurrent_requests: usize,
    /// Failed-join throttling.
    pub join_limits: JoinLimits,
    /// How large one board may grow (the documented defaults; tests make them small).
    pub board_limits: lanban_core::validate::limits::BoardLimits,
    /// Joins one board takes in any 60 s (`lanban_core::validate::limits::JOINS_PER_MINUTE`).
    pub joins_per_board_per_minute: usize,
    /// Changes one credential (a member, or the host credential) makes in any 60 s
    /// (`lanban_core::validate::limits::CHANGES_PER_MINUTE`); the load tool raises it.
    pub changes_per_minute: usize,
    /// When to serve TLS (see [`crate::tls`]).
    pub tls: crate::tls::TlsMode,
    /// When to compact event logs (and empty the trash of what is too old).
    pub compaction: Compaction,
    /// How long the trash keeps things.
    pub trash: Trash,
}

impl Config {
    /// Production defaults for a server keeping its data in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            synchronous: Synchronous::default(),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            room_buffer: 128,
            max_sockets_per_member: 16,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 1024,
            join_limits: JoinLimits::default(),
            board_limits: lanban_core::validate::limits::BoardLimits::DEFAULT,
            joins_per_board_per_minute: lanban_core::validate::limits::JOINS_PER_MINUTE,
            changes_per_minute: lanban_core::validate::limits::CHANGES_PER_MINUTE,
            tls: crate::tls::TlsMode::default(),
            compaction: Compaction::default(),
            trash: Trash::default(),
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("lanban.sqlite")
    }

    /// The host credential file.
    pub fn host_token_path(&self) -> PathBuf {
        self.data_dir.join("host-token")
    }
}
