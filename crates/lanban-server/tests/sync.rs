//! Rooms and events: every committed change reaches every member of its board, in seq order, exactly once,
//! and no one else; the events rebuild the board; failed changes emit nothing.

mod common;

use common::{Socket, TestBoard, TestMember, TestServer, str_of};
use lanban_core::api::Snapshot;
use lanban_core::event::{Event, ServerMessage, close_code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The launch board's seq once Hana has created it and Alice and Bob have joined: `board.created`, then a
/// `member.joined` for each of the three.
const LAUNCH_SEQ_BEFORE_WORK: u64 = 4;
/// What the launch board's log records of the day's work, in order: one change of every kind, by different
/// members, ending with the host removing Bob (his card is unassigned first, and the code he knew is replaced).
const DAYS_WORK: [&str; 16] = [
    "board.updated",
    "column.created",
    "column.created",
    "column.created",
    "column.updated",
    "board.updated",
    "card.created",
    "card.updated",
    "card.created",
    "card.updated",
    "column.updated",
    "column.deleted",
    "room_code.rotated",
    "card.updated",
    "member.removed",
    "room_code.rotated",
];
/// The launch board's seq after the day's work.
const LAUNCH_SEQ_AFTER_WORK: u64 = LAUNCH_SEQ_BEFORE_WORK + DAYS_WORK.len() as u64;
/// The plan card's version at the end: created (1), moved with a description (2), unassigned when Bob left (3).
const PLAN_VERSION_AFTER_WORK: u64 = 3;
/// The garden board's seq once Gus has created it and Carol has joined.
const GARDEN_SEQ_BEFORE_WORK: u64 = 3;

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

/// Applies wire events to a snapshot with the shared mirror logic.
fn mirror(snapshot: &Value, events: &[Value]) -> Snapshot {
    let mut state: Snapshot = serde_json::from_value(snapshot.clone()).unwrap();
    for event in events {
        let ServerMessage::Event(event) =
            serde_json::from_value::<ServerMessage>(event.clone()).unwrap()
        else {
            panic!("not an event: {event}");
        };
        state.apply(&event).unwrap();
    }
    state
}

/// The launch board with Hana (its host), Alice and Bob each watching it.
struct Launch {
    board: TestBoard,
    alice: TestMember,
    bob: TestMember,
    /// The board as it was when everyone opened it.
    start: Value,
    hana_socket: Socket,
    alice_socket: Socket,
    bob_socket: Socket,
}

/// Hana creates the launch board; Alice joins with its code, and Bob with the code typed in lower case without
/// its dash; all three open the board.
async fn open_launch(server: &TestServer) -> Launch {
    let board = server.create_board("Launch", "Hana").await;
    let alice = server.join(&board.room_code, "Alice").await;
    let typed = board.room_code.to_lowercase().replace('-', "");
    let bob = server.join(&typed, "Bob").await;
    let start = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(start["seq"], LAUNCH_SEQ_BEFORE_WORK);
    let hana_socket = server.socket(&board.id, &board.host_token, None).await;
    let alice_socket = server.socket(&board.id, &alice.token, None).await;
    let bob_socket = server.socket(&board.id, &bob.token, None).await;
    for socket in [&hana_socket, &alice_socket, &bob_socket] {
        assert_eq!(socket.hello["seq"], LAUNCH_SEQ_BEFORE_WORK);
        assert_eq!(socket.hello["board_id"], board.id.as_str());
    }
    Launch {
        board,
        alice,
        bob,
        start,
        hana_socket,
        alice_socket,
        bob_socket,
    }
}

/// The day's work on the launch board ([`DAYS_WORK`]); returns the log it left.
async fn do_the_days_work(server: &TestServer, launch: &Launch) -> Vec<Value> {
    let (b, hana) = (&launch.board.id, &launch.board.host_token);
    let (alice, bob) = (&launch.alice, &launch.bob);
    let rename = json!({"name": "Launch v2"});
    server
        .ok(
            Method::PATCH,
            &format!("/api/boards/{b}"),
            &alice.token,
            Some(rename),
        )
        .await;
    let todo = server.add_column(b, &alice.token, "Todo").await;
    let done = server.add_column(b, &bob.token, "Done").await;
    let between = json!({"title": "Doing", "after": todo["id"], "before": done["id"]});
    let columns = format!("/api/boards/{b}/columns");
    let doing = server.ok(Method::POST, &columns, hana, Some(between)).await;
    let done_path = format!("/api/columns/{}", str_of(&done["id"]));
    let shipped = json!({"title": "Shipped"});
    server
        .ok(Method::PATCH, &done_path, &alice.token, Some(shipped))
        .await;
    work_on_cards(server, launch, &str_of(&todo["id"]), &doing).await;
    let rotate = format!("/api/boards/{b}/room-code");
    server.ok(Method::POST, &rotate, hana, None).await;
    // The host removes Bob: his card is unassigned first, then he is removed and his socket closes.
    let remove_bob = format!("/api/boards/{b}/members/{}", bob.id);
    server.ok(Method::DELETE, &remove_bob, hana, None).await;

    let last = server.snapshot(b, hana).await["seq"].as_u64().unwrap();
    assert_eq!(last, LAUNCH_SEQ_AFTER_WORK);
    let since = format!("/api/boards/{b}/events?since={LAUNCH_SEQ_BEFORE_WORK}");
    let log = server.ok(Method::GET, &since, hana, None).await;
    log["events"].as_array().unwrap().clone()
}

/// Bob writes the plan in Todo and Alice moves it to Doing; Alice adds a card and scraps it; Bob deletes Todo.
async fn work_on_cards(server: &TestServer, launch: &Launch, todo: &str, doing: &Value) {
    let (alice, bob) = (&launch.alice.token, &launch.bob.token);
    let docs = json!({"name": "docs", "color": "#3B82F6"});
    let labels = format!("/api/boards/{}/labels", launch.board.id);
    server.ok(Method::POST, &labels, bob, Some(docs)).await;
    let plan = json!({"title": "Write the plan", "labels": [{"name": "docs", "color": "#3B82F6"}],
        "assignee_ids": [launch.bob.id], "due_date": "2026-12-01"});
    let plan = server.add_card(todo, bob, plan).await;
    assert_eq!(plan["labels"][0]["color"], "#3b82f6");
    let move_plan = json!({"column_id": doing["id"], "description": "# Plan\n- one", "version": 1});
    let plan_path = format!("/api/cards/{}", str_of(&plan["id"]));
    server
        .ok(Method::PATCH, &plan_path, alice, Some(move_plan))
        .await;
    let scrap = server
        .add_card(todo, alice, json!({"title": "Scrap"}))
        .await;
    let scrap_path = format!("/api/cards/{}", str_of(&scrap["id"]));
    server.ok(Method::DELETE, &scrap_path, alice, None).await;
    let todo_path = format!("/api/columns/{todo}");
    server.ok(Method::DELETE, &todo_path, bob, None).await;
    // Both went to the trash; the host empties it: the column goes for good, the card with it.
    let trash = format!("/api/boards/{}/trash", launch.board.id);
    server
        .ok(Method::DELETE, &trash, &launch.board.host_token, None)
        .await;
}

#[tokio::test]
async fn every_member_sees_every_kind_of_change_once_and_in_seq_order() {
    let server = TestServer::start().await;
    let mut launch = open_launch(&server).await;

    let log = do_the_days_work(&server, &launch).await;

    // The log holds the day's work with consecutive seqs after the board's start.
    assert_eq!(kinds(&log), DAYS_WORK);
    assert_eq!(
        seqs(&log),
        (LAUNCH_SEQ_BEFORE_WORK + 1..=LAUNCH_SEQ_AFTER_WORK).collect::<Vec<_>>()
    );
    // Hana and Alice each saw exactly the log, in order, once; Bob the same up to his removal (the code that
    // replaced the one he knew never reached him).
    for socket in [&mut launch.hana_socket, &mut launch.alice_socket] {
        let seen = socket.events_until(LAUNCH_SEQ_AFTER_WORK).await;
        assert_eq!(seen, log);
    }
    let seen = launch
        .bob_socket
        .events_until(LAUNCH_SEQ_AFTER_WORK - 1)
        .await;
    assert_eq!(seen, log[..log.len() - 1]);
}

#[tokio::test]
async fn the_events_rebuild_the_board_exactly() {
    let server = TestServer::start().await;
    let launch = open_launch(&server).await;

    let log = do_the_days_work(&server, &launch).await;

    // A client that applies the log to the board it opened has the board as the server has it.
    let (b, hana) = (&launch.board.id, &launch.board.host_token);
    let now: Snapshot = serde_json::from_value(server.snapshot(b, hana).await).unwrap();
    assert_eq!(mirror(&launch.start, &log), now);
    assert_eq!(now.members.len(), 2, "Hana and Alice remain");
    assert_eq!(now.cards.len(), 1);
    assert_eq!(now.cards[0].version, PLAN_VERSION_AFTER_WORK);
    let titles: Vec<&str> = now.columns.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Doing", "Shipped"]);
}

#[tokio::test]
async fn a_removed_member_loses_their_cards_and_is_closed_out() {
    let server = TestServer::start().await;
    let mut launch = open_launch(&server).await;

    do_the_days_work(&server, &launch).await;

    // Bob's socket got everything up to his removal, then was closed for him: the new room code never reached it.
    let seen = launch
        .bob_socket
        .events_until(LAUNCH_SEQ_AFTER_WORK - 1)
        .await;
    assert_eq!(seen[seen.len() - 1]["kind"], "member.removed");
    let frame = launch
        .bob_socket
        .close_frame()
        .await
        .expect("a close frame");
    assert_eq!(u16::from(frame.code), close_code::MEMBER_REMOVED);
    // The plan he was assigned has no assignee now.
    let (b, hana) = (&launch.board.id, &launch.board.host_token);
    let now: Snapshot = serde_json::from_value(server.snapshot(b, hana).await).unwrap();
    assert_eq!(
        now.cards[0].assignee_ids,
        [],
        "Bob's card was unassigned when he left"
    );
}

#[tokio::test]
async fn a_member_of_another_board_sees_none_of_it() {
    let server = TestServer::start().await;
    // Gus hosts the garden board, where Carol is watching.
    let garden = server.create_board("Garden", "Gus").await;
    let carol = server.join(&garden.room_code, "Carol").await;
    let mut carol_socket = server.socket(&garden.id, &carol.token, None).await;
    let launch = open_launch(&server).await;

    do_the_days_work(&server, &launch).await;

    // Carol's next event is her own board's next change.
    server.add_column(&garden.id, &carol.token, "Ideas").await;
    let first = carol_socket.next_event().await;
    assert_eq!(first["kind"], "column.created");
    assert_eq!(
        first["seq"],
        GARDEN_SEQ_BEFORE_WORK + 1,
        "garden: board.created, Gus joined, Carol joined, then this"
    );
}

#[tokio::test]
async fn a_failed_mutation_emits_nothing_and_changes_nothing() {
    const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
    let server = TestServer::start().await;
    let board = server.create_board("Ops", "Olga").await;
    let other = server.create_board("Elsewhere", "Eve").await;
    let token = board.host_token.clone();
    let todo = server.add_column(&board.id, &token, "Todo").await;
    let todo_id = str_of(&todo["id"]);
    let card = server
        .add_card(&todo_id, &token, json!({"title": "Keep"}))
        .await;
    let card_id = str_of(&card["id"]);
    let theirs = server
        .add_column(&other.id, &other.host_token, "Theirs")
        .await;
    let their_card = server
        .add_card(
            &str_of(&theirs["id"]),
            &other.host_token,
            json!({"title": "x"}),
        )
        .await;
    let mut socket = server.socket(&board.id, &token, None).await;
    let before = server.snapshot(&board.id, &token).await;

    let new_card = format!("/api/columns/{todo_id}/cards");
    let the_card = format!("/api/cards/{card_id}");
    let the_column = format!("/api/columns/{todo_id}");
    let the_board = format!("/api/boards/{}", board.id);
    let their_card_path = format!("/api/cards/{}", str_of(&their_card["id"]));
    let remove_host = format!("/api/boards/{}/members/{}", board.id, board.host_member);
    let bad_label = json!({"title": "a", "labels": [{"name": "x", "color": "red"}]});
    // One refusal a line: a table reads better than rustfmt's five lines a tuple.
    #[rustfmt::skip]
    let refused: Vec<(Method, &str, Value, StatusCode)> = vec![
        (Method::POST, &new_card, json!({"title": "  "}), INVALID),
        (Method::POST, &new_card, bad_label, INVALID),
        (Method::POST, &new_card, json!({"title": "a", "after": their_card["id"]}), INVALID),
        (Method::POST, &new_card, json!({"title": "a", "assignee_ids": [other.host_member]}), INVALID),
        (Method::PATCH, &the_card, json!({"column_id": theirs["id"]}), INVALID),
        (Method::PATCH, &the_card, json!({"title": "new", "version": 7}), StatusCode::CONFLICT),
        (Method::PATCH, &the_card, json!({"title": "new", "bogus": 1}), INVALID),
        (Method::PATCH, &the_card, json!({"title": null}), INVALID),
        (Method::PATCH, &the_card, json!({"due_date": "2026-13-01"}), INVALID),
        (Method::PATCH, &the_column, json!({"title": "x".repeat(201)}), INVALID),
        (Method::PATCH, &the_board, json!({"name": "a\u{0}b"}), INVALID),
        (Method::DELETE, &their_card_path, Value::Null, StatusCode::NOT_FOUND),
        (Method::DELETE, &remove_host, Value::Null, INVALID),
    ];
    for (method, path, body, want) in refused {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = server.call(method.clone(), path, Some(&token), body).await;
        assert_eq!(status, want, "{method} {path}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    assert_eq!(server.snapshot(&board.id, &token).await, before);

    // The next event anyone sees is the next successful change, with the next seq.
    let keep = json!({"title": "Kept", "version": 1});
    server
        .ok(Method::PATCH, &the_card, &token, Some(keep))
        .await;
    let event = socket.next_event().await;
    assert_eq!(event["kind"], "card.updated");
    assert_eq!(event["seq"], before["seq"].as_u64().unwrap() + 1);
    assert_eq!(event["data"]["version"], 2);
}

#[tokio::test]
async fn events_are_typed_the_same_on_both_paths() {
    let server = TestServer::start().await;
    let board = server.create_board("Typed", "Ty").await;
    let page = server
        .ok(
            Method::GET,
            &format!("/api/boards/{}/events", board.id),
            &board.host_token,
            None,
        )
        .await;
    let page: lanban_core::api::EventsPage = serde_json::from_value(page).unwrap();
    assert_eq!(page.seq, 2);
    let kinds: Vec<&str> = page
        .events
        .iter()
        .map(|e: &Event| e.change.kind())
        .collect();
    assert_eq!(kinds, ["board.created", "member.joined"]);
    assert_eq!(page.events[0].actor.to_string(), board.host_member);
}
