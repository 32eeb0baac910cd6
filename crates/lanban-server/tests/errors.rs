//! Each error code of the contract, with its status and body, and the limits at their edges.

mod common;

use common::{TestBoard, TestServer, str_of};
use lanban_core::validate::MAX_BODY_BYTES;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn raw(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = server
        .http
        .request(method, format!("{}{path}", server.base))
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

fn check(answer: &Value, code: &str) {
    assert_eq!(answer["error"]["code"], code, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{answer}"
    );
}

const JSON: Option<&str> = Some("application/json");

/// A host with a board and one column: where most refusals are provoked.
struct Desk {
    server: TestServer,
    board: TestBoard,
    /// The host member's token.
    token: String,
    column: String,
}

impl Desk {
    async fn new(name: &str) -> Self {
        let server = TestServer::start().await;
        let board = server.create_board(name, "Erin").await;
        let token = board.host_token.clone();
        let column = str_of(&server.add_column(&board.id, &token, "Todo").await["id"]);
        Self {
            server,
            board,
            token,
            column,
        }
    }

    /// The column's cards route.
    fn cards(&self) -> String {
        format!("/api/columns/{}/cards", self.column)
    }

    /// The host member posts these bytes as a new card, with this content type.
    async fn post_card_bytes(
        &self,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let (status, answer, _) = raw(
            &self.server,
            Method::POST,
            &self.cards(),
            Some(&self.token),
            content_type,
            body,
        )
        .await;
        (status, answer)
    }

    /// The host member sends a request on one of the board's routes (`{board}` in `path` is the board).
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let path = path.replace("{board}", &self.board.id);
        self.server
            .call(method, &path, Some(&self.token), body)
            .await
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_malformed() {
    let desk = Desk::new("Errors").await;
    for (body, what) in [
        (b"{\"title\":".to_vec(), "truncated JSON"),
        (vec![0xff, 0xfe, b'{'], "invalid UTF-8"),
    ] {
        let (status, answer) = desk.post_card_bytes(JSON, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
        check(&answer, "malformed_json");
    }
}

#[tokio::test]
async fn a_stranger_is_unauthorized_and_a_member_may_not_do_the_hosts_part() {
    let desk = Desk::new("Errors").await;
    let (status, answer, _) = raw(
        &desk.server,
        Method::POST,
        &desk.cards(),
        None,
        JSON,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check(&answer, "unauthorized");

    let member = desk.server.join(&desk.board.room_code, "Mel").await;
    let (status, answer) = desk
        .server
        .call(
            Method::POST,
            &format!("/api/boards/{}/room-code", desk.board.id),
            Some(&member.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check(&answer, "forbidden");
}

#[tokio::test]
async fn what_does_not_exist_is_not_found_and_a_wrong_method_is_not_allowed() {
    let desk = Desk::new("Errors").await;
    for path in [
        "/api/cards/0190f0e0-0000-7000-8000-000000000000",
        "/api/cards/not-an-id",
        "/api/nowhere",
    ] {
        let (status, answer) = desk.call(Method::DELETE, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        check(&answer, "not_found");
    }

    let (status, answer) = desk
        .server
        .call(
            Method::POST,
            "/api/join",
            None,
            Some(json!({"room_code": "ZZZZ-ZZZZ", "member_name": "X"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check(&answer, "room_not_found");

    let (status, answer) = desk
        .server
        .call(Method::DELETE, "/api/health", None, None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    check(&answer, "method_not_allowed");
}

#[tokio::test]
async fn a_stale_edit_conflicts_and_shows_the_card_as_it_is_now() {
    let desk = Desk::new("Errors").await;
    let card = desk
        .server
        .add_card(&desk.column, &desk.token, json!({"title": "Contested"}))
        .await;
    let card_path = format!("/api/cards/{}", str_of(&card["id"]));
    desk.server
        .ok(
            Method::PATCH,
            &card_path,
            &desk.token,
            Some(json!({"title": "First edit", "version": 1})),
        )
        .await;
    let (status, answer) = desk
        .call(
            Method::PATCH,
            &card_path,
            Some(json!({"title": "Stale edit", "version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    check(&answer, "version_conflict");
    assert_eq!(answer["current"]["title"], "First edit");
    assert_eq!(answer["current"]["version"], 2);
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
    let desk = Desk::new("Errors").await;
    // A body of exactly 256 KiB is read; one byte more is refused.
    let mut exact = b"{\"title\":\"Padded\"".to_vec();
    exact.resize(MAX_BODY_BYTES - 1, b' ');
    exact.push(b'}');
    assert_eq!(exact.len(), MAX_BODY_BYTES);
    let (status, answer) = desk.post_card_bytes(JSON, exact.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    exact.insert(1, b' ');
    let (status, answer) = desk.post_card_bytes(JSON, exact).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    check(&answer, "payload_too_large");
    let (status, answer) = desk
        .post_card_bytes(JSON, vec![b' '; 10 * 1024 * 1024])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    check(&answer, "payload_too_large");
}

#[tokio::test]
async fn a_body_must_be_sent_as_json() {
    let desk = Desk::new("Errors").await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, answer) = desk
            .post_card_bytes(content_type, b"{\"title\":\"x\"}".to_vec())
            .await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        check(&answer, "unsupported_media_type");
    }
    let (status, _) = desk
        .post_card_bytes(
            Some("application/json; charset=utf-8"),
            b"{\"title\":\"x\"}".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// New cards that break one rule each, and the field the refusal names.
fn invalid_cards() -> Vec<(Value, &'static str)> {
    let labels: Vec<Value> = (0..21)
        .map(|i| json!({"name": format!("l{i}"), "color": "#ffffff"}))
        .collect();
    vec![
        (json!({"title": ""}), "title"),
        (json!({"title": "x", "extra": true}), "extra"),
        (json!({"title": 5}), "title"),
        (
            json!({"title": "x", "labels": [{"name": "a", "color": "#fff"}]}),
            "labels[0].color",
        ),
        (json!({"title": "x", "labels": labels}), "labels"),
        (json!({"title": "x", "due_date": "tomorrow"}), "due_date"),
        (
            json!({"title": "x", "description": "d".repeat(20_001)}),
            "description",
        ),
        (
            json!({"title": "x", "before": "0190f0e0-0000-7000-8000-000000000000"}),
            "before",
        ),
        (
            json!({"title": "x", "after": 99999999999999999999999999999_f64}),
            "after",
        ),
        (json!([{"title": "x"}]), "body"),
    ]
}

#[tokio::test]
async fn an_invalid_card_is_refused_naming_the_field() {
    let desk = Desk::new("Errors").await;
    for (body, field) in invalid_cards() {
        let (status, answer) = desk
            .call(Method::POST, &desk.cards(), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        check(&answer, "validation_failed");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
}

#[tokio::test]
async fn event_pages_refuse_bad_parameters_and_cap_their_length() {
    let desk = Desk::new("Errors").await;
    let (status, answer) = desk
        .call(Method::GET, "/api/boards/{board}/events?since=-1", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "since");
    // Integers past SQLite's (a u64 beyond i64): a 422 naming the parameter, never a 500.
    for (query, field) in [
        (
            "since=9223372036854775808&limit=9223372036854775808",
            "since",
        ),
        (
            "since=9223372036854775807&limit=9223372036854775808",
            "limit",
        ),
        ("since=18446744073709551616", "since"),
    ] {
        let path = format!("/api/boards/{{board}}/events?{query}");
        let (status, answer) = desk.call(Method::GET, &path, None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {answer}"
        );
        assert_eq!(answer["error"]["field"], field, "{query}");
    }
    let (status, page) = desk
        .call(
            Method::GET,
            "/api/boards/{board}/events?since=9223372036854775807",
            None,
        )
        .await;
    assert!(status.is_success(), "{page}");
    assert_eq!(page["events"], serde_json::json!([]));
    let (status, _) = desk
        .call(Method::GET, "/api/boards/{board}/events?limit=0", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, page) = desk
        .call(Method::GET, "/api/boards/{board}/events?limit=5000", None)
        .await;
    assert!(status.is_success(), "{page}");
    assert!(page["events"].as_array().unwrap().len() <= 1000);
}

#[tokio::test]
async fn the_socket_route_without_an_upgrade_asks_for_one() {
    let desk = Desk::new("Errors").await;
    let (status, answer) = desk.call(Method::GET, "/api/boards/{board}/ws", None).await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
    check(&answer, "upgrade_required");
}

#[tokio::test]
async fn text_is_trimmed_counted_in_characters_and_stored_as_sent() {
    let server = TestServer::start().await;
    let board = server.create_board("Unicode", "Uli").await;
    let t = board.host_token.clone();
    let column = str_of(&server.add_column(&board.id, &t, "Todo").await["id"]);
    let sql = "Robert'); DROP TABLE cards;-- ✓ 日本語 🎉";
    server
        .ok(
            Method::POST,
            &format!("/api/boards/{}/labels", board.id),
            &t,
            Some(json!({"name": "ünï", "color": "#ABCDEF"})),
        )
        .await;
    let card = server
        .add_card(&column, &t, json!({"title": format!("  {sql}  "), "description": "  keep\n  this  ", "labels": [{"name": "ünï", "color": "#ABCDEF"}]}))
        .await;
    assert_eq!(card["title"], sql);
    assert_eq!(card["description"], "  keep\n  this  ");
    assert_eq!(
        card["labels"][0],
        json!({"name": "ünï", "color": "#abcdef"})
    );
    // 200 characters of four bytes each are a valid title.
    let wide = "🎉".repeat(200);
    let card = server.add_card(&column, &t, json!({"title": wide})).await;
    assert_eq!(card["title"].as_str().unwrap().chars().count(), 200);
    let snapshot = server.snapshot(&board.id, &t).await;
    assert_eq!(snapshot["cards"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn failed_joins_are_throttled_per_address() {
    let server = TestServer::start_with(|config| {
        config.join_limits.per_address = 3;
    })
    .await;
    let board = server.create_board("Locked", "Lou").await;
    for code in ["AAAA-AAAA", "not a code", "BBBB-BBBB"] {
        let (status, _) = server
            .call(
                Method::POST,
                "/api/join",
                None,
                Some(json!({"room_code": code, "member_name": "Guess"})),
            )
            .await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right code is refused now, with a time to wait.
    let (status, answer, headers) = raw(
        &server,
        Method::POST,
        "/api/join",
        None,
        Some("application/json"),
        json!({"room_code": board.room_code, "member_name": "Guess"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    check(&answer, "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}
