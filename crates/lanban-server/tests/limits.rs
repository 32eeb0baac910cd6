//! How large a board may grow, and how fast (docs/protocol.md §2.6, §11): past a board's limit of members, columns,
//! cards or description text a change is `409 limit_reached` and writes nothing; a board takes only so many joins
//! a minute, and a member only so many changes, after which `429 rate_limited` says when to try again. The limits
//! are made small here (a server's are configurable; the documented defaults are `lanban_core`'s).

mod common;

use common::{TestServer, str_of};
use lanban_core::validate::limits::BoardLimits;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A new card sent to `cards` (a column's cards path) is refused for a limit.
async fn refused(server: &TestServer, cards: &str, host: &str, card: Value) {
    limit_reached(
        server
            .call(Method::POST, cards, Some(host), Some(card))
            .await,
    );
}

fn limit_reached((status, body): (StatusCode, Value)) {
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "limit_reached", "{body}");
}

#[tokio::test]
async fn a_board_stops_growing_at_its_limits_and_nothing_is_half_written() {
    let server = TestServer::start_with(|config| {
        config.board_limits = BoardLimits {
            members: 3,
            columns: 2,
            cards: 3,
            description_bytes: 100,
        };
    })
    .await;
    let board = server.create_board("Small", "Ann").await;
    let host = &board.host_token;
    server.join(&board.room_code, "Bea").await;
    server.join(&board.room_code, "Cy").await;
    let join = json!({"room_code": board.room_code, "member_name": "Dee"});
    limit_reached(
        server
            .call(Method::POST, "/api/join", None, Some(join))
            .await,
    );

    let todo = str_of(&server.add_column(&board.id, host, "Todo").await["id"]);
    server.add_column(&board.id, host, "Done").await;
    let columns = format!("/api/boards/{}/columns", board.id);
    limit_reached(
        server
            .call(
                Method::POST,
                &columns,
                Some(host),
                Some(json!({"title": "More"})),
            )
            .await,
    );

    let cards = format!("/api/columns/{todo}/cards");
    let first = server
        .add_card(
            &todo,
            host,
            json!({"title": "One", "description": "x".repeat(60)}),
        )
        .await;
    // 60 + 60 bytes of descriptions would pass 100.
    refused(
        &server,
        &cards,
        host,
        json!({"title": "Two", "description": "y".repeat(60)}),
    )
    .await;
    server.add_card(&todo, host, json!({"title": "Two"})).await;
    server
        .add_card(&todo, host, json!({"title": "Three"}))
        .await;
    refused(&server, &cards, host, json!({"title": "Four"})).await;
    // The field rules come before the limits (docs/protocol.md §2.6): on the full board a card placed after a card
    // that is not there, or with a label the board does not have, is answered on that field; so is a column placed
    // after one that is not there with the board's columns full, and an edit growing a description past the limit
    // with a label the board does not have.
    let unknown = "019ac1f0-3b2a-7c1d-8e4f-5a6b7c8d9e01";
    let nope = json!([{"name": "Nope", "color": "#ff0000"}]);
    let first_path = format!("/api/cards/{}", str_of(&first["id"]));
    for (method, path, change, field) in [
        (
            Method::POST,
            &cards,
            json!({"title": "Four", "after": unknown}),
            "after",
        ),
        (
            Method::POST,
            &cards,
            json!({"title": "Four", "labels": nope}),
            "labels[0].name",
        ),
        (
            Method::POST,
            &columns,
            json!({"title": "More", "after": unknown}),
            "after",
        ),
        (
            Method::PATCH,
            &first_path,
            json!({"description": "z".repeat(101), "labels": nope}),
            "labels[0].name",
        ),
    ] {
        let (status, body) = server.call(method, path, Some(host), Some(change)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    // A card's own description is replaced, not added to: 60 -> 95 bytes fits; growing past the limit is refused
    // too; shrinking one is always allowed.
    let path = format!("/api/cards/{}", str_of(&first["id"]));
    server
        .ok(
            Method::PATCH,
            &path,
            host,
            Some(json!({"description": "w".repeat(95)})),
        )
        .await;
    limit_reached(
        server
            .call(
                Method::PATCH,
                &path,
                Some(host),
                Some(json!({"description": "z".repeat(101)})),
            )
            .await,
    );
    server
        .ok(
            Method::PATCH,
            &path,
            host,
            Some(json!({"description": "short"})),
        )
        .await;

    // Nothing of the refused changes is on the board or in its log.
    let snapshot = server.snapshot(&board.id, host).await;
    assert_eq!(snapshot["members"].as_array().unwrap().len(), 3);
    assert_eq!(snapshot["columns"].as_array().unwrap().len(), 2);
    let titles: Vec<String> = snapshot["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["title"]))
        .collect();
    assert_eq!(titles, ["One", "Two", "Three"]);
    let seq = snapshot["seq"].as_u64().unwrap();
    // board.created, Ann, Bea, Cy, two columns, three cards, two edits.
    assert_eq!(seq, 11);

    // A card in the trash still counts; once the trash is emptied it does not, and a new card fits again.
    server.ok(Method::DELETE, &path, host, None).await;
    refused(&server, &cards, host, json!({"title": "Four"})).await;
    let trash = format!("/api/boards/{}/trash", board.id);
    server.ok(Method::DELETE, &trash, host, None).await;
    server.add_card(&todo, host, json!({"title": "Four"})).await;
    refused(&server, &cards, host, json!({"title": "Five"})).await;
}

#[tokio::test]
async fn joins_per_board_and_changes_per_member_are_budgeted_per_minute() {
    let server = TestServer::start_with(|config| {
        config.joins_per_board_per_minute = 2;
        config.changes_per_minute = 3;
    })
    .await;
    let board = server.create_board("Busy", "Ann").await;
    let other = server.create_board("Quiet", "Otto").await;
    let bea = server.join(&board.room_code, "Bea").await;
    server.join(&board.room_code, "Cy").await;
    let join = json!({"room_code": board.room_code, "member_name": "Dee"});
    let (status, body) = server
        .call(Method::POST, "/api/join", None, Some(join))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    // Another board's joins are its own.
    server.join(&other.room_code, "Pia").await;

    // Bea's changes: three in the minute, then 429 with Retry-After; Ann's are her own.
    let columns = format!("/api/boards/{}/columns", board.id);
    for title in ["A", "B", "C"] {
        server
            .ok(
                Method::POST,
                &columns,
                &bea.token,
                Some(json!({"title": title})),
            )
            .await;
    }
    let refused = server
        .http
        .post(format!("{}{columns}", server.base))
        .bearer_auth(&bea.token)
        .json(&json!({"title": "D"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    server
        .ok(
            Method::POST,
            &columns,
            &board.host_token,
            Some(json!({"title": "Ann's"})),
        )
        .await;
}
