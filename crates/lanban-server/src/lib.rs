//! Lanban's sync server: several clients share boards in real time; every change is committed to SQLite before
//! anyone is told.
//!
//! # Layout
//! - [`routes`]: the HTTP API (one module per resource) and the OpenAPI document built from it.
//! - [`store`]: SQLite: the writer thread with group commit, read connections, migrations, and the board's
//!   business rules that run inside transactions.
//! - [`hub`]: rooms of live sockets; receives committed events from the store's writer.
//! - [`ws`]: one WebSocket session: hello, replay, live events, presence, pings.
//! - [`auth`]: tokens and the host credential; [`throttle`]: failed-join limits.
//! - [`extract`]: request extractors that turn bad input into JSON errors; [`error`]: that error type.
//! - [`config`]: what an instance is told at start.
//!
//! The one data flow: a route authorises and validates inside a store job, the job writes and appends events in
//! one transaction, and only after `COMMIT` does the writer publish the events to the board's room, in seq order.

pub mod auth;
pub mod compaction;
pub mod config;
pub mod datalock;
pub mod error;
pub mod extract;
pub mod hub;
pub mod response;
pub mod routes;
pub mod serve;
pub mod store;
pub mod throttle;
pub mod tls;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Request, Uri};
use axum::response::{IntoResponse, Response};
use lanban_core::api::ErrorCode;
use lanban_core::ids::BoardId;
use lanban_core::room_code::HostTag;
use lanban_discovery::HostAdvert;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use config::{Config, JoinLimits, Synchronous};

use crate::auth::TokenHash;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::store::{Store, StoreError};
use crate::throttle::{Budget, JoinThrottle};

/// Everything a handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The rooms; the store's writer publishes here after each commit.
    pub hub: Hub,
    /// Limits and timeouts.
    pub config: Arc<Config>,
    /// Hash of the host credential.
    pub host_hash: TokenHash,
    /// Failed-join limits.
    pub throttle: Arc<JoinThrottle>,
    /// Joins per board in any 60 s.
    pub joins: Arc<Budget<BoardId>>,
    /// Changes per credential scope (a member id, or `host`) in any 60 s.
    pub changes: Arc<Budget<String>>,
    /// Where each member's copy is, for compacting logs behind it.
    pub progress: Arc<compaction::Progress>,
    /// Cancelled when the server shuts down; sockets close with 1001.
    pub shutdown: CancellationToken,
    /// Socket sessions, awaited at shutdown.
    pub tasks: TaskTracker,
    /// This server's id, stable across restarts (random, 22 characters of base64url); discovery announces it.
    pub server_id: Arc<str>,
    /// The server's identity: its certificate (served over TLS unless TLS is off) and so its room-code tag.
    pub identity: Arc<tls::Identity>,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or create the server id {path}: {source}")]
    ServerId {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or create the host credential {path}: {source}")]
    HostToken {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
}

impl AppState {
    /// Opens the data directory (creating it, the database and the host credential as needed).
    pub fn open(config: Config) -> Result<AppState, StartError> {
        lanban_client::private::create_dir(&config.data_dir).map_err(|source| {
            StartError::DataDir {
                path: config.data_dir.clone(),
                source,
            }
        })?;
        let host_token_path = config.host_token_path();
        let host_token = auth::load_or_create_token_file(&host_token_path).map_err(|source| {
            StartError::HostToken {
                path: host_token_path,
                source,
            }
        })?;
        let server_id_path = config.data_dir.join("server-id");
        let server_id: String = auth::load_or_create_token_file(&server_id_path)
            .map_err(|source| StartError::ServerId {
                path: server_id_path,
                source,
            })?
            .chars()
            .take(22)
            .collect();
        // Made even when TLS is off: the certificate's fingerprint names the server and tags its room codes.
        let identity = Arc::new(tls::Identity::load_or_create(&config.data_dir)?);
        let hub = Hub::new(config.room_buffer);
        let store = Store::open(&config, hub.clone())?;
        Ok(AppState {
            store,
            hub,
            progress: Arc::default(),
            throttle: Arc::new(JoinThrottle::new(config.join_limits.clone())),
            joins: Arc::new(Budget::new(config.joins_per_board_per_minute)),
            changes: Arc::new(Budget::new(config.changes_per_minute)),
            config: Arc::new(config),
            host_hash: TokenHash::of(&host_token),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            server_id: Arc::from(server_id.as_str()),
            identity,
        })
    }

    /// The identity `serve` presents over TLS on `local`, if it serves TLS there: beyond loopback in
    /// [`tls::TlsMode::Auto`], everywhere in `Always`, nowhere in `Off`.
    pub fn tls_on(&self, local: SocketAddr) -> Option<&tls::Identity> {
        match self.config.tls {
            tls::TlsMode::Off => None,
            tls::TlsMode::Auto if local.ip().is_loopback() => None,
            tls::TlsMode::Always | tls::TlsMode::Auto => Some(&self.identity),
        }
    }

    /// The tag that starts this server's room codes.
    pub fn tag(&self) -> HostTag {
        self.identity.fingerprint.tag()
    }
}

/// Raises this process's open-file limit to its hard limit, since every socket is a file descriptor; returns the
/// soft limit now in force. Call it once at start, before listening.
pub fn raise_fd_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// Pending connections the listener queues before accepting them (the OS may cap it: `somaxconn` on Linux).
/// Tokio's default of 1,024 let some of 1,000 clients reconnecting at once lose their first SYN and wait a second
/// for its retransmission.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `addr` with a backlog deep enough for a whole team's reconnect storm.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = routes::router().split_for_parts().1;
    routes::document::complete(&mut document);
    document
}

/// The whole application: routes, the OpenAPI document, limits, tracing and JSON errors for everything.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let router: Router<AppState> = routes::router().into();
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                        tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                    }),
                )
                .layer(CatchPanicLayer::custom(|_| {
                    ApiError::Internal("a handler panicked".into()).into_response()
                }))
                .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
                .layer(tower::timeout::TimeoutLayer::new(config.request_timeout))
                .layer(tower::limit::ConcurrencyLimitLayer::new(config.max_concurrent_requests))
                .layer(DefaultBodyLimit::max(lanban_core::validate::MAX_BODY_BYTES)),
        )
}

async fn overloaded(_method: Method, _uri: Uri, err: tower::BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(ErrorCode::Unavailable, "the request took too long").into_response()
    } else {
        ApiError::Internal(format!("middleware: {err}")).into_response()
    }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no such path: {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// What `serve` accepts connections with.
enum Listening {
    Plain(TcpListener),
    Lan(tls::LanListener),
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish, closes every
/// socket with 1001 and commits what is queued.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cancel = state.shutdown.clone();
    let tasks = state.tasks.clone();
    let store = state.store.clone();
    let local = listener.local_addr()?;
    // TLS for everyone and plain HTTP for this computer, or plain HTTP only (see `tls::TlsMode`).
    let listener = match state.tls_on(local) {
        Some(identity) => {
            Listening::Lan(tls::LanListener::start(listener, identity, cancel.clone())?)
        }
        None => Listening::Plain(listener),
    };
    let compact = tokio::spawn(compaction::every(
        state.clone(),
        state.config.compaction.every,
    ));
    let purge = tokio::spawn({
        let store = store.clone();
        let cancel = cancel.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = every.tick() => {
                        if let Err(err) = store.purge_idempotency().await {
                            tracing::warn!(error = %err, "idempotency purge failed");
                        }
                    }
                }
            }
        }
    });
    let stopped = {
        let cancel = cancel.clone();
        async move {
            tokio::select! {
                () = shutdown => {}
                () = cancel.cancelled() => {}
            }
            cancel.cancel();
        }
    };
    let app = app(state);
    let result = match listener {
        Listening::Plain(plain) => serve::serve(plain, app, stopped).await,
        Listening::Lan(lan) => serve::serve(lan, app, stopped).await,
    };
    cancel.cancel();
    tasks.close();
    if tokio::time::timeout(Duration::from_secs(10), tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("some sockets did not close within 10 s");
    }
    purge.abort();
    compact.abort();
    store.close().await;
    result
}

/// A server running in this process: the headless `lanban-server`, the desktop app's host mode, and tests.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The host credential.
    pub host_token: String,
    /// Cancelled to stop it, and by the server itself once it stopped (so [`RunningServer::stopped`] sees a
    /// failure too).
    shutdown: CancellationToken,
    /// The rooms, to see who is connected.
    hub: Hub,
    /// The database, to count the boards it announces.
    store: Store,
    /// The certificate it serves over TLS on `addr`, if it does.
    fingerprint: Option<lanban_core::fingerprint::Fingerprint>,
    /// What starts its room codes.
    tag: HostTag,
    /// Its id, stable across restarts.
    server_id: Arc<str>,
    /// The serving task; its result is what [`RunningServer::stop`] returns.
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Opens `config.data_dir` and serves it on `bind` (port 0 picks a free port).
    pub async fn start(config: Config, bind: SocketAddr) -> Result<RunningServer, StartError> {
        let host_token_path = config.host_token_path();
        let state = AppState::open(config)?;
        let host_token = std::fs::read_to_string(&host_token_path)
            .map(|t| t.trim().to_owned())
            .map_err(|source| StartError::HostToken {
                path: host_token_path,
                source,
            })?;
        let listener = listen(bind).map_err(StartError::Listen)?;
        let addr = listener.local_addr().map_err(StartError::Listen)?;
        let shutdown = state.shutdown.clone();
        let hub = state.hub.clone();
        let store = state.store.clone();
        let fingerprint = state.tls_on(addr).map(|identity| identity.fingerprint);
        let tag = state.tag();
        let server_id = state.server_id.clone();
        let task = tokio::spawn({
            let stopped = shutdown.clone();
            async move {
                let served = serve(listener, state, std::future::pending()).await;
                stopped.cancel();
                served
            }
        });
        Ok(RunningServer {
            addr,
            host_token,
            shutdown,
            hub,
            store,
            fingerprint,
            tag,
            server_id,
            task,
        })
    }

    /// What discovery announces for this server under `name`: `None` unless it serves TLS on its address
    /// (discovery only ever steers teammates to a pinned certificate). If the boards cannot be counted, the
    /// failure is logged and the advert says 0.
    pub async fn advert(&self, name: &str) -> Option<HostAdvert> {
        let fingerprint = self.fingerprint?;
        // A COUNT of a table of a few rows, and the boards hosted from a copy, on a read connection.
        let counted = self
            .store
            .read(|conn| -> store::Result<(u32, Vec<String>)> {
                let boards = conn.query_row("SELECT COUNT(*) FROM boards", [], |r| r.get(0))?;
                let took = conn
                    .prepare_cached(
                        "SELECT id FROM boards WHERE rehosted_at IS NOT NULL
                         ORDER BY rehosted_at DESC LIMIT ?1",
                    )?
                    .query_map([lanban_discovery::MAX_TOOK], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok((boards, took))
            })
            .await;
        let (boards, took) = counted.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot count the boards to announce");
            (0, Vec::new())
        });
        let took = took
            .iter()
            .filter_map(|id| id.parse().ok())
            .map(lanban_discovery::board_key)
            .collect();
        Some(HostAdvert {
            name: name.to_owned(),
            server_id: self.server_id.to_string(),
            fingerprint,
            tag: self.tag.to_string(),
            boards,
            took,
            protocol: lanban_core::PROTOCOL_VERSION,
            port: self.addr.port(),
        })
    }

    /// Resolves once the server has stopped: after [`RunningServer::stop`], or by itself when serving failed.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
    }

    /// The rooms, to see who is connected.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// `http://ADDR` (plain HTTP, which this computer may always use).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fingerprint of the certificate it serves over TLS, if it serves TLS (`https://ADDR`).
    pub fn fingerprint(&self) -> Option<lanban_core::fingerprint::Fingerprint> {
        self.fingerprint
    }

    /// The tag that starts the room codes it gives out.
    pub fn tag(&self) -> HostTag {
        self.tag
    }

    /// Its id, stable across restarts.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// Shuts down gracefully and waits until the last commit is on disk.
    pub async fn stop(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        match self.task.await {
            Ok(result) => result,
            Err(err) => Err(std::io::Error::other(err)),
        }
    }
}
