//! Live sessions against a real server: mirrors converge, sessions ride out a server restart and catch up,
//! removed members are told, presence flows.

use std::time::Duration;

use lanban_client::{Api, BoardSession, ConnectionState, SyncEvent};
use lanban_core::api::{CreateCard, ErrorCode, UpdateCard};
use lanban_core::ids::BoardId;
use tokio::sync::broadcast;

mod common;

use common::{PATIENCE, card, column, quick, start};

/// Collects applied seqs from a subscription until `seq` (or panics after the patience).
async fn applied_until(events: &mut broadcast::Receiver<SyncEvent>, seq: u64) -> Vec<u64> {
    let mut seqs = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        loop {
            match events.recv().await.expect("events flow") {
                SyncEvent::Applied(event) => {
                    seqs.push(event.seq);
                    if event.seq >= seq {
                        return;
                    }
                }
                SyncEvent::Resynced(_) => panic!("unexpected resync"),
                _ => {}
            }
        }
    })
    .await
    .expect("applied in time");
    seqs
}

#[tokio::test]
async fn three_sessions_on_two_boards_each_mirror_their_own_board() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let launch = host.create_board("Launch", "Hana").await.unwrap();
    let garden = host.create_board("Garden", "Gus").await.unwrap();
    let anon = Api::new(&server.addr.to_string()).unwrap();
    let alice = anon
        .join(&launch.room_code.to_string(), "Alice")
        .await
        .unwrap();
    let bob = anon
        .join(&garden.room_code.to_string(), "Bob")
        .await
        .unwrap();

    let hana = BoardSession::open(anon.with_token(&launch.token), launch.board.id)
        .await
        .unwrap();
    let alice_session = BoardSession::open(anon.with_token(&alice.token), launch.board.id)
        .await
        .unwrap();
    let bob_session = BoardSession::open(anon.with_token(&bob.token), garden.board.id)
        .await
        .unwrap();
    let mut alice_events = alice_session.subscribe();
    for session in [&hana, &alice_session, &bob_session] {
        session
            .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
            .await
            .unwrap();
    }
    let garden_seq = bob_session.seq();

    // Hana and Alice build the board together.
    let todo = column(&hana.api(), launch.board.id, "Todo").await;
    let done = column(&alice_session.api(), launch.board.id, "Done").await;
    let mut cards = Vec::new();
    for i in 0..10 {
        let api = if i % 2 == 0 {
            hana.api()
        } else {
            alice_session.api()
        };
        cards.push(card(&api, todo.id, &format!("task {i}")).await);
    }
    let moved = alice_session
        .api()
        .update_card(
            cards[3].id,
            &UpdateCard {
                column_id: Some(Some(done.id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.version, 2);
    hana.api().delete_card(cards[0].id).await.unwrap();
    let last = hana.api().snapshot(launch.board.id).await.unwrap();

    // Both mirrors of the launch board equal the server's snapshot.
    for session in [&hana, &alice_session] {
        session.wait_for_seq(last.seq, PATIENCE).await.unwrap();
        assert_eq!(session.state(), last);
    }
    let seqs = applied_until(&mut alice_events, last.seq).await;
    assert_eq!(
        seqs,
        (seqs[0]..=last.seq).collect::<Vec<_>>(),
        "each event once, in order"
    );
    assert_eq!(alice_session.read(|s| s.cards_in(done.id).count()), 1);

    // Bob's board did not move.
    assert_eq!(bob_session.seq(), garden_seq);
    assert_eq!(
        bob_session.state(),
        bob_session.api().snapshot(garden.board.id).await.unwrap()
    );

    server.stop().await.unwrap();
}

#[tokio::test]
async fn api_errors_carry_the_servers_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let launch = host.create_board("Launch", "Hana").await.unwrap();
    let anon = Api::new(&server.addr.to_string()).unwrap();
    let err = anon.join("ZZZZ-ZZZZ", "Nobody").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::RoomNotFound));
    let alice = anon
        .join(&launch.room_code.to_string(), "Alice")
        .await
        .unwrap();
    let err = anon
        .with_token(&alice.token)
        .rotate_room_code(launch.board.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_session_rides_out_a_server_restart_and_catches_up_exactly_what_it_missed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = server.addr;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let board = host.create_board("Durable", "Dana").await.unwrap();
    let member = Api::new(&server.url())
        .unwrap()
        .join(&board.room_code.to_string(), "Max")
        .await
        .unwrap();
    let column = column(&host, board.board.id, "Todo").await;

    let session = BoardSession::open_with(
        Api::new(&server.url()).unwrap().with_token(&member.token),
        board.board.id,
        quick(),
    )
    .await
    .unwrap();
    session
        .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();
    let mut events = session.subscribe();
    let before = session.seq();

    // The server goes away: the session notices, then reports itself offline.
    server.stop().await.unwrap();
    let state = session
        .wait_for_connection(|s| matches!(s, ConnectionState::Offline { .. }), PATIENCE)
        .await
        .unwrap();
    assert!(matches!(state, ConnectionState::Offline { attempt, .. } if attempt >= 1));

    // It comes back on the same address and the same data; 20 changes land before the session reconnects.
    let server = start(dir.path(), addr).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    for i in 0..20 {
        host.create_card(
            column.id,
            &CreateCard {
                title: format!("while away {i}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let now = host.snapshot(board.board.id).await.unwrap();
    session.wait_for_seq(now.seq, PATIENCE).await.unwrap();
    assert_eq!(session.state(), now);
    let seqs = applied_until(&mut events, now.seq).await;
    assert_eq!(
        seqs,
        (before + 1..=now.seq).collect::<Vec<_>>(),
        "exactly the missed events, once each"
    );
    assert_eq!(*session.connection().borrow(), ConnectionState::Connected);
    session.close().await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_removed_member_is_told_and_the_session_stops() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let board = host.create_board("Members", "Mae").await.unwrap();
    let member = Api::new(&server.url())
        .unwrap()
        .join(&board.room_code.to_string(), "Leo")
        .await
        .unwrap();
    let leo = BoardSession::open_with(
        Api::new(&server.url()).unwrap().with_token(&member.token),
        board.board.id,
        quick(),
    )
    .await
    .unwrap();
    let mae = BoardSession::open_with(
        Api::new(&server.url()).unwrap().with_token(&board.token),
        board.board.id,
        quick(),
    )
    .await
    .unwrap();
    leo.wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();
    mae.wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();

    // Presence: Leo opens nothing yet; both are listed for Mae.
    let mut presence = mae.presence();
    presence
        .wait_for(|members| members.len() == 2)
        .await
        .unwrap();
    let card_column = column(&host, board.board.id, "C").await;
    let card = host
        .create_card(
            card_column.id,
            &CreateCard {
                title: "Look".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    leo.set_viewing(Some(card.id));
    tokio::time::timeout(
        PATIENCE,
        presence.wait_for(|members| {
            members
                .iter()
                .any(|m| m.member_id == member.member.id && m.viewing_card == Some(card.id))
        }),
    )
    .await
    .unwrap()
    .unwrap();

    let mut leo_events = leo.subscribe();
    host.remove_member(board.board.id, member.member.id)
        .await
        .unwrap();
    let removed = tokio::time::timeout(PATIENCE, async {
        loop {
            if let SyncEvent::Removed = leo_events.recv().await.unwrap() {
                return;
            }
        }
    })
    .await;
    assert!(removed.is_ok(), "Leo was told");
    assert_eq!(*leo.connection().borrow(), ConnectionState::Removed);
    tokio::time::timeout(PATIENCE, presence.wait_for(|members| members.len() == 1))
        .await
        .unwrap()
        .unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn opening_a_board_that_is_not_yours_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let api = Api::new(&server.url()).unwrap().with_token("not-a-token");
    let err = BoardSession::open(api, BoardId::new())
        .await
        .err()
        .expect("refused");
    assert_eq!(err.code(), Some(ErrorCode::Unauthorized));
    assert!(Api::new("ftp://example").is_err());
    let unreachable = Api::new("127.0.0.1:1").unwrap();
    assert!(matches!(
        unreachable.health().await,
        Err(lanban_client::ClientError::Network(_))
    ));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_watcher_starting_mid_stream_gets_the_board_and_then_exactly_the_events_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let launch = host.create_board("Launch", "Hana").await.unwrap();
    let hana = Api::new(&server.url()).unwrap().with_token(&launch.token);
    let board = launch.board.id;
    let column = column(&hana, board, "Todo").await;
    let session = BoardSession::open_with(hana.clone(), board, quick())
        .await
        .unwrap();

    // Hana writes 30 cards while three watchers (the app's window, reopened) start at different moments.
    let writer = {
        let hana = hana.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                let card = CreateCard {
                    title: format!("Card {i}"),
                    ..Default::default()
                };
                hana.create_card(column.id, &card).await.unwrap();
            }
        })
    };
    let mut watchers = Vec::new();
    for _ in 0..3 {
        watchers.push(session.watch());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    writer.await.unwrap();
    let last = hana.snapshot(board).await.unwrap().seq;

    // Each watcher's snapshot plus the events it receives after it is the whole board: no event twice, none
    // missed, in order.
    for (mut snapshot, mut events) in watchers {
        tokio::time::timeout(PATIENCE, async {
            while snapshot.seq < last {
                match events.recv().await.expect("events flow") {
                    SyncEvent::Applied(event) => {
                        assert_eq!(event.seq, snapshot.seq + 1, "the next event, once");
                        snapshot.apply(&event).unwrap();
                    }
                    SyncEvent::Resynced(fresh) => snapshot = (*fresh).clone(),
                    _ => {}
                }
            }
        })
        .await
        .expect("caught up in time");
        assert_eq!(snapshot, session.state());
        assert_eq!(snapshot.cards.len(), 30);
    }
    session.close().await;
}
