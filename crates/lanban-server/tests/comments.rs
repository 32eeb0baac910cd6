//! Comments on cards (docs/protocol.md §6.23–§6.25), over real HTTP and sockets: written by any member and seen
//! live by everyone; edited by their author only; deleted by their author or the host; sent again with the same
//! id, the same comment; kept when their author is removed; gone with their card; validated with nothing written.

mod common;

use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_comment_edit_their_own_and_the_host_moderates_live() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let card = server.card_on(&board).await;
    let mut hana = server.socket(&board.id, &board.host_token, None).await;

    // Bea writes a comment with an id she chose; Hana sees it live.
    let id = Uuid::now_v7().to_string();
    let body = json!({"id": id, "body": "  Looks good, @Hana: **ship** it\n\n"});
    let path = format!("/api/cards/{card}/comments");
    let (status, written) = server
        .call(Method::POST, &path, Some(&bea.token), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
    assert_eq!(written["body"], "Looks good, @Hana: **ship** it");
    assert_eq!(written["author_id"], bea.id.as_str());
    assert_eq!(written["card_id"], card.as_str());
    assert_eq!(written["created_at"], written["updated_at"]);
    let event = hana.next_event().await;
    assert_eq!(event["kind"], "comment.created");
    assert_eq!(event["data"], written);
    assert_eq!(event["actor"], bea.id.as_str());

    // The same create again is the same comment, and no event.
    let (status, again) = server
        .call(Method::POST, &path, Some(&bea.token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, written);

    // Only Bea edits it; Hana, the host, may not.
    let comment_path = format!("/api/comments/{id}");
    let (status, refused) = server
        .call(
            Method::PATCH,
            &comment_path,
            Some(&board.host_token),
            Some(json!({"body": "Hana's words"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let edited = server
        .ok(
            Method::PATCH,
            &comment_path,
            &bea.token,
            Some(json!({"body": "Looks good, ship it"})),
        )
        .await;
    assert_eq!(edited["body"], "Looks good, ship it");
    assert_ne!(edited["updated_at"], written["updated_at"]);
    let event = hana.next_event().await;
    assert_eq!(event["kind"], "comment.updated");
    assert_eq!(event["data"], edited);

    // Hana's own comment: Bea may not delete it; Hana, as host, deletes Bea's.
    let hanas = server
        .ok(
            Method::POST,
            &path,
            &board.host_token,
            Some(json!({"body": "Thanks"})),
        )
        .await;
    hana.next_event().await;
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", str_of(&hanas["id"])),
            Some(&bea.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    assert_eq!(snapshot["comments"], json!([edited, hanas]));
    let (status, _) = server
        .call(Method::DELETE, &comment_path, Some(&board.host_token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let event = hana.next_event().await;
    assert_eq!(event["kind"], "comment.deleted");
    assert_eq!(event["data"], json!({"id": id}));
    // Sent again after the delete: gone, not written anew.
    let (status, error) = server
        .call(
            Method::POST,
            &path,
            Some(&bea.token),
            Some(json!({"id": id, "body": "Looks good"})),
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{error}");
    assert_eq!(error["error"]["code"], "gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_members_comments_stay_and_a_cards_comments_go_with_it() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let cy = server.join(&board.room_code, "Cy").await;
    let card = server.card_on(&board).await;
    let path = format!("/api/cards/{card}/comments");
    let cys = server
        .ok(
            Method::POST,
            &path,
            &cy.token,
            Some(json!({"body": "On it"})),
        )
        .await;
    // A mention of someone who is not (or no longer) on the board is only text.
    let mention = server
        .ok(
            Method::POST,
            &path,
            &board.host_token,
            Some(json!({"body": "@Cy thanks"})),
        )
        .await;
    server
        .ok(
            Method::DELETE,
            &format!("/api/boards/{}/members/{}", board.id, cy.id),
            &board.host_token,
            None,
        )
        .await;
    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["comments"], json!([cys, mention]));

    // Refused with nothing written: empty, too long, control characters, unknown fields.
    for body in [
        json!({"body": " \n "}),
        json!({"body": "x".repeat(5001)}),
        json!({"body": "bell \u{7}"}),
        json!({"body": "hi", "pinned": true}),
    ] {
        let (status, error) = server
            .call(Method::POST, &path, Some(&board.host_token), Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    }
    let seq = snapshot["seq"].clone();
    assert_eq!(
        server.snapshot(&board.id, &board.host_token).await["seq"],
        seq
    );

    // In the trash, the card keeps its comments; deleted for good, it takes them; writing on it is then gone.
    let mut socket = server.socket(&board.id, &board.host_token, None).await;
    server
        .ok(
            Method::DELETE,
            &format!("/api/cards/{card}"),
            &board.host_token,
            None,
        )
        .await;
    assert_eq!(socket.next_event().await["kind"], "card.updated");
    let kept = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(kept["comments"], snapshot["comments"]);
    let trash = format!("/api/boards/{}/trash", board.id);
    server
        .ok(Method::DELETE, &trash, &board.host_token, None)
        .await;
    assert_eq!(socket.next_event().await["kind"], "card.deleted");
    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["comments"], json!([]));
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", str_of(&mention["id"])),
            Some(&board.host_token),
            Some(json!({"body": "edited"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = server
        .call(
            Method::POST,
            &path,
            Some(&board.host_token),
            Some(json!({"body": "late"})),
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{error}");
}
