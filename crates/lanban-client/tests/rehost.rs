//! The host gone for good (docs/protocol.md §15.2): Bea and Cy keep copies of Hana's board; Bea's copy fetches the
//! history from before she joined, so it holds the whole log. Hana's computer goes; both keep working offline.
//! Bea hosts the board from her copy on her own server and her session carries on there, sending her waiting
//! changes; Cy joins again with the new room code, and his waiting changes go there too. Every change lands once.

mod common;

use std::time::Duration;

use common::{PATIENCE, card, column, eventually, quick, start};
use lanban_client::replica::{HostKey, Replica};
use lanban_client::{Api, BoardSession, ConnectionState, ReplicaSlot, Submitted};
use lanban_core::api::{CreateCard, RehostBoard, UpdateCard};
use lanban_core::ids::{BoardId, CardId, ColumnId};
use lanban_core::model::Role;
use lanban_core::mutation::Mutation;
use uuid::Uuid;

fn slot(dir: &tempfile::TempDir, host: &str) -> ReplicaSlot {
    ReplicaSlot {
        replica: Replica::open(dir.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{host}")),
    }
}

/// A card added while the host is away, with the id the client chose for it.
async fn add_offline(session: &BoardSession, column: ColumnId, title: &str) -> CardId {
    let id = CardId::new();
    let mutation = Mutation::CreateCard {
        column,
        card: CreateCard {
            id: Some(id),
            title: title.into(),
            ..Default::default()
        },
    };
    let submitted = session.submit(Uuid::now_v7(), mutation).await.unwrap();
    assert!(matches!(submitted, Submitted::Queued));
    id
}

async fn all_sent(session: &BoardSession) {
    tokio::time::timeout(PATIENCE, async {
        while !session.changes().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("every waiting change was applied");
}

async fn members_join(
    hana_server: &lanban_server::RunningServer,
    code: &str,
) -> [(Api, String); 2] {
    let url = hana_server.url();
    let mut joined = Vec::new();
    for name in ["Bea", "Cy"] {
        let member = Api::new(&url).unwrap().join(code, name).await.unwrap();
        let api = Api::new(&url).unwrap().with_token(&member.token);
        joined.push((api, member.member.id.to_string()));
    }
    joined.try_into().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_hosts_the_board_from_a_whole_copy_and_every_waiting_change_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let hana_server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let url = hana_server.url();
    let host = Api::new(&url).unwrap().with_token(&hana_server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board: BoardId = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = column(&hana, board, "Todo").await;
    let first = card(&hana, todo.id, "Written before anyone joined").await;
    let [(bea, bea_id), (cy, _)] = members_join(&hana_server, &created.room_code.to_string()).await;

    // Both open the board with a copy; Bea's copy fetches the history from before her first snapshot.
    let (bea_dir, cy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bea_slot, cy_slot) = (
        slot(&bea_dir, &hana_server.addr.to_string()),
        slot(&cy_dir, &hana_server.addr.to_string()),
    );
    let bea_session = BoardSession::open_replicated(bea.clone(), board, quick(), bea_slot.clone())
        .await
        .unwrap();
    let cy_session = BoardSession::open_replicated(cy.clone(), board, quick(), cy_slot.clone())
        .await
        .unwrap();
    card(&hana, todo.id, "Written while they watched").await;
    let last = hana.snapshot(board).await.unwrap();
    for session in [&bea_session, &cy_session] {
        session.wait_for_seq(last.seq, PATIENCE).await.unwrap();
    }
    let complete = |slot: &ReplicaSlot| {
        let info = slot.replica.info(&slot.host, board).unwrap();
        info.is_some_and(|i| i.complete && i.seq == last.seq)
    };
    eventually(|| complete(&bea_slot), "Bea's copy holds the whole log").await;
    let (_, log) = bea_slot.replica.whole_log(&bea_slot.host, board).unwrap();
    let on_host = hana.events(board, 0, None).await.unwrap().events;
    assert_eq!(log, on_host);

    // Hana's computer is gone. Both keep working, offline, and nobody is shown online any more.
    eventually(
        || bea_session.presence().borrow().len() == 2,
        "Bea sees who is online",
    )
    .await;
    hana_server.stop().await.unwrap();
    for session in [&bea_session, &cy_session] {
        session
            .wait_for_connection(|s| matches!(s, ConnectionState::Offline { .. }), PATIENCE)
            .await
            .unwrap();
        assert!(session.presence().borrow().is_empty());
    }
    let beas = add_offline(&bea_session, todo.id, "Bea, offline").await;
    let patch = UpdateCard {
        title: Some(Some(
            "Written before anyone joined, and edited offline".into(),
        )),
        version: Some(Some(first.version)),
        ..Default::default()
    };
    let edit = Mutation::UpdateCard {
        card: first.id,
        patch: Box::new(patch),
        base: Some(Box::new(first.clone())),
    };
    assert!(matches!(
        bea_session.submit(Uuid::now_v7(), edit).await.unwrap(),
        Submitted::Queued
    ));
    let cys = add_offline(&cy_session, todo.id, "Cy, offline").await;

    // Bea hosts it from her copy on her own server, and her session carries on there.
    let bea_dir_server = tempfile::tempdir().unwrap();
    let bea_server = start(bea_dir_server.path(), "127.0.0.1:0".parse().unwrap()).await;
    let (base, events) = bea_slot.replica.whole_log(&bea_slot.host, board).unwrap();
    let bea_token = bea.token().unwrap().to_owned();
    let body = RehostBoard::new(base, events, bea_id.parse().unwrap(), &bea_token);
    let hosted = Api::new(&bea_server.url())
        .unwrap()
        .with_token(&bea_server.host_token)
        .rehost_board(&body)
        .await
        .unwrap();
    assert_eq!(hosted.seq, last.seq + 2);
    let bea_here = Api::new(&bea_server.url()).unwrap().with_token(&bea_token);
    bea_session.switch_host(bea_here.clone());
    all_sent(&bea_session).await;

    // Cy joins again with the new code; his copy's waiting change goes with him, over the board as it is here.
    let code = hosted.board.room_code.to_string();
    let cy_again = Api::new(&bea_server.url())
        .unwrap()
        .join(&code, "Cy")
        .await
        .unwrap();
    let cy_here = Api::new(&bea_server.url())
        .unwrap()
        .with_token(&cy_again.token);
    cy_session.close().await;
    let now = cy_here.snapshot(board).await.unwrap();
    let cy_new_slot = ReplicaSlot {
        replica: cy_slot.replica.clone(),
        host: HostKey::new(format!("plain:{}", bea_server.addr)),
    };
    cy_slot
        .replica
        .carry_over(&cy_slot.host, &cy_new_slot.host, &now)
        .unwrap();
    assert!(
        cy_slot
            .replica
            .info(&cy_slot.host, board)
            .unwrap()
            .is_none()
    );
    let cy_session = BoardSession::open_replicated(cy_here, board, quick(), cy_new_slot.clone())
        .await
        .unwrap();
    all_sent(&cy_session).await;

    // Every change is there once; Bea hosts; everyone's board is the host's; Cy's new copy is whole again.
    let board_now = bea_here.snapshot(board).await.unwrap();
    let titles: Vec<&str> = board_now.cards.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Written before anyone joined, and edited offline",
            "Written while they watched",
            "Bea, offline",
            "Cy, offline"
        ]
    );
    assert!(
        board_now.cards.iter().any(|c| c.id == beas) && board_now.cards.iter().any(|c| c.id == cys)
    );
    let roles: Vec<(&str, Role)> = board_now
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.role))
        .collect();
    assert_eq!(
        roles[..3],
        [
            ("Hana", Role::Member),
            ("Bea", Role::Host),
            ("Cy", Role::Member)
        ]
    );
    for session in [&bea_session, &cy_session] {
        session.wait_for_seq(board_now.seq, PATIENCE).await.unwrap();
        assert_eq!(session.state(), board_now);
    }
    eventually(
        || {
            let info = cy_new_slot.replica.info(&cy_new_slot.host, board).unwrap();
            info.is_some_and(|i| i.complete && i.seq == board_now.seq)
        },
        "Cy's copy holds the new host's whole log",
    )
    .await;
    bea_session.close().await;
    cy_session.close().await;
    bea_server.stop().await.unwrap();
}
