//! Who may do what: every route against every kind of credential, table-driven.

mod common;

use common::handoff::seq_of;
use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A credential a request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    Malformed,
    Unknown,
    Removed,
    OtherBoard,
    Member,
    HostMember,
    HostCredential,
}

const EVERYONE: [Who; 8] = [
    Who::Nobody,
    Who::Malformed,
    Who::Unknown,
    Who::Removed,
    Who::OtherBoard,
    Who::Member,
    Who::HostMember,
    Who::HostCredential,
];

/// Which rule a route follows.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Any member of the board (and the host credential).
    Board,
    /// The board's host member or the host credential.
    BoardHost,
    /// Only the host credential; it names no board.
    HostCredential,
}

fn expected(rule: Rule, who: Who, success: StatusCode) -> StatusCode {
    match (who, rule) {
        (Who::Nobody | Who::Malformed | Who::Unknown | Who::Removed, _) => StatusCode::UNAUTHORIZED,
        (Who::HostCredential, _) => success,
        (Who::OtherBoard, Rule::Board | Rule::BoardHost) => StatusCode::NOT_FOUND,
        (Who::Member, Rule::Board) | (Who::HostMember, Rule::Board | Rule::BoardHost) => success,
        (Who::Member, Rule::BoardHost) => StatusCode::FORBIDDEN,
        (Who::OtherBoard | Who::Member | Who::HostMember, Rule::HostCredential) => {
            StatusCode::FORBIDDEN
        }
    }
}

struct Fixture {
    server: TestServer,
    board: common::TestBoard,
    member: common::TestMember,
    removed: common::TestMember,
    other: common::TestMember,
}

impl Fixture {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let mut board = server.create_board("Guarded", "Gina").await;
        let member = server.join(&board.room_code, "Mia").await;
        let removed = server.join(&board.room_code, "Rex").await;
        server
            .ok(
                Method::DELETE,
                &format!("/api/boards/{}/members/{}", board.id, removed.id),
                &board.host_token,
                None,
            )
            .await;
        // The removal gave the board a new room code.
        let snapshot = server.snapshot(&board.id, &board.host_token).await;
        board.room_code = str_of(&snapshot["board"]["room_code"]);
        let elsewhere = server.create_board("Elsewhere", "Eli").await;
        let other = server.join(&elsewhere.room_code, "Otto").await;
        Self {
            server,
            board,
            member,
            removed,
            other,
        }
    }

    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::Nobody => None,
            Who::Malformed => Some("definitely not a token".into()),
            Who::Unknown => Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
            Who::Removed => Some(self.removed.token.clone()),
            Who::OtherBoard => Some(self.other.token.clone()),
            Who::Member => Some(self.member.token.clone()),
            Who::HostMember => Some(self.board.host_token.clone()),
            Who::HostCredential => Some(self.server.host_token.clone()),
        }
    }

    /// A fresh request for `route`: its path, with what it acts on made for this request alone.
    async fn path(&self, route: &Route) -> String {
        let s = &self.server;
        let (b, t) = (&self.board.id, &self.board.host_token);
        let mut path = route.path.replace("{board}", b);
        if path.contains("{member}") {
            // Read the code afresh: an earlier request may have rotated it.
            let code = str_of(&s.snapshot(b, t).await["board"]["room_code"]);
            path = path.replace("{member}", &s.join(&code, "Vic").await.id);
        }
        if path.contains("{column}") || path.contains("{card}") {
            let column = str_of(&s.add_column(b, t, "Col").await["id"]);
            path = path.replace("{column}", &column);
            if path.contains("{card}") {
                let card = s.add_card(&column, t, json!({"title": "K"})).await;
                path = path.replace("{card}", &str_of(&card["id"]));
            }
        }
        path
    }

    /// Sends `route` as `who`: the status and the JSON answer (null if there is none).
    async fn send(&self, route: &Route, who: Who) -> (StatusCode, Value) {
        let path = self.path(route).await;
        let mut request = self
            .server
            .http
            .request(route.method.clone(), format!("{}{path}", self.server.base));
        if let Some(token) = self.token(who) {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = route.body {
            let body: Value = serde_json::from_str(body).expect("a JSON body");
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// One route of the contract and who may use it. In `path`, `{board}` is the guarded board; `{member}`,
/// `{column}` and `{card}` are made fresh for each request (a member who joins, a column, a card in it).
struct Route {
    name: &'static str,
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    rule: Rule,
    success: StatusCode,
}

const fn route(
    name: &'static str,
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    rule: Rule,
    success: StatusCode,
) -> Route {
    Route {
        name,
        method,
        path,
        body,
        rule,
        success,
    }
}

/// Every route, in an order where each still finds what it needs (the code is rotated before a member joins).
#[rustfmt::skip]
const ROUTES: [Route; 13] = [
    route("create board", Method::POST, "/api/boards", Some(r#"{"name": "N", "member_name": "M"}"#), Rule::HostCredential, StatusCode::CREATED),
    route("list boards", Method::GET, "/api/boards", None, Rule::HostCredential, StatusCode::OK),
    route("snapshot", Method::GET, "/api/boards/{board}", None, Rule::Board, StatusCode::OK),
    route("rename board", Method::PATCH, "/api/boards/{board}", Some(r#"{"name": "Renamed"}"#), Rule::Board, StatusCode::OK),
    route("rotate code", Method::POST, "/api/boards/{board}/room-code", None, Rule::BoardHost, StatusCode::OK),
    route("remove member", Method::DELETE, "/api/boards/{board}/members/{member}", None, Rule::BoardHost, StatusCode::NO_CONTENT),
    route("create column", Method::POST, "/api/boards/{board}/columns", Some(r#"{"title": "C"}"#), Rule::Board, StatusCode::CREATED),
    route("update column", Method::PATCH, "/api/columns/{column}", Some(r#"{"title": "D"}"#), Rule::Board, StatusCode::OK),
    route("delete column", Method::DELETE, "/api/columns/{column}", None, Rule::Board, StatusCode::NO_CONTENT),
    route("create card", Method::POST, "/api/columns/{column}/cards", Some(r#"{"title": "K"}"#), Rule::Board, StatusCode::CREATED),
    route("update card", Method::PATCH, "/api/cards/{card}", Some(r#"{"title": "L"}"#), Rule::Board, StatusCode::OK),
    route("delete card", Method::DELETE, "/api/cards/{card}", None, Rule::Board, StatusCode::NO_CONTENT),
    route("events", Method::GET, "/api/boards/{board}/events?since=0", None, Rule::Board, StatusCode::OK),
];

#[tokio::test]
async fn every_route_answers_every_credential_as_documented() {
    let fixture = Fixture::new().await;
    let mut checked = 0;
    for route in &ROUTES {
        for who in EVERYONE {
            let (status, answer) = fixture.send(route, who).await;
            let name = route.name;
            let want = expected(route.rule, who, route.success);
            assert_eq!(status, want, "{name} as {who:?}: {answer}");
            if !want.is_success() {
                let code = match want {
                    StatusCode::UNAUTHORIZED => "unauthorized",
                    StatusCode::FORBIDDEN => "forbidden",
                    _ => "not_found",
                };
                assert_eq!(answer["error"]["code"], code, "{name} as {who:?}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 13 * 8);
}

#[tokio::test]
async fn sockets_are_refused_before_the_upgrade() {
    let fixture = Fixture::new().await;
    for (who, want) in [
        (Who::Malformed, 401),
        (Who::Unknown, 401),
        (Who::Removed, 401),
        (Who::OtherBoard, 404),
    ] {
        let token = fixture.token(who).unwrap();
        match fixture
            .server
            .try_socket(&fixture.board.id, &token, None)
            .await
        {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), want, "{who:?}");
            }
            Err(other) => panic!("{who:?}: unexpected {other}"),
            Ok(_) => panic!("{who:?} was let in"),
        }
    }
    for who in [Who::Member, Who::HostMember, Who::HostCredential] {
        let token = fixture.token(who).unwrap();
        let socket = fixture.server.socket(&fixture.board.id, &token, None).await;
        assert_eq!(socket.hello["board_id"], fixture.board.id.as_str());
    }
}

#[tokio::test]
async fn removing_a_member_kills_their_token_and_closes_their_sockets_at_once() {
    let fixture = Fixture::new().await;
    let (server, board) = (&fixture.server, &fixture.board);
    let leaver = server.join(&board.room_code, "Lee").await;
    let mut first = server.socket(&board.id, &leaver.token, None).await;
    let mut second = server.socket(&board.id, &leaver.token, None).await;

    server
        .ok(
            Method::DELETE,
            &format!("/api/boards/{}/members/{}", board.id, leaver.id),
            &board.host_token,
            None,
        )
        .await;
    for socket in [&mut first, &mut second] {
        let removal = socket.next_event().await;
        assert_eq!(removal["kind"], "member.removed");
        assert_eq!(removal["data"]["id"], leaver.id.as_str());
        assert_eq!(u16::from(socket.close_frame().await.unwrap().code), 4001);
    }
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/boards/{}", board.id),
            Some(&leaver.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_removed_member_cannot_walk_back_in_with_the_code_they_knew() {
    let fixture = Fixture::new().await;
    let (server, board) = (&fixture.server, &fixture.board);
    let leaver = server.join(&board.room_code, "Lee").await;
    let before = seq_of(&server.snapshot(&board.id, &board.host_token).await);
    let mut host = server
        .socket(&board.id, &board.host_token, Some(before))
        .await;
    let path = format!("/api/boards/{}/members/{}", board.id, leaver.id);
    let (status, _) = server
        .call(Method::DELETE, &path, Some(&board.host_token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // In the same transaction: the removal, then a new room code, which the host's share panel receives.
    let removed = host.next_event().await;
    let rotated = host.next_event().await;
    assert_eq!(
        (removed["kind"].as_str(), rotated["kind"].as_str()),
        (Some("member.removed"), Some("room_code.rotated"))
    );
    assert_eq!(rotated["seq"].as_u64(), Some(before + 2));
    let new_code = str_of(&rotated["data"]["room_code"]);
    assert_ne!(new_code, board.room_code);
    let snapshot = server.snapshot(&board.id, &board.host_token).await;
    assert_eq!(snapshot["board"]["room_code"], new_code.as_str());

    // The code Lee knew admits no one; the new one admits a newcomer.
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/join",
            None,
            Some(json!({"room_code": board.room_code, "member_name": "Lee again"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["error"]["code"], "room_not_found");
    server.join(&new_code, "Mo").await;
}

#[tokio::test]
async fn rotating_the_code_stops_joins_with_the_old_one() {
    let fixture = Fixture::new().await;
    let (server, board) = (&fixture.server, &fixture.board);
    let rotated = server
        .ok(
            Method::POST,
            &format!("/api/boards/{}/room-code", board.id),
            &board.host_token,
            None,
        )
        .await;
    let new_code = str_of(&rotated["room_code"]);
    assert_ne!(new_code, board.room_code);

    let (status, answer) = server
        .call(
            Method::POST,
            "/api/join",
            None,
            Some(json!({"room_code": board.room_code, "member_name": "Late"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "room_not_found");
    server.join(&new_code, "OnTime").await;
}
