//! A change the connected host answers but does not run (here: it rate-limits the member) waits in the outbox with
//! the host's reason, so the app can say why; it goes once the host takes it, the reason with it, applied once.

mod common;

use std::sync::Arc;

use common::{PATIENCE, changes_until, column, join, quick};
use lanban_client::{Api, BoardSession, ChangeState, ConnectionState, PendingChange};
use lanban_core::api::{CreateCard, ErrorCode};
use lanban_core::ids::ColumnId;
use lanban_core::mutation::Mutation;
use lanban_server::RunningServer;
use uuid::Uuid;

/// Changes one member may make in a minute on this test's server.
const BUDGET: usize = 3;

async fn start(dir: &std::path::Path, addr: std::net::SocketAddr) -> RunningServer {
    let mut config = common::config(dir);
    config.changes_per_minute = BUDGET;
    RunningServer::start(config, addr)
        .await
        .expect("server starts")
}

fn create(column: ColumnId, title: &str) -> Mutation {
    Mutation::CreateCard {
        column,
        card: CreateCard {
            title: title.into(),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn a_change_the_host_does_not_run_for_now_waits_with_its_reason_and_goes_once_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let (url, addr) = (server.url(), server.addr);
    let host = Api::new(&url).unwrap().with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let board = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = column(&hana, board, "Todo").await.id;
    let (bea, _) = join(&url, &created.room_code.to_string(), "Bea").await;
    let session = Arc::new(BoardSession::open_with(bea, board, quick()).await.unwrap());
    session
        .wait_for_connection(|s| *s == ConnectionState::Connected, PATIENCE)
        .await
        .unwrap();

    // Bea's first changes use up what the host takes from her in a minute; the next waits, and says why.
    for i in 0..BUDGET {
        let title = format!("Card {i}");
        session
            .submit(Uuid::now_v7(), create(todo, &title))
            .await
            .unwrap();
    }
    let over = Uuid::now_v7();
    let waiting = {
        let session = Arc::clone(&session);
        tokio::spawn(async move { session.submit(over, create(todo, "One too many")).await })
    };
    let held = changes_until(&session, |c| c.iter().any(|c| c.held.is_some())).await;
    let [change] = held.as_slice() else {
        panic!("one change waits: {held:#?}");
    };
    assert_eq!(change.key, over);
    assert_eq!(change.state, ChangeState::Queued);
    let reason = change.held.as_ref().unwrap();
    assert_eq!(reason.status, 429);
    assert_eq!(reason.code, Some(ErrorCode::RateLimited));
    assert!(!reason.message.is_empty());
    // Still connected: the host is there, it only does not take the change for now.
    assert_eq!(*session.connection().borrow(), ConnectionState::Connected);

    // The host restarts (its budgets start over): the change goes, once, and neither it nor its reason is listed.
    server.stop().await.unwrap();
    let server = start(dir.path(), addr).await;
    changes_until(&session, <[PendingChange]>::is_empty).await;
    waiting.await.unwrap().unwrap();
    let now = hana.snapshot(board).await.unwrap();
    let titles: Vec<_> = now.cards.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Card 0", "Card 1", "Card 2", "One too many"]);
    let Ok(session) = Arc::try_unwrap(session) else {
        panic!("the session is still shared");
    };
    session.close().await;
    server.stop().await.unwrap();
}
