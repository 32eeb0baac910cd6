//! Moving a board to another computer: the host offers it to a member, that member accepts and receives the board's
//! package, and the member's own server imports the package (host credential) and serves the board from then on.

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{AcceptHandoff, ErrorBody, OfferHandoff, RehostBoard, Snapshot};
use lanban_core::ids::BoardId;
use lanban_core::model::Board;

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::{JsonBody, PathId};
use crate::response::Reply;
use crate::store::handoff;
use crate::store::package;
use crate::store::portable::BoardExport;
use crate::store::rehost;

/// Offers the board to a member, who may then take it over (host only); `null` withdraws the offer.
#[utoipa::path(post, path = "/api/boards/{board}/handoff", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = OfferHandoff,
    responses((status = 200, description = "Offered (or withdrawn); event board.handoff_offered", body = Board),
        (status = 401, body = ErrorBody), (status = 403, description = "Not the board's host", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`board_moved`: the board is hosted elsewhere now", body = ErrorBody),
        (status = 422, description = "`member_id` is not a current member other than the host", body = ErrorBody)))]
pub async fn offer_handoff(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<OfferHandoff>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            handoff::offer_handoff(tx, &actor, value.member_id)
        },
    )
    .await
}

/// Takes the board over (only the member it was offered to): the board moves to the caller's server, and the
/// answer is everything that server needs to serve it. From then on this server refuses changes to the board.
#[utoipa::path(post, path = "/api/boards/{board}/handoff/accept", tag = "boards", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = AcceptHandoff,
    responses((status = 200, description = "Moved; event board.moved (the last event of the package). The same \
            acceptance sent again answers the package again, with no event", body = BoardExport),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The board was not offered to this member", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`board_moved`: the board has moved already", body = ErrorBody),
        (status = 422, description = "A bad `fingerprint` or `addresses`", body = ErrorBody)))]
pub async fn accept_handoff(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<AcceptHandoff>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            // A moved board is read here, not refused: the same acceptance sent again answers its package again.
            let actor = principal.reading(tx, board)?;
            handoff::accept_handoff(tx, &actor, &value)
        },
    )
    .await
}

/// Serves a board moved here: imports its package (host credential only) with the same ids, seq, events and
/// token hashes. A room code of another host is rotated right after (`room_code.rotated`). A package whose log
/// ends with `board.moved` is taken only by the server that event names (by certificate fingerprint).
#[utoipa::path(post, path = "/api/boards/import", tag = "boards", security(("bearer" = [])),
    request_body = BoardExport,
    responses((status = 201, description = "Imported; event room_code.rotated if the code was another host's",
            body = Snapshot),
        (status = 401, body = ErrorBody), (status = 403, description = "Not the host credential", body = ErrorBody),
        (status = 409, description = "`id_taken`: the board, or one of its ids, is here already", body = ErrorBody),
        (status = 413, description = "Larger than 64 MiB", body = ErrorBody),
        (status = 422, description = "The package is not consistent; `field` names where", body = ErrorBody)))]
pub async fn import_board(
    State(state): State<AppState>,
    credential: Credential,
    body: JsonBody<BoardExport>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    let fingerprint = state.identity.fingerprint;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::CREATED,
        move |tx, principal| {
            principal.require_host_credential("import boards")?;
            package::import(tx, fingerprint, &value)
        },
    )
    .await
}

/// Hosts a board whose host is gone for good, from a member's complete copy (host credential only): the board is
/// made from the copy's log, with the same ids and seq, and the member as its host; only their token works here.
/// Events `board.rehosted`, then `room_code.rotated` (the room code becomes this server's).
#[utoipa::path(post, path = "/api/boards/rehost", tag = "boards", security(("bearer" = [])),
    request_body = RehostBoard,
    responses((status = 201, description = "Hosted here; events board.rehosted and room_code.rotated", body = Snapshot),
        (status = 401, body = ErrorBody), (status = 403, description = "Not the host credential", body = ErrorBody),
        (status = 409, description = "`id_taken`: the board, or one of its ids, is here already", body = ErrorBody),
        (status = 413, description = "Larger than 64 MiB", body = ErrorBody),
        (status = 422, description = "Not a whole log, or a board the rules refuse; `field` names where", body = ErrorBody)))]
pub async fn rehost_board(
    State(state): State<AppState>,
    credential: Credential,
    body: JsonBody<RehostBoard>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    let fingerprint = state.identity.fingerprint;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::CREATED,
        move |tx, principal| {
            principal.require_host_credential("host boards from a copy")?;
            rehost::rehost(tx, fingerprint, &value)
        },
    )
    .await
}
