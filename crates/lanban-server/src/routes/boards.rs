//! Boards: create (host credential), list (host credential), join by room code, snapshot, rename, rotate the
//! code and remove members (host).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use lanban_core::api::{
    BoardCreated, CreateBoard, ErrorBody, ErrorCode, JoinBoard, Joined, RoomCodeBody, Snapshot,
    UpdateBoard,
};
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::Board;
use lanban_core::room_code::RoomCode;
use lanban_core::validate;

use crate::AppState;
use crate::auth::Credential;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Idempotency, JsonBody, PathId, PathIds};
use crate::response::Reply;
use crate::store::{self, boards, rows, trash};

/// Creates a board and its host member (host credential only).
#[utoipa::path(post, path = "/api/boards", tag = "boards", request_body = CreateBoard,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; events board.created (seq 1) and member.joined (seq 2)", body = BoardCreated),
        (status = 401, body = ErrorBody), (status = 403, description = "Not the host credential", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_board(
    State(state): State<AppState>,
    credential: Credential,
    body: JsonBody<CreateBoard>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    let tag = state.tag();
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::CREATED,
        move |tx, principal| {
            principal.require_host_credential("create boards")?;
            let name = validate::name("name", &value.name)?;
            let member_name = validate::name("member_name", &value.member_name)?;
            boards::create_board(tx, tag, name, member_name)
        },
    )
    .await
}

/// Every board on this server (host credential only).
#[utoipa::path(get, path = "/api/boards", tag = "boards", security(("bearer" = [])),
    responses((status = 200, body = Vec<Board>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_boards(
    State(state): State<AppState>,
    credential: Credential,
) -> ApiResult<Reply> {
    let boards = state
        .store
        .read(move |conn| {
            store::principal(conn, &credential)?.require_host_credential("list every board")?;
            rows::all_boards(conn).map_err(store::Error::from)
        })
        .await?;
    Reply::json(StatusCode::OK, &boards)
}

/// Joins a board by its room code; failed joins are throttled per address and globally.
#[utoipa::path(post, path = "/api/join", tag = "boards", request_body = JoinBoard,
    responses(
        (status = 200, description = "Joined; event member.joined", body = Joined),
        (status = 404, description = "`room_not_found`", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Too many failed joins; see Retry-After", body = ErrorBody)))]
pub async fn join_board(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: JsonBody<JoinBoard>,
) -> ApiResult<Reply> {
    let ip = peer.ip();
    let member_name = validate::name("member_name", &body.value.member_name)?;
    // From here the attempt counts as a failed guess unless it turns out right.
    state.throttle.begin(ip)?;
    let code: RoomCode =
        body.value
            .room_code
            .parse()
            .map_err(|err: lanban_core::room_code::RoomCodeError| {
                ApiError::invalid("room_code", err.to_string())
            })?;
    let joins = state.joins.clone();
    let admit = move |board| joins.spend(&board).map_err(store::Error::from);
    let result = state
        .store
        .write(
            move |tx| match boards::join_board(tx, &code, member_name, admit)? {
                Some(joined) => Reply::json(StatusCode::OK, &joined),
                None => Err(ApiError::new(
                    ErrorCode::RoomNotFound,
                    "no board has this room code",
                )),
            },
        )
        .await;
    if !matches!(&result, Err(err) if err.code() == ErrorCode::RoomNotFound) {
        state.throttle.succeeded(ip);
    }
    result
}

/// The whole board: columns, cards, members and the seq it is current to.
#[utoipa::path(get, path = "/api/boards/{board}", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")),
    responses((status = 200, body = Snapshot), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_board(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
) -> ApiResult<Reply> {
    let snapshot = state
        .store
        .read(move |conn| {
            store::actor(conn, &credential, board)?;
            rows::snapshot(conn, board)?.ok_or(store::Error::NotFound("board"))
        })
        .await?;
    Reply::json(StatusCode::OK, &snapshot)
}

/// Renames the board.
#[utoipa::path(patch, path = "/api/boards/{board}", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = UpdateBoard,
    responses((status = 200, description = "Renamed; event board.updated", body = Board),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_board(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<UpdateBoard>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            let name = validate::name("name", &value.name)?;
            boards::rename_board(tx, &actor, name)
        },
    )
    .await
}

/// Gives the board a new room code (host only); the old code stops working.
#[utoipa::path(post, path = "/api/boards/{board}/room-code", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")),
    responses((status = 200, description = "Rotated; event room_code.rotated", body = RoomCodeBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_room_code(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    let tag = state.tag();
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            let room_code = boards::rotate_room_code(tx, tag, &actor)?;
            Ok(RoomCodeBody { room_code })
        },
    )
    .await
}

/// Removes a member (host only): their token stops working, their sockets close, and the room code they knew is
/// replaced by a new one.
#[utoipa::path(delete, path = "/api/boards/{board}/members/{member}", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id"), ("member" = String, Path, description = "Member id")),
    responses((status = 204, description = "Removed; event member.removed (after card.updated for each card they were assigned), then room_code.rotated"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The host cannot be removed", body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    credential: Credential,
    PathIds(board, member): PathIds<BoardId, MemberId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    let tag = state.tag();
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            boards::remove_member(tx, tag, &actor, member)
        },
    )
    .await
}

/// Empties the board's trash (host only): every card and column in it is deleted for good, a column with the cards
/// still in it.
#[utoipa::path(delete, path = "/api/boards/{board}/trash", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")),
    responses((status = 204, description = "Emptied; event column.deleted for each column, then card.deleted for \
            each card that was in the trash (none if it was empty)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn empty_trash(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            trash::empty(tx, &actor).map(drop)
        },
    )
    .await
}
