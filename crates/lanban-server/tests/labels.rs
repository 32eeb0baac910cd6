//! Board labels (docs/protocol.md §3, §6.33–§6.35), over real HTTP and sockets: labels are defined once per board
//! and a card carries only those, with the board's colour; renaming or recolouring one changes it on every card
//! (board.updated, then each card's card.updated), removing it takes it off them; defining a name twice is the
//! same label; refusals write nothing.

mod common;

use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn label_names(card: &Value) -> Vec<String> {
    card["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| format!("{}{}", str_of(&l["name"]), str_of(&l["color"])))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_are_defined_once_and_renamed_everywhere() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let column = str_of(&server.add_column(&board.id, &bea.token, "Todo").await["id"]);
    let labels = format!("/api/boards/{}/labels", board.id);

    // Bea defines two labels; the board lists them in order.
    for (name, color) in [("bug", "#ef4444"), ("ux", "#3b82f6")] {
        server
            .ok(
                Method::POST,
                &labels,
                &bea.token,
                Some(json!({"name": name, "color": color})),
            )
            .await;
    }
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    assert_eq!(
        snapshot["board"]["labels"],
        json!([{"name": "bug", "color": "#ef4444"}, {"name": "ux", "color": "#3b82f6"}])
    );
    // The same name again (any case) is the same label: no event.
    let again = server
        .ok(
            Method::POST,
            &labels,
            &bea.token,
            Some(json!({"name": "BUG", "color": "#000000"})),
        )
        .await;
    assert_eq!(again["labels"], snapshot["board"]["labels"]);
    assert_eq!(
        server.snapshot(&board.id, &bea.token).await["seq"],
        snapshot["seq"]
    );

    // A card carries the board's labels, with the board's colour whatever it was sent with.
    let card = server
        .add_card(
            &column,
            &bea.token,
            json!({"title": "Fix login", "labels": [{"name": "Bug", "color": "#000000"}, {"name": "ux", "color": "#3b82f6"}]}),
        )
        .await;
    assert_eq!(label_names(&card), ["bug#ef4444", "ux#3b82f6"]);
    let other = server
        .add_card(
            &column,
            &bea.token,
            json!({"title": "Icons", "labels": [{"name": "ux", "color": "#3b82f6"}]}),
        )
        .await;
    // A label the board does not define is refused, and nothing is written.
    let seq = server.snapshot(&board.id, &bea.token).await["seq"].clone();
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("/api/columns/{column}/cards"),
            Some(&bea.token),
            Some(json!({"title": "x", "labels": [{"name": "ux", "color": "#3b82f6"}, {"name": "nope", "color": "#3b82f6"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "labels[1].name");
    assert_eq!(server.snapshot(&board.id, &bea.token).await["seq"], seq);

    // Hana renames and recolours "bug" (its name in the path, any case): the board, then the one card carrying it.
    let mut socket = server.socket(&board.id, &board.host_token, None).await;
    let renamed = server
        .ok(
            Method::PATCH,
            &format!("{labels}/BUG"),
            &board.host_token,
            Some(json!({"name": "Needs fix", "color": "#f97316"})),
        )
        .await;
    assert_eq!(
        renamed["labels"][0],
        json!({"name": "Needs fix", "color": "#f97316"})
    );
    let first = socket.next_event().await;
    assert_eq!(first["kind"], "board.updated");
    let second = socket.next_event().await;
    assert_eq!(
        (second["kind"].clone(), second["data"]["id"].clone()),
        (json!("card.updated"), card["id"].clone())
    );
    assert_eq!(
        label_names(&second["data"]),
        ["Needs fix#f97316", "ux#3b82f6"]
    );
    // A name with a space travels encoded; renaming onto another label's name is refused.
    let (status, refused) = server
        .call(
            Method::PATCH,
            &format!("{labels}/Needs%20fix"),
            Some(&bea.token),
            Some(json!({"name": "UX"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("{labels}/missing"),
            Some(&bea.token),
            Some(json!({"color": "#000000"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bea removes "ux": it leaves the board and both cards.
    server
        .ok(Method::DELETE, &format!("{labels}/ux"), &bea.token, None)
        .await;
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    assert_eq!(
        snapshot["board"]["labels"],
        json!([{"name": "Needs fix", "color": "#f97316"}])
    );
    let cards = snapshot["cards"].as_array().expect("cards");
    let of = |id: &Value| cards.iter().find(|c| c["id"] == *id).map(label_names);
    assert_eq!(of(&card["id"]), Some(vec!["Needs fix#f97316".to_owned()]));
    assert_eq!(of(&other["id"]), Some(vec![]));
}
