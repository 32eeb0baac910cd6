//! The schema's migrations: every file listed in order, and what the data-moving ones do to an older database.

use std::path::Path;

use super::*;
use crate::store::idempotency;

/// An in-memory database as the first `version` migrations left it, foreign keys on as the server has them.
fn database_at(version: usize) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    migrations().to_version(&mut conn, version).unwrap();
    conn
}

/// Boards `b0` (hosted by member `m0`) and `b1`, as an older database holds them.
fn two_boards(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO boards (id, name, room_code, seq, created_at, updated_at)
             VALUES ('b0', 'B', 'R0', 0, 't', 't'), ('b1', 'E', 'R1', 0, 't', 't');
         INSERT INTO members (id, board_id, name, color, role, joined_at)
             VALUES ('m0', 'b0', 'H', '#000000', 'host', 't');",
    )
    .unwrap();
}

#[test]
fn every_migration_file_is_listed_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed: Vec<&str> = MIGRATIONS.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, listed);
    assert!(migrations().validate().is_ok());
}

#[test]
fn boards_made_before_card_counts_are_counted_and_kept_answers_survive_their_new_order() {
    let mut conn = database_at(10);
    two_boards(&conn);
    conn.execute_batch(
        "INSERT INTO columns (id, board_id, title, position) VALUES ('c0', 'b0', 'Todo', 'a0');
         INSERT INTO cards (id, board_id, column_id, title, description, labels, position, version,
                            created_by, created_at, updated_at)
             VALUES ('k0', 'b0', 'c0', 'A', '', '[]', 'a0', 1, 'm0', 't', 't'),
                    ('k1', 'b0', 'c0', 'B', '', '[]', 'a1', 1, 'm0', 't', 't');
         INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
             VALUES ('m0', 'key', x'01', 201, '{}', 5);",
    )
    .unwrap();
    migrations().to_latest(&mut conn).unwrap();
    let count = |conn: &Connection, board: &str| -> i64 {
        conn.query_row(
            "SELECT card_count FROM boards WHERE id = ?1",
            [board],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!((count(&conn, "b0"), count(&conn, "b1")), (2, 0));
    let kept: (String, i64) = conn
        .query_row(
            "SELECT body, status FROM idempotency WHERE scope = 'm0' AND key = 'key'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kept, ("{}".to_owned(), 201));
    // The triggers follow every way a card comes and goes, a rolled-back savepoint included.
    conn.execute_batch(
        "INSERT INTO cards (id, board_id, column_id, title, description, labels, position, version,
                            created_by, created_at, updated_at)
             VALUES ('k2', 'b0', 'c0', 'C', '', '[]', 'a2', 1, 'm0', 't', 't');
         SAVEPOINT job;
         DELETE FROM cards WHERE id = 'k0';
         ROLLBACK TO job;
         RELEASE job;
         DELETE FROM cards WHERE id = 'k1';",
    )
    .unwrap();
    assert_eq!(count(&conn, "b0"), 2);
    conn.execute_batch("DELETE FROM columns WHERE id = 'c0';")
        .unwrap();
    assert_eq!(count(&conn, "b0"), 0);
}

#[test]
fn boards_made_before_description_bytes_are_summed_and_kept() {
    let mut conn = database_at(12);
    two_boards(&conn);
    conn.execute_batch(
        "INSERT INTO columns (id, board_id, title, position)
             VALUES ('c0', 'b0', 'Todo', 'a0'), ('c1', 'b1', 'Todo', 'a0');
         INSERT INTO cards (id, board_id, column_id, title, description, labels, position, version,
                            created_by, created_at, updated_at)
             VALUES ('k0', 'b0', 'c0', 'A', 'héllo', '[]', 'a0', 1, 'm0', 't', 't'),
                    ('k1', 'b0', 'c0', 'B', '', '[]', 'a1', 1, 'm0', 't', 't');",
    )
    .unwrap();
    migrations().to_latest(&mut conn).unwrap();
    let kept = |conn: &Connection, board: &str| -> (i64, i64) {
        conn.query_row(
            "SELECT card_count, description_bytes FROM boards WHERE id = ?1",
            [board],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    // Bytes, not characters: "héllo" is 6.
    assert_eq!((kept(&conn, "b0"), kept(&conn, "b1")), ((2, 6), (0, 0)));
    // Created with a description, edited in place (and an edit of something else), a rolled-back edit, deleted.
    conn.execute_batch(
        "INSERT INTO cards (id, board_id, column_id, title, description, labels, position, version,
                            created_by, created_at, updated_at)
             VALUES ('k2', 'b0', 'c0', 'C', 'abcd', '[]', 'a2', 1, 'm0', 't', 't');
         UPDATE cards SET description = 'ab', title = 'B2' WHERE id = 'k1';
         UPDATE cards SET title = 'A2', description = description WHERE id = 'k0';
         SAVEPOINT job;
         UPDATE cards SET description = 'a longer text' WHERE id = 'k2';
         ROLLBACK TO job;
         RELEASE job;",
    )
    .unwrap();
    assert_eq!(kept(&conn, "b0"), (3, 6 + 2 + 4));
    conn.execute_batch("DELETE FROM cards WHERE id = 'k0';")
        .unwrap();
    assert_eq!(kept(&conn, "b0"), (2, 2 + 4));
    // Moved to another board with a new description: each board keeps its own.
    conn.execute_batch(
        "UPDATE cards SET board_id = 'b1', column_id = 'c1', description = 'xyz' WHERE id = 'k2';",
    )
    .unwrap();
    assert_eq!((kept(&conn, "b0"), kept(&conn, "b1")), ((1, 2), (1, 3)));
    conn.execute_batch("DELETE FROM columns WHERE id = 'c0';")
        .unwrap();
    assert_eq!(kept(&conn, "b0"), (0, 0));
}

#[test]
fn columns_made_before_client_ids_get_their_creator_from_the_log() {
    let mut conn = database_at(1);
    conn.execute_batch(
        "INSERT INTO boards (id, name, room_code, seq, created_at, updated_at)
             VALUES ('b0', 'B', 'R', 2, 't', 't');
         INSERT INTO members (id, board_id, name, color, role, joined_at)
             VALUES ('m0', 'b0', 'H', '#000000', 'host', 't');
         INSERT INTO columns (id, board_id, title, position)
             VALUES ('c0', 'b0', 'Todo', 'a0'), ('c1', 'b0', 'Lost', 'a1');",
    )
    .unwrap();
    for (seq, kind, id) in [(1, "member.joined", "m0"), (2, "column.created", "c0")] {
        let event = serde_json::json!(
            {"type": "event", "seq": seq, "kind": kind, "actor": "m0", "data": {"id": id}}
        );
        conn.execute(
            "INSERT INTO events (board_id, seq, json) VALUES ('b0', ?1, ?2)",
            rusqlite::params![seq, event.to_string()],
        )
        .unwrap();
    }
    migrations().to_latest(&mut conn).unwrap();
    let creators: Vec<(String, Option<String>)> = conn
        .prepare("SELECT id, created_by FROM columns ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        creators,
        [("c0".into(), Some("m0".into())), ("c1".into(), None)]
    );
}

#[test]
fn logs_move_to_appended_tables_whole_and_old_answers_are_forgotten_oldest_first() {
    let mut conn = database_at(14);
    two_boards(&conn);
    for (board, seq) in [("b1", 1), ("b0", 2), ("b0", 1), ("b1", 2), ("b0", 3)] {
        conn.execute(
            "INSERT INTO events (board_id, seq, json) VALUES (?1, ?2, ?3)",
            rusqlite::params![board, seq, format!("{board}#{seq}")],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
             VALUES ('m0', 'late', x'02', 200, 'L', 300), ('m0', 'early', x'01', 201, 'E', 100),
                    ('host', 'early', x'03', 204, '', 200);",
    )
    .unwrap();
    migrations().to_latest(&mut conn).unwrap();

    let log = |conn: &Connection, board: &str| -> Vec<String> {
        conn.prepare("SELECT json FROM events WHERE board_id = ?1 AND seq > 1 ORDER BY seq")
            .unwrap()
            .query_map([board], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(log(&conn, "b0"), ["b0#2", "b0#3"]);
    assert_eq!(log(&conn, "b1"), ["b1#2"]);
    // A board's seq is still taken once, and its log goes with it.
    assert!(
        conn.execute(
            "INSERT INTO events (board_id, seq, json) VALUES ('b1', 2, 'again')",
            []
        )
        .is_err()
    );
    conn.execute("DELETE FROM boards WHERE id = 'b1'", [])
        .unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 3);

    // Every answer survives, and a key is still taken once per scope.
    let recalled = |conn: &Connection, scope: &str, key: &str| {
        idempotency::recall(conn, scope, key)
            .unwrap()
            .map(|kept| kept.body)
    };
    assert_eq!(recalled(&conn, "m0", "early").as_deref(), Some("E"));
    assert_eq!(recalled(&conn, "host", "early").as_deref(), Some(""));
    let again = idempotency::Kept {
        request_hash: vec![9],
        status: 200,
        body: "twice".into(),
    };
    assert!(idempotency::remember(&conn, "m0", "late", &again).is_err());

    // Forgotten oldest first, up to the first still young.
    idempotency::forget_before(&conn, 150).unwrap();
    assert_eq!(recalled(&conn, "m0", "early"), None);
    assert_eq!(recalled(&conn, "host", "early").as_deref(), Some(""));
    assert_eq!(recalled(&conn, "m0", "late").as_deref(), Some("L"));
    idempotency::remember(&conn, "m0", "new", &again).unwrap();
    idempotency::forget_before(&conn, 250).unwrap();
    assert_eq!(recalled(&conn, "host", "early"), None);
    assert_eq!(recalled(&conn, "m0", "late").as_deref(), Some("L"));
    // An answer stamped by a clock that was ahead is kept until its time, and holds back none after it.
    conn.execute_batch(
        "DELETE FROM idempotency WHERE key = 'new';
         INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
             VALUES ('m0', 'ahead', x'04', 200, 'A', 99999999999), ('m0', 'after', x'05', 200, 'F', 260);",
    )
    .unwrap();
    idempotency::remember(&conn, "m0", "young", &again).unwrap();
    idempotency::forget_before(&conn, 280).unwrap();
    assert_eq!(recalled(&conn, "m0", "late").as_deref(), Some("L"));
    idempotency::forget_before(&conn, 400).unwrap();
    assert_eq!(recalled(&conn, "m0", "late"), None);
    assert_eq!(recalled(&conn, "m0", "after"), None);
    assert_eq!(recalled(&conn, "m0", "ahead").as_deref(), Some("A"));
    assert_eq!(recalled(&conn, "m0", "young").as_deref(), Some("twice"));
    // A clock set back (every answer stamped after the cutoff, and after now): nothing goes.
    idempotency::forget_before(&conn, 0).unwrap();
    assert_eq!(recalled(&conn, "m0", "young").as_deref(), Some("twice"));
    // All of them old: all forgotten; none left: nothing to do.
    idempotency::forget_before(&conn, i64::MAX).unwrap();
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM idempotency", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 0);
    idempotency::forget_before(&conn, i64::MAX).unwrap();
}
