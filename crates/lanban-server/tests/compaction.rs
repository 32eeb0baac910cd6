//! A board's event log is compacted behind a snapshot (docs/protocol.md §6.22, §11): not before every current
//! member has passed the events (or they are older than the horizon), never into the newest ones kept; what
//! is left, from the base on, makes the board exactly; asking for compacted events is `410 history_compacted` on
//! HTTP and a resync on the socket; and a compacted board travels in a package with its base.

mod common;

use std::time::Duration;

use common::{PATIENCE, TestServer, str_of};
use lanban_core::api::{LogBase, Snapshot};
use lanban_core::event::{Event, close_code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Events always kept in these tests.
const KEEP: u64 = 4;

async fn server(horizon: Duration) -> TestServer {
    TestServer::start_with(|config| {
        config.compaction.every = Duration::from_millis(50);
        config.compaction.keep = KEEP;
        config.compaction.horizon = horizon;
    })
    .await
}

async fn log_base(server: &TestServer, board: &str, token: &str) -> LogBase {
    let value = server
        .ok(
            Method::GET,
            &format!("/api/boards/{board}/log-base"),
            token,
            None,
        )
        .await;
    serde_json::from_value(value).expect("a log base")
}

/// Waits until the board's log base is at `seq`.
async fn base_reaches(server: &TestServer, board: &str, token: &str, seq: u64) -> LogBase {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let base = log_base(server, board, token).await;
            if base.seq >= seq {
                return base;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the log was compacted")
}

/// The events after `since`, all pages.
async fn events_after(server: &TestServer, board: &str, token: &str, since: u64) -> Vec<Event> {
    let page = server
        .ok(
            Method::GET,
            &format!("/api/boards/{board}/events?since={since}"),
            token,
            None,
        )
        .await;
    let events: Vec<Value> = serde_json::from_value(page["events"].clone()).expect("events");
    events
        .into_iter()
        .map(|e| serde_json::from_value(e).expect("an event"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_compacted_once_every_member_passed_it_and_still_makes_the_board() {
    let mut server = server(Duration::from_secs(365 * 24 * 60 * 60)).await;
    let board = server.create_board("Launch", "Hana").await;
    let member = server.join(&board.room_code, "Bea").await;
    let column = server
        .add_column(&board.id, &board.host_token, "Todo")
        .await;
    let column = str_of(&column["id"]);
    for i in 0..12 {
        server
            .add_card(
                &column,
                &board.host_token,
                json!({"title": format!("Card {i}")}),
            )
            .await;
    }
    let head = server.snapshot(&board.id, &board.host_token).await["seq"]
        .as_u64()
        .expect("seq");

    // Bea has a socket open (she is sent everything), Hana has said nothing: nothing is compacted.
    let mut bea = server.socket(&board.id, &member.token, Some(head)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(log_base(&server, &board.id, &member.token).await.seq, 0);
    assert_eq!(
        events_after(&server, &board.id, &board.host_token, 0)
            .await
            .len() as u64,
        head
    );

    // Hana's copy catches up: now everyone has passed the head, and all but the newest KEEP events go.
    events_after(&server, &board.id, &board.host_token, head).await;
    let base = base_reaches(&server, &board.id, &member.token, head - KEEP).await;
    assert_eq!(base.seq, head - KEEP);
    let at_base = base.snapshot.expect("the board at the base");
    assert_eq!(at_base.seq, base.seq);

    // The base and what is left make the board; what went is `410 history_compacted`.
    let (status, error) = server
        .call(
            Method::GET,
            &format!("/api/boards/{}/events?since=0", board.id),
            Some(&member.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{error}");
    assert_eq!(error["error"]["code"], "history_compacted");
    let rest = events_after(&server, &board.id, &member.token, base.seq).await;
    assert_eq!(rest.len() as u64, KEEP);
    let mut made: Snapshot = at_base;
    for event in &rest {
        made.apply(event).expect("applies");
    }
    let now: Snapshot =
        serde_json::from_value(server.snapshot(&board.id, &member.token).await).expect("snapshot");
    assert_eq!(made, now);

    // A socket asking for compacted events is told to take a snapshot; the open one goes on as if nothing
    // happened, and a new event reaches it with the next seq.
    let mut behind = server.socket(&board.id, &member.token, Some(1)).await;
    let resync = behind.next_json().await;
    assert_eq!(resync["type"], "resync", "{resync}");
    let frame = behind.close_frame().await.expect("a close frame");
    assert_eq!(u16::from(frame.code), close_code::RESYNC);
    server
        .add_card(&column, &board.host_token, json!({"title": "After"}))
        .await;
    assert_eq!(bea.next_event().await["seq"], head + 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_older_than_the_horizon_go_whoever_has_not_seen_them_and_a_package_carries_the_base()
{
    let mut server = server(Duration::ZERO).await;
    let board = server.create_board("Launch", "Hana").await;
    server.join(&board.room_code, "Bea").await;
    let column = server
        .add_column(&board.id, &board.host_token, "Todo")
        .await;
    let column = str_of(&column["id"]);
    let mut last = Value::Null;
    for i in 0..8 {
        last = server
            .add_card(
                &column,
                &board.host_token,
                json!({"title": format!("Card {i}")}),
            )
            .await;
    }
    server
        .ok(
            Method::DELETE,
            &format!("/api/cards/{}", str_of(&last["id"])),
            &board.host_token,
            None,
        )
        .await;
    let head = server.snapshot(&board.id, &board.host_token).await["seq"]
        .as_u64()
        .expect("seq");
    // Nobody reported anything, but every event is older than a zero horizon.
    let base = base_reaches(&server, &board.id, &board.host_token, head - KEEP).await;
    assert_eq!(base.seq, head - KEEP);

    // The board's package holds the base and the events after it; another server imports it as it is.
    let mut conn =
        lanban_server::store::portable::open_for_cli(server.dir.path()).expect("the database");
    let export =
        lanban_server::store::portable::export_board(&mut conn, board.id.parse().expect("id"))
            .expect("exported");
    drop(conn);
    let exported = serde_json::to_value(&export).expect("JSON");
    assert_eq!(exported["base"]["seq"], base.seq);
    assert_eq!(
        exported["events"].as_array().expect("events").len() as u64,
        head - base.seq
    );
    let other = TestServer::start().await;
    let (status, imported) = other
        .call(
            Method::POST,
            "/api/boards/import",
            Some(&other.host_token),
            Some(exported.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let there = log_base(&other, &board.id, &other.host_token).await;
    assert_eq!(there.seq, base.seq);

    // A package whose log does not follow its base is refused, nothing written.
    let mut broken = exported;
    broken["base"]["seq"] = json!(base.seq - 1);
    let third = TestServer::start().await;
    let (status, error) = third
        .call(
            Method::POST,
            "/api/boards/import",
            Some(&third.host_token),
            Some(broken),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, _) = third
        .call(
            Method::GET,
            &format!("/api/boards/{}", board.id),
            Some(&third.host_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
