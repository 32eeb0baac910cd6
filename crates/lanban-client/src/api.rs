//! One method per route of the HTTP API (see docs/protocol.md).

use std::sync::Arc;
use std::time::Duration;

use lanban_core::fingerprint::Fingerprint;

use lanban_core::api::{
    BoardCreated, CreateBoard, CreateCard, CreateColumn, ErrorBody, EventsPage, Health, JoinBoard,
    Joined, LogBase, RehostBoard, RoomCodeBody, Snapshot, UpdateBoard, UpdateCard, UpdateColumn,
};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column, Label};
use lanban_core::room_code::RoomCode;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;
use crate::tls::Pinned;

/// How many times a mutation is sent when the connection fails or the server answers 503 (with the same
/// idempotency key, so it applies at most once).
const SEND_ATTEMPTS: u32 = 3;

/// A server and the credential to use on it; cheap to clone.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://host:port` or `https://host:port`, without a trailing slash.
    base: String,
    token: Option<String>,
    /// For `https://`: the only certificate the host may present.
    pinned: Option<Pinned>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Api {
    /// A client for the server at `base` (`http://host:port`, or `host:port`), over plain HTTP.
    pub fn new(base: &str) -> Result<Api, ClientError> {
        Self::build(base, "http", None)
    }

    /// A client for the host at `base` (`https://host:port`, or `host:port`) over TLS, trusting only the
    /// certificate with this fingerprint: any other is refused with [`ClientError::HostIdentityChanged`] before a
    /// byte of a request is sent.
    pub fn pinned(base: &str, pin: Fingerprint) -> Result<Api, ClientError> {
        Self::build(base, "https", Some(Pinned::new(Some(pin))?))
    }

    fn build(base: &str, scheme: &str, pinned: Option<Pinned>) -> Result<Api, ClientError> {
        crate::tls::install_default_provider();
        let base = base.trim().trim_end_matches('/');
        let base = if base.contains("://") {
            base.to_owned()
        } else {
            format!("{scheme}://{base}")
        };
        let parsed =
            reqwest::Url::parse(&base).map_err(|e| ClientError::Address(format!("{base}: {e}")))?;
        let expected = if pinned.is_some() { "https" } else { "http" };
        if parsed.scheme() != expected || parsed.host_str().is_none() {
            return Err(ClientError::Address(format!(
                "{base}: expected an {expected}:// address"
            )));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // The server closes a connection idle for 10 s (its header deadline): let go of it first, rather
            // than race the close with a request.
            .pool_idle_timeout(Duration::from_secs(5));
        if let Some(pinned) = &pinned {
            builder = builder
                .tls_backend_preconfigured((*pinned.config).clone())
                .https_only(true);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok(Api {
            http,
            base,
            token: None,
            pinned,
        })
    }

    /// The certificate fingerprint this client trusts, if it speaks HTTPS.
    pub fn pin(&self) -> Option<Fingerprint> {
        self.pinned.as_ref().and_then(|p| p.verifier.pin())
    }

    /// The TLS configuration sockets to this host use, if it is pinned.
    pub(crate) fn tls(&self) -> Option<&Arc<rustls::ClientConfig>> {
        self.pinned.as_ref().map(|p| &p.config)
    }

    /// The host presented another certificate than the pinned one (checked after a connection failed).
    pub(crate) fn identity_changed(&self) -> Option<ClientError> {
        self.pinned.as_ref().and_then(Pinned::identity_changed)
    }

    /// Why a request failed: a changed host identity, or what reqwest says.
    fn failed(&self, err: reqwest::Error) -> ClientError {
        self.identity_changed().unwrap_or_else(|| err.into())
    }

    /// The same server with this credential (a member token or the host credential).
    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// `http://host:port`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The credential in use.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The WebSocket URL of a board's live socket.
    pub fn socket_url(&self, board: BoardId, since: Option<u64>) -> String {
        let base = self.base.replacen("http", "ws", 1);
        match since {
            Some(since) => format!("{base}/api/boards/{board}/ws?since={since}"),
            None => format!("{base}/api/boards/{board}/ws"),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
        let status = response.status();
        if status.is_success() {
            let bytes = response.bytes().await?;
            let bytes = if bytes.is_empty() {
                &b"null"[..]
            } else {
                &bytes[..]
            };
            return serde_json::from_slice(bytes).map_err(|e| ClientError::Protocol(e.to_string()));
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response.bytes().await?;
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::from_body(status.as_u16(), body, retry_after)),
            Err(_) => Err(ClientError::Protocol(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let response = self
            .request(Method::GET, path)
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        Self::read(response).await
    }

    /// Sends a mutation with a fresh idempotency key, resending it (same key) if the connection fails, so it
    /// is applied at most once.
    async fn mutate<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, ClientError> {
        // A UUIDv7: unique per request even if two requests start in the same millisecond (74 random bits).
        let key = uuid::Uuid::now_v7().to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .request(method.clone(), path)
                .header("idempotency-key", &key);
            if let Some(body) = body {
                request = request.json(body);
            }
            match request.send().await {
                // The server did not run it (busy or shutting down): the same key is safe to send again.
                Ok(response)
                    if response.status() == StatusCode::SERVICE_UNAVAILABLE
                        && attempt < SEND_ATTEMPTS =>
                {
                    tracing::debug!(attempt, "server busy; resending a mutation");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Ok(response) => return Self::read(response).await,
                Err(err)
                    if attempt < SEND_ATTEMPTS
                        && (err.is_connect() || err.is_request())
                        && self.identity_changed().is_none() =>
                {
                    tracing::debug!(error = %err, attempt, "resending a mutation");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(err) => return Err(self.failed(err)),
            }
        }
    }

    /// Sends a kept request once, exactly as kept (key, method, path, body bytes), and answers the host's status
    /// and body whatever they are; only a request that did not get an answer is an error. The outbox decides what
    /// an answer means.
    pub async fn send_kept(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, serde_json::Value), ClientError> {
        let mut request = self.request(method, path).header("idempotency-key", key);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request.send().await.map_err(|e| self.failed(e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.failed(e))?;
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
        };
        Ok((status, body))
    }

    /// `POST /api/boards/{board}/handoff` (the host): offers the board to `member` (or withdraws the offer).
    pub async fn offer_handoff(
        &self,
        board: BoardId,
        member: Option<MemberId>,
    ) -> Result<Board, ClientError> {
        let body = serde_json::json!({ "member_id": member });
        self.mutate(
            Method::POST,
            &format!("/api/boards/{board}/handoff"),
            Some(&body),
        )
        .await
    }

    /// `POST /api/boards/{board}/handoff/accept` (the member offered the board): the board moves to the host with
    /// `fingerprint` at `addresses`; answers the board's package, to import there.
    pub async fn accept_handoff(
        &self,
        board: BoardId,
        fingerprint: Fingerprint,
        addresses: &[String],
    ) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::json!({ "fingerprint": fingerprint, "addresses": addresses });
        let path = format!("/api/boards/{board}/handoff/accept");
        self.mutate(Method::POST, &path, Some(&body)).await
    }

    /// `POST /api/boards/import` (host credential): serves a board moved here from another host.
    pub async fn import_board(&self, package: &serde_json::Value) -> Result<Snapshot, ClientError> {
        self.mutate(Method::POST, "/api/boards/import", Some(package))
            .await
    }

    /// `POST /api/boards/rehost` (host credential): hosts on this server a board whose host is gone for good, from
    /// a member's complete copy (see `Replica::whole_log`).
    pub async fn rehost_board(&self, body: &RehostBoard) -> Result<Snapshot, ClientError> {
        self.mutate(Method::POST, "/api/boards/rehost", Some(body))
            .await
    }

    /// `GET /api/health`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/api/health").await
    }

    /// `POST /api/boards` (host credential).
    pub async fn create_board(
        &self,
        name: &str,
        member_name: &str,
    ) -> Result<BoardCreated, ClientError> {
        let body = CreateBoard {
            name: name.to_owned(),
            member_name: member_name.to_owned(),
        };
        self.mutate(Method::POST, "/api/boards", Some(&body)).await
    }

    /// `GET /api/boards` (host credential).
    pub async fn list_boards(&self) -> Result<Vec<Board>, ClientError> {
        self.get("/api/boards").await
    }

    /// `POST /api/join`; no credential needed. Not retried: a join is not idempotent.
    pub async fn join(&self, room_code: &str, member_name: &str) -> Result<Joined, ClientError> {
        let body = JoinBoard {
            room_code: room_code.to_owned(),
            member_name: member_name.to_owned(),
        };
        let response = self
            .request(Method::POST, "/api/join")
            .json(&body)
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        Self::read(response).await
    }

    /// `GET /api/boards/{board}`.
    pub async fn snapshot(&self, board: BoardId) -> Result<Snapshot, ClientError> {
        self.get(&format!("/api/boards/{board}")).await
    }

    /// `PATCH /api/boards/{board}`.
    pub async fn rename_board(&self, board: BoardId, name: &str) -> Result<Board, ClientError> {
        let body = UpdateBoard {
            name: name.to_owned(),
        };
        self.mutate(Method::PATCH, &format!("/api/boards/{board}"), Some(&body))
            .await
    }

    /// `POST /api/boards/{board}/room-code` (host).
    pub async fn rotate_room_code(&self, board: BoardId) -> Result<RoomCode, ClientError> {
        let body: RoomCodeBody = self
            .mutate(
                Method::POST,
                &format!("/api/boards/{board}/room-code"),
                None::<&()>,
            )
            .await?;
        Ok(body.room_code)
    }

    /// `DELETE /api/boards/{board}/members/{member}` (host).
    pub async fn remove_member(&self, board: BoardId, member: MemberId) -> Result<(), ClientError> {
        self.mutate(
            Method::DELETE,
            &format!("/api/boards/{board}/members/{member}"),
            None::<&()>,
        )
        .await
    }

    /// `POST /api/boards/{board}/columns`.
    pub async fn create_column(
        &self,
        board: BoardId,
        body: &CreateColumn,
    ) -> Result<Column, ClientError> {
        self.mutate(
            Method::POST,
            &format!("/api/boards/{board}/columns"),
            Some(body),
        )
        .await
    }

    /// `PATCH /api/columns/{column}`.
    pub async fn update_column(
        &self,
        column: ColumnId,
        body: &UpdateColumn,
    ) -> Result<Column, ClientError> {
        self.mutate(Method::PATCH, &format!("/api/columns/{column}"), Some(body))
            .await
    }

    /// `DELETE /api/columns/{column}`: to the trash, with its cards.
    pub async fn delete_column(&self, column: ColumnId) -> Result<(), ClientError> {
        self.mutate(
            Method::DELETE,
            &format!("/api/columns/{column}"),
            None::<&()>,
        )
        .await
    }

    /// `POST /api/columns/{column}/cards`.
    pub async fn create_card(
        &self,
        column: ColumnId,
        body: &CreateCard,
    ) -> Result<Card, ClientError> {
        self.mutate(
            Method::POST,
            &format!("/api/columns/{column}/cards"),
            Some(body),
        )
        .await
    }

    /// `PATCH /api/cards/{card}`.
    pub async fn update_card(&self, card: CardId, body: &UpdateCard) -> Result<Card, ClientError> {
        self.mutate(Method::PATCH, &format!("/api/cards/{card}"), Some(body))
            .await
    }

    /// `DELETE /api/cards/{card}`: to the trash.
    pub async fn delete_card(&self, card: CardId) -> Result<(), ClientError> {
        self.mutate(Method::DELETE, &format!("/api/cards/{card}"), None::<&()>)
            .await
    }

    /// `POST /api/boards/{board}/labels`: defines a label on the board.
    pub async fn create_label(&self, board: BoardId, label: &Label) -> Result<Board, ClientError> {
        self.mutate(
            Method::POST,
            &format!("/api/boards/{board}/labels"),
            Some(label),
        )
        .await
    }

    /// `DELETE /api/boards/{board}/trash`: everything in the trash deleted for good (host only).
    pub async fn empty_trash(&self, board: BoardId) -> Result<(), ClientError> {
        self.mutate(
            Method::DELETE,
            &format!("/api/boards/{board}/trash"),
            None::<&()>,
        )
        .await
    }

    /// `GET /api/boards/{board}/log-base`: where the board's log starts (the host compacts it).
    pub async fn log_base(&self, board: BoardId) -> Result<LogBase, ClientError> {
        self.get(&format!("/api/boards/{board}/log-base")).await
    }

    /// `GET /api/boards/{board}/events?since=N&limit=M`.
    pub async fn events(
        &self,
        board: BoardId,
        since: u64,
        limit: Option<u32>,
    ) -> Result<EventsPage, ClientError> {
        let mut path = format!("/api/boards/{board}/events?since={since}");
        if let Some(limit) = limit {
            path.push_str(&format!("&limit={limit}"));
        }
        self.get(&path).await
    }
}

/// True for answers that mean the credential no longer opens this board.
pub(crate) fn is_locked_out(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND
}
