//! A real server on an ephemeral port with a real SQLite file in a temp dir, and real HTTP and WebSocket
//! clients that speak raw JSON, so these tests check the wire contract itself.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

pub mod crash;
pub mod handoff;
#[cfg(unix)]
pub mod process;
pub mod proxy;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lanban_server::{Config, JoinLimits, RunningServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen promptly.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub base: String,
    pub host_token: String,
}

/// A board with one column, "Todo", created through `host`.
pub async fn board_with_column(
    host: &lanban_client::Api,
    name: &str,
) -> (lanban_core::api::BoardCreated, lanban_core::model::Column) {
    let created = host
        .create_board(name, "Host")
        .await
        .expect("board created");
    let column = host
        .create_column(
            created.board.id,
            &lanban_core::api::CreateColumn {
                title: "Todo".into(),
                ..Default::default()
            },
        )
        .await
        .expect("column created");
    (created, column)
}

/// A board created by the host credential: ids and the host member's token.
#[derive(Debug, Clone)]
pub struct TestBoard {
    pub id: String,
    pub room_code: String,
    pub host_member: String,
    pub host_token: String,
}

/// A member who joined with the room code.
#[derive(Debug, Clone)]
pub struct TestMember {
    pub id: String,
    pub token: String,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::new(dir.path());
        // Most tests fail joins on purpose; the throttle has its own test.
        config.join_limits = JoinLimits {
            per_address: 1000,
            global: 10_000,
            window: Duration::from_secs(60),
        };
        // Teams of many members join one board at once here; the per-board budget has its own test (limits.rs).
        config.joins_per_board_per_minute = 10_000;
        tweak(&mut config);
        let server = RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("server starts");
        let base = server.url();
        let host_token = server.host_token.clone();
        Self {
            server: Some(server),
            dir,
            http: {
                lanban_client::tls::install_default_provider();
                // No kept connections: a server that refuses an oversized body closes the connection after its
                // early 413, and a request reusing that connection would fail for the client, not the server.
                reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .build()
                    .expect("an HTTP client")
            },
            base,
            host_token,
        }
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
    }

    /// Sends a request; `body` as JSON if given. Returns the status and the JSON body (null if empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, value)
    }

    pub async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method.clone(), path, Some(token), body).await;
        assert!(
            status.is_success(),
            "{method} {path} answered {status}: {value}"
        );
        value
    }

    pub async fn create_board(&self, name: &str, host_name: &str) -> TestBoard {
        let created = self
            .ok(
                Method::POST,
                "/api/boards",
                &self.host_token.clone(),
                Some(json!({"name": name, "member_name": host_name})),
            )
            .await;
        TestBoard {
            id: str_of(&created["board"]["id"]),
            room_code: str_of(&created["room_code"]),
            host_member: str_of(&created["member"]["id"]),
            host_token: str_of(&created["token"]),
        }
    }

    pub async fn join(&self, room_code: &str, name: &str) -> TestMember {
        let (status, joined) = self
            .call(
                Method::POST,
                "/api/join",
                None,
                Some(json!({"room_code": room_code, "member_name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{joined}");
        TestMember {
            id: str_of(&joined["member"]["id"]),
            token: str_of(&joined["token"]),
        }
    }

    pub async fn add_column(&self, board: &str, token: &str, title: &str) -> Value {
        self.ok(
            Method::POST,
            &format!("/api/boards/{board}/columns"),
            token,
            Some(json!({"title": title})),
        )
        .await
    }

    pub async fn add_card(&self, column: &str, token: &str, body: Value) -> Value {
        self.ok(
            Method::POST,
            &format!("/api/columns/{column}/cards"),
            token,
            Some(body),
        )
        .await
    }

    /// The id of a card "Ship it" in a new column "Todo" of `board`, both made by its host member.
    pub async fn card_on(&self, board: &TestBoard) -> String {
        let column = self.add_column(&board.id, &board.host_token, "Todo").await;
        let card = self
            .add_card(
                &str_of(&column["id"]),
                &board.host_token,
                json!({"title": "Ship it"}),
            )
            .await;
        str_of(&card["id"])
    }

    pub async fn snapshot(&self, board: &str, token: &str) -> Value {
        self.ok(Method::GET, &format!("/api/boards/{board}"), token, None)
            .await
    }

    /// Opens the board's socket and reads the hello.
    pub async fn socket(&self, board: &str, token: &str, since: Option<u64>) -> Socket {
        let mut socket = self
            .try_socket(board, token, since)
            .await
            .expect("socket opens");
        let hello = socket.next_json().await;
        assert_eq!(hello["type"], "hello", "{hello}");
        socket.hello = hello;
        socket
    }

    /// Opens a socket without reading anything; an HTTP refusal comes back as the error.
    pub async fn try_socket(
        &self,
        board: &str,
        token: &str,
        since: Option<u64>,
    ) -> Result<Socket, tungstenite::Error> {
        let mut url = format!(
            "{}/api/boards/{board}/ws",
            self.base.replacen("http", "ws", 1)
        );
        if let Some(since) = since {
            url.push_str(&format!("?since={since}"));
        }
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket {
            ws,
            hello: Value::Null,
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping a RunningServer aborts nothing by itself; tests that care call stop().
    }
}

pub fn str_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

pub struct Socket {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub hello: Value,
}

impl Socket {
    /// The next text message as JSON (pings are answered by the library).
    pub async fn next_json(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a message within the patience")
                .expect("the socket is open")
                .expect("a valid frame");
            match frame {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("JSON message");
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// The next event, skipping presence messages.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let message = self.next_json().await;
            if message["type"] != "presence" {
                assert_eq!(message["type"], "event", "{message}");
                return message;
            }
        }
    }

    /// The next presence message, skipping events.
    pub async fn next_presence(&mut self) -> Value {
        loop {
            let message = self.next_json().await;
            if message["type"] == "presence" {
                return message;
            }
        }
    }

    /// Reads events until one with this seq.
    pub async fn events_until(&mut self, seq: u64) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let event = self.next_event().await;
            let at = event["seq"].as_u64().expect("seq");
            events.push(event);
            if at >= seq {
                return events;
            }
        }
    }

    /// Waits for the server's close frame, skipping anything before it.
    pub async fn close_frame(&mut self) -> Option<CloseFrame> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("closed within the patience");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn send_json(&mut self, value: Value) {
        self.ws
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("sent");
    }
}
