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

/// A created board's answer is kept for retries, but not its token: the database, its WAL and backups never hold
/// a member token. A retry answers a new token of the same member, and both work.
#[tokio::test]
async fn a_retried_board_creation_answers_a_new_token_and_none_rests_in_the_database() {
    let server = TestServer::start().await;
    let create = || {
        server
            .http
            .post(format!("{}/api/boards", server.base))
            .bearer_auth(&server.host_token)
            .header("idempotency-key", "create-1")
            .json(&json!({"name": "Secret plans", "member_name": "Rae"}))
            .send()
    };
    let first: Value = create().await.unwrap().json().await.unwrap();
    let again = create().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["board"], first["board"]);
    assert_eq!(again["member"], first["member"]);
    let (one, two) = (str_of(&first["token"]), str_of(&again["token"]));
    assert_ne!(one, two, "the kept answer holds no token to give again");
    let board = str_of(&first["board"]["id"]);
    for token in [&one, &two] {
        let snapshot = server.snapshot(&board, token).await;
        assert_eq!(snapshot["board"]["name"], "Secret plans");
    }
    // No file of the server's holds either token.
    let mut files = vec![server.dir.path().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            for token in [&one, &two] {
                let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
                assert!(!found, "{} holds a member token", path.display());
            }
        }
    }
}
