//! The VFS against SQLite: commits seen at once by another connection, spills rolled back, restarts.

use rusqlite::{Connection, ffi};

use super::NAME;
use crate::config::Synchronous;
use crate::store::open_connection;

/// The name of the VFS `conn`'s main database was opened with.
fn vfs_of(conn: &Connection) -> String {
    let mut vfs: *mut ffi::sqlite3_vfs = std::ptr::null_mut();
    // SAFETY: SQLITE_FCNTL_VFS_POINTER writes the VFS's pointer, which lives as long as the process.
    unsafe {
        let rc = ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_VFS_POINTER,
            (&raw mut vfs).cast(),
        );
        assert_eq!(rc, ffi::SQLITE_OK);
        std::ffi::CStr::from_ptr((*vfs).zName)
            .to_string_lossy()
            .into_owned()
    }
}

fn count(conn: &Connection) -> (i64, i64) {
    conn.query_row(
        "SELECT count(*), coalesce(sum(length(body)), 0) FROM t",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("count")
}

/// Copies the WAL back and starts it over, through `conn`; no other connection may be reading.
fn restart_wal(conn: &Connection) {
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .expect("checkpoint");
    assert_eq!(busy, 0);
}

fn assert_intact(conn: &Connection) {
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
}

#[test]
fn every_commit_is_in_the_file_before_another_connection_can_see_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("walbatch.sqlite");
    let writer = open_connection(&path, false, Synchronous::Full).expect("writer");
    assert_eq!(vfs_of(&writer), NAME.to_string_lossy());
    writer
        .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        .expect("table");
    let reader = open_connection(&path, true, Synchronous::Full).expect("reader");
    // At NORMAL a connection keeps the platform's VFS (nothing syncs the WAL at its commits).
    let normal = open_connection(&path, false, Synchronous::Normal).expect("normal");
    assert_ne!(vfs_of(&normal), NAME.to_string_lossy());
    let mut rows = 0;
    for round in 0..60_i64 {
        // From one page to past the buffer's capacity (~30 pages) in one commit.
        let n = 1 + (round % 12) * 4;
        let tx = writer.unchecked_transaction().expect("begin");
        for _ in 0..n {
            tx.execute("INSERT INTO t (body) VALUES (randomblob(3000))", [])
                .expect("insert");
        }
        tx.commit().expect("commit");
        rows += n;
        assert_eq!(count(&reader), (rows, rows * 3000), "round {round}");
        if round % 20 == 19 {
            // Another connection copies the WAL back and starts it over; the writer's next frames go to
            // its beginning again.
            restart_wal(&normal);
        }
    }
    drop((writer, reader, normal));
    let again = open_connection(&path, false, Synchronous::Full).expect("reopen");
    assert_eq!(count(&again), (rows, rows * 3000));
    assert_intact(&again);
}

#[test]
fn pages_spilled_by_a_transaction_rolled_back_do_not_land_on_another_writers_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("spill.sqlite");
    let batched = open_connection(&path, false, Synchronous::Full).expect("batched writer");
    batched
        .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        .expect("table");
    // A cache of ten pages: a transaction of hundreds spills them to the WAL before it ends.
    batched
        .pragma_update(None, "cache_size", 10)
        .expect("cache");
    let insert = |conn: &Connection, n: usize| {
        for _ in 0..n {
            conn.execute("INSERT INTO t (body) VALUES (randomblob(3000))", [])
                .expect("insert");
        }
    };
    // Spilled, partly rolled back to a savepoint, committed.
    let tx = batched.unchecked_transaction().expect("begin");
    insert(&tx, 200);
    tx.execute_batch("SAVEPOINT s").expect("savepoint");
    insert(&tx, 100);
    tx.execute_batch("ROLLBACK TO s; RELEASE s")
        .expect("rollback to");
    insert(&tx, 50);
    tx.commit().expect("commit");
    // With the WAL started over (so that undoing the next transaction reads nothing from it), a transaction
    // spills and is rolled back whole; another writer (the platform's VFS) then commits where its frames were.
    restart_wal(&batched);
    let tx = batched.unchecked_transaction().expect("begin");
    // Few enough pages that what spills stays gathered (under the buffer's capacity) until the rollback.
    insert(&tx, 25);
    tx.rollback().expect("rollback");
    let other = open_connection(&path, false, Synchronous::Normal).expect("other writer");
    let tx = other.unchecked_transaction().expect("begin");
    insert(&tx, 30);
    tx.commit().expect("commit");
    // The batched connection reads (any late write of the rolled-back frames would happen here), then a
    // fresh reader and an integrity check see the two commits alone.
    assert_eq!(count(&batched), (280, 280 * 3000));
    let reader = open_connection(&path, true, Synchronous::Full).expect("reader");
    assert_eq!(count(&reader), (280, 280 * 3000));
    assert_intact(&other);
    restart_wal(&other);
    drop((batched, other, reader));
    let again = open_connection(&path, false, Synchronous::Full).expect("reopen");
    assert_eq!(count(&again), (280, 280 * 3000));
}
