//! Ids chosen by clients: a card or column created offline is named before the server sees it, and its create,
//! sent again at any time (long after the idempotent answer is forgotten, so under a new key here), applies once:
//! 200 with the entity as it is now, 409 for someone else's id, 410 once it has been deleted.

mod common;

use common::{Socket, TestBoard, TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A fresh UUIDv7, as a client makes one.
fn new_id() -> String {
    lanban_core::ids::CardId::new().to_string()
}

/// One member's calls, each under a fresh idempotency key: what a replay looks like once the server has
/// forgotten the first one.
struct Caller<'a> {
    server: &'a TestServer,
    token: String,
}

impl Caller<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .server
            .http
            .request(method, format!("{}{path}", self.server.base))
            .bearer_auth(&self.token)
            .header("idempotency-key", new_id());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }
}

fn caller<'a>(server: &'a TestServer, token: &str) -> Caller<'a> {
    Caller {
        server,
        token: token.to_owned(),
    }
}

/// Asserts an answer's status and, for an error, its code; returns the body.
#[track_caller]
fn expect(answer: (StatusCode, Value), status: StatusCode, code: Option<&str>) -> Value {
    assert_eq!(answer.0, status, "{}", answer.1);
    if let Some(code) = code {
        assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    }
    answer.1
}

#[track_caller]
fn gone(answer: (StatusCode, Value)) {
    expect(answer, StatusCode::GONE, Some("gone"));
}

#[track_caller]
fn taken(answer: (StatusCode, Value)) {
    expect(answer, StatusCode::CONFLICT, Some("id_taken"));
}

fn columns_of(board: &TestBoard) -> String {
    format!("/api/boards/{}/columns", board.id)
}

/// Makes one more change and checks it is the next event the socket sees: nothing was emitted in between.
async fn next_event_is_the_next_change(
    server: &TestServer,
    board: &TestBoard,
    socket: &mut Socket,
) {
    let seq = server.snapshot(&board.id, &board.host_token).await["seq"]
        .as_u64()
        .expect("seq");
    let rename = json!({"name": format!("Marker {seq}")});
    server
        .ok(
            Method::PATCH,
            &format!("/api/boards/{}", board.id),
            &board.host_token,
            Some(rename),
        )
        .await;
    let event = socket.next_event().await;
    assert_eq!(event["kind"], "board.updated", "{event}");
    assert_eq!(event["seq"], seq + 1, "{event}");
}

#[tokio::test]
async fn a_create_sent_again_answers_what_it_made_as_it_is_now() {
    let server = TestServer::start().await;
    let board = server.create_board("Offline", "Olga").await;
    let mo = server.join(&board.room_code, "Mo").await;
    let mo_calls = caller(&server, &mo.token);
    let mut socket = server.socket(&board.id, &board.host_token, None).await;

    // Mo, offline, names a column and a card in it; back online, the creates go through with those ids.
    let column_id = new_id();
    let column_body = json!({"id": column_id, "title": "Ideas"});
    let column = expect(
        mo_calls
            .post(&columns_of(&board), column_body.clone())
            .await,
        StatusCode::CREATED,
        None,
    );
    assert_eq!(column["id"], column_id.as_str());
    let event = socket.next_event().await;
    assert_eq!(
        (&event["kind"], &event["data"]["id"]),
        (&json!("column.created"), &json!(column_id))
    );
    let cards = format!("/api/columns/{column_id}/cards");
    let card_id = new_id();
    let card_body = json!({"id": card_id, "title": "Try it offline"});
    let card = expect(
        mo_calls.post(&cards, card_body.clone()).await,
        StatusCode::CREATED,
        None,
    );
    assert_eq!(
        (&card["id"], &card["created_by"]),
        (&json!(card_id), &json!(mo.id))
    );
    let event = socket.next_event().await;
    assert_eq!(
        (&event["kind"], &event["data"]["id"]),
        (&json!("card.created"), &json!(card_id))
    );

    // The host edits the card meanwhile.
    let edit = json!({"title": "Edited"});
    server
        .ok(
            Method::PATCH,
            &format!("/api/cards/{card_id}"),
            &board.host_token,
            Some(edit),
        )
        .await;
    socket.next_event().await;
    let before = server.snapshot(&board.id, &board.host_token).await;

    // Mo's outbox sends both creates again after their keys were forgotten: each is the same create, answered
    // with what it made as it is now, and nothing is written.
    let again = expect(mo_calls.post(&cards, card_body).await, StatusCode::OK, None);
    assert_eq!(
        (&again["id"], &again["title"], &again["version"]),
        (&json!(card_id), &json!("Edited"), &json!(2))
    );
    let again = expect(
        mo_calls.post(&columns_of(&board), column_body).await,
        StatusCode::OK,
        None,
    );
    assert_eq!(again, column);
    assert_eq!(server.snapshot(&board.id, &board.host_token).await, before);
    next_event_is_the_next_change(&server, &board, &mut socket).await;
}

#[tokio::test]
async fn an_id_someone_else_created_is_taken() {
    let server = TestServer::start().await;
    let board = server.create_board("Shared", "Sam").await;
    let mo = caller(&server, &server.join(&board.room_code, "Mo").await.token);
    let host = caller(&server, &board.host_token);
    let mut socket = server.socket(&board.id, &board.host_token, None).await;
    let column_body = json!({"id": new_id(), "title": "Mine"});
    let column = expect(
        mo.post(&columns_of(&board), column_body.clone()).await,
        StatusCode::CREATED,
        None,
    );
    let cards = format!("/api/columns/{}/cards", str_of(&column["id"]));
    let card_body = json!({"id": new_id(), "title": "Mine too"});
    expect(
        mo.post(&cards, card_body.clone()).await,
        StatusCode::CREATED,
        None,
    );
    socket.events_until(5).await;
    let before = server.snapshot(&board.id, &board.host_token).await;

    // Another member of the board, even its host, cannot create with Mo's ids.
    taken(host.post(&cards, card_body.clone()).await);
    taken(host.post(&columns_of(&board), column_body.clone()).await);
    // Nor can a member of another board, in their own column.
    let other = server.create_board("Elsewhere", "Eve").await;
    let eve = caller(&server, &other.host_token);
    let theirs = str_of(
        &server
            .add_column(&other.id, &other.host_token, "Theirs")
            .await["id"],
    );
    taken(
        eve.post(&format!("/api/columns/{theirs}/cards"), card_body.clone())
            .await,
    );
    taken(eve.post(&columns_of(&other), column_body.clone()).await);
    // And a column may not take a card's id, nor a card a column's.
    taken(
        mo.post(
            &columns_of(&board),
            json!({"id": card_body["id"], "title": "Clash"}),
        )
        .await,
    );
    taken(
        mo.post(&cards, json!({"id": column_body["id"], "title": "Clash"}))
            .await,
    );

    assert_eq!(server.snapshot(&board.id, &board.host_token).await, before);
    next_event_is_the_next_change(&server, &board, &mut socket).await;
}

#[tokio::test]
async fn client_ids_are_uuid_v7() {
    let server = TestServer::start().await;
    let board = server.create_board("Strict", "Sue").await;
    let host = caller(&server, &board.host_token);
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let cards = format!("/api/columns/{column}/cards");
    let before = server.snapshot(&board.id, &board.host_token).await;
    // Ids sort by creation time, which only version 7 promises.
    for bad in [
        json!("0190f0e0-0000-4000-8000-000000000000"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("not-a-uuid"),
        json!(7),
    ] {
        for path in [&columns_of(&board), &cards] {
            let answer = host.post(path, json!({"id": bad, "title": "x"})).await;
            let answer = expect(
                answer,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("validation_failed"),
            );
            assert_eq!(answer["error"]["field"], "id", "{answer}");
        }
    }
    assert_eq!(server.snapshot(&board.id, &board.host_token).await, before);
}

#[tokio::test]
async fn a_deleted_card_is_gone_not_missing() {
    let server = TestServer::start().await;
    let board = server.create_board("Tidy", "Tim").await;
    let host = caller(&server, &board.host_token);
    let mut socket = server.socket(&board.id, &board.host_token, None).await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let cards = format!("/api/columns/{column}/cards");

    // A card created with a client id, then deleted: its create sent again is gone, not a new card.
    let card = new_id();
    let body = json!({"id": card, "title": "Short-lived"});
    expect(
        host.post(&cards, body.clone()).await,
        StatusCode::CREATED,
        None,
    );
    let the_card = format!("/api/cards/{card}");
    expect(host.delete(&the_card).await, StatusCode::NO_CONTENT, None);
    let trash = format!("/api/boards/{}/trash", board.id);
    expect(host.delete(&trash).await, StatusCode::NO_CONTENT, None);
    socket.events_until(6).await;
    let before = server.snapshot(&board.id, &board.host_token).await;
    gone(host.post(&cards, body).await);
    // Edits and deletes of it tell "deleted" apart from "never existed".
    let edit = json!({"title": "Late edit", "version": 1});
    gone(host.patch(&the_card, edit.clone()).await);
    gone(host.delete(&the_card).await);
    let never = format!("/api/cards/{}", new_id());
    expect(
        host.patch(&never, edit.clone()).await,
        StatusCode::NOT_FOUND,
        Some("not_found"),
    );
    // Outsiders learn nothing: to another board's member it is not found, as any card of this board is.
    let other = server.create_board("Elsewhere", "Eve").await;
    let eve = caller(&server, &other.host_token);
    expect(
        eve.patch(&the_card, edit).await,
        StatusCode::NOT_FOUND,
        Some("not_found"),
    );
    expect(
        eve.delete(&the_card).await,
        StatusCode::NOT_FOUND,
        Some("not_found"),
    );

    assert_eq!(server.snapshot(&board.id, &board.host_token).await, before);
    next_event_is_the_next_change(&server, &board, &mut socket).await;
}

#[tokio::test]
async fn a_deleted_column_takes_its_cards_ids_with_it() {
    let server = TestServer::start().await;
    let board = server.create_board("Tidy", "Tim").await;
    let mo = caller(&server, &server.join(&board.room_code, "Mo").await.token);
    let host = caller(&server, &board.host_token);
    let mut socket = server.socket(&board.id, &board.host_token, None).await;
    let column_body = json!({"id": new_id(), "title": "Brief"});
    let column = str_of(
        &expect(
            mo.post(&columns_of(&board), column_body.clone()).await,
            StatusCode::CREATED,
            None,
        )["id"],
    );
    let cards = format!("/api/columns/{column}/cards");
    let named = new_id();
    let named_body = json!({"id": named, "title": "Client-named"});
    expect(
        mo.post(&cards, named_body.clone()).await,
        StatusCode::CREATED,
        None,
    );
    let unnamed = str_of(
        &expect(
            mo.post(&cards, json!({"title": "Server-named"})).await,
            StatusCode::CREATED,
            None,
        )["id"],
    );

    // The host deletes the column, and its cards with it, for good (to the trash, then the trash emptied).
    let the_column = format!("/api/columns/{column}");
    expect(host.delete(&the_column).await, StatusCode::NO_CONTENT, None);
    let trash = format!("/api/boards/{}/trash", board.id);
    expect(host.delete(&trash).await, StatusCode::NO_CONTENT, None);
    socket.events_until(8).await;
    let before = server.snapshot(&board.id, &board.host_token).await;

    // Mo's queued changes to any of them find them gone, whoever created them and however they were named.
    for card in [&named, &unnamed] {
        let path = format!("/api/cards/{card}");
        gone(mo.patch(&path, json!({"title": "Late edit"})).await);
        gone(mo.delete(&path).await);
    }
    gone(mo.post(&cards, named_body).await);
    gone(mo.post(&columns_of(&board), column_body.clone()).await);
    gone(mo.patch(&the_column, json!({"title": "Back"})).await);
    gone(mo.delete(&the_column).await);
    // Nothing new goes into the deleted column either.
    gone(
        mo.post(&cards, json!({"id": new_id(), "title": "Into the void"}))
            .await,
    );
    gone(mo.post(&cards, json!({"title": "No id"})).await);
    // On another board the column's id is simply taken.
    let other = server.create_board("Elsewhere", "Eve").await;
    taken(
        caller(&server, &other.host_token)
            .post(&columns_of(&other), column_body)
            .await,
    );

    assert_eq!(server.snapshot(&board.id, &board.host_token).await, before);
    next_event_is_the_next_change(&server, &board, &mut socket).await;
}
