//! Archive and trash (docs/protocol.md §6.11, §6.12, §6.14, §6.15, §6.32), over real HTTP and sockets: a card archived
//! or deleted leaves the board and comes back; a column deleted takes its cards to the trash and brings them back
//! with it; a card restored while its column is in the trash goes to the first column on the board; the host empties
//! the trash (a member may not); the trash is emptied by age, read on a clock the test controls.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use common::{PATIENCE, TestServer, str_of};
use lanban_server::config::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The ids of the cards a snapshot has on the board: neither archived nor in the trash, in a column that is neither.
fn on_board(snapshot: &Value) -> Vec<String> {
    let live = |v: &Value| v.get("archived_at").is_none() && v.get("trashed_at").is_none();
    let columns: Vec<&Value> = snapshot["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| live(c))
        .collect();
    snapshot["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .filter(|c| live(c) && columns.iter().any(|col| col["id"] == c["column_id"]))
        .map(|c| str_of(&c["title"]))
        .collect()
}

/// `DELETE path` as `token`: the status.
async fn delete(server: &TestServer, path: &str, token: &str) -> StatusCode {
    server.call(Method::DELETE, path, Some(token), None).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archived_and_deleted_cards_and_columns_come_back() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let todo = str_of(&server.add_column(&board.id, &bea.token, "Todo").await["id"]);
    let done = str_of(&server.add_column(&board.id, &bea.token, "Done").await["id"]);
    let mut cards = vec![];
    for title in ["Write", "Test", "Ship"] {
        let card = server
            .add_card(&todo, &bea.token, json!({"title": title}))
            .await;
        cards.push(str_of(&card["id"]));
    }
    server
        .add_card(&done, &bea.token, json!({"title": "Plan"}))
        .await;
    let mut hana = server.socket(&board.id, &board.host_token, None).await;
    let at = hana.hello["seq"].as_u64().expect("seq");

    // Bea archives "Write": it leaves the board (a card.updated carrying archived_at) and comes back where it was.
    let write = format!("/api/cards/{}", cards[0]);
    let archived = server
        .ok(
            Method::PATCH,
            &write,
            &bea.token,
            Some(json!({"archived": true})),
        )
        .await;
    assert!(archived["archived_at"].is_string(), "{archived}");
    let event = hana.next_event().await;
    assert_eq!(
        (
            event["seq"].as_u64(),
            event["kind"].clone(),
            event["data"].clone()
        ),
        (Some(at + 1), json!("card.updated"), archived.clone())
    );
    // Archiving it again changes nothing and tells nobody.
    let again = server
        .ok(
            Method::PATCH,
            &write,
            &bea.token,
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(again, archived);
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    assert_eq!(on_board(&snapshot), ["Test", "Ship", "Plan"]);
    assert_eq!(snapshot["seq"].as_u64(), Some(at + 1));
    let back = server
        .ok(
            Method::PATCH,
            &write,
            &bea.token,
            Some(json!({"archived": false})),
        )
        .await;
    assert!(back.get("archived_at").is_none(), "{back}");
    assert_eq!(back["position"], archived["position"]);
    hana.next_event().await;

    // Bea deletes "Test": it goes to the trash, and comes back with Undo (a PATCH with trashed: false).
    let test = format!("/api/cards/{}", cards[1]);
    let status = delete(&server, &test, &bea.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let event = hana.next_event().await;
    assert_eq!(event["kind"], "card.updated");
    assert!(event["data"]["trashed_at"].is_string(), "{event}");
    // Deleting it again is no change.
    let status = delete(&server, &test, &bea.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        on_board(&server.snapshot(&board.id, &bea.token).await),
        ["Write", "Ship", "Plan"]
    );
    server
        .ok(
            Method::PATCH,
            &test,
            &bea.token,
            Some(json!({"trashed": false})),
        )
        .await;
    hana.next_event().await;
    assert_eq!(
        on_board(&server.snapshot(&board.id, &bea.token).await),
        ["Write", "Test", "Ship", "Plan"]
    );

    // Bea deletes the column Todo: its cards go to the trash with it (one event, the column's), nothing is lost...
    let status = delete(&server, &format!("/api/columns/{todo}"), &bea.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let event = hana.next_event().await;
    assert_eq!(event["kind"], "column.updated");
    assert!(event["data"]["trashed_at"].is_string(), "{event}");
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    assert_eq!(on_board(&snapshot), ["Plan"]);
    assert_eq!(snapshot["cards"].as_array().map(Vec::len), Some(4));
    // ...a card cannot be moved into it...
    let (status, refused) = server
        .call(
            Method::PATCH,
            &format!("/api/cards/{}", cards[2]),
            Some(&bea.token),
            Some(json!({"column_id": todo})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "column_id");
    // ...and restoring the column brings every card back in its place.
    server
        .ok(
            Method::PATCH,
            &format!("/api/columns/{todo}"),
            &bea.token,
            Some(json!({"trashed": false})),
        )
        .await;
    assert_eq!(
        on_board(&server.snapshot(&board.id, &bea.token).await),
        ["Write", "Test", "Ship", "Plan"]
    );

    // "Ship" deleted on its own, then its column: restoring the card alone puts it at the end of Done, the first
    // column on the board.
    let ship = format!("/api/cards/{}", cards[2]);
    delete(&server, &ship, &bea.token).await;
    delete(&server, &format!("/api/columns/{todo}"), &bea.token).await;
    let restored = server
        .ok(
            Method::PATCH,
            &ship,
            &bea.token,
            Some(json!({"trashed": false})),
        )
        .await;
    assert_eq!(restored["column_id"], json!(done), "{restored}");
    assert_eq!(
        on_board(&server.snapshot(&board.id, &bea.token).await),
        ["Plan", "Ship"]
    );
    // With no column left on the board, a card cannot come back without one (nothing is written).
    delete(&server, &format!("/api/columns/{done}"), &bea.token).await;
    delete(&server, &ship, &bea.token).await;
    let seq = server.snapshot(&board.id, &bea.token).await["seq"].clone();
    let (status, refused) = server
        .call(
            Method::PATCH,
            &ship,
            Some(&bea.token),
            Some(json!({"trashed": false})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(server.snapshot(&board.id, &bea.token).await["seq"], seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_empties_the_trash_for_good() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let todo = str_of(&server.add_column(&board.id, &bea.token, "Todo").await["id"]);
    let done = str_of(&server.add_column(&board.id, &bea.token, "Done").await["id"]);
    let kept = str_of(
        &server
            .add_card(&done, &bea.token, json!({"title": "Kept"}))
            .await["id"],
    );
    let lost = str_of(
        &server
            .add_card(&done, &bea.token, json!({"title": "Lost"}))
            .await["id"],
    );
    server
        .add_card(&todo, &bea.token, json!({"title": "In Todo"}))
        .await;
    delete(&server, &format!("/api/cards/{lost}"), &bea.token).await;
    delete(&server, &format!("/api/columns/{todo}"), &bea.token).await;
    let mut hana = server.socket(&board.id, &board.host_token, None).await;

    // A member may not empty the trash.
    let trash = format!("/api/boards/{}/trash", board.id);
    assert_eq!(
        delete(&server, &trash, &bea.token).await,
        StatusCode::FORBIDDEN
    );
    // The host does: the column (with its card), then the card, each deleted for good with its event.
    let status = delete(&server, &trash, &board.host_token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let first = hana.next_event().await;
    let second = hana.next_event().await;
    assert_eq!(
        [
            (first["kind"].clone(), first["data"]["id"].clone()),
            (second["kind"].clone(), second["data"]["id"].clone())
        ],
        [
            (json!("column.deleted"), json!(todo)),
            (json!("card.deleted"), json!(lost))
        ]
    );
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    let titles: Vec<String> = snapshot["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| str_of(&c["title"]))
        .collect();
    assert_eq!(titles, ["Kept"]);
    assert_eq!(snapshot["columns"].as_array().map(Vec::len), Some(1));
    // Gone for good: restoring answers 410.
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/cards/{lost}"),
            Some(&bea.token),
            Some(json!({"trashed": false})),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    // An empty trash emptied again is no change.
    let seq = snapshot["seq"].clone();
    delete(&server, &trash, &board.host_token).await;
    assert_eq!(server.snapshot(&board.id, &bea.token).await["seq"], seq);
    assert_eq!(kept.len(), 36);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trash_is_emptied_after_thirty_days_on_the_clock() {
    // The trash's clock is the system's plus an offset the test moves.
    let offset = Arc::new(AtomicI64::new(0));
    let clock = {
        let offset = offset.clone();
        Clock::new(move || {
            time::OffsetDateTime::now_utc() + time::Duration::seconds(offset.load(Ordering::SeqCst))
        })
    };
    let server = TestServer::start_with(move |config| {
        config.compaction.every = Duration::from_millis(50);
        config.trash.clock = clock;
    })
    .await;
    let board = server.create_board("Launch", "Hana").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let card = str_of(
        &server
            .add_card(&column, &board.host_token, json!({"title": "Old"}))
            .await["id"],
    );
    delete(&server, &format!("/api/cards/{card}"), &board.host_token).await;
    let mut socket = server.socket(&board.id, &board.host_token, None).await;

    // 29 days on, it is still in the trash (many looks later).
    offset.store(29 * 24 * 3600, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["cards"].as_array().map(Vec::len), Some(1));
    // 31 days on, it is deleted for good, in the host's name.
    offset.store(31 * 24 * 3600, Ordering::SeqCst);
    let event = tokio::time::timeout(PATIENCE, socket.next_event())
        .await
        .expect("the old trash was emptied");
    assert_eq!(
        (event["kind"].clone(), event["data"]["id"].clone()),
        (json!("card.deleted"), json!(card))
    );
    assert_eq!(event["actor"], json!(board.host_member));
    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["cards"], json!([]));
}
