//! Board labels: define, rename or recolour (on every card too), remove (from every card too). Any member.

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{ErrorBody, UpdateLabel};
use lanban_core::ids::BoardId;
use lanban_core::model::{Board, Label};
use lanban_core::validate;

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::{Idempotency, JsonBody, PathId, PathIds};
use crate::response::Reply;
use crate::store::labels;

/// Defines a label at the end of the board's labels. A label of that name (ignoring case) is already there: the
/// board as it is, no event.
#[utoipa::path(post, path = "/api/boards/{board}/labels", tag = "labels", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = Label,
    responses((status = 200, description = "Defined (event board.updated), or already there (no event): the board",
            body = Board),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`limit_reached`: the board has 100 labels", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_label(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<Label>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            let label = Label {
                name: validate::name("name", &value.name)?,
                color: validate::color("color", &value.color)?,
            };
            labels::create(tx, &actor, label)
        },
    )
    .await
}

/// Renames and/or recolours the label `name` (matched ignoring case): `board.updated`, then `card.updated` for each
/// card carrying it.
#[utoipa::path(patch, path = "/api/boards/{board}/labels/{name}", tag = "labels", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id"),
        ("name" = String, Path, description = "The label's name (percent-encoded)")),
    request_body = UpdateLabel,
    responses((status = 200, description = "Changed (events board.updated, then card.updated for each card \
            carrying it), or nothing to change (no event): the board", body = Board),
        (status = 401, body = ErrorBody), (status = 404, description = "No such board, or no such label on it",
            body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_label(
    State(state): State<AppState>,
    credential: Credential,
    PathIds(board, name): PathIds<BoardId, String>,
    body: JsonBody<UpdateLabel>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            let new_name = value
                .name
                .as_deref()
                .map(|n| validate::name("name", n))
                .transpose()?;
            let color = value
                .color
                .as_deref()
                .map(|c| validate::color("color", c))
                .transpose()?;
            labels::update(tx, &actor, &name, new_name, color)
        },
    )
    .await
}

/// Removes the label `name` (matched ignoring case) from the board and from every card carrying it:
/// `board.updated`, then `card.updated` for each such card.
#[utoipa::path(delete, path = "/api/boards/{board}/labels/{name}", tag = "labels", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id"),
        ("name" = String, Path, description = "The label's name (percent-encoded)")),
    responses((status = 200, description = "Removed (events board.updated, then card.updated for each card that \
            carried it): the board", body = Board),
        (status = 401, body = ErrorBody), (status = 404, description = "No such board, or no such label on it",
            body = ErrorBody)))]
pub async fn delete_label(
    State(state): State<AppState>,
    credential: Credential,
    PathIds(board, name): PathIds<BoardId, String>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, board)?;
            labels::delete(tx, &actor, &name)
        },
    )
    .await
}
