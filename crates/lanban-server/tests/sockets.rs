//! Sockets over time: a client that was away catches up exactly what it missed, presence is shared, a silent
//! peer is dropped, shutdown closes every socket, and a socket that falls behind is told to resync.

mod common;

use std::time::Duration;

use common::{TestServer, str_of};
use lanban_core::event::close_code;
use reqwest::Method;
use serde_json::{Value, json};

/// Cards the host adds while Max is away.
const MISSED: u64 = 25;
/// Events per page Max asks `/events` for.
const PAGE: u64 = 10;
/// How far ahead of the board a confused client claims to be.
const AHEAD: u64 = 1000;
/// How often the server pings in the silent-peer test.
const PING_INTERVAL: Duration = Duration::from_millis(100);
/// How long the server waits, in that test, to hear from a peer before dropping it.
const IDLE_TIMEOUT: Duration = Duration::from_millis(400);
/// How long the silent peer stays silent: more than the idle timeout and a ping interval.
const SILENCE: Duration = Duration::from_millis(900);
/// Bursts of concurrent changes thrown at a one-message room buffer, at most.
const BURSTS: usize = 20;
/// Concurrent changes per burst.
const BURST_SIZE: usize = 100;

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn a_client_that_was_away_catches_up_exactly_what_it_missed() {
    let server = TestServer::start().await;
    let board = server.create_board("Catch-up", "Cat").await;
    let member = server.join(&board.room_code, "Max").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );

    let socket = server.socket(&board.id, &member.token, None).await;
    let away_at = socket.hello["seq"].as_u64().unwrap();
    drop(socket);

    // While Max is away, the host adds cards.
    for i in 0..MISSED {
        server
            .add_card(
                &column,
                &board.host_token,
                json!({"title": format!("card {i}")}),
            )
            .await;
    }

    // Max reconnects from where he was: the hello says where the board is, then exactly the missed cards follow.
    let mut socket = server.socket(&board.id, &member.token, Some(away_at)).await;
    assert_eq!(socket.hello["seq"].as_u64().unwrap(), away_at + MISSED);
    let replayed = socket.events_until(away_at + MISSED).await;
    assert_eq!(
        seqs(&replayed),
        (away_at + 1..=away_at + MISSED).collect::<Vec<_>>()
    );
    assert!(replayed.iter().all(|e| e["kind"] == "card.created"));

    // Live events follow the replay without a gap or a repeat.
    server
        .add_card(&column, &board.host_token, json!({"title": "live"}))
        .await;
    let live = socket.next_event().await;
    assert_eq!(live["seq"].as_u64().unwrap(), away_at + MISSED + 1);

    // The same events come from /events, in pages.
    let page = server
        .ok(
            Method::GET,
            &format!(
                "/api/boards/{}/events?since={away_at}&limit={PAGE}",
                board.id
            ),
            &member.token,
            None,
        )
        .await;
    assert_eq!(
        seqs(page["events"].as_array().unwrap()),
        (away_at + 1..=away_at + PAGE).collect::<Vec<_>>()
    );
    assert_eq!(page["seq"].as_u64().unwrap(), away_at + MISSED + 1);
    assert_eq!(page["events"][0], replayed[0]);

    // A client claiming to be ahead of the board is told to resync.
    let mut ahead = server
        .try_socket(&board.id, &member.token, Some(away_at + AHEAD))
        .await
        .unwrap();
    assert_eq!(ahead.next_json().await["type"], "hello");
    let resync = ahead.next_json().await;
    assert_eq!(
        resync,
        json!({"type": "resync", "seq": away_at + MISSED + 1})
    );
    assert_eq!(
        u16::from(ahead.close_frame().await.unwrap().code),
        close_code::RESYNC
    );
}

#[tokio::test]
async fn presence_is_shared_with_everyone_in_the_room() {
    let server = TestServer::start().await;
    let board = server.create_board("Presence", "Pia").await;
    let member = server.join(&board.room_code, "Quinn").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let card = str_of(
        &server
            .add_card(&column, &board.host_token, json!({"title": "Look"}))
            .await["id"],
    );

    let mut pia = server.socket(&board.id, &board.host_token, None).await;
    assert_eq!(
        pia.next_presence().await["members"],
        json!([{"member_id": board.host_member, "viewing_card": null}])
    );
    let mut quinn = server.socket(&board.id, &member.token, None).await;
    let both = pia.next_presence().await;
    assert_eq!(both["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        quinn.next_presence().await,
        both,
        "the newcomer gets the same list"
    );

    // Quinn opens the card; everyone, Quinn included, hears it.
    quinn
        .send_json(json!({"type": "presence", "viewing_card": card}))
        .await;
    for socket in [&mut pia, &mut quinn] {
        let update = socket.next_presence().await;
        let entry = update["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["member_id"] == member.id.as_str())
            .cloned();
        assert_eq!(entry.unwrap()["viewing_card"], card.as_str());
    }

    // Quinn leaves; Pia sees only herself.
    quinn.ws.close(None).await.unwrap();
    let after = pia.next_presence().await;
    assert_eq!(
        after["members"],
        json!([{"member_id": board.host_member, "viewing_card": null}])
    );

    // A message that is not a valid client message closes the socket as a policy violation.
    pia.send_json(json!({"type": "presence", "viewing_card": "nope"}))
        .await;
    assert_eq!(
        u16::from(pia.close_frame().await.unwrap().code),
        close_code::POLICY_VIOLATION
    );
}

#[tokio::test]
async fn a_silent_peer_is_dropped_and_shutdown_closes_sockets() {
    let mut server = TestServer::start_with(|config| {
        config.ping_interval = PING_INTERVAL;
        config.idle_timeout = IDLE_TIMEOUT;
    })
    .await;
    let board = server.create_board("Pings", "Pat").await;
    let member = server.join(&board.room_code, "Sam").await;

    // A peer that reads nothing never answers pings (the client library answers only when read): dropped.
    let mut silent = server
        .try_socket(&board.id, &member.token, None)
        .await
        .unwrap();
    // A peer that keeps reading answers every ping and stays.
    let mut lively = server.socket(&board.id, &board.host_token, None).await;
    let reader = tokio::spawn(async move {
        // Reads until the server closes it at shutdown; returns the close code.
        lively.close_frame().await.map(|f| u16::from(f.code))
    });
    // Reading would answer the pings, so the silent peer is left alone for longer than the idle timeout.
    tokio::time::sleep(SILENCE).await;
    assert_eq!(
        u16::from(silent.close_frame().await.unwrap().code),
        close_code::IDLE
    );

    server.stop().await;
    assert_eq!(reader.await.unwrap(), Some(close_code::GOING_AWAY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_falls_behind_is_told_to_resync_instead_of_growing_a_queue() {
    // A room that buffers a single message: bursts of concurrent changes outrun any socket.
    let server = TestServer::start_with(|config| config.room_buffer = 1).await;
    let board = server.create_board("Bursty", "Bo").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    let mut told = None;
    for burst in 0..BURSTS {
        let mut socket = server.socket(&board.id, &board.host_token, None).await;
        let path = format!("/api/columns/{column}/cards");
        let creates = (0..BURST_SIZE).map(|i| {
            server.call(
                Method::POST,
                &path,
                Some(&board.host_token),
                Some(json!({"title": format!("burst {burst} card {i}")})),
            )
        });
        let results = futures_util::future::join_all(creates).await;
        assert!(results.iter().all(|(status, _)| status.is_success()));
        let last = server.snapshot(&board.id, &board.host_token).await["seq"]
            .as_u64()
            .unwrap();
        // Read until the socket has everything, or is told to resync.
        loop {
            let message = socket.next_json().await;
            match message["type"].as_str() {
                Some("resync") => {
                    told = Some(message);
                    break;
                }
                Some("event") if message["seq"].as_u64() == Some(last) => break,
                _ => {}
            }
        }
        if let Some(resync) = &told {
            assert!(resync["seq"].as_u64().unwrap() <= last);
            assert_eq!(
                u16::from(socket.close_frame().await.unwrap().code),
                close_code::RESYNC
            );
            break;
        }
    }
    assert!(told.is_some(), "no burst outran a one-message room buffer");
}
