//! The SQLite store: one writer thread that commits mutations in groups, a pool of read connections, and the
//! schema migrations.
//!
//! Every mutation runs as a job on the writer thread, inside a savepoint of the current group transaction. A job
//! appends its events with [`Tx::emit`]; they reach the hub only after the group's `COMMIT` returns, and in
//! commit order, because the same thread commits and publishes. A job that fails is rolled back to its
//! savepoint and publishes nothing. The caller is answered after the events are published. The schema and its
//! migrations are in [`schema`].
//!
//! Business rules ([`boards`], [`columns`], [`cards`], [`handoff`], [`package`]) return the board's own values and [`Error`]s; they know
//! nothing of HTTP, which the routes add around them.

mod access;
pub mod boards;
pub mod cards;
pub mod checklists;
mod checkpoint;
pub mod columns;
pub mod comments;
mod error;
pub mod handoff;
pub mod idempotency;
pub mod ids;
pub mod labels;
mod limits;
pub mod log;
pub mod order;
pub mod package;
pub mod portable;
pub mod rehost;
pub mod rows;
mod schema;
pub mod trash;
mod walbatch;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lanban_client::private;
use lanban_core::event::{Change, Event, ServerMessage};
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

pub use access::{Actor, Principal, actor, moved_to, principal};
pub use error::{Error, Result};
pub use ids::Created;

use crate::config::{Config, Synchronous};
use crate::hub::{Hub, Published};
use crate::store::schema::{check_schema, migrations};
use crate::store::writer::{Job, Pending};

/// How long idempotency keys are kept.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 60 * 60 + 60;

/// Why the store could not open (what goes wrong in a job or a read is an [`Error`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start the writer thread: {0}")]
    Thread(#[from] std::io::Error),
    #[error("cannot create the data directory: {0}")]
    DataDir(std::io::Error),
    /// The database holds what no migration made (a trigger, a view, a table or index of its own): a file put in
    /// the data directory (a restored backup) is refused rather than trusted.
    #[error("the database is not one this server made: {0}")]
    UnexpectedSchema(String),
    /// Boards made before board labels could not have their labels gathered (`labels::gather_all`).
    #[error("cannot gather the boards' labels: {0}")]
    Labels(#[source] Error),
}

/// What the writer thread is asked to do.
enum Command {
    Job(Job),
    /// Commit what is queued before this and exit.
    Stop,
}

/// The store handle; cheap to clone.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    /// Jobs for the writer thread.
    jobs: mpsc::Sender<Command>,
    /// How long a job may wait in the queue (half the request timeout).
    queue_deadline: std::time::Duration,
    /// Idle read connections (a std `Mutex` is fine: it is never held across an `.await`).
    readers: Mutex<Vec<Connection>>,
    /// Reads running at once; more wait here rather than opening ever more connections and threads.
    read_permits: tokio::sync::Semaphore,
    path: PathBuf,
    /// Joined on close, so the last commit is on disk before the process goes on.
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Jobs waiting for the writer before callers wait for a place in the queue.
const JOB_QUEUE: usize = 4096;
/// WAL pages after which a commit checkpoints by itself (64 MiB), if the checkpointer falls that far behind.
const WAL_BACKSTOP_PAGES: i64 = 16 * 1024;
/// The writer's page cache, in KiB (it grows to this only under sustained writes).
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// Read connections: at most this many reads run at once, each on a connection kept open for the next.
const MAX_READERS: usize = 8;

impl Store {
    /// Opens (creating and migrating if needed) the database in `config.data_dir` and starts the writer,
    /// which publishes committed events to `hub`.
    pub fn open(config: &Config, hub: Hub) -> Result<Store, StoreError> {
        let path = config.database_path();
        let mut conn = open_connection(&path, false, config.synchronous)?;
        migrations().to_latest(&mut conn)?;
        check_schema(&conn)?;
        let limits = config.board_limits;
        // Boards made before board labels get their set from their cards, logged like any change (the hub learns
        // the new seqs below).
        {
            let txn = conn.transaction()?;
            let mut tx = Tx {
                conn: &txn,
                limits,
                rooms: Vec::new(),
                events: Vec::new(),
            };
            labels::gather_all(&mut tx).map_err(StoreError::Labels)?;
            txn.commit()?;
        }
        let board_seqs = rows::board_seqs(&conn)?;
        hub.init_rooms(board_seqs);
        let checkpointer = checkpoint::Checkpointer::start(&path, config.synchronous)?;
        let (jobs, rx) = mpsc::channel(JOB_QUEUE);
        let handle = std::thread::Builder::new()
            .name("lanban-writer".into())
            .spawn(move || writer::run(conn, rx, hub, checkpointer, limits))?;
        Ok(Store {
            shared: Arc::new(Shared {
                jobs,
                queue_deadline: config.request_timeout / 2,
                readers: Mutex::new(Vec::new()),
                read_permits: tokio::sync::Semaphore::new(MAX_READERS),
                path,
                writer: Mutex::new(Some(handle)),
            }),
        })
    }

    /// Runs `job` on the writer thread in its own savepoint of a group transaction; answers after the
    /// commit and after the job's events are published. A job that returns an error is rolled back to its
    /// savepoint and publishes nothing.
    pub async fn write<T, E>(
        &self,
        job: impl FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Box::new(Pending::new(job, reply)),
            deadline: std::time::Instant::now() + self.shared.queue_deadline,
        };
        self.shared
            .jobs
            .send(Command::Job(job))
            .await
            .map_err(|_| Error::Internal("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the writer dropped a job".into()))?
    }

    /// Runs `f` on a read connection inside one read transaction (a consistent view).
    pub async fn read<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let shared = self.shared.clone();
        let _permit = self
            .shared
            .read_permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("the read pool is closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let conn = shared.take_reader()?;
            let result = (|| {
                let txn = conn.unchecked_transaction().map_err(Error::from)?;
                let value = f(&txn)?;
                txn.finish().map_err(Error::from)?;
                Ok(value)
            })();
            shared.put_reader(conn);
            result
        })
        .await
        .map_err(|e| Error::Internal(format!("read task failed: {e}")))?
    }

    /// Deletes idempotency records older than a day.
    pub async fn purge_idempotency(&self) -> Result<()> {
        self.write(|tx| idempotency::forget_before(tx, unix_now() - IDEMPOTENCY_TTL_SECS))
            .await
    }

    /// Stops the writer once the jobs already queued are committed, and waits for it. Later writes fail.
    pub async fn close(&self) {
        let _ = self.shared.jobs.send(Command::Stop).await;
        let handle = self.shared.writer.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

impl Shared {
    fn take_reader(&self) -> Result<Connection> {
        if let Some(conn) = self.readers.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        open_connection(&self.path, true, Synchronous::Full)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    fn put_reader(&self, conn: Connection) {
        if let Ok(mut idle) = self.readers.lock()
            && idle.len() < MAX_READERS
        {
            idle.push(conn);
        }
    }
}

/// Opens (creating and migrating if needed) the database of `data_dir` outside a running server.
pub fn open_migrated(data_dir: &Path) -> Result<Connection, StoreError> {
    private::create_dir(data_dir).map_err(StoreError::DataDir)?;
    let mut conn = open_connection(&data_dir.join("lanban.sqlite"), false, Synchronous::Full)?;
    migrations().to_latest(&mut conn)?;
    check_schema(&conn)?;
    Ok(conn)
}

fn open_connection(
    path: &Path,
    read_only: bool,
    sync: Synchronous,
) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    if !read_only {
        private_database(path).map_err(StoreError::DataDir)?;
    }
    // A connection that writes paces its checkpoints; at FULL it also gathers its WAL frames into a few writes
    // (walbatch/mod.rs says why only then).
    let wrapped = !read_only
        && walbatch::register()
            .inspect_err(|err| tracing::warn!(error = %err, "WAL writes go one frame at a time"))
            .is_ok();
    let batched = wrapped && sync == Synchronous::Full;
    let opened = if batched {
        Connection::open_with_flags_and_vfs(path, flags, walbatch::NAME)
    } else if wrapped {
        Connection::open_with_flags_and_vfs(path, flags, walbatch::PACED_NAME)
    } else {
        Connection::open_with_flags(path, flags)
    };
    let conn = opened.map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    if read_only {
        conn.pragma_update(None, "query_only", true)?;
    } else {
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                format!("journal_mode is {mode}, not WAL"),
            )));
        }
        conn.pragma_update(None, "synchronous", sync.pragma())?;
        if batched {
            // walbatch is sound only while every commit syncs the WAL (FULL or EXTRA); never lowered afterwards.
            let level: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
            if level < 2 {
                return Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                    format!("synchronous is {level}, not FULL, on a batched connection"),
                )));
            }
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // The server's checkpointer thread keeps the WAL short; this automatic one is only its backstop.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        // Each job runs in a savepoint, whose journal SQLite keeps in memory up to `SQLITE_STMTJRNL_SPILL` bytes
        // (256 KiB here, `.cargo/config.toml`) in one allocation. `temp_store = MEMORY` would keep it in memory
        // whatever its size, but in 1 KiB pieces: five allocations for every page a job changes, 7 % of the
        // server's instructions (docs/performance.md, session 19). A job changing more than 64 pages (an import)
        // spills its journal to a temporary file.
        // The pages every mutation touches (the idempotency index takes random keys) outgrow SQLite's default
        // 2 MiB cache within minutes of load, and each miss is a read system call on the writer thread.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    }
    Ok(conn)
}

/// Creates the database file private to the user if it is missing, and makes it and its `-wal` and `-shm` files
/// private (SQLite creates those with the database file's permissions on Unix, and with the private data
/// directory's access list on Windows): member data and token hashes are for the server's user alone.
fn private_database(path: &Path) -> std::io::Result<()> {
    private::options(std::fs::OpenOptions::new().write(true).create(true)).open(path)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = std::path::PathBuf::from(file);
        if file.exists() {
            private::restrict(&file)?;
        }
    }
    Ok(())
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A job's view of the group transaction: SQL through `Deref`, events through [`Tx::emit`].
pub struct Tx<'a> {
    conn: &'a Connection,
    /// How large a board may grow (`store::limits`).
    limits: lanban_core::validate::limits::BoardLimits,
    /// Boards the job brought in at a seq of their own ([`Tx::open_room`]).
    rooms: Vec<(BoardId, u64)>,
    events: Vec<Published>,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Tx<'_> {
    /// Tells the hub, after the commit, that `board_id` stands at `seq` without an event saying so (an imported
    /// board), so that its sockets' `hello` starts there. Call it before emitting the board's next event.
    pub fn open_room(&mut self, board_id: BoardId, seq: u64) {
        self.rooms.push((board_id, seq));
    }

    /// Appends the board's next event; it is published after the commit.
    pub fn emit(&mut self, board_id: BoardId, actor: MemberId, change: Change) -> Result<u64> {
        // Read, then written back: `UPDATE … RETURNING` builds a temporary table for its one row, which cost
        // more than the update itself (docs/performance.md, session 19). The writer is the only one writing.
        let board = board_id.to_string();
        let seq: u64 = self
            .conn
            .prepare_cached("SELECT seq + 1 FROM boards WHERE id = ?1")?
            .query_row([&board], |r| r.get(0))?;
        self.conn
            .prepare_cached("UPDATE boards SET seq = ?2 WHERE id = ?1")?
            .execute(rusqlite::params![board, seq])?;
        let closes = match &change {
            Change::MemberRemoved(removed) => Some(removed.id),
            _ => None,
        };
        let event = Event {
            seq,
            actor,
            at: Timestamp::now(),
            change,
        };
        let json = serde_json::to_string(&ServerMessage::Event(event))?;
        self.conn
            .prepare_cached("INSERT INTO events (board_id, seq, json) VALUES (?1, ?2, ?3)")?
            .execute(rusqlite::params![board, seq, json])?;
        self.events.push(Published {
            board_id,
            seq,
            text: json.into(),
            closes,
        });
        Ok(seq)
    }
}
