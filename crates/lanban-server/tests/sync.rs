//! Rooms and events: every committed change reaches every member of its board, in seq order, exactly once,
//! and no one else; failed changes emit nothing; missed events are replayed; presence is shared.

mod common;

use common::{TestServer, str_of};
use lanban_core::api::Snapshot;
use lanban_core::event::{Event, ServerMessage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

/// Applies wire events to a snapshot with the shared mirror logic.
fn mirror(snapshot: &Value, events: &[Value]) -> Snapshot {
    let mut state: Snapshot = serde_json::from_value(snapshot.clone()).unwrap();
    for event in events {
        let ServerMessage::Event(event) =
            serde_json::from_value::<ServerMessage>(event.clone()).unwrap()
        else {
            panic!("not an event: {event}");
        };
        state.apply(&event).unwrap();
    }
    state
}

#[tokio::test]
async fn every_mutation_reaches_every_member_of_its_room_in_order_and_no_one_else() {
    let server = TestServer::start().await;
    // The host creates the launch board; Alice and Bob join it with the code. Carol is on another board.
    let launch = server.create_board("Launch", "Hana").await;
    let alice = server.join(&launch.room_code, "Alice").await;
    let bob = server
        .join(&launch.room_code.to_lowercase().replace('-', ""), "Bob")
        .await;
    let garden = server.create_board("Garden", "Gus").await;
    let carol = server.join(&garden.room_code, "Carol").await;

    let start = server.snapshot(&launch.id, &launch.host_token).await;
    assert_eq!(
        start["seq"], 4,
        "board.created, the host's join, Alice's join, Bob's join"
    );
    let mut sockets = vec![
        server.socket(&launch.id, &launch.host_token, None).await,
        server.socket(&launch.id, &alice.token, None).await,
        server.socket(&launch.id, &bob.token, None).await,
    ];
    let mut carol_socket = server.socket(&garden.id, &carol.token, None).await;
    for socket in &sockets {
        assert_eq!(socket.hello["seq"], 4);
        assert_eq!(socket.hello["board_id"], launch.id.as_str());
    }

    // Every kind of mutation, by different members.
    let b = &launch.id;
    server
        .ok(
            Method::PATCH,
            &format!("/api/boards/{b}"),
            &alice.token,
            Some(json!({"name": "Launch v2"})),
        )
        .await;
    let todo = server.add_column(b, &alice.token, "Todo").await;
    let done = server.add_column(b, &bob.token, "Done").await;
    let doing = server
        .ok(
            Method::POST,
            &format!("/api/boards/{b}/columns"),
            &launch.host_token,
            Some(json!({"title": "Doing", "after": todo["id"], "before": done["id"]})),
        )
        .await;
    server
        .ok(
            Method::PATCH,
            &format!("/api/columns/{}", done["id"].as_str().unwrap()),
            &alice.token,
            Some(json!({"title": "Shipped"})),
        )
        .await;
    let todo_id = str_of(&todo["id"]);
    let card = server
        .add_card(
            &todo_id,
            &bob.token,
            json!({"title": "Write the plan", "labels": [{"name": "docs", "color": "#3B82F6"}],
            "assignee_id": bob.id, "due_date": "2026-12-01"}),
        )
        .await;
    assert_eq!(card["labels"][0]["color"], "#3b82f6");
    let card_id = str_of(&card["id"]);
    server
        .ok(
            Method::PATCH,
            &format!("/api/cards/{card_id}"),
            &alice.token,
            Some(json!({"column_id": doing["id"], "description": "# Plan\n- one", "version": 1})),
        )
        .await;
    let scrap = server
        .add_card(&todo_id, &alice.token, json!({"title": "Scrap"}))
        .await;
    server
        .ok(
            Method::DELETE,
            &format!("/api/cards/{}", str_of(&scrap["id"])),
            &alice.token,
            None,
        )
        .await;
    server
        .ok(
            Method::DELETE,
            &format!("/api/columns/{todo_id}"),
            &bob.token,
            None,
        )
        .await;
    server
        .ok(
            Method::POST,
            &format!("/api/boards/{b}/room-code"),
            &launch.host_token,
            None,
        )
        .await;
    // The host removes Bob: his card is unassigned first, then he is removed and his socket closes.
    server
        .ok(
            Method::DELETE,
            &format!("/api/boards/{b}/members/{}", bob.id),
            &launch.host_token,
            None,
        )
        .await;
    let last = server.snapshot(b, &launch.host_token).await["seq"]
        .as_u64()
        .unwrap();
    assert_eq!(last, 4 + 13);

    let log = server
        .ok(
            Method::GET,
            &format!("/api/boards/{b}/events?since=4"),
            &launch.host_token,
            None,
        )
        .await;
    let log: Vec<Value> = log["events"].as_array().unwrap().clone();
    assert_eq!(
        kinds(&log),
        [
            "board.updated",
            "column.created",
            "column.created",
            "column.created",
            "column.updated",
            "card.created",
            "card.updated",
            "card.created",
            "card.deleted",
            "column.deleted",
            "room_code.rotated",
            "card.updated",
            "member.removed",
        ]
    );
    assert_eq!(seqs(&log), (5..=last).collect::<Vec<_>>());

    // Each member of the room saw exactly the log, in order, once.
    for socket in &mut sockets {
        let seen = socket.events_until(last).await;
        assert_eq!(seen, log);
    }
    // Bob's socket was closed for him after the removal event.
    let frame = sockets[2].close_frame().await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 4001);

    // The events rebuild the board exactly.
    let mirrored = mirror(&start, &log);
    let now: Snapshot =
        serde_json::from_value(server.snapshot(b, &launch.host_token).await).unwrap();
    assert_eq!(mirrored, now);
    assert_eq!(now.members.len(), 2, "Hana and Alice remain");
    assert_eq!(now.cards.len(), 1);
    assert_eq!(
        now.cards[0].assignee_id, None,
        "Bob's card was unassigned when he left"
    );
    assert_eq!(now.cards[0].version, 3);
    let titles: Vec<&str> = now.columns.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Doing", "Shipped"]);

    // Carol, on the other board, saw none of it: her next event is her own board's next change.
    server.add_column(&garden.id, &carol.token, "Ideas").await;
    let first = carol_socket.next_event().await;
    assert_eq!(first["kind"], "column.created");
    assert_eq!(
        first["seq"], 4,
        "garden: board.created, Gus joined, Carol joined, then this"
    );
}

#[tokio::test]
async fn a_failed_mutation_emits_nothing_and_changes_nothing() {
    let server = TestServer::start().await;
    let board = server.create_board("Ops", "Olga").await;
    let other = server.create_board("Elsewhere", "Eve").await;
    let token = board.host_token.clone();
    let todo = server.add_column(&board.id, &token, "Todo").await;
    let todo_id = str_of(&todo["id"]);
    let card = server
        .add_card(&todo_id, &token, json!({"title": "Keep"}))
        .await;
    let card_id = str_of(&card["id"]);
    let foreign_column = server
        .add_column(&other.id, &other.host_token, "Theirs")
        .await;
    let foreign_card = server
        .add_card(
            &str_of(&foreign_column["id"]),
            &other.host_token,
            json!({"title": "x"}),
        )
        .await;
    let mut socket = server.socket(&board.id, &token, None).await;
    let before = server.snapshot(&board.id, &token).await;

    let refused: Vec<(Method, String, Value, StatusCode)> = vec![
        (
            Method::POST,
            format!("/api/columns/{todo_id}/cards"),
            json!({"title": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            format!("/api/columns/{todo_id}/cards"),
            json!({"title": "a", "labels": [{"name": "x", "color": "red"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            format!("/api/columns/{todo_id}/cards"),
            json!({"title": "a", "after": foreign_card["id"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            format!("/api/columns/{todo_id}/cards"),
            json!({"title": "a", "assignee_id": other.host_member}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/cards/{card_id}"),
            json!({"column_id": foreign_column["id"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/cards/{card_id}"),
            json!({"title": "new", "version": 7}),
            StatusCode::CONFLICT,
        ),
        (
            Method::PATCH,
            format!("/api/cards/{card_id}"),
            json!({"title": "new", "bogus": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/cards/{card_id}"),
            json!({"title": null}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/cards/{card_id}"),
            json!({"due_date": "2026-13-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/columns/{todo_id}"),
            json!({"title": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PATCH,
            format!("/api/boards/{}", board.id),
            json!({"name": "a\u{0}b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::DELETE,
            format!("/api/cards/{}", str_of(&foreign_card["id"])),
            Value::Null,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/boards/{}/members/{}", board.id, board.host_member),
            Value::Null,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (method, path, body, want) in refused {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = server.call(method.clone(), &path, Some(&token), body).await;
        assert_eq!(status, want, "{method} {path}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    assert_eq!(server.snapshot(&board.id, &token).await, before);

    // The next event anyone sees is the next successful change, with the next seq.
    server
        .ok(
            Method::PATCH,
            &format!("/api/cards/{card_id}"),
            &token,
            Some(json!({"title": "Kept", "version": 1})),
        )
        .await;
    let event = socket.next_event().await;
    assert_eq!(event["kind"], "card.updated");
    assert_eq!(event["seq"], before["seq"].as_u64().unwrap() + 1);
    assert_eq!(event["data"]["version"], 2);
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

    // While Max is away, the host adds 25 cards.
    for i in 0..25 {
        server
            .add_card(
                &column,
                &board.host_token,
                json!({"title": format!("card {i}")}),
            )
            .await;
    }

    // Max reconnects from where he was: the hello says where the board is, then exactly the 25 follow.
    let mut socket = server.socket(&board.id, &member.token, Some(away_at)).await;
    assert_eq!(socket.hello["seq"].as_u64().unwrap(), away_at + 25);
    let replayed = socket.events_until(away_at + 25).await;
    assert_eq!(
        seqs(&replayed),
        (away_at + 1..=away_at + 25).collect::<Vec<_>>()
    );
    assert!(replayed.iter().all(|e| e["kind"] == "card.created"));

    // Live events follow the replay without a gap or a repeat.
    server
        .add_card(&column, &board.host_token, json!({"title": "live"}))
        .await;
    let live = socket.next_event().await;
    assert_eq!(live["seq"].as_u64().unwrap(), away_at + 26);

    // The same events come from /events, in pages.
    let page = server
        .ok(
            Method::GET,
            &format!("/api/boards/{}/events?since={away_at}&limit=10", board.id),
            &member.token,
            None,
        )
        .await;
    assert_eq!(
        seqs(page["events"].as_array().unwrap()),
        (away_at + 1..=away_at + 10).collect::<Vec<_>>()
    );
    assert_eq!(page["seq"].as_u64().unwrap(), away_at + 26);
    assert_eq!(page["events"][0], replayed[0]);

    // A client claiming to be ahead of the board is told to resync.
    let mut ahead = server
        .try_socket(&board.id, &member.token, Some(away_at + 1000))
        .await
        .unwrap();
    assert_eq!(ahead.next_json().await["type"], "hello");
    let resync = ahead.next_json().await;
    assert_eq!(resync, json!({"type": "resync", "seq": away_at + 26}));
    assert_eq!(u16::from(ahead.close_frame().await.unwrap().code), 4002);
}

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

    // A message that is not a valid client message closes the socket with 1008.
    pia.send_json(json!({"type": "presence", "viewing_card": "nope"}))
        .await;
    assert_eq!(u16::from(pia.close_frame().await.unwrap().code), 1008);
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

#[tokio::test]
async fn a_silent_peer_is_dropped_and_shutdown_closes_sockets() {
    let mut server = TestServer::start_with(|config| {
        config.ping_interval = std::time::Duration::from_millis(100);
        config.idle_timeout = std::time::Duration::from_millis(400);
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
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    assert_eq!(u16::from(silent.close_frame().await.unwrap().code), 4003);

    server.stop().await;
    assert_eq!(reader.await.unwrap(), Some(1001));
}

#[tokio::test]
async fn events_are_typed_the_same_on_both_paths() {
    let server = TestServer::start().await;
    let board = server.create_board("Typed", "Ty").await;
    let page = server
        .ok(
            Method::GET,
            &format!("/api/boards/{}/events", board.id),
            &board.host_token,
            None,
        )
        .await;
    let page: lanban_core::api::EventsPage = serde_json::from_value(page).unwrap();
    assert_eq!(page.seq, 2);
    let kinds: Vec<&str> = page
        .events
        .iter()
        .map(|e: &Event| e.change.kind())
        .collect();
    assert_eq!(kinds, ["board.created", "member.joined"]);
    assert_eq!(page.events[0].actor.to_string(), board.host_member);
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
    for burst in 0..20 {
        let mut socket = server.socket(&board.id, &board.host_token, None).await;
        let path = format!("/api/columns/{column}/cards");
        let creates = (0..100).map(|i| {
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
            assert_eq!(u16::from(socket.close_frame().await.unwrap().code), 4002);
            break;
        }
    }
    assert!(told.is_some(), "no burst outran a one-message room buffer");
}
