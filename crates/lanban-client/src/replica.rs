//! The durable replica: every board this app has opened, kept with its event log and its outbox of pending
//! mutations in one SQLite database in the app's data directory, so a board outlives its host's laptop.
//!
//! A board is stored under its host as well as its id ([`HostKey`], [`BoardId`]): two hosts may each have a
//! board with the same id (a board imported elsewhere, a restored backup), and one host's events must never land on
//! another host's board. Events are applied with `lanban-core`'s [`Snapshot::apply`], one transaction per batch,
//! so the stored board is always the state after some whole batch. The outbox keeps each mutation exactly as it
//! will be sent (its `Idempotency-Key` and body bytes) from before it is sent until its answer is recorded.
//!
//! [`Replica`] is a cheap handle around one connection. Every method is synchronous and short (one transaction),
//! so async code may call it directly; a caller that cannot afford a few milliseconds of disk I/O on its executor
//! (storing a 2,000-card board writes about 1 MB) can use `spawn_blocking`.
//!
//! [`Snapshot::apply`]: lanban_core::api::Snapshot::apply

mod boards;
mod db;
mod history;
mod outbox;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::BoardId;
use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use boards::ReplicaBoardInfo;
pub use outbox::{OutboxEntry, OutboxId, OutboxRequest, OutboxState, ServerAnswer};

/// Which host a stored board came from: the caller's stable name for it, such as the pinned certificate
/// fingerprint of a host on the LAN, or `local` for this computer's own server.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct HostKey(String);

impl HostKey {
    /// A host named by the caller.
    pub fn new(name: impl Into<String>) -> HostKey {
        HostKey(name.into())
    }

    /// The text stored for this host.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Fingerprint> for HostKey {
    /// A host known by its pinned certificate: the fingerprint's text.
    fn from(fingerprint: Fingerprint) -> HostKey {
        HostKey(fingerprint.to_string())
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostKey({})", self.0)
    }
}

/// What can go wrong with the replica.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// The database's directory or file could not be created or made private to the user.
    #[error("cannot prepare the replica file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// SQLite could not open the database file.
    #[error("cannot open the replica database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date (or the file was written by a newer app).
    #[error("cannot migrate the replica database: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    /// A query failed.
    #[error("replica database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A board, event or answer could not be encoded or decoded.
    #[error("cannot encode or decode a stored value: {0}")]
    Json(#[from] serde_json::Error),
    /// A batch skipped events: it had brought the board to `have` and went on with `got`. Nothing of the batch
    /// was stored; fetch the events after the stored seq (or a snapshot) and apply them instead.
    #[error("missed events: the batch reached seq {have} and went on with seq {got}")]
    Gap {
        /// The seq the board had reached when the gap came (the stored board is still at its seq before the batch).
        have: u64,
        /// The seq of the event after the gap.
        got: u64,
    },
    /// No board with this id is stored for this host.
    #[error("no replica of board {board} from host {host}")]
    UnknownBoard { host: HostKey, board: BoardId },
    /// The stored log lacks the events after seq `after` (the copy has not fetched the board's history yet).
    #[error("the copy of the board lacks its history after seq {after}")]
    Incomplete { after: u64 },
    /// No outbox entry has this id (it was answered or discarded).
    #[error("no outbox entry {0}")]
    UnknownEntry(OutboxId),
    /// The database is not what this version expects: a stored value that does not parse (a timestamp, an id, a
    /// method), or a file that cannot be put in WAL mode.
    #[error("the replica database holds an unreadable value: {0}")]
    Corrupt(String),
}

/// The replica database; cheap to clone, and shared by every board session of the app.
#[derive(Clone)]
pub struct Replica {
    shared: Arc<Shared>,
}

struct Shared {
    /// The one connection. A std `Mutex` is fine: every method takes it for one short transaction and never
    /// across an `.await` (the methods are synchronous), and SQLite serialises writers anyway.
    conn: Mutex<Connection>,
    /// The database file, for error messages and tests.
    path: PathBuf,
}

impl Replica {
    /// Opens the replica database at `path`, creating it (and its directory) private to the user and bringing
    /// its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Replica, ReplicaError> {
        let path = path.as_ref().to_owned();
        let conn = db::open(&path)?;
        Ok(Replica {
            shared: Arc::new(Shared {
                conn: Mutex::new(conn),
                path,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The connection. A panic while it was held cannot leave a half-done change: the transaction it was in
    /// rolled back when it was dropped, so the connection is still good to use.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.shared
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` in one write transaction, committed if `f` succeeds and rolled back otherwise.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ReplicaError>,
    ) -> Result<T, ReplicaError> {
        let mut conn = self.lock();
        // Immediate: take the write lock up front rather than upgrade from a read lock halfway through.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on the connection, for reads of one statement (each sees one consistent state).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ReplicaError>,
    ) -> Result<T, ReplicaError> {
        f(&self.lock())
    }
}

/// Parses a stored RFC 3339 time.
fn parse_time(text: &str) -> Result<lanban_core::time::Timestamp, ReplicaError> {
    lanban_core::time::Timestamp::parse(text)
        .ok_or_else(|| ReplicaError::Corrupt(format!("not a time: {text:?}")))
}

/// Parses a stored board id.
fn parse_board(text: &str) -> Result<BoardId, ReplicaError> {
    text.parse()
        .map_err(|_| ReplicaError::Corrupt(format!("not a board id: {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_can_be_shared_across_tasks() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<Replica>();
    }

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = db::MIGRATIONS.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, listed);
        assert!(db::migrations().validate().is_ok());
    }
}
