//! Hostile input: arbitrary bytes and arbitrary JSON sent to every mutation route get a 2xx or a 4xx JSON error
//! with a stable code, never a 5xx or a hang, and a refused request changes nothing.

mod common;

use common::{TestServer, str_of};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Map, Number, Value, json};

/// Text that tries hard: SQL, control characters, quotes, emoji, right-to-left marks, huge and empty strings.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("'; DROP TABLE cards; --".to_owned()),
        Just("\u{0}\u{1}\u{7f}\u{1b}[31m".to_owned()),
        Just("\"\\\u{2028}\u{202e}🎉👩‍👩‍👧".to_owned()),
        Just(String::new()),
        Just("x".repeat(70_000)),
        "\\PC{0,80}",
        ".{0,300}",
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        Just(json!(1e308)),
        Just(json!(u64::MAX)),
        nasty_text().prop_map(Value::String),
        Just(json!("0190f0e0-0000-7000-8000-000000000000")),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("title".to_owned()),
                    Just("name".to_owned()),
                    Just("description".to_owned()),
                    Just("labels".to_owned()),
                    Just("assignee_ids".to_owned()),
                    Just("archived".to_owned()),
                    Just("trashed".to_owned()),
                    Just("due_date".to_owned()),
                    Just("column_id".to_owned()),
                    Just("before".to_owned()),
                    Just("after".to_owned()),
                    Just("version".to_owned()),
                    Just("member_name".to_owned()),
                    Just("room_code".to_owned()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A request body: arbitrary JSON, or arbitrary bytes (invalid UTF-8, truncated JSON, deep nesting).
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => any_json().prop_flat_map(|v| {
            let text = v.to_string();
            let len = text.len();
            (Just(text), 0..=len).prop_map(|(t, cut)| t.as_bytes()[..cut].to_vec())
        }),
        1 => (1usize..5000).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
    ]
}

/// A board with a column and a card to aim at, and another board's column.
struct Target {
    board: common::TestBoard,
    column: String,
    card: String,
    other_board_column: String,
}

impl Target {
    async fn new(server: &TestServer) -> Self {
        let board = server.create_board("Target", "Tess").await;
        let token = &board.host_token;
        let column = str_of(&server.add_column(&board.id, token, "Todo").await["id"]);
        let card = str_of(
            &server
                .add_card(&column, token, json!({"title": "Victim"}))
                .await["id"],
        );
        let other = server.create_board("Other", "Otto").await;
        let other_board_column = str_of(
            &server
                .add_column(&other.id, &other.host_token, "Theirs")
                .await["id"],
        );
        Self {
            board,
            column,
            card,
            other_board_column,
        }
    }

    /// Every mutation route, aimed at this board (and one at the other board's column).
    fn routes(&self) -> Vec<(Method, String)> {
        let Self {
            board,
            column,
            card,
            other_board_column,
        } = self;
        vec![
            (Method::POST, "/api/boards".into()),
            (Method::POST, "/api/join".into()),
            (Method::PATCH, format!("/api/boards/{}", board.id)),
            (Method::POST, format!("/api/boards/{}/columns", board.id)),
            (Method::PATCH, format!("/api/columns/{column}")),
            (Method::POST, format!("/api/columns/{column}/cards")),
            (Method::PATCH, format!("/api/cards/{card}")),
            (
                Method::POST,
                format!("/api/columns/{other_board_column}/cards"),
            ),
        ]
    }

    /// The board's seq, as its host sees it.
    async fn seq(&self, server: &TestServer) -> u64 {
        server
            .snapshot(&self.board.id, &self.board.host_token)
            .await["seq"]
            .as_u64()
            .unwrap()
    }
}

/// What one hostile request got: its status and answer, and the board's seq before and after it.
struct Outcome {
    status: reqwest::StatusCode,
    answer: String,
    seq_before: u64,
    seq_after: u64,
}

/// The host sends `body` (as JSON or with no type) and must be answered within 10 s.
async fn send_hostile(
    server: &TestServer,
    target: &Target,
    (method, path): &(Method, String),
    body: Vec<u8>,
    json_type: bool,
) -> Outcome {
    let seq_before = target.seq(server).await;
    let mut request = server
        .http
        .request(method.clone(), format!("{}{path}", server.base))
        .bearer_auth(&target.board.host_token)
        .body(body);
    if json_type {
        request = request.header("content-type", "application/json");
    }
    let response = tokio::time::timeout(std::time::Duration::from_secs(10), request.send())
        .await
        .expect("answered within 10 s")
        .expect("answered");
    let status = response.status();
    let answer = response.text().await.unwrap();
    let seq_after = target.seq(server).await;
    Outcome {
        status,
        answer,
        seq_before,
        seq_after,
    }
}

/// Never a 5xx; a refusal is a JSON error with a code and leaves the board as it was.
fn answered_cleanly(route: &(Method, String), outcome: &Outcome) -> Result<(), TestCaseError> {
    let ((method, path), status, answer) = (route, outcome.status, &outcome.answer);
    prop_assert!(
        !status.is_server_error(),
        "{method} {path} answered {status}: {answer}"
    );
    if !status.is_success() {
        let answer: Value = serde_json::from_str(answer)
            .map_err(|e| TestCaseError::fail(format!("not JSON: {e}: {answer}")))?;
        prop_assert!(answer["error"]["code"].is_string(), "{answer}");
        prop_assert_eq!(
            outcome.seq_before,
            outcome.seq_after,
            "a refused request changed the board"
        );
    }
    Ok(())
}

#[test]
fn any_body_on_any_mutation_is_answered_cleanly_and_refusals_change_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::start());
    let target = runtime.block_on(Target::new(&server));
    let routes = target.routes();
    let mut runner = TestRunner::new(Config {
        cases: 1000,
        failure_persistence: None,
        ..Config::default()
    });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let cases = (
        0..routes.len(),
        any_body(),
        prop_oneof![5 => Just(true), 1 => Just(false)],
    );
    runner
        .run(&cases, |(route, body, json_type)| {
            let route = &routes[route];
            let outcome = runtime.block_on(send_hostile(&server, &target, route, body, json_type));
            *statuses
                .borrow_mut()
                .entry(outcome.status.as_u16())
                .or_insert(0) += 1;
            answered_cleanly(route, &outcome)
        })
        .unwrap();
    let statuses = statuses.into_inner();
    println!("hostile bodies: statuses {statuses:?}");
    assert!(statuses.keys().any(|s| (400..500).contains(s)));
}

#[tokio::test]
async fn hostile_frames_close_the_socket_with_a_stated_code() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let server = TestServer::start().await;
    let board = server.create_board("Frames", "Fay").await;
    let cases: Vec<(Message, u16)> = vec![
        (Message::Binary(vec![0, 159, 146, 150].into()), 1003),
        (Message::Text("{not json".into()), 1008),
        (
            Message::Text(r#"{"type":"presence","viewing_card":null,"extra":1}"#.into()),
            1008,
        ),
        (Message::Text(r#"{"type":"event","seq":1}"#.into()), 1008),
        // `viewing_card` is required (null for none).
        (Message::Text(r#"{"type":"presence"}"#.into()), 1008),
        (Message::Text("x".repeat(100 * 1024).into()), 1009),
        (
            Message::Text(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into()),
            1008,
        ),
    ];
    for (frame, code) in cases {
        let description = format!("{frame:?}").chars().take(60).collect::<String>();
        let mut socket = server.socket(&board.id, &board.host_token, None).await;
        socket.ws.send(frame).await.unwrap();
        let close = socket.close_frame().await.expect("a close frame");
        assert_eq!(u16::from(close.code), code, "{description}");
    }
    // The server is unharmed.
    let (status, _) = server.call(Method::GET, "/api/health", None, None).await;
    assert!(status.is_success());
}

#[tokio::test]
async fn sockets_per_member_are_capped() {
    let server = TestServer::start_with(|config| config.max_sockets_per_member = 3).await;
    let board = server.create_board("Capped", "Cy").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(server.socket(&board.id, &board.host_token, None).await);
    }
    match server.try_socket(&board.id, &board.host_token, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429)
        }
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("a fourth socket was let in"),
    }
}

/// The ids of a list in a snapshot (`"columns"` or `"cards"`).
fn ids(snapshot: &Value, list: &str) -> Vec<String> {
    snapshot[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["id"]))
        .collect()
}

/// Moves every card into `target` while the column is deleted, all at once. The delete goes through; each
/// move either landed before it (and went with the column) or is refused after it.
async fn race_moves_against_delete(
    server: &TestServer,
    board: &str,
    token: &str,
    cards: &[String],
    target: &str,
) {
    let paths: Vec<String> = cards
        .iter()
        .map(|card| format!("/api/cards/{card}"))
        .collect();
    let body = json!({"column_id": target});
    let moves = paths
        .iter()
        .map(|path| server.call(Method::PATCH, path, Some(token), Some(body.clone())));
    let delete_path = format!("/api/columns/{target}");
    let delete = server.call(Method::DELETE, &delete_path, Some(token), None);
    let (moved, deleted) = tokio::join!(futures_util::future::join_all(moves), delete);
    assert_eq!(deleted.0, reqwest::StatusCode::NO_CONTENT);
    // Deleted for good: the trash emptied (this token is the board's host's).
    let (emptied, _) = server
        .call(
            Method::DELETE,
            &format!("/api/boards/{board}/trash"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(emptied, reqwest::StatusCode::NO_CONTENT);
    for (status, body) in moved {
        // Before the delete: moved (and then deleted with the column). After: refused, nothing changed.
        assert!(
            status == reqwest::StatusCode::OK
                || status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
                || status == reqwest::StatusCode::NOT_FOUND,
            "{status}: {body}"
        );
    }
}

/// The board's event log, replayed from nothing, rebuilds the snapshot's columns and cards.
async fn assert_log_rebuilds(server: &TestServer, board: &str, token: &str, snapshot: Value) {
    let log = server
        .ok(
            Method::GET,
            &format!("/api/boards/{board}/events"),
            token,
            None,
        )
        .await;
    let mut state: lanban_core::api::Snapshot = serde_json::from_value(json!({
        "board": snapshot["board"], "columns": [], "cards": [], "members": [], "seq": 0
    }))
    .unwrap();
    for event in log["events"].as_array().unwrap() {
        let lanban_core::event::ServerMessage::Event(event) =
            serde_json::from_value(event.clone()).unwrap()
        else {
            panic!("not an event")
        };
        state.apply(&event).unwrap();
    }
    let snapshot: lanban_core::api::Snapshot = serde_json::from_value(snapshot).unwrap();
    assert_eq!(state.columns, snapshot.columns);
    assert_eq!(state.cards, snapshot.cards);
}

#[tokio::test]
async fn deleting_a_column_while_cards_move_into_it_leaves_a_consistent_board() {
    let server = TestServer::start().await;
    let board = server.create_board("Races", "Rae").await;
    let t = board.host_token.clone();
    let from = str_of(&server.add_column(&board.id, &t, "From").await["id"]);
    let mut cards = Vec::new();
    for i in 0..20 {
        cards.push(str_of(
            &server
                .add_card(&from, &t, json!({"title": format!("c{i}")}))
                .await["id"],
        ));
    }
    for round in 0..5 {
        let target = str_of(
            &server
                .add_column(&board.id, &t, &format!("Target {round}"))
                .await["id"],
        );
        race_moves_against_delete(&server, &board.id, &t, &cards, &target).await;
        // The column is gone, and no card points at it.
        let snapshot = server.snapshot(&board.id, &t).await;
        let columns = ids(&snapshot, "columns");
        assert!(!columns.contains(&target));
        for card in snapshot["cards"].as_array().unwrap() {
            assert!(
                columns.contains(&str_of(&card["column_id"])),
                "a card points at a deleted column"
            );
        }
        cards = ids(&snapshot, "cards");
        assert_log_rebuilds(&server, &board.id, &t, snapshot).await;
    }
}
