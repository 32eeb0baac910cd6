//! Each error code of the contract, with its status and body, and the limits at their edges.

mod common;

use common::{TestServer, str_of};
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

#[tokio::test]
async fn every_error_code_has_its_status_and_shape() {
    let server = TestServer::start().await;
    let board = server.create_board("Errors", "Erin").await;
    let t = board.host_token.clone();
    let column = str_of(&server.add_column(&board.id, &t, "Todo").await["id"]);
    let cards = format!("/api/columns/{column}/cards");
    let json_type = Some("application/json");

    let (status, answer, _) = raw(
        &server,
        Method::POST,
        &cards,
        Some(&t),
        json_type,
        b"{\"title\":".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&answer, "malformed_json");

    let (status, answer, _) = raw(
        &server,
        Method::POST,
        &cards,
        Some(&t),
        json_type,
        vec![0xff, 0xfe, b'{'],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "invalid UTF-8");
    check(&answer, "malformed_json");

    let (status, answer, _) = raw(
        &server,
        Method::POST,
        &cards,
        None,
        json_type,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check(&answer, "unauthorized");

    let member = server.join(&board.room_code, "Mel").await;
    let (status, answer) = server
        .call(
            Method::POST,
            &format!("/api/boards/{}/room-code", board.id),
            Some(&member.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    check(&answer, "forbidden");

    for path in [
        "/api/cards/0190f0e0-0000-7000-8000-000000000000",
        "/api/cards/not-an-id",
        "/api/nowhere",
    ] {
        let (status, answer) = server.call(Method::DELETE, path, Some(&t), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        check(&answer, "not_found");
    }

    let (status, answer) = server
        .call(
            Method::POST,
            "/api/join",
            None,
            Some(json!({"room_code": "ZZZZ-ZZZZ", "member_name": "X"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check(&answer, "room_not_found");

    let (status, answer) = server.call(Method::DELETE, "/api/health", None, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    check(&answer, "method_not_allowed");

    let card = server
        .add_card(&column, &t, json!({"title": "Contested"}))
        .await;
    let card_path = format!("/api/cards/{}", str_of(&card["id"]));
    server
        .ok(
            Method::PATCH,
            &card_path,
            &t,
            Some(json!({"title": "First edit", "version": 1})),
        )
        .await;
    let (status, answer) = server
        .call(
            Method::PATCH,
            &card_path,
            Some(&t),
            Some(json!({"title": "Stale edit", "version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    check(&answer, "version_conflict");
    assert_eq!(answer["current"]["title"], "First edit");
    assert_eq!(answer["current"]["version"], 2);

    // A body of exactly 256 KiB is read; one byte more is refused.
    let mut exact = b"{\"title\":\"Padded\"".to_vec();
    exact.resize(MAX_BODY_BYTES - 1, b' ');
    exact.push(b'}');
    assert_eq!(exact.len(), MAX_BODY_BYTES);
    let (status, answer, _) = raw(
        &server,
        Method::POST,
        &cards,
        Some(&t),
        json_type,
        exact.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    exact.insert(1, b' ');
    let (status, answer, _) = raw(&server, Method::POST, &cards, Some(&t), json_type, exact).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    check(&answer, "payload_too_large");
    let (status, answer, _) = raw(
        &server,
        Method::POST,
        &cards,
        Some(&t),
        json_type,
        vec![b' '; 10 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    check(&answer, "payload_too_large");

    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, answer, _) = raw(
            &server,
            Method::POST,
            &cards,
            Some(&t),
            content_type,
            b"{\"title\":\"x\"}".to_vec(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        check(&answer, "unsupported_media_type");
    }
    let (status, _, _) = raw(
        &server,
        Method::POST,
        &cards,
        Some(&t),
        Some("application/json; charset=utf-8"),
        b"{\"title\":\"x\"}".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "x", "extra": true}), "extra"),
        (json!({"title": 5}), "title"),
        (
            json!({"title": "x", "labels": [{"name": "a", "color": "#fff"}]}),
            "labels[0].color",
        ),
        (
            json!({"title": "x", "labels": (0..21).map(|i| json!({"name": format!("l{i}"), "color": "#ffffff"})).collect::<Vec<_>>()}),
            "labels",
        ),
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
    ] {
        let (status, answer) = server
            .call(Method::POST, &cards, Some(&t), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        check(&answer, "validation_failed");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }

    let (status, answer) = server
        .call(
            Method::GET,
            &format!("/api/boards/{}/events?since=-1", board.id),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "since");
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/boards/{}/events?limit=0", board.id),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = server
        .ok(
            Method::GET,
            &format!("/api/boards/{}/events?limit=5000", board.id),
            &t,
            None,
        )
        .await;
    assert!(page["events"].as_array().unwrap().len() <= 1000);

    let (status, answer) = server
        .call(
            Method::GET,
            &format!("/api/boards/{}/ws", board.id),
            Some(&t),
            None,
        )
        .await;
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
