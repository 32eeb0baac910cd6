//! Writes that apply exactly as asked: a retried request applies once, and placements follow `before` and
//! `after`.

mod common;

use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn idempotent_retries_apply_once() {
    let server = TestServer::start().await;
    let board = server.create_board("Retry", "Rae").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let url = format!("{}/api/columns/{column}/cards", server.base);
    let send = |key: &str, title: &str| {
        server
            .http
            .post(&url)
            .bearer_auth(&board.host_token)
            .header("idempotency-key", key)
            .json(&json!({"title": title}))
            .send()
    };
    let first = send("k-1", "Once").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send("k-1", "Once").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        first,
        "the retry gets the first answer"
    );
    let reused = send("k-1", "Twice").await.unwrap();
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reused.json::<Value>().await.unwrap()["error"]["code"],
        "idempotency_key_reused"
    );

    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["cards"].as_array().unwrap().len(), 1);
    assert_eq!(snapshot["seq"], 4, "one card.created after the column");

    // A delete retried with its key answers the same and emits nothing more.
    let delete = |key: &'static str| {
        server
            .http
            .delete(format!(
                "{}/api/cards/{}",
                server.base,
                first["id"].as_str().unwrap()
            ))
            .bearer_auth(&board.host_token)
            .header("idempotency-key", key)
            .send()
    };
    assert_eq!(
        delete("d-1").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete("d-1").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.snapshot(&board.id, &board.host_token).await["seq"],
        5
    );

    // Keys are per member: another member may use the same key for their own request.
    let member = server.join(&board.room_code, "Mo").await;
    let theirs = server
        .http
        .post(&url)
        .bearer_auth(&member.token)
        .header("idempotency-key", "k-1")
        .json(&json!({"title": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(theirs.json::<Value>().await.unwrap()["title"], "Mine");
}

#[tokio::test]
async fn ordering_follows_before_and_after() {
    let server = TestServer::start().await;
    let board = server.create_board("Order", "Ola").await;
    let t = board.host_token.clone();
    let col = str_of(&server.add_column(&board.id, &t, "Todo").await["id"]);
    let add = |body: Value| server.add_card(&col, &t, body);
    let c = add(json!({"title": "c"})).await;
    let a = add(json!({"title": "a", "before": c["id"]})).await;
    let d = add(json!({"title": "d"})).await;
    let b = add(json!({"title": "b", "after": a["id"], "before": c["id"]})).await;
    let titles = |snapshot: Value| -> Vec<String> {
        snapshot["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| str_of(&c["title"]))
            .collect()
    };
    assert_eq!(
        titles(server.snapshot(&board.id, &t).await),
        ["a", "b", "c", "d"]
    );

    // Not neighbours: refused.
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/api/columns/{col}/cards"),
            Some(&t),
            Some(json!({"title": "x", "after": a["id"], "before": c["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Move d to the front, then a to the end (after d? no: after c, the last).
    server
        .ok(
            Method::PATCH,
            &format!("/api/cards/{}", str_of(&d["id"])),
            &t,
            Some(json!({"before": a["id"]})),
        )
        .await;
    server
        .ok(
            Method::PATCH,
            &format!("/api/cards/{}", str_of(&a["id"])),
            &t,
            Some(json!({"after": c["id"]})),
        )
        .await;
    assert_eq!(
        titles(server.snapshot(&board.id, &t).await),
        ["d", "b", "c", "a"]
    );
    // Placing a card next to itself is refused.
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/cards/{}", str_of(&b["id"])),
            Some(&t),
            Some(json!({"after": b["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
