//! A board whose host is gone for good, hosted from a member's copy (docs/protocol.md §6.21, §15.2): Ann hosted
//! "Launch" and her laptop is gone; Bea's copy holds the whole log, and Bea's own server takes it up with Bea as
//! host, the same ids and seq, a new room code of its own, and the deletes remembered. Only Bea's token works there;
//! Cy joins again with the new code.

mod common;

use common::handoff::{code_of, fingerprint_of, invalid, log, refused, seq_of};
use common::{TestBoard, TestMember, TestServer, str_of};
use lanban_core::api::RehostBoard;
use lanban_core::event::Event;
use lanban_core::fingerprint::Fingerprint;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Ann's board, as it stood when her laptop went: Bea and Cy on it, Dee removed (a card of hers stays), a
/// deleted card and a deleted column with a card in it.
struct Gone {
    board: TestBoard,
    bea: TestMember,
    cy: TestMember,
    /// The board on Ann's server, just before it went.
    last: Value,
    /// A card deleted with its column.
    deleted_with_column: String,
    /// A checklist item deleted: its checklist's path for items, and the create that made it.
    deleted_item: (String, Value),
}

async fn ann_board(ann: &TestServer) -> Gone {
    let board = ann.create_board("Launch", "Ann").await;
    let bea = ann.join(&board.room_code, "Bea").await;
    let cy = ann.join(&board.room_code, "Cy").await;
    let dee = ann.join(&board.room_code, "Dee").await;
    let todo = str_of(&ann.add_column(&board.id, &bea.token, "Todo").await["id"]);
    let later = str_of(&ann.add_column(&board.id, &bea.token, "Later").await["id"]);
    for (title, token) in [
        ("Write", &bea.token),
        ("Test", &cy.token),
        ("Ship", &dee.token),
    ] {
        ann.add_card(&todo, token, json!({"title": title})).await;
    }
    let doomed = ann
        .add_card(&todo, &cy.token, json!({"title": "Doomed"}))
        .await;
    let parked = ann
        .add_card(&later, &cy.token, json!({"title": "Parked"}))
        .await;
    let write = str_of(&ann.snapshot(&board.id, &bea.token).await["cards"][0]["id"]);
    let list = ann
        .ok(
            Method::POST,
            &format!("/api/cards/{write}/checklists"),
            &bea.token,
            Some(json!({"title": "Steps"})),
        )
        .await;
    let items = format!("/api/checklists/{}/items", str_of(&list["id"]));
    let mut made = Vec::new();
    for (id, text) in [
        ("019ac1f0-3b2a-7c1d-8e4f-5a6b7c8d9e01", "Draft"),
        ("019ac1f0-3b2a-7c1d-8e4f-5a6b7c8d9e02", "Proofread"),
    ] {
        let create = json!({"id": id, "text": text});
        ann.ok(Method::POST, &items, &cy.token, Some(create.clone()))
            .await;
        made.push(create);
    }
    let dropped = made.swap_remove(0);
    ann.ok(
        Method::DELETE,
        &format!("{items}/{}", str_of(&dropped["id"])),
        &cy.token,
        None,
    )
    .await;
    let host = &board.host_token;
    for path in [
        format!("/api/cards/{}", str_of(&doomed["id"])),
        format!("/api/columns/{later}"),
        format!("/api/boards/{}/trash", board.id),
        format!("/api/boards/{}/members/{}", board.id, dee.id),
    ] {
        ann.ok(Method::DELETE, &path, host, None).await;
    }
    let last = ann.snapshot(&board.id, &bea.token).await;
    Gone {
        board,
        bea,
        cy,
        last,
        deleted_with_column: str_of(&parked["id"]),
        deleted_item: (items, dropped),
    }
}

/// Bea's copy: the board's whole log as `/events` gave it to her.
async fn copy_of(ann: &TestServer, gone: &Gone) -> Vec<Event> {
    log(ann, &gone.board.id, &gone.bea.token)
        .await
        .into_iter()
        .map(|e| serde_json::from_value(e).expect("an event"))
        .collect()
}

fn body(events: Vec<Event>, member: &TestMember) -> Value {
    let member_id = member.id.parse().expect("a member id");
    serde_json::to_value(RehostBoard::new(None, events, member_id, &member.token)).expect("JSON")
}

async fn rehost(server: &TestServer, token: &str, body: &Value) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            "/api/boards/rehost",
            Some(token),
            Some(body.clone()),
        )
        .await
}

fn without(mut board: Value, fields: &[&str]) -> Value {
    for field in fields {
        board.as_object_mut().expect("an object").remove(*field);
    }
    board
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_hosts_the_board_from_their_copy_once_the_host_is_gone() {
    let mut ann = TestServer::start().await;
    let bea_server = TestServer::start().await;
    let gone = ann_board(&ann).await;
    let copy = copy_of(&ann, &gone).await;
    let at = seq_of(&gone.last);
    assert_eq!(copy.len() as u64, at);
    ann.stop().await;

    let (status, hosted) =
        rehost(&bea_server, &bea_server.host_token, &body(copy, &gone.bea)).await;
    assert_eq!(status, StatusCode::CREATED, "{hosted}");
    // The same board, two events on: `board.rehosted`, then a room code of Bea's server, unless the two servers'
    // tags happen to be the same (1 in 1,024), when the code is Bea's server's already and stays.
    let tag = |board: &Value| {
        board["board"]["room_code"]
            .as_str()
            .map(|c| c[..2].to_owned())
    };
    let rotated = tag(&hosted) != tag(&gone.last);
    assert_eq!(seq_of(&hosted), at + 1 + u64::from(rotated));
    assert_eq!(hosted["columns"], gone.last["columns"]);
    assert_eq!(hosted["cards"], gone.last["cards"]);
    assert_eq!(
        without(hosted["board"].clone(), &["room_code", "updated_at"]),
        without(gone.last["board"].clone(), &["room_code", "updated_at"])
    );
    let code = str_of(&hosted["board"]["room_code"]);
    assert_ne!(code, gone.board.room_code);
    let tag = fingerprint_of(&bea_server)
        .parse::<Fingerprint>()
        .expect("a fingerprint")
        .tag();
    assert!(code.starts_with(&tag.to_string()), "{code} is not {tag}'s");
    let roles: Vec<(String, String)> = (hosted["members"].as_array().expect("members").iter())
        .map(|m| (str_of(&m["name"]), str_of(&m["role"])))
        .collect();
    let expected = [("Ann", "member"), ("Bea", "host"), ("Cy", "member")];
    assert_eq!(
        roles,
        expected.map(|(n, r)| (n.to_owned(), r.to_owned())).to_vec()
    );

    // The log is Ann's, then the two events of Bea's server, by Bea.
    let board = &gone.board.id;
    let events = log(&bea_server, board, &gone.bea.token).await;
    let kinds: Vec<&str> = events[at as usize..]
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["board.rehosted", "room_code.rotated"]);
    let rehosted = &events[at as usize];
    assert_eq!(rehosted["actor"], json!(gone.bea.id));
    assert_eq!(
        rehosted["data"],
        json!({"host": gone.bea.id, "previous_host": gone.board.host_member})
    );
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| e["seq"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(seqs, (1..=at + 2).collect::<Vec<_>>());

    // Only Bea's token opens it here; Cy joins again with the new code, and the old code is no one's.
    for token in [&gone.cy.token, &gone.board.host_token] {
        let (status, _) = bea_server
            .call(
                Method::GET,
                &format!("/api/boards/{board}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let cy_again = bea_server.join(&code, "Cy").await;
    assert_ne!(cy_again.id, gone.cy.id);
    let (status, answer) = bea_server
        .call(
            Method::POST,
            "/api/join",
            None,
            Some(json!({"room_code": gone.board.room_code, "member_name": "Eve"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");

    // A change Cy queued for a card deleted with its column is gone here too, not a new card.
    let (status, answer) = bea_server
        .call(
            Method::PATCH,
            &format!("/api/cards/{}", gone.deleted_with_column),
            Some(&cy_again.token),
            Some(json!({"title": "Still parked", "version": 1})),
        )
        .await;
    assert_eq!(
        (status, code_of(&answer)),
        (StatusCode::GONE, "gone"),
        "{answer}"
    );
    // So is a checklist item deleted on Ann's server, its create sent again from an outbox.
    let (items, create) = &gone.deleted_item;
    let (status, answer) = bea_server
        .call(
            Method::POST,
            items,
            Some(&cy_again.token),
            Some(create.clone()),
        )
        .await;
    assert_eq!(
        (status, code_of(&answer)),
        (StatusCode::GONE, "gone"),
        "{answer}"
    );
    // And one for a card that is still there applies.
    let card = &hosted["cards"][0];
    let path = format!("/api/cards/{}", str_of(&card["id"]));
    let edit = json!({"title": "Write the notes", "version": card["version"]});
    let edited = bea_server
        .ok(Method::PATCH, &path, &cy_again.token, Some(edit))
        .await;
    assert_eq!(edited["title"], "Write the notes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_is_not_a_whole_board_is_refused_and_nothing_is_written() {
    let ann = TestServer::start().await;
    let bea_server = TestServer::start().await;
    let gone = ann_board(&ann).await;
    let copy = copy_of(&ann, &gone).await;
    let host = &bea_server.host_token;

    let mut gap = body(copy.clone(), &gone.bea);
    gap["events"].as_array_mut().expect("events").remove(5);
    invalid(rehost(&bea_server, host, &gap).await, "events[5]");
    let late = body(copy[3..].to_vec(), &gone.bea);
    invalid(rehost(&bea_server, host, &late).await, "events[0]");
    let mut stranger = body(copy.clone(), &gone.bea);
    stranger["member_id"] = json!(uuid::Uuid::now_v7().to_string());
    invalid(rehost(&bea_server, host, &stranger).await, "member_id");
    let mut ann_again = body(copy.clone(), &gone.bea);
    ann_again["member_id"] = json!(gone.board.host_member);
    invalid(rehost(&bea_server, host, &ann_again).await, "member_id");
    let mut bad_hash = body(copy.clone(), &gone.bea);
    bad_hash["token_sha256"] = json!("not a hash");
    invalid(rehost(&bea_server, host, &bad_hash).await, "token_sha256");
    let mut other_format = body(copy.clone(), &gone.bea);
    other_format["format"] = json!("lanban-board");
    invalid(rehost(&bea_server, host, &other_format).await, "format");

    // A member's token is not this server's host credential.
    let whole = body(copy, &gone.bea);
    let member = bea_server.create_board("Bea's own", "Bea").await;
    refused(
        rehost(&bea_server, &member.host_token, &whole).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    // Nothing of the refused bodies was written: the whole copy is taken, once.
    let (status, _) = rehost(&bea_server, host, &whole).await;
    assert_eq!(status, StatusCode::CREATED);
    refused(
        rehost(&bea_server, host, &whole).await,
        StatusCode::CONFLICT,
        "id_taken",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_announces_the_boards_it_hosts_from_a_copy() {
    use lanban_server::tls::TlsMode;
    use lanban_server::{Config, RunningServer};

    let ann = TestServer::start().await;
    let gone = ann_board(&ann).await;
    let copy = copy_of(&ann, &gone).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path());
    config.tls = TlsMode::Always;
    let bea_server = RunningServer::start(config, "127.0.0.1:0".parse().expect("an address"))
        .await
        .expect("server starts");
    let before = bea_server.advert("bea-laptop").await.expect("an advert");
    assert!(before.took.is_empty());

    let pin = bea_server.fingerprint().expect("TLS is on");
    let api = lanban_client::Api::pinned(&bea_server.addr.to_string(), pin)
        .expect("a client")
        .with_token(&bea_server.host_token);
    let member = gone.bea.id.parse().expect("a member id");
    let hosted = api
        .rehost_board(&RehostBoard::new(None, copy, member, &gone.bea.token))
        .await
        .expect("hosted from the copy");
    let after = bea_server.advert("bea-laptop").await.expect("an advert");
    assert_eq!(after.took, [lanban_discovery::board_key(hosted.board.id)]);
    assert_eq!(after.boards, 1);
    bea_server.stop().await.expect("clean stop");
}
