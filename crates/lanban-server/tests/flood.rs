//! One member flooding presence changes costs only themself (docs/protocol.md §9.4): each socket's presence reaches
//! the room at most 4 times a second, coalesced to the latest, so an honest member's socket is never pushed past
//! the room buffer into a resync, and still gets every event and the flooder's final presence.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, str_of};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Presence changes the flooder sends, as fast as the socket takes them.
const FLOOD: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presence_flood_costs_only_the_flooder() {
    // A small room buffer, so a flood that reached the room would push the honest socket past it at once.
    let server = TestServer::start_with(|config| config.room_buffer = 32).await;
    let board = server.create_board("Flooded", "Hana").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let card = str_of(
        &server
            .add_card(&column, &board.host_token, json!({"title": "Watched"}))
            .await["id"],
    );
    let flooder = server.join(&board.room_code, "Flo").await;
    let mut honest = server.socket(&board.id, &board.host_token, None).await;
    let mut flood = server.socket(&board.id, &flooder.token, None).await;

    let started = Instant::now();
    for i in 0..FLOOD {
        let viewing = if i % 2 == 0 {
            Value::Null
        } else {
            json!(uuid::Uuid::now_v7().to_string())
        };
        let text = json!({"type": "presence", "viewing_card": viewing}).to_string();
        flood
            .ws
            .send(Message::Text(text.into()))
            .await
            .expect("sent");
    }
    // The last word: Flo views the card.
    flood
        .send_json(json!({"type": "presence", "viewing_card": card}))
        .await;
    let flooded_for = started.elapsed();
    // A change during the flood reaches the honest socket, which is never told to resync.
    let added = server
        .add_card(&column, &flooder.token, json!({"title": "Still live"}))
        .await;

    let mut presences = 0;
    let mut saw_card = false;
    let mut last = Value::Null;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while tokio::time::Instant::now() < deadline {
        let Ok(message) =
            tokio::time::timeout(Duration::from_millis(600), honest.next_json()).await
        else {
            if saw_card {
                break;
            }
            continue;
        };
        assert_ne!(
            message["type"], "resync",
            "the honest socket was pushed out: {message}"
        );
        match message["type"].as_str() {
            Some("presence") => {
                presences += 1;
                last = message;
            }
            Some("event") if message["data"]["id"] == added["id"] => saw_card = true,
            _ => {}
        }
    }
    assert!(
        saw_card,
        "the honest socket missed the event sent during the flood"
    );
    // At most one presence per 250 ms from the flooder (and a few from the sockets coming and going).
    let allowed = (started.elapsed().as_millis() / 250) as usize + 4;
    assert!(
        presences <= allowed,
        "{presences} presence messages reached the room in {:?} (flooded for {flooded_for:?})",
        started.elapsed()
    );
    let flo = last["members"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["member_id"] == flooder.id.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        flo["viewing_card"],
        card.as_str(),
        "the flooder's latest presence: {last}"
    );
}
