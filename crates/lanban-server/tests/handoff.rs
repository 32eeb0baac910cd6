//! Moving a board to another member's computer: Ann hosts "Launch", offers it to Bea, Bea accepts with her own
//! server's fingerprint and addresses and takes the board's package there; Ann's server keeps the board for
//! reading and refuses every change, while Bea's serves it with the same seq, log and tokens.

mod common;

use common::handoff::{
    accept, address_of, fingerprint_of, import, invalid, log, offer, refused, seq_of,
};
use common::{PATIENCE, TestBoard, TestMember, TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Cards with a long description on the board, so that its package is larger than an ordinary request may be.
const LONG_CARDS: usize = 8;

/// Ann's board with Bea and Cy on it, and a column of cards.
struct Team {
    board: TestBoard,
    bea: TestMember,
    cy: TestMember,
    column: String,
}

async fn team(server: &TestServer) -> Team {
    let board = server.create_board("Launch", "Ann").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let cy = server.join(&board.room_code, "Cy").await;
    let column = str_of(
        &server
            .add_column(&board.id, &board.host_token, "Todo")
            .await["id"],
    );
    for i in 0..LONG_CARDS {
        let description = format!("{i} {}", "notes ".repeat(3000));
        server
            .add_card(
                &column,
                &cy.token,
                json!({"title": format!("Task {i}"), "description": description}),
            )
            .await;
    }
    Team {
        board,
        bea,
        cy,
        column,
    }
}

/// A board that has moved: Bea's acceptance, the package it was answered with, and its `board.moved`.
struct Moved {
    acceptance: Value,
    package: Value,
    /// The seq of `board.moved`.
    at: u64,
    event: Value,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_moves_to_the_member_it_was_offered_to_and_everyone_follows() {
    let ann_server = TestServer::start().await;
    let bea_server = TestServer::start().await;
    let team = team(&ann_server).await;
    let (id, cy) = (&team.board.id, &team.cy);
    // Cy watches the board live on Ann's server.
    let before = seq_of(&ann_server.snapshot(id, &cy.token).await);
    let mut cy_socket = ann_server.socket(id, &cy.token, Some(before)).await;

    // Ann offers the board to Bea, and Bea takes it to her own server.
    let moved = hand_over(&ann_server, &bea_server, &team).await;
    assert_eq!(moved.at, before + 2);

    // Cy's socket on Ann's server got the offer and the move, in order, as ordinary events.
    let live = cy_socket.events_until(moved.at).await;
    let kinds: Vec<&str> = live.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["board.handoff_offered", "board.moved"]);
    assert_eq!(live[1], moved.event);

    // Ann's server refuses every change to the board from now on, and still serves it to read.
    the_old_host_refuses_every_change(&ann_server, &team, &moved).await;
    let old_log = log(&ann_server, id, &cy.token).await;
    assert_eq!(old_log.len() as u64, moved.at);
    assert_eq!(old_log[old_log.len() - 1], moved.event);
    let mut late = ann_server
        .socket(id, &team.board.host_token, Some(moved.at - 1))
        .await;
    assert_eq!(late.next_event().await, moved.event);
    assert_eq!(
        seq_of(&ann_server.snapshot(id, &team.bea.token).await),
        moved.at
    );

    // Bea's server imports the package and serves the board to everyone, from where it was.
    the_new_host_serves_the_board(&bea_server, &team, &moved, &old_log).await;
    drop((cy_socket, late));
    tokio::time::timeout(PATIENCE, async {
        let (mut a, mut b) = (ann_server, bea_server);
        a.stop().await;
        b.stop().await;
    })
    .await
    .expect("both servers stop");
}

/// Ann offers the board to Bea; Bea accepts with her server's fingerprint and address. Checks the package.
async fn hand_over(ann_server: &TestServer, bea_server: &TestServer, team: &Team) -> Moved {
    let (board, bea) = (&team.board, &team.bea);
    let (status, offered) = offer(ann_server, &board.id, &board.host_token, json!(bea.id)).await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    assert_eq!(offered["handoff_to"], json!(bea.id));
    let fingerprint = fingerprint_of(bea_server);
    let addresses = json!([address_of(bea_server)]);
    let acceptance = json!({"fingerprint": fingerprint, "addresses": addresses});
    let (status, package) = accept(ann_server, &board.id, &bea.token, acceptance.clone()).await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let at = seq_of(&package["snapshot"]);
    let events = package["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, at);
    let event = events[events.len() - 1].clone();
    assert_eq!(
        (&event["kind"], &event["actor"]),
        (&json!("board.moved"), &json!(bea.id))
    );
    assert_eq!(
        event["data"],
        json!({"fingerprint": fingerprint, "addresses": addresses,
               "host": bea.id, "previous_host": board.host_member})
    );
    // Every current member's token hash travels, never a token.
    assert_eq!(package["tokens"].as_array().unwrap().len(), 3);
    let text = package.to_string();
    let tokens = [
        &board.host_token,
        &bea.token,
        &team.cy.token,
        &ann_server.host_token,
    ];
    for token in tokens {
        assert!(!text.contains(token.as_str()), "a token in plain text");
    }
    // Larger than any other request may be: the import route takes it all the same.
    assert!(text.len() > lanban_core::validate::MAX_BODY_BYTES);
    let roles: Vec<(&str, &str)> = package["snapshot"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [("Ann", "member"), ("Bea", "host"), ("Cy", "member")]
    );
    assert!(package["snapshot"]["board"].get("handoff_to").is_none());
    Moved {
        acceptance,
        package,
        at,
        event,
    }
}

/// Every change to the moved board, whoever asks, is `409 board_moved`; Bea's acceptance sent again is answered
/// with the same package and changes nothing.
async fn the_old_host_refuses_every_change(server: &TestServer, team: &Team, moved: &Moved) {
    let Team {
        board,
        bea,
        cy,
        column,
    } = team;
    let id = &board.id;
    let join = json!({"room_code": board.room_code, "member_name": "Dee"});
    let refusals = [
        (
            Method::POST,
            format!("/api/columns/{column}/cards"),
            &board.host_token,
            json!({"title": "Late"}),
        ),
        (
            Method::PATCH,
            format!("/api/boards/{id}"),
            &bea.token,
            json!({"name": "Mine"}),
        ),
        (
            Method::POST,
            format!("/api/boards/{id}/columns"),
            &server.host_token,
            json!({"title": "Done"}),
        ),
        (
            Method::POST,
            format!("/api/boards/{id}/handoff"),
            &board.host_token,
            json!({"member_id": null}),
        ),
        (
            Method::POST,
            format!("/api/boards/{id}/handoff/accept"),
            &cy.token,
            moved.acceptance.clone(),
        ),
        (
            Method::POST,
            format!("/api/boards/{id}/room-code"),
            &server.host_token,
            json!({}),
        ),
        (Method::POST, "/api/join".to_owned(), &cy.token, join),
    ];
    for (method, path, token, body) in refusals {
        let answer = server.call(method, &path, Some(token), Some(body)).await;
        let body = refused(answer, StatusCode::CONFLICT, "board_moved");
        assert_eq!(
            body["error"]["message"],
            "This board is now hosted on another computer."
        );
    }
    let (status, again) = accept(server, id, &bea.token, moved.acceptance.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, moved.package);
}

/// Bea's server imports the package with its host credential: every member's token opens the board there, its
/// log is Ann's and then (if the code was Ann's) a new code, and the seq goes on from there.
async fn the_new_host_serves_the_board(
    server: &TestServer,
    team: &Team,
    moved: &Moved,
    old_log: &[Value],
) {
    let Team {
        board,
        bea,
        cy,
        column,
    } = team;
    let id = &board.id;
    let (status, imported) = import(server, &server.host_token, &moved.package).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let rotated = imported["board"]["room_code"] != moved.package["snapshot"]["board"]["room_code"];
    let fingerprint: lanban_core::fingerprint::Fingerprint =
        fingerprint_of(server).parse().unwrap();
    let code = str_of(&imported["board"]["room_code"]);
    assert!(
        code.starts_with(fingerprint.tag().as_str()),
        "{code} is not a code of Bea's server"
    );
    let seq = seq_of(&imported);
    assert_eq!(seq, moved.at + u64::from(rotated));
    for token in [&board.host_token, &bea.token, &cy.token, &server.host_token] {
        assert_eq!(seq_of(&server.snapshot(id, token).await), seq);
    }
    let new_log = log(server, id, &cy.token).await;
    assert_eq!(new_log[..moved.at as usize], old_log[..]);
    if rotated {
        let rotation = &new_log[moved.at as usize];
        assert_eq!(
            (&rotation["kind"], &rotation["actor"]),
            (&json!("room_code.rotated"), &json!(bea.id))
        );
    }

    // Cy reconnects to the new host from where he was and goes on; the seq continues.
    let mut socket = server.socket(id, &cy.token, Some(moved.at)).await;
    assert_eq!(socket.hello["seq"], seq);
    let card = server
        .add_card(column, &cy.token, json!({"title": "After the move"}))
        .await;
    let next = socket.events_until(seq + 1).await;
    assert_eq!(
        (&next[next.len() - 1]["seq"], &next[next.len() - 1]["data"]),
        (&json!(seq + 1), &card)
    );
    // The host credential there acts as Bea, the board's host now.
    let path = format!("/api/boards/{id}");
    let renamed = server
        .ok(
            Method::PATCH,
            &path,
            &server.host_token,
            Some(json!({"name": "Launch 2"})),
        )
        .await;
    assert_eq!(renamed["name"], "Launch 2");
    let last = log(server, id, &cy.token).await;
    assert_eq!(last[last.len() - 1]["actor"], json!(bea.id));

    // Importing it again is refused, and so is a member's token.
    refused(
        import(server, &server.host_token, &moved.package).await,
        StatusCode::CONFLICT,
        "id_taken",
    );
    refused(
        import(server, &bea.token, &moved.package).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
}

/// A server with Ann's board, Bea and Cy on it.
async fn three_on_a_board() -> (TestServer, TestBoard, TestMember, TestMember) {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Ann").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let cy = server.join(&board.room_code, "Cy").await;
    (server, board, bea, cy)
}

#[tokio::test]
async fn only_the_host_offers_the_board_and_only_to_a_current_member() {
    let (server, board, bea, cy) = three_on_a_board().await;
    let id = &board.id;
    // A member cannot offer the board; the host cannot offer it to themself, to a stranger, or to no one.
    refused(
        offer(&server, id, &cy.token, json!(bea.id)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    for member in [json!(board.host_member), json!(uuid::Uuid::now_v7())] {
        invalid(
            offer(&server, id, &board.host_token, member).await,
            "member_id",
        );
    }
    let path = format!("/api/boards/{id}/handoff");
    invalid(
        server
            .call(
                Method::POST,
                &path,
                Some(&board.host_token),
                Some(json!({})),
            )
            .await,
        "member_id",
    );

    // Offered to Bea, then Bea removed: the offer goes with her, with an event saying so.
    let (status, _) = offer(&server, id, &server.host_token, json!(bea.id)).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/boards/{id}/members/{}", bea.id);
    let (status, _) = server
        .call(Method::DELETE, &path, Some(&board.host_token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let events = log(&server, id, &cy.token).await;
    let last_three = &events[events.len() - 3..];
    assert_eq!(
        (
            &last_three[0]["kind"],
            &last_three[1]["kind"],
            &last_three[2]["kind"]
        ),
        (
            &json!("board.handoff_offered"),
            &json!("member.removed"),
            &json!("room_code.rotated")
        )
    );
    let last_two = &last_three[..2];
    assert_eq!(last_two[0]["data"], json!({"member_id": null}));
    assert!(
        server.snapshot(id, &cy.token).await["board"]
            .get("handoff_to")
            .is_none()
    );
}

#[tokio::test]
async fn only_the_member_offered_the_board_takes_it_and_says_where_to() {
    let (server, board, bea, cy) = three_on_a_board().await;
    let id = &board.id;
    let fingerprint = fingerprint_of(&server);
    let acceptance = json!({"fingerprint": fingerprint, "addresses": ["192.168.1.20:7420"]});
    // Nobody can accept a board that was not offered to them.
    refused(
        accept(&server, id, &bea.token, acceptance.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (status, _) = offer(&server, id, &server.host_token, json!(bea.id)).await;
    assert_eq!(status, StatusCode::OK);
    for token in [&cy.token, &board.host_token, &server.host_token] {
        refused(
            accept(&server, id, token, acceptance.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
    }
    // Bea must say where her server is, correctly.
    for (bad, field) in [
        (
            json!({"fingerprint": "not-a-fingerprint", "addresses": ["192.168.1.20:7420"]}),
            "fingerprint",
        ),
        (
            json!({"fingerprint": fingerprint, "addresses": []}),
            "addresses",
        ),
        (
            json!({"fingerprint": fingerprint, "addresses": ["bea.local:7420"]}),
            "addresses[0]",
        ),
    ] {
        invalid(accept(&server, id, &bea.token, bad).await, field);
    }
    // Nothing moved meanwhile: the board still takes changes.
    let path = format!("/api/boards/{id}");
    server
        .ok(
            Method::PATCH,
            &path,
            &cy.token,
            Some(json!({"name": "Still here"})),
        )
        .await;
}

#[tokio::test]
async fn a_package_is_checked_like_any_input() {
    let ann_server = TestServer::start().await;
    let bea_server = TestServer::start().await;
    let board = ann_server.create_board("Launch", "Ann").await;
    let bea = ann_server.join(&board.room_code, "Bea").await;
    let id = board.id.clone();
    let (status, _) = offer(&ann_server, &id, &board.host_token, json!(bea.id)).await;
    assert_eq!(status, StatusCode::OK);
    let acceptance =
        json!({"fingerprint": fingerprint_of(&bea_server), "addresses": [address_of(&bea_server)]});
    let (status, package) = accept(&ann_server, &id, &bea.token, acceptance).await;
    assert_eq!(status, StatusCode::OK);

    // Each broken copy is refused, naming what is wrong, and leaves nothing behind.
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut copy = package.clone();
        edit(&mut copy);
        copy
    };
    let cases = [
        (broken(&|p| p["format"] = json!("trello")), "format"),
        (
            broken(&|p| p["events"].as_array_mut().unwrap().truncate(2)),
            "events",
        ),
        (broken(&|p| p["events"][1]["seq"] = json!(7)), "events[1]"),
        (
            broken(&|p| p["members"][0]["board_id"] = json!(uuid::Uuid::now_v7())),
            "members[0].board_id",
        ),
        (
            broken(&|p| p["snapshot"]["board"]["name"] = json!("")),
            "snapshot.board.name",
        ),
        (
            broken(&|p| p["tokens"][0]["member_id"] = json!(uuid::Uuid::now_v7())),
            "tokens[0].member_id",
        ),
    ];
    for (copy, field) in cases {
        invalid(
            import(&bea_server, &bea_server.host_token, &copy).await,
            field,
        );
    }
    // The server the board left has it already; a third server is not where it moved to.
    let answer = import(&ann_server, &ann_server.host_token, &package).await;
    refused(answer, StatusCode::CONFLICT, "id_taken");
    let third = TestServer::start().await;
    let last = format!(
        "events[{}]",
        package["events"].as_array().unwrap().len() - 1
    );
    invalid(import(&third, &third.host_token, &package).await, &last);
    // Bea's server takes it, since nothing of the broken copies was left behind.
    let (status, body) = import(&bea_server, &bea_server.host_token, &package).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
