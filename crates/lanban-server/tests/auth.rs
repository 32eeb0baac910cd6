//! Who may do what: every route against every kind of credential, table-driven.

mod common;

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
        let board = server.create_board("Guarded", "Gina").await;
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

    /// A fresh request for `route` (creating what it acts on), its rule and its success status.
    async fn request(&self, route: &str) -> (Method, String, Option<Value>, Rule, StatusCode) {
        let s = &self.server;
        let b = &self.board.id;
        let t = &self.board.host_token;
        let column = || async { str_of(&s.add_column(b, t, "Col").await["id"]) };
        match route {
            "create board" => (
                Method::POST,
                "/api/boards".into(),
                Some(json!({"name": "N", "member_name": "M"})),
                Rule::HostCredential,
                StatusCode::CREATED,
            ),
            "list boards" => (
                Method::GET,
                "/api/boards".into(),
                None,
                Rule::HostCredential,
                StatusCode::OK,
            ),
            "snapshot" => (
                Method::GET,
                format!("/api/boards/{b}"),
                None,
                Rule::Board,
                StatusCode::OK,
            ),
            "rename board" => (
                Method::PATCH,
                format!("/api/boards/{b}"),
                Some(json!({"name": "Renamed"})),
                Rule::Board,
                StatusCode::OK,
            ),
            "rotate code" => (
                Method::POST,
                format!("/api/boards/{b}/room-code"),
                None,
                Rule::BoardHost,
                StatusCode::OK,
            ),
            "remove member" => {
                let victim = s
                    .join(
                        s.snapshot(b, t).await["board"]["room_code"]
                            .as_str()
                            .unwrap(),
                        "Vic",
                    )
                    .await;
                (
                    Method::DELETE,
                    format!("/api/boards/{b}/members/{}", victim.id),
                    None,
                    Rule::BoardHost,
                    StatusCode::NO_CONTENT,
                )
            }
            "create column" => (
                Method::POST,
                format!("/api/boards/{b}/columns"),
                Some(json!({"title": "C"})),
                Rule::Board,
                StatusCode::CREATED,
            ),
            "update column" => (
                Method::PATCH,
                format!("/api/columns/{}", column().await),
                Some(json!({"title": "D"})),
                Rule::Board,
                StatusCode::OK,
            ),
            "delete column" => (
                Method::DELETE,
                format!("/api/columns/{}", column().await),
                None,
                Rule::Board,
                StatusCode::NO_CONTENT,
            ),
            "create card" => (
                Method::POST,
                format!("/api/columns/{}/cards", column().await),
                Some(json!({"title": "K"})),
                Rule::Board,
                StatusCode::CREATED,
            ),
            "update card" | "delete card" => {
                let card =
                    str_of(&s.add_card(&column().await, t, json!({"title": "K"})).await["id"]);
                if route == "update card" {
                    (
                        Method::PATCH,
                        format!("/api/cards/{card}"),
                        Some(json!({"title": "L"})),
                        Rule::Board,
                        StatusCode::OK,
                    )
                } else {
                    (
                        Method::DELETE,
                        format!("/api/cards/{card}"),
                        None,
                        Rule::Board,
                        StatusCode::NO_CONTENT,
                    )
                }
            }
            "events" => (
                Method::GET,
                format!("/api/boards/{b}/events?since=0"),
                None,
                Rule::Board,
                StatusCode::OK,
            ),
            other => panic!("no route {other}"),
        }
    }
}

#[tokio::test]
async fn every_route_answers_every_credential_as_documented() {
    let fixture = Fixture::new().await;
    let routes = [
        "create board",
        "list boards",
        "snapshot",
        "rename board",
        "rotate code",
        "remove member",
        "create column",
        "update column",
        "delete column",
        "create card",
        "update card",
        "delete card",
        "events",
    ];
    let mut checked = 0;
    for route in routes {
        for who in EVERYONE {
            let (method, path, body, rule, success) = fixture.request(route).await;
            let token = fixture.token(who);
            let mut request = fixture
                .server
                .http
                .request(method.clone(), format!("{}{path}", fixture.server.base));
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            let want = expected(rule, who, success);
            assert_eq!(status, want, "{route} as {who:?}: {answer}");
            if !want.is_success() {
                let code = match want {
                    StatusCode::UNAUTHORIZED => "unauthorized",
                    StatusCode::FORBIDDEN => "forbidden",
                    _ => "not_found",
                };
                assert_eq!(answer["error"]["code"], code, "{route} as {who:?}");
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
