//! The Node stack Lanban is measured against side by side (`--peer`; `peer/server.js` says what it serves): its
//! HTTP and its socket.io as the fan-out speaks them. Its messages carry Lanban's shapes (`hello` and `event` with
//! their `seq`) inside socket.io's framing, so the fan-out checks and times both servers with the same code.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::stream::{self, StreamExt};
use futures_util::{SinkExt, TryStreamExt};
use lanban_core::ids::{BoardId, ColumnId};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

use crate::wire::{BenchBoard, Socket};

/// Where the peer's code and its `node_modules` are.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/peer");

/// socket.io's framing of what the tool reads: Engine.IO's ping (answered with its pong), and the prefix of the
/// peer's one event name, `m`, whose argument is a message shaped as Lanban's.
pub const PING: &str = "2";
pub const PONG: &str = "3";
pub const MESSAGE_PREFIX: &str = "42[\"m\",";

/// An HTTP client of the peer, as one member (or as nobody, to set boards up).
#[derive(Clone)]
pub struct PeerApi {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

#[derive(Deserialize)]
struct CreatedBoard {
    board: BoardId,
    column: ColumnId,
    token: String,
    room_code: String,
}

#[derive(Deserialize)]
struct Joined {
    token: String,
}

impl PeerApi {
    pub fn new(base: &str) -> anyhow::Result<PeerApi> {
        // reqwest is built without a default TLS provider in this workspace; plain HTTP still wants one set.
        lanban_client::tls::install_default_provider();
        Ok(PeerApi {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
        })
    }

    pub fn with_token(&self, token: String) -> PeerApi {
        PeerApi {
            token: Some(token),
            ..self.clone()
        }
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        key: Option<Uuid>,
    ) -> anyhow::Result<T> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key.to_string());
        }
        let answer = request.send().await?;
        let status = answer.status();
        if !status.is_success() {
            let text = answer.text().await.unwrap_or_default();
            bail!("the peer answered {status}: {text}");
        }
        Ok(answer.json().await?)
    }

    /// Creates a card titled `title` in `column`, with a fresh idempotency key, as the app sends it to Lanban.
    pub async fn create_card(&self, column: ColumnId, title: String) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .post(
                &format!("/columns/{column}/cards"),
                &json!({ "title": title }),
                Some(Uuid::now_v7()),
            )
            .await?;
        Ok(())
    }
}

/// Creates `boards` boards on the peer, each with its column and `members` members (the creator and the rest
/// joined by room code), as `wire::setup_boards` does on Lanban.
pub async fn setup_boards(
    api: &PeerApi,
    boards: usize,
    members: usize,
) -> anyhow::Result<Vec<BenchBoard>> {
    let created: Vec<anyhow::Result<BenchBoard>> = stream::iter(0..boards)
        .map(|b| async move {
            let created: CreatedBoard = api
                .post(
                    "/boards",
                    &json!({ "title": format!("Bench {b}"), "name": "Host" }),
                    None,
                )
                .await
                .context("creating a board on the peer")?;
            let mut tokens = vec![created.token];
            for m in 1..members.max(1) {
                let joined: Joined = api
                    .post(
                        "/join",
                        &json!({ "room_code": created.room_code, "name": format!("Member {m}") }),
                        None,
                    )
                    .await
                    .context("joining a board on the peer")?;
                tokens.push(joined.token);
            }
            Ok(BenchBoard {
                id: created.board,
                column: created.column,
                tokens,
            })
        })
        .buffered(16)
        .collect()
        .await;
    created.into_iter().collect()
}

/// Opens a socket.io connection to the peer over its websocket transport as the member of `token`: Engine.IO's
/// open packet, then the connect with the token; the peer's hello follows as a message.
pub async fn connect(base: &str, token: &str) -> anyhow::Result<Socket> {
    let url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        base.replacen("http", "ws", 1)
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (mut socket, _) = tokio::time::timeout(
        Duration::from_secs(60),
        tokio_tungstenite::connect_async_with_config(url, Some(config), true),
    )
    .await
    .context("the peer's socket did not open within 60 s")?
    .context("opening a socket on the peer")?;
    let open = tokio::time::timeout(Duration::from_secs(30), socket.try_next())
        .await
        .context("no open packet from the peer within 30 s")??;
    match open {
        Some(Message::Text(text)) if text.starts_with('0') => {}
        other => bail!("the peer's socket opened with {other:?}, not an open packet"),
    }
    socket
        .send(Message::text(format!("40{}", json!({ "token": token }))))
        .await?;
    Ok(socket)
}
