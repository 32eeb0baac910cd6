//! The outbox against a real server: changes made while the host is away are kept (across a restart of the
//! app), sent in order when it returns, merged with teammates' changes to other fields, and listed as failed when
//! they collide, for the person to apply again or discard. Nothing is applied twice.

mod common;

use common::{PATIENCE, card, changes_until, join, quick, start};
use lanban_client::replica::{HostKey, Replica};
use lanban_client::{
    Api, BoardSession, ChangeState, ConnectionState, PendingChange, ReplicaSlot, Submitted,
};
use lanban_core::api::{CreateCard, CreateColumn, ErrorCode, UpdateCard};
use lanban_core::ids::{BoardId, CardId, ColumnId};
use lanban_core::model::Card;
use lanban_core::mutation::Mutation;
use lanban_server::RunningServer;
use uuid::Uuid;

fn retitle(card: CardId, title: &str) -> Mutation {
    Mutation::UpdateCard {
        card,
        patch: Box::new(retitled(title)),
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

fn retitled(title: &str) -> UpdateCard {
    UpdateCard {
        title: Some(Some(title.into())),
        ..Default::default()
    }
}

/// Hana's board (a Todo column with Plan, Venue and Old idea) on a server in a temp dir, and Bea joined, with a
/// replica of her own.
struct Launch {
    dir: tempfile::TempDir,
    server: Option<RunningServer>,
    addr: std::net::SocketAddr,
    board: BoardId,
    todo: ColumnId,
    hana: Api,
    bea: Api,
    slot: ReplicaSlot,
    plan: Card,
    venue: Card,
    old: Card,
    _copies: tempfile::TempDir,
}

async fn launch() -> Launch {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let url = server.url();
    let host = Api::new(&url).unwrap().with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board: BoardId = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = CreateColumn {
        title: "Todo".into(),
        ..Default::default()
    };
    let todo = hana.create_column(board, &todo).await.unwrap().id;
    let (plan, venue, old) = (
        card(&hana, todo, "Plan").await,
        card(&hana, todo, "Venue").await,
        card(&hana, todo, "Old idea").await,
    );
    let (bea, _) = join(&url, &created.room_code.to_string(), "Bea").await;
    let copies = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(copies.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{}", server.addr)),
    };
    let addr = server.addr;
    Launch {
        dir,
        server: Some(server),
        addr,
        board,
        todo,
        hana,
        bea,
        slot,
        plan,
        venue,
        old,
        _copies: copies,
    }
}

impl Launch {
    /// Bea opens the board (from her copy once she has one) and, if the host is up, waits until connected.
    async fn open(&self) -> BoardSession {
        let session =
            BoardSession::open_replicated(self.bea.clone(), self.board, quick(), self.slot.clone())
                .await
                .unwrap();
        if self.server.is_some() {
            session
                .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
                .await
                .unwrap();
        }
        session
    }

    /// The host's computer goes away.
    async fn host_leaves(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }

    /// It comes back, on the same address with the same data.
    async fn host_returns(&mut self) {
        self.server = Some(start(self.dir.path(), self.addr).await);
    }

    /// Bea makes these changes while the host is away: each is kept, none answered.
    async fn offline(&self, session: &BoardSession, changes: Vec<Mutation>) {
        session
            .wait_for_connection(|s| *s != ConnectionState::Connected, PATIENCE)
            .await
            .unwrap();
        for mutation in changes {
            let queued = session.submit(Uuid::now_v7(), mutation).await.unwrap();
            assert_eq!(queued, Submitted::Queued);
        }
    }

    async fn titles(&self) -> Vec<String> {
        let now = self.hana.snapshot(self.board).await.unwrap();
        // The cards on the board (a deleted card is in the trash).
        now.cards
            .into_iter()
            .filter(|c| c.is_live())
            .map(|c| c.title)
            .collect()
    }
}

#[tokio::test]
async fn changes_made_while_the_host_is_away_survive_the_app_closing_and_land_once_merged() {
    let mut launch = launch().await;
    let session = launch.open().await;
    // Online, a change is answered at once.
    let online = session
        .submit(Uuid::now_v7(), retitle(launch.venue.id, "Venue booked"))
        .await;
    assert!(matches!(online, Ok(Submitted::Done(_))));

    // The host goes away. Bea adds a card and edits it, retitles Plan, and deletes the old idea.
    launch.host_leaves().await;
    let (badges, create) = new_card(launch.todo, "Badges");
    let changes = vec![
        create,
        retitle(badges, "Print badges"),
        retitle(launch.plan.id, "Plan (Bea)"),
        Mutation::DeleteCard {
            card: launch.old.id,
        },
    ];
    launch.offline(&session, changes).await;
    assert_eq!(session.changes().len(), 4);

    // Bea's app is closed (the session dropped without a goodbye): the changes are kept on disk, in order.
    drop(session);
    assert_eq!(
        launch
            .slot
            .replica
            .pending(&launch.slot.host, launch.board)
            .unwrap()
            .len(),
        4
    );

    // The host returns; Hana sets Plan's due date (another field than Bea's: merged). Bea opens the board again:
    // her outbox drains in order, and nothing is applied twice.
    launch.host_returns().await;
    let due = UpdateCard {
        due_date: Some(Some("2026-12-24".into())),
        ..Default::default()
    };
    launch.hana.update_card(launch.plan.id, &due).await.unwrap();
    let session = launch.open().await;
    changes_until(&session, <[PendingChange]>::is_empty).await;
    assert_eq!(
        launch.titles().await,
        ["Plan (Bea)", "Venue booked", "Print badges"]
    );
    let now = launch.hana.snapshot(launch.board).await.unwrap();
    let plan = now.cards.iter().find(|c| c.id == launch.plan.id).unwrap();
    assert_eq!(
        plan.due_date.as_deref(),
        Some("2026-12-24"),
        "Hana's due date kept"
    );
    session.close().await;
}

#[tokio::test]
async fn a_change_colliding_with_a_teammates_waits_for_the_person_even_across_a_restart() {
    let mut launch = launch().await;
    let session = launch.open().await;
    launch.host_leaves().await;
    launch
        .offline(
            &session,
            vec![retitle(launch.venue.id, "Venue: the old mill")],
        )
        .await;
    drop(session);

    // While Bea's app is closed, Hana retitles Venue too (the same field).
    launch.host_returns().await;
    let theirs = launch
        .hana
        .update_card(launch.venue.id, &retitled("Venue: the town hall"))
        .await
        .unwrap();

    // Bea's change is not sent: it is listed as failed, with the card as it is now; Hana's title stands.
    let session = launch.open().await;
    let failed = changes_until(&session, |c| {
        matches!(
            c.first().map(|c| &c.state),
            Some(ChangeState::Failed { .. })
        )
    })
    .await;
    let ChangeState::Failed {
        current: Some(current),
        ..
    } = &failed[0].state
    else {
        panic!("the collision is listed as failed: {failed:?}");
    };
    assert_eq!(current.title, theirs.title);
    assert!(launch.titles().await.contains(&theirs.title));

    // Kept across another restart, with why and the card as it is.
    session.close().await;
    let session = launch.open().await;
    let kept = session.changes();
    assert!(matches!(
        &kept[..],
        [PendingChange { state: ChangeState::Failed { code: Some(ErrorCode::VersionConflict), current: Some(card), .. }, .. }]
            if card.title == theirs.title
    ));

    // Bea applies hers again on top: it lands, and the list is empty.
    let again = session.apply_again(kept[0].key).await.unwrap();
    assert!(matches!(again, Submitted::Done(_)));
    changes_until(&session, <[PendingChange]>::is_empty).await;
    assert!(
        launch
            .titles()
            .await
            .contains(&"Venue: the old mill".to_owned())
    );
    session.close().await;
}

#[tokio::test]
async fn a_create_sent_again_long_after_with_a_new_key_applies_nothing_twice() {
    let launch = launch().await;
    let session = launch.open().await;
    // Its first answer was lost long ago (beyond the server's idempotency horizon): the host knows the id.
    let (id, create) = new_card(launch.todo, "Once only");
    let first = session
        .submit(Uuid::now_v7(), create.clone())
        .await
        .unwrap();
    assert!(matches!(first, Submitted::Done(_)));
    let seq = launch.hana.snapshot(launch.board).await.unwrap().seq;
    let replay = session.submit(Uuid::now_v7(), create).await.unwrap();
    assert!(matches!(replay, Submitted::Done(_)));
    let after = launch.hana.snapshot(launch.board).await.unwrap();
    assert_eq!(after.seq, seq, "no event for the replay");
    assert_eq!(after.cards.iter().filter(|c| c.id == id).count(), 1);
    session.close().await;
}

/// A person retitling one card again and again, each edit made as the host's event for the one before arrives: the
/// base each edit is drawn on (the card as the person sees it) and the card it is checked against before it goes
/// (the card as the host has it) are each read whole, so the person's own edit is never taken for a teammate's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_editing_as_their_last_edit_lands_never_collides_with_themselves() {
    let launch = launch().await;
    let session = launch.open().await;
    let rounds = 300;
    for round in 0..rounds {
        let title = format!("Plan, take {round}");
        let answer = session
            .submit(Uuid::now_v7(), retitle(launch.plan.id, &title))
            .await;
        assert!(
            matches!(answer, Ok(Submitted::Done(_))),
            "take {round} was answered {answer:?}"
        );
    }
    changes_until(&session, <[PendingChange]>::is_empty).await;
    assert_eq!(
        launch.titles().await,
        [
            format!("Plan, take {}", rounds - 1).as_str(),
            "Venue",
            "Old idea"
        ]
    );
    session.close().await;
}
