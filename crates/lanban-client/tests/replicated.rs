//! Sessions kept in a replica: a member's board outlives the host's server. It reopens from disk with the host
//! gone, catches up from its own seq (not a fresh snapshot) when the host returns, and goes when the member is
//! removed.

mod common;

use std::time::Duration;

use common::{PATIENCE, eventually, join, quick, start};
use lanban_client::replica::{HostKey, Replica};
use lanban_client::{Api, BoardSession, ConnectionState, Origin, ReplicaSlot, SyncEvent};
use lanban_core::api::{CreateCard, CreateColumn, Snapshot};
use lanban_core::ids::{BoardId, ColumnId, MemberId};

/// Adds `count` cards to `column`.
async fn add_cards(api: &Api, column: ColumnId, prefix: &str, count: usize) {
    for i in 0..count {
        let card = CreateCard {
            title: format!("{prefix} {i}"),
            ..Default::default()
        };
        api.create_card(column, &card).await.unwrap();
    }
}

/// Waits until the replica holds `board` at `seq` (it is written by its own thread, just after the mirror).
async fn replica_reaches(slot: &ReplicaSlot, board: BoardId, seq: u64) -> Snapshot {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match slot.replica.load(&slot.host, board).unwrap() {
                Some(stored) if stored.seq >= seq => return stored,
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await
    .expect("the replica caught up in time")
}

/// Hana's board with a Todo column, and Bea joined.
struct Joined {
    hana: Api,
    bea: Api,
    bea_id: MemberId,
    column: ColumnId,
    board: BoardId,
}

async fn hanas_board_with_bea(server: &lanban_server::RunningServer) -> Joined {
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board = created.board.id;
    let hana = Api::new(&server.url()).unwrap().with_token(&created.token);
    let column = CreateColumn {
        title: "Todo".into(),
        ..Default::default()
    };
    let column = hana.create_column(board, &column).await.unwrap();
    let (bea, joined) = join(&server.url(), &created.room_code.to_string(), "Bea").await;
    Joined {
        hana,
        bea,
        bea_id: joined.member.id,
        column: column.id,
        board,
    }
}

#[tokio::test]
async fn a_members_board_reopens_from_disk_without_its_host_and_catches_up_from_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = server.addr;
    let Joined {
        hana,
        bea,
        column,
        board,
        ..
    } = hanas_board_with_bea(&server).await;
    let replica_dir = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(replica_dir.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{addr}")),
    };

    // Bea opens the board for the first time: from the host, and it is kept on disk as it changes.
    let session = BoardSession::open_replicated(bea.clone(), board, quick(), slot.clone())
        .await
        .unwrap();
    assert_eq!(*session.origin(), Origin::Host);
    add_cards(&hana, column, "before", 5).await;
    let before = hana.snapshot(board).await.unwrap();
    session.wait_for_seq(before.seq, PATIENCE).await.unwrap();
    assert_eq!(replica_reaches(&slot, board, before.seq).await, before);
    session.close().await;

    // The host's computer goes away; Bea reopens the board: from her copy, at once, with nothing lost.
    server.stop().await.unwrap();
    let session = BoardSession::open_replicated(bea.clone(), board, quick(), slot.clone())
        .await
        .unwrap();
    assert!(matches!(
        session.origin(),
        Origin::Replica {
            synced_at: Some(_),
            ..
        }
    ));
    assert_eq!(session.state(), before);
    let offline = session
        .wait_for_connection(|s| matches!(s, ConnectionState::Offline { .. }), PATIENCE)
        .await
        .unwrap();
    assert!(matches!(
        offline,
        ConnectionState::Offline {
            last_synced: Some(_),
            ..
        }
    ));
    // The copy notes since when the host is away (written by its own thread, just after the state changed).
    eventually(
        || {
            slot.replica
                .info(&slot.host, board)
                .unwrap()
                .unwrap()
                .host_unreachable_since
                .is_some()
        },
        "the copy notes since when the host is away",
    )
    .await;

    // The host returns on the same address; Hana adds more. Bea's session catches up from its seq: each missed
    // event once, no fresh snapshot.
    let mut events = session.subscribe();
    let server = start(dir.path(), addr).await;
    add_cards(&hana, column, "after", 4).await;
    let now = hana.snapshot(board).await.unwrap();
    session.wait_for_seq(now.seq, PATIENCE).await.unwrap();
    let mut seqs = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            SyncEvent::Applied(event) => seqs.push(event.seq),
            SyncEvent::Resynced(_) => panic!("caught up from a snapshot instead of its seq"),
            _ => {}
        }
    }
    assert_eq!(seqs, (before.seq + 1..=now.seq).collect::<Vec<_>>());
    assert_eq!(session.state(), now);
    assert_eq!(replica_reaches(&slot, board, now.seq).await, now);
    session
        .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();

    session.close().await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_removed_members_copy_of_the_board_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let Joined {
        hana,
        bea,
        bea_id,
        board,
        ..
    } = hanas_board_with_bea(&server).await;
    let copies = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(copies.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{}", server.addr)),
    };
    let session = BoardSession::open_replicated(bea, board, quick(), slot.clone())
        .await
        .unwrap();
    assert!(slot.replica.load(&slot.host, board).unwrap().is_some());

    // Hana removes Bea: the session stops and Bea's copy of the board goes with it.
    hana.remove_member(board, bea_id).await.unwrap();
    session
        .wait_for_connection(|s| *s == ConnectionState::Removed, PATIENCE)
        .await
        .unwrap();
    eventually(
        || slot.replica.load(&slot.host, board).unwrap().is_none(),
        "the copy is deleted",
    )
    .await;
    session.close().await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_session_follows_its_host_to_another_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board = created.board.id;
    let (bea, _) = join(&server.url(), &created.room_code.to_string(), "Bea").await;
    let session = BoardSession::open_with(bea, board, quick()).await.unwrap();
    session
        .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();

    // The host's computer comes back with another address (here: another port); the session cannot find it.
    server.stop().await.unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let hana = Api::new(&server.url()).unwrap().with_token(&created.token);
    let column = CreateColumn {
        title: "Moved".into(),
        ..Default::default()
    };
    hana.create_column(board, &column).await.unwrap();
    session
        .wait_for_connection(|s| matches!(s, ConnectionState::Offline { .. }), PATIENCE)
        .await
        .unwrap();

    // Told where it is now (discovery found it by its certificate), the session goes there and catches up.
    session.move_host(&server.addr.to_string()).unwrap();
    let now = hana.snapshot(board).await.unwrap();
    session.wait_for_seq(now.seq, PATIENCE).await.unwrap();
    assert_eq!(session.state(), now);
    assert!(session.api().base_url().contains(&server.addr.to_string()));
    session.close().await;
    server.stop().await.unwrap();
}
