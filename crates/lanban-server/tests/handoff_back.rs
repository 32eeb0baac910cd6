//! A board moves back to the server it left (docs/protocol.md §15): Ann hands "Launch" to Bea's server, the team
//! works there, and Bea hands it back to Ann. Ann's server kept the board read-only; the package that comes back
//! carries on its log, so Ann's server takes it in place of the old copy: the seq goes on, everyone's token works
//! there again, and Bea's server now refuses changes. A package that does not carry Ann's log on is refused.

mod common;

use common::handoff::{accept, address_of, fingerprint_of, import, log, offer, refused, seq_of};
use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Offers `board` to `to` on `from` (by the host `host_token`), accepts for `to`'s server and imports the package
/// there; answers the package.
async fn move_board(
    from: &TestServer,
    to: &TestServer,
    board: &str,
    host_token: &str,
    to_member: (&str, &str),
) -> Value {
    let (member_id, member_token) = to_member;
    let (status, _) = offer(from, board, host_token, json!(member_id)).await;
    assert_eq!(status, StatusCode::OK);
    let acceptance = json!({"fingerprint": fingerprint_of(to), "addresses": [address_of(to)]});
    let (status, package) = accept(from, board, member_token, acceptance).await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let (status, imported) = import(to, &to.host_token, &package).await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    package
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_moves_back_to_the_server_it_left() {
    let ann_server = TestServer::start().await;
    let bea_server = TestServer::start().await;
    let board = ann_server.create_board("Launch", "Ann").await;
    let bea = ann_server.join(&board.room_code, "Bea").await;
    let cy = ann_server.join(&board.room_code, "Cy").await;
    let id = &board.id;
    let column = str_of(&ann_server.add_column(id, &cy.token, "Todo").await["id"]);
    ann_server
        .add_card(&column, &cy.token, json!({"title": "Before"}))
        .await;
    let first = move_board(
        &ann_server,
        &bea_server,
        id,
        &board.host_token,
        (&bea.id, &bea.token),
    )
    .await;
    // A package that does not carry on Ann's log (the one Ann's server answered itself) is still refused there.
    refused(
        import(&ann_server, &ann_server.host_token, &first).await,
        StatusCode::CONFLICT,
        "id_taken",
    );

    // The team works on Bea's server, then Bea hands the board back to Ann.
    bea_server
        .add_card(&column, &cy.token, json!({"title": "At Bea's"}))
        .await;
    let back = move_board(
        &bea_server,
        &ann_server,
        id,
        &bea.token,
        (&board.host_member, &board.host_token),
    )
    .await;
    let at = seq_of(&back["snapshot"]);

    // Ann's server serves it again, from where Bea's left it: the log runs on with no gap, every token works.
    let here = log(&ann_server, id, &cy.token).await;
    let there = log(&bea_server, id, &cy.token).await;
    assert_eq!(here[..at as usize], there[..]);
    let seqs: Vec<u64> = here
        .iter()
        .map(|e| e["seq"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(seqs, (1..=here.len() as u64).collect::<Vec<_>>());
    for token in [&board.host_token, &bea.token, &cy.token] {
        let snapshot = ann_server.snapshot(id, token).await;
        let titles: Vec<String> = snapshot["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| str_of(&c["title"]))
            .collect();
        assert_eq!(titles, ["Before", "At Bea's"]);
    }
    let added = ann_server
        .add_card(&column, &cy.token, json!({"title": "Home again"}))
        .await;
    assert_eq!(added["title"], "Home again");
    let roles: Vec<(String, String)> = ann_server.snapshot(id, &cy.token).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (str_of(&m["name"]), str_of(&m["role"])))
        .collect();
    let expected = [("Ann", "host"), ("Bea", "member"), ("Cy", "member")];
    assert_eq!(
        roles,
        expected.map(|(n, r)| (n.to_owned(), r.to_owned())).to_vec()
    );

    // Bea's server keeps it read-only now, and refuses changes.
    let (status, body) = bea_server
        .call(
            Method::POST,
            &format!("/api/columns/{column}/cards"),
            Some(&cy.token),
            Some(json!({"title": "Late"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("board_moved"))
    );
}
