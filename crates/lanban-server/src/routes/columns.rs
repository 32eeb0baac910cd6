//! Columns: create, rename or move, delete.

use axum::extract::State;
use lanban_core::api::{CreateColumn, ErrorBody, UpdateColumn};
use lanban_core::ids::{BoardId, ColumnId};
use lanban_core::model::Column;
use lanban_core::validate;

use crate::AppState;
use crate::auth::Credential;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Idempotency, JsonBody, PathId};
use crate::response::Reply;
use crate::store::columns;
use crate::store::order::Placement;

fn placement(before: Option<ColumnId>, after: Option<ColumnId>) -> Placement {
    Placement {
        before: before.map(|id| id.to_string()),
        after: after.map(|id| id.to_string()),
    }
}

/// Adds a column; `before`/`after` place it (both: between two neighbours), neither puts it last.
#[utoipa::path(post, path = "/api/boards/{board}/columns", tag = "columns", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = CreateColumn,
    responses((status = 201, description = "Created; event column.created", body = Column),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<CreateColumn>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, board)?;
        let title = validate::title("title", &value.title)?;
        columns::create_column(tx, &actor, title, placement(value.before, value.after))
    })
    .await
}

/// Renames and/or moves a column (`before`/`after` as for create; neither leaves it in place).
#[utoipa::path(patch, path = "/api/columns/{column}", tag = "columns", security(("bearer" = [])),
    params(("column" = String, Path, description = "Column id")), request_body = UpdateColumn,
    responses((status = 200, description = "Updated; event column.updated", body = Column),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(column): PathId<ColumnId>,
    body: JsonBody<UpdateColumn>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, columns::board_of(tx, column)?)?;
        let title = match &value.title {
            None => None,
            Some(None) => return Err(ApiError::invalid("title", "cannot be null")),
            Some(Some(title)) => Some(validate::title("title", title)?),
        };
        let moved = (value.before.is_some() || value.after.is_some())
            .then(|| placement(value.before, value.after));
        columns::update_column(tx, &actor, column, title, moved)
    })
    .await
}

/// Deletes a column and every card in it.
#[utoipa::path(delete, path = "/api/columns/{column}", tag = "columns", security(("bearer" = [])),
    params(("column" = String, Path, description = "Column id")),
    responses((status = 204, description = "Deleted; event column.deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(column): PathId<ColumnId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, columns::board_of(tx, column)?)?;
        columns::delete_column(tx, &actor, column)
    })
    .await
}
