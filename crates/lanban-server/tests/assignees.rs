//! Several members on a card (docs/protocol.md §3, §6.13, §6.14), over real HTTP and sockets: a card made with two
//! assignees (one named twice counts once), the list replaced by an edit and seen live, a removed member taken off
//! every card they were on (each card's event before `member.removed`), refusals that write nothing.

mod common;

use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_carries_several_people_and_loses_one_who_leaves() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let cy = server.join(&board.room_code, "Cy").await;
    let column = str_of(&server.add_column(&board.id, &bea.token, "Todo").await["id"]);
    let hana = board.host_member.clone();

    // Made with Bea and Hana (Bea named twice): the list keeps the order, each once.
    let card = server
        .add_card(
            &column,
            &bea.token,
            json!({"title": "Plan", "assignee_ids": [bea.id, hana, bea.id]}),
        )
        .await;
    assert_eq!(card["assignee_ids"], json!([bea.id, hana]));
    let path = format!("/api/cards/{}", str_of(&card["id"]));
    let mut socket = server.socket(&board.id, &board.host_token, None).await;

    // Bea adds Cy; Hana sees the whole list live.
    let edited = server
        .ok(
            Method::PATCH,
            &path,
            &bea.token,
            Some(json!({"assignee_ids": [bea.id, hana, cy.id]})),
        )
        .await;
    let event = socket.next_event().await;
    assert_eq!(
        (event["kind"].clone(), event["data"].clone()),
        (json!("card.updated"), edited.clone())
    );
    assert_eq!(edited["assignee_ids"], json!([bea.id, hana, cy.id]));

    // Refused with nothing written: someone not on the board, more than 20.
    let seq = server.snapshot(&board.id, &bea.token).await["seq"].clone();
    let stranger = uuid::Uuid::now_v7().to_string();
    let (status, refused) = server
        .call(
            Method::PATCH,
            &path,
            Some(&bea.token),
            Some(json!({"assignee_ids": [bea.id, stranger]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "assignee_ids[1]");
    let many: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let (status, refused) = server
        .call(
            Method::PATCH,
            &path,
            Some(&bea.token),
            Some(json!({"assignee_ids": many})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "assignee_ids");
    assert_eq!(server.snapshot(&board.id, &bea.token).await["seq"], seq);

    // Hana removes Cy: the card loses Cy (its event first), the others stay on it.
    server
        .ok(
            Method::DELETE,
            &format!("/api/boards/{}/members/{}", board.id, cy.id),
            &board.host_token,
            None,
        )
        .await;
    let event = socket.next_event().await;
    assert_eq!(event["kind"], "card.updated");
    assert_eq!(event["data"]["assignee_ids"], json!([bea.id, hana]));
    assert_eq!(socket.next_event().await["kind"], "member.removed");

    // `null` (or `[]`) unassigns everyone.
    let cleared = server
        .ok(
            Method::PATCH,
            &path,
            &bea.token,
            Some(json!({"assignee_ids": null})),
        )
        .await;
    assert_eq!(cleared["assignee_ids"], json!([]));
}
