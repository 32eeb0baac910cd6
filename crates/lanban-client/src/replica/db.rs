//! Opening the replica database: a file private to the user, WAL, foreign keys, full sync, and the migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::private;
use crate::replica::ReplicaError;

/// The numbered files of `crates/lanban-client/migrations`, in order. Append only.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_replica.sql",
        include_str!("../../migrations/0001_replica.sql"),
    ),
    (
        "0002_log_bases.sql",
        include_str!("../../migrations/0002_log_bases.sql"),
    ),
];

/// The schema's migrations.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|(_, sql)| M::up(sql)).collect())
}

/// Opens (creating and migrating if needed) the database at `path`.
pub(super) fn open(path: &Path) -> Result<Connection, ReplicaError> {
    make_private_file(path)?;
    let mut conn = Connection::open(path).map_err(|source| ReplicaError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(ReplicaError::Corrupt(format!(
            "journal_mode is {mode}, not WAL"
        )));
    }
    // An acknowledged write (an outbox entry above all) must survive a power cut, not only a crash of the app.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

/// Creates the database file (and its directory, private to the user) if needed, and makes the file readable and
/// writable by the user alone (`crate::private`).
///
/// SQLite creates the `-wal` and `-shm` files with the database file's permissions on Unix, and with the private
/// directory's access list on Windows, so they are private too; any left from an older, laxer file are tightened
/// here.
fn make_private_file(path: &Path) -> Result<(), ReplicaError> {
    let failed = |source| ReplicaError::File {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private::create_dir(dir).map_err(failed)?;
    }
    private::options(std::fs::OpenOptions::new().write(true).create(true))
        .open(path)
        .map_err(failed)?;
    private::restrict(path).map_err(failed)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = std::path::PathBuf::from(side);
        if side.exists() {
            private::restrict(&side).map_err(failed)?;
        }
    }
    Ok(())
}
