//! The outbox against a real server: changes made while the host is away are kept (across a restart of the
//! app), sent in order when it returns, merged with teammates' changes to other fields, and listed as failed when
//! they collide, for the person to apply again or discard. Nothing is applied twice.

mod common;

use std::time::Duration;

use common::{PATIENCE, quick, start};
use lanban_client::replica::{HostKey, Replica};
use lanban_client::{
    Api, BoardSession, ChangeState, ConnectionState, PendingChange, ReplicaSlot, Submitted,
};
use lanban_core::api::{CreateCard, CreateColumn, ErrorCode, UpdateCard};
use lanban_core::ids::{BoardId, CardId, ColumnId};
use lanban_core::model::Card;
use lanban_core::mutation::Mutation;
use uuid::Uuid;

fn retitle(card: CardId, title: &str) -> Mutation {
    Mutation::UpdateCard {
        card,
        patch: Box::new(UpdateCard {
            title: Some(Some(title.into())),
            ..Default::default()
        }),
        base: None,
    }
}

fn new_card(column: ColumnId, title: &str) -> (CardId, Mutation) {
    let id = CardId::new();
    let create = Mutation::CreateCard {
        column,
        card: CreateCard {
            id: Some(id),
            title: title.into(),
            ..Default::default()
        },
    };
    (id, create)
}

async fn card(api: &Api, column: ColumnId, title: &str) -> Card {
    let body = CreateCard {
        title: title.into(),
        ..Default::default()
    };
    api.create_card(column, &body).await.unwrap()
}

/// Waits until the session's pending changes satisfy `done`.
async fn changes_until(
    session: &BoardSession,
    done: impl Fn(&[PendingChange]) -> bool,
) -> Vec<PendingChange> {
    let waited = tokio::time::timeout(PATIENCE, async {
        loop {
            let changes = session.changes();
            if done(&changes) {
                return changes;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    waited.unwrap_or_else(|_| panic!("the changes never settled: {:#?}", session.changes()))
}

fn titles(cards: &[Card]) -> Vec<&str> {
    cards.iter().map(|c| c.title.as_str()).collect()
}

#[tokio::test]
async fn changes_made_while_the_host_is_away_land_once_merge_or_wait_for_the_person() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = server.addr;
    let url = server.url();
    let host = Api::new(&url).unwrap().with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board: BoardId = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = CreateColumn {
        title: "Todo".into(),
        ..Default::default()
    };
    let todo = hana.create_column(board, &todo).await.unwrap();
    let plan = card(&hana, todo.id, "Plan").await;
    let venue = card(&hana, todo.id, "Venue").await;
    let old = card(&hana, todo.id, "Old idea").await;
    let joined = Api::new(&url)
        .unwrap()
        .join(&created.room_code.to_string(), "Bea")
        .await
        .unwrap();
    let bea = Api::new(&url).unwrap().with_token(&joined.token);
    let copies = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(copies.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{addr}")),
    };
    let session = BoardSession::open_replicated(bea.clone(), board, quick(), slot.clone())
        .await
        .unwrap();
    session
        .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();

    // Online, a change is answered at once.
    let online = session
        .submit(Uuid::now_v7(), retitle(venue.id, "Venue booked"))
        .await
        .unwrap();
    assert!(matches!(online, Submitted::Done(_)));

    // The host goes away. Bea adds a card and edits it, retitles Plan and Venue, and deletes the old idea: each is
    // kept, none answered.
    server.stop().await.unwrap();
    session
        .wait_for_connection(|s| *s != ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();
    let (badges, create) = new_card(todo.id, "Badges");
    let offline = [
        create,
        retitle(badges, "Print badges"),
        retitle(plan.id, "Plan (Bea)"),
        retitle(venue.id, "Venue: the old mill"),
        Mutation::DeleteCard { card: old.id },
    ];
    for mutation in offline {
        let queued = session.submit(Uuid::now_v7(), mutation).await.unwrap();
        assert_eq!(queued, Submitted::Queued);
    }
    assert_eq!(session.changes().len(), 5);

    // Bea's app is closed (the session dropped without a goodbye): the changes are kept on disk, in order.
    drop(session);
    let kept = slot.replica.pending(&slot.host, board).unwrap();
    assert_eq!(kept.len(), 5);

    // The host returns. Before Bea opens the board again, Hana sets Plan's due date (another field: merged) and
    // retitles Venue (the same field: a collision for Bea to decide).
    let server = start(dir.path(), addr).await;
    let due = UpdateCard {
        due_date: Some(Some("2026-12-24".into())),
        ..Default::default()
    };
    hana.update_card(plan.id, &due).await.unwrap();
    let venue_now = hana
        .update_card(
            venue.id,
            &UpdateCard {
                title: Some(Some("Venue: the town hall".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let session = BoardSession::open_replicated(bea.clone(), board, quick(), slot.clone())
        .await
        .unwrap();

    // Bea's outbox drains in order: four land, the colliding one waits with the card as it is now.
    let settled = changes_until(&session, |c| c.len() == 1).await;
    let ChangeState::Failed {
        current: Some(current),
        ..
    } = &settled[0].state
    else {
        panic!("the collision is listed as failed: {settled:?}");
    };
    assert_eq!(current.title, venue_now.title);
    let now = hana.snapshot(board).await.unwrap();
    assert_eq!(
        titles(&now.cards),
        ["Plan (Bea)", "Venue: the town hall", "Print badges"],
        "created once, edited, deleted; nothing twice"
    );
    let plan_now = now.cards.iter().find(|c| c.id == plan.id).unwrap();
    assert_eq!(
        plan_now.due_date.as_deref(),
        Some("2026-12-24"),
        "Hana's due date kept"
    );

    // The failed change is kept too: after another restart it is still listed, with why and the card as it is.
    session.close().await;
    let session = BoardSession::open_replicated(bea.clone(), board, quick(), slot.clone())
        .await
        .unwrap();
    let kept = session.changes();
    assert_eq!(kept.len(), 1);
    assert!(matches!(
        &kept[0].state,
        ChangeState::Failed { code: Some(ErrorCode::VersionConflict), current: Some(card), .. }
            if card.title == venue_now.title
    ));

    // Bea applies hers again on top: it lands, and the list is empty.
    let again = session.apply_again(settled[0].key).await.unwrap();
    assert!(matches!(again, Submitted::Done(_)));
    changes_until(&session, <[PendingChange]>::is_empty).await;
    let venue_final = hana.snapshot(board).await.unwrap();
    assert!(titles(&venue_final.cards).contains(&"Venue: the old mill"));

    // A create whose answer was lost long ago (beyond the server's idempotency horizon) is sent again with a
    // new key: the host recognises the id and applies nothing twice.
    let (again_id, create) = new_card(todo.id, "Once only");
    let first = session
        .submit(Uuid::now_v7(), create.clone())
        .await
        .unwrap();
    assert!(matches!(first, Submitted::Done(_)));
    let seq = hana.snapshot(board).await.unwrap().seq;
    let replay = session.submit(Uuid::now_v7(), create).await.unwrap();
    assert!(matches!(replay, Submitted::Done(_)));
    let after = hana.snapshot(board).await.unwrap();
    assert_eq!(after.seq, seq, "no event for the replay");
    assert_eq!(after.cards.iter().filter(|c| c.id == again_id).count(), 1);

    session.close().await;
    server.stop().await.unwrap();
}
