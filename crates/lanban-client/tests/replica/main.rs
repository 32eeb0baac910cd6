//! The replica on a real database file: boards kept per host, batches applied whole or not at all, the outbox in
//! order across restarts, and files private to the user.

mod fixture;

use lanban_client::replica::{
    HostKey, OutboxId, OutboxRequest, OutboxState, Replica, ReplicaError,
};
use lanban_core::ids::BoardId;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::fixture::{Fixture, applied, open, request, time};

#[test]
fn a_snapshot_comes_back_as_it_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("local");
    let f = Fixture::new();
    let snapshot = applied(
        f.snapshot("Launch"),
        &[f.column_created(3), f.card_put(4, "Write the plan", 1)],
    );

    assert_eq!(replica.load(&host, f.board).unwrap(), None);
    replica.save_snapshot(&host, &snapshot).unwrap();
    assert_eq!(replica.load(&host, f.board).unwrap(), Some(snapshot));

    // A resync replaces the stored board.
    let renamed = f.snapshot("Launch v2");
    replica.save_snapshot(&host, &renamed).unwrap();
    assert_eq!(replica.load(&host, f.board).unwrap(), Some(renamed));
    let info = replica.info(&host, f.board).unwrap().unwrap();
    assert_eq!((info.name.as_str(), info.seq), ("Launch v2", 2));
}

#[test]
fn a_batch_is_applied_in_order_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("local");
    let f = Fixture::new();
    replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();

    let batch = [
        f.column_created(3),
        f.card_put(4, "Write the plan", 1),
        f.card_put(5, "Write the whole plan", 2),
    ];
    assert_eq!(replica.apply(&host, f.board, &batch).unwrap(), 5);
    let expected = applied(f.snapshot("Launch"), &batch);
    assert_eq!(
        replica.load(&host, f.board).unwrap(),
        Some(expected.clone())
    );
    assert_eq!(replica.events_since(&host, f.board, 0).unwrap(), batch);

    // Events the board already has are skipped; the new one is applied and logged after them.
    let again = [f.card_put(5, "Write the whole plan", 2), f.card_deleted(6)];
    assert_eq!(replica.apply(&host, f.board, &again).unwrap(), 6);
    assert_eq!(
        replica.load(&host, f.board).unwrap(),
        Some(applied(expected, &[f.card_deleted(6)]))
    );
    assert_eq!(
        replica.events_since(&host, f.board, 4).unwrap(),
        [batch[2].clone(), f.card_deleted(6)]
    );

    // A snapshot from a host that went back in time (restored from a backup) drops the events it is not past.
    let restored = applied(f.snapshot("Launch"), &batch[..2]);
    replica.save_snapshot(&host, &restored).unwrap();
    assert_eq!(replica.events_since(&host, f.board, 0).unwrap(), batch[..2]);
    assert_eq!(replica.apply(&host, f.board, &batch[2..]).unwrap(), 5);
}

#[test]
fn a_batch_with_a_gap_leaves_the_replica_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("local");
    let f = Fixture::new();
    replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();
    replica
        .apply(&host, f.board, &[f.column_created(3)])
        .unwrap();
    let before = replica.load(&host, f.board).unwrap();
    let info_before = replica.info(&host, f.board).unwrap();

    // Seq 4 would apply, but seq 5 is missing: nothing of the batch is kept.
    let batch = [f.card_put(4, "Write the plan", 1), f.card_deleted(6)];
    let err = replica.apply(&host, f.board, &batch).unwrap_err();
    assert!(
        matches!(err, ReplicaError::Gap { have: 4, got: 6 }),
        "{err:?}"
    );
    assert_eq!(replica.load(&host, f.board).unwrap(), before);
    assert_eq!(replica.info(&host, f.board).unwrap(), info_before);
    assert_eq!(
        replica.events_since(&host, f.board, 0).unwrap(),
        [f.column_created(3)]
    );

    // The replica takes the batch once the missing event is there.
    let whole = [
        f.card_put(4, "Write the plan", 1),
        f.card_put(5, "Write the whole plan", 2),
        f.card_deleted(6),
    ];
    assert_eq!(replica.apply(&host, f.board, &whole).unwrap(), 6);
}

#[test]
fn the_same_board_id_under_two_hosts_is_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let (office, laptop) = (HostKey::new("office-fingerprint"), HostKey::new("local"));
    let f = Fixture::new();
    replica
        .save_snapshot(&office, &f.snapshot("Office"))
        .unwrap();
    replica
        .save_snapshot(&laptop, &f.snapshot("Laptop"))
        .unwrap();

    // The office host's events change only the office host's board.
    replica
        .apply(&office, f.board, &[f.column_created(3)])
        .unwrap();
    replica
        .enqueue(
            &office,
            f.board,
            &request("/api/columns/x", json!({"title": "Doing"})),
        )
        .unwrap();
    assert_eq!(
        replica.load(&laptop, f.board).unwrap(),
        Some(f.snapshot("Laptop"))
    );
    assert_eq!(replica.load(&office, f.board).unwrap().unwrap().seq, 3);
    assert!(replica.pending(&laptop, f.board).unwrap().is_empty());
    assert!(
        replica
            .events_since(&laptop, f.board, 0)
            .unwrap()
            .is_empty()
    );

    let listed: Vec<_> = replica
        .boards()
        .unwrap()
        .into_iter()
        .map(|b| (b.host, b.name, b.seq, b.pending))
        .collect();
    assert_eq!(
        listed,
        [
            (laptop.clone(), "Laptop".to_owned(), 2, 0),
            (office.clone(), "Office".to_owned(), 3, 1),
        ]
    );

    // Forgetting one host's board leaves the other's.
    replica.forget(&office, f.board).unwrap();
    assert_eq!(replica.load(&office, f.board).unwrap(), None);
    assert_eq!(
        replica.load(&laptop, f.board).unwrap(),
        Some(f.snapshot("Laptop"))
    );
}

#[test]
fn everything_survives_closing_and_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let host = HostKey::new("office");
    let f = Fixture::new();
    let (first, second, third) = (
        request("/api/cards/1", json!({"title": "One"})),
        request("/api/cards/2", json!({"title": "Two"})),
        OutboxRequest {
            method: Method::DELETE,
            body: None,
            creates: Some(Uuid::now_v7()),
            ..request("/api/cards/3", json!(null))
        },
    );
    let (board, info, ids) = {
        let replica = open(&dir);
        replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();
        replica
            .apply(
                &host,
                f.board,
                &[f.column_created(3), f.card_put(4, "Plan", 1)],
            )
            .unwrap();
        replica
            .mark_synced(&host, f.board, &time("2026-12-01T10:00:00.000Z"))
            .unwrap();
        replica
            .mark_unreachable(&host, f.board, &time("2026-12-01T10:05:00.000Z"))
            .unwrap();
        let ids = [&first, &second, &third].map(|r| replica.enqueue(&host, f.board, r).unwrap());
        replica
            .record_answer(ids[1], 409, &json!({"error": {"code": "version_conflict"}}))
            .unwrap();
        (
            replica.load(&host, f.board).unwrap(),
            replica.info(&host, f.board).unwrap(),
            ids,
        )
    };

    let replica = open(&dir);
    assert_eq!(replica.load(&host, f.board).unwrap(), board);
    let info = info.unwrap();
    assert_eq!(replica.info(&host, f.board).unwrap(), Some(info.clone()));
    assert_eq!(info.seq, 4);
    assert_eq!(info.synced_at, Some(time("2026-12-01T10:00:00.000Z")));
    assert_eq!(
        info.host_unreachable_since,
        Some(time("2026-12-01T10:05:00.000Z"))
    );
    assert_eq!((info.pending, info.failed), (2, 1));
    assert_eq!(replica.events_since(&host, f.board, 0).unwrap().len(), 2);

    // The pending entries come back in the order they were enqueued, with the same keys and bytes.
    let pending = replica.pending(&host, f.board).unwrap();
    let order: Vec<OutboxId> = pending.iter().map(|e| e.id).collect();
    assert_eq!(order, [ids[0], ids[2]]);
    assert_eq!(pending[0].request, first);
    assert_eq!(pending[1].request, third);
    assert_eq!(replica.failed(&host, f.board).unwrap()[0].request, second);

    // A later entry still goes after them.
    let fourth = replica
        .enqueue(&host, f.board, &request("/api/cards/4", json!({})))
        .unwrap();
    assert!(fourth > ids[2]);
}

#[test]
fn the_host_is_marked_unreachable_from_the_first_time_until_it_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("office");
    let f = Fixture::new();
    replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();
    let since = |r: &Replica| {
        r.info(&host, f.board)
            .unwrap()
            .unwrap()
            .host_unreachable_since
    };

    replica
        .mark_unreachable(&host, f.board, &time("2026-12-01T10:00:00.000Z"))
        .unwrap();
    replica
        .mark_unreachable(&host, f.board, &time("2026-12-01T11:00:00.000Z"))
        .unwrap();
    assert_eq!(since(&replica), Some(time("2026-12-01T10:00:00.000Z")));
    replica
        .mark_synced(&host, f.board, &time("2026-12-01T12:00:00.000Z"))
        .unwrap();
    assert_eq!(since(&replica), None);

    let other = BoardId::new();
    let err = replica.mark_synced(&host, other, &f.at).unwrap_err();
    assert!(
        matches!(err, ReplicaError::UnknownBoard { board, .. } if board == other),
        "{err:?}"
    );
}

#[test]
fn forgetting_a_board_removes_its_events_and_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("office");
    let f = Fixture::new();
    replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();
    replica
        .apply(&host, f.board, &[f.column_created(3)])
        .unwrap();
    replica
        .enqueue(&host, f.board, &request("/api/cards/1", json!({})))
        .unwrap();
    let refused = replica
        .enqueue(&host, f.board, &request("/api/cards/2", json!({})))
        .unwrap();
    replica
        .record_answer(refused, 404, &json!({"error": {"code": "not_found"}}))
        .unwrap();

    replica.forget(&host, f.board).unwrap();
    assert_eq!(replica.load(&host, f.board).unwrap(), None);
    assert!(replica.boards().unwrap().is_empty());

    // Not a row of the board is left in the file.
    let conn = rusqlite::Connection::open(replica.path()).unwrap();
    for table in ["boards", "events", "outbox"] {
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }

    // Forgetting it again does nothing; queuing for it is refused.
    replica.forget(&host, f.board).unwrap();
    let err = replica
        .enqueue(&host, f.board, &request("/api/cards/1", json!({})))
        .unwrap_err();
    assert!(matches!(err, ReplicaError::UnknownBoard { .. }), "{err:?}");
    let err = replica
        .apply(&host, f.board, &[f.column_created(3)])
        .unwrap_err();
    assert!(matches!(err, ReplicaError::UnknownBoard { .. }), "{err:?}");
}

#[test]
fn an_answer_removes_an_entry_or_marks_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let host = HostKey::new("office");
    let f = Fixture::new();
    replica.save_snapshot(&host, &f.snapshot("Launch")).unwrap();
    let [created, conflicting, waiting] =
        ["/api/cards/1", "/api/cards/2", "/api/cards/3"].map(|path| {
            replica
                .enqueue(&host, f.board, &request(path, json!({"title": "x"})))
                .unwrap()
        });

    // The host took the first change and refused the second.
    replica
        .record_answer(created, 201, &json!({"id": "1"}))
        .unwrap();
    let answer = json!({"error": {"code": "version_conflict", "message": "The card changed."}});
    replica.record_answer(conflicting, 409, &answer).unwrap();

    let pending: Vec<_> = replica
        .pending(&host, f.board)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(pending, [waiting]);
    let failed = replica.failed(&host, f.board).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, conflicting);
    assert_eq!(failed[0].request.path, "/api/cards/2");
    match &failed[0].state {
        OutboxState::Failed(got) => assert_eq!((got.status, &got.body), (409, &answer)),
        OutboxState::Pending => panic!("the refused entry is still pending"),
    }
    let info = replica.info(&host, f.board).unwrap().unwrap();
    assert_eq!((info.pending, info.failed), (1, 1));

    // The person discards the refused change; an answer to an entry already gone is reported.
    replica.discard(conflicting).unwrap();
    assert!(replica.failed(&host, f.board).unwrap().is_empty());
    let err = replica.record_answer(created, 200, &json!({})).unwrap_err();
    assert!(
        matches!(err, ReplicaError::UnknownEntry(id) if id == created),
        "{err:?}"
    );
    let err = replica.discard(conflicting).unwrap_err();
    assert!(matches!(err, ReplicaError::UnknownEntry(_)), "{err:?}");
}

/// On every OS: mode 0o700/0o600 on Unix, an owner-only access list on Windows (`lanban_client::private`).
#[test]
fn the_database_files_are_private_to_the_user() {
    use lanban_client::private::is_private;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").join("lanban");
    let path = data.join("replica.sqlite");

    let replica = Replica::open(&path).unwrap();
    let f = Fixture::new();
    replica
        .save_snapshot(&HostKey::new("local"), &f.snapshot("Launch"))
        .unwrap();
    assert!(is_private(&data).unwrap());
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        assert!(is_private(&file).unwrap(), "{}", file.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
    drop(replica);

    // A file that was left readable by others is made private again when opened.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!is_private(&path).unwrap());
    }
    let replica = Replica::open(&path).unwrap();
    assert!(is_private(&path).unwrap());
    assert_eq!(replica.boards().unwrap().len(), 1);
}

#[test]
fn a_board_that_moved_is_filed_under_its_new_host_with_its_log_and_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let replica = open(&dir);
    let (old, new) = (HostKey::new("old-host"), HostKey::new("new-host"));
    let snapshot = Fixture::new().snapshot("Moving");
    let board = snapshot.board.id;
    replica.save_snapshot(&old, &snapshot).unwrap();
    replica
        .enqueue(&old, board, &request("/api/cards/1", json!({"title": "x"})))
        .unwrap();

    replica.rekey(&old, &new, board).unwrap();
    assert_eq!(replica.load(&old, board).unwrap(), None);
    assert_eq!(replica.load(&new, board).unwrap(), Some(snapshot));
    assert_eq!(replica.pending(&new, board).unwrap().len(), 1);
    assert!(replica.pending(&old, board).unwrap().is_empty());
}
