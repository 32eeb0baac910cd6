//! The board's event log over HTTP, and the upgrade to its live WebSocket.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lanban_core::api::{ErrorBody, ErrorCode, EventsPage, LogBase};
use lanban_core::ids::BoardId;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Credential;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PathId, QueryParams};
use crate::response::Reply;
use crate::store::{self, log, rows};
use crate::ws;

/// Most events one page of `/events` holds.
pub const MAX_PAGE: u64 = 1000;

/// The largest seq (and `limit`) a query may name: SQLite's integers are signed 64-bit.
const MAX_QUERY_INTEGER: u64 = i64::MAX as u64;

/// A query integer from 0 to [`MAX_QUERY_INTEGER`]; larger is a `422` naming the parameter, like any bad value.
fn bounded<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = u64::deserialize(deserializer)?;
    if value > MAX_QUERY_INTEGER {
        return Err(serde::de::Error::custom(format!(
            "must be at most {MAX_QUERY_INTEGER}"
        )));
    }
    Ok(value)
}

fn bounded_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    bounded(deserializer).map(Some)
}

/// `?since=N&limit=M`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Return events with seq greater than this (default 0; 0 to 9223372036854775807).
    #[serde(default, deserialize_with = "bounded")]
    #[param(minimum = 0, maximum = 9223372036854775807_i64)]
    since: u64,
    /// At most this many (default and maximum 1000; larger values are clamped to 1000; 1 to
    /// 9223372036854775807).
    #[serde(default, deserialize_with = "bounded_option")]
    #[param(minimum = 1, maximum = 9223372036854775807_i64)]
    limit: Option<u64>,
}

/// Events with seq > `since`, ascending, and the board's current seq.
#[utoipa::path(get, path = "/api/boards/{board}/events", tag = "events", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id"), EventsQuery),
    responses((status = 200, body = EventsPage), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 410, description = "`history_compacted`: `since` is before the log's base", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    QueryParams(query): QueryParams<EventsQuery>,
) -> ApiResult<Reply> {
    let since = query.since;
    let (actor, seq, events) = state
        .store
        .read(move |conn| {
            let actor = store::actor(conn, &credential, board)?;
            let base = log::base_seq(conn, board)?;
            if since < base {
                return Err(store::Error::HistoryCompacted { base });
            }
            let limit = match query.limit {
                Some(0) => return Err(store::Error::invalid("limit", "must be at least 1")),
                Some(limit) => limit.min(MAX_PAGE),
                None => MAX_PAGE,
            };
            let seq = rows::board_seq(conn, board)?;
            let events = rows::event_texts(conn, board, since, seq, limit as usize)?;
            Ok((actor, seq, events))
        })
        .await?;
    // Asking for what follows `since` says the copy holds everything up to it.
    state.progress.report(board, actor.member_id, since);
    // The stored texts are the events exactly as sent on sockets: splice them in unparsed.
    let mut body =
        String::with_capacity(events.iter().map(|(_, t)| t.len() + 1).sum::<usize>() + 32);
    body.push_str("{\"events\":[");
    for (i, (_, text)) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(text);
    }
    body.push_str("],\"seq\":");
    body.push_str(&seq.to_string());
    body.push('}');
    Ok(Reply {
        status: StatusCode::OK,
        body,
    })
}

/// Where the board's log starts: the board as it was at the log's base, whose events were compacted.
#[utoipa::path(get, path = "/api/boards/{board}/log-base", tag = "events", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")),
    responses((status = 200, description = "The base: seq 0 and a null snapshot when the log is whole", body = LogBase),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn log_base(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
) -> ApiResult<Reply> {
    let base = state
        .store
        .read(move |conn| {
            store::actor(conn, &credential, board)?;
            Ok::<_, store::Error>(log::base_text(conn, board)?)
        })
        .await?;
    // The stored snapshot is spliced in as it is.
    let body = match base {
        Some((seq, snapshot)) => format!("{{\"seq\":{seq},\"snapshot\":{snapshot}}}"),
        None => r#"{"seq":0,"snapshot":null}"#.to_owned(),
    };
    Ok(Reply {
        status: StatusCode::OK,
        body,
    })
}

/// `?since=N` on the socket.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketQuery {
    /// Replay stored events after this seq before live ones; omit after taking a snapshot (0 to
    /// 9223372036854775807).
    #[serde(default, deserialize_with = "bounded_option")]
    #[param(minimum = 0, maximum = 9223372036854775807_i64)]
    since: Option<u64>,
}

/// Opens the board's live socket: `hello`, replayed events, then live events and presence.
#[utoipa::path(get, path = "/api/boards/{board}/ws", tag = "events", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id"), SocketQuery),
    responses((status = 101, description = "Switching to the WebSocket protocol (see docs/protocol.md)"),
        (status = 426, description = "Not a WebSocket upgrade", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, description = "Too many open sockets for this member", body = ErrorBody)))]
pub async fn board_socket(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    QueryParams(query): QueryParams<SocketQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let actor = state
        .store
        .read(move |conn| store::actor(conn, &credential, board))
        .await?;
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::new(
            ErrorCode::UpgradeRequired,
            format!("this path only accepts WebSocket upgrades: {rejection}"),
        )
    })?;
    if state.hub.sockets_of(board, actor.member_id) >= state.config.max_sockets_per_member {
        return Err(ApiError::RateLimited {
            retry_after_secs: 5,
        });
    }
    if let Some(since) = query.since {
        // The copy holds everything up to `since`.
        state.progress.report(board, actor.member_id, since);
    }
    let tasks = state.tasks.clone();
    Ok(upgrade
        .read_buffer_size(512)
        .write_buffer_size(ws::WRITE_BUFFER)
        .max_message_size(ws::MAX_CLIENT_MESSAGE)
        .max_frame_size(ws::MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| {
            tasks.track_future(ws::session(socket, state, actor, query.since))
        })
        .into_response())
}
