//! Columns: create, rename or move, delete.

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{CreateColumn, ErrorBody, UpdateColumn};
use lanban_core::ids::{BoardId, ColumnId};
use lanban_core::model::Column;
use lanban_core::validate::{self, ValidationError};

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
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

/// The new title, if the edit sends one; a title cannot be cleared.
fn new_title(title: Option<Option<&str>>) -> Result<Option<String>, ValidationError> {
    match title {
        None => Ok(None),
        Some(None) => Err(ValidationError::new("title", "cannot be null")),
        Some(Some(title)) => validate::title("title", title).map(Some),
    }
}

/// Adds a column; `before`/`after` place it (both: between two neighbours), neither puts it last. With `id` (a
/// UUIDv7 the client chose), sending the same create again is safe at any time.
#[utoipa::path(post, path = "/api/boards/{board}/columns", tag = "columns", security(("bearer" = [])),
    params(("board" = String, Path, description = "Board id")), request_body = CreateColumn,
    responses((status = 201, description = "Created; event column.created", body = Column),
        (status = 200, description = "The same create (this `id`, by this member) was already applied: the column \
            as it is now; no event", body = Column),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`id_taken`: the `id` is another board's, another kind's or another \
            member's", body = ErrorBody),
        (status = 410, description = "`gone`: a column with this `id` was created here and has since been \
            deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(board): PathId<BoardId>,
    body: JsonBody<CreateColumn>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::create(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, board)?;
        let id = value
            .id
            .map(|id| validate::client_id("id", id.0).map(ColumnId))
            .transpose()?;
        let title = validate::title("title", &value.title)?;
        columns::create_column(tx, &actor, id, title, placement(value.before, value.after))
    })
    .await
}

/// Renames and/or moves a column (`before`/`after` as for create; neither leaves it in place), archives it or takes
/// it out of the archive, moves it to the trash or restores it (its cards with it).
#[utoipa::path(patch, path = "/api/columns/{column}", tag = "columns", security(("bearer" = [])),
    params(("column" = String, Path, description = "Column id")), request_body = UpdateColumn,
    responses((status = 200, description = "Updated; event column.updated (none when nothing changed)", body = Column),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the column was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(column): PathId<ColumnId>,
    body: JsonBody<UpdateColumn>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, columns::board_of(tx, column)?)?;
            let title = new_title(value.title.as_ref().map(Option::as_deref))?;
            let moved = (value.before.is_some() || value.after.is_some())
                .then(|| placement(value.before, value.after));
            let edit = columns::ColumnEdit {
                title,
                placement: moved,
                archived: value.archived,
                trashed: value.trashed,
            };
            columns::update_column(tx, &actor, column, edit)
        },
    )
    .await
}

/// Moves a column to the trash with every card in it: they leave the board and come back with it when it is
/// restored (`PATCH` with `"trashed": false`); the trash is emptied by its host or after 30 days.
#[utoipa::path(delete, path = "/api/columns/{column}", tag = "columns", security(("bearer" = [])),
    params(("column" = String, Path, description = "Column id")),
    responses((status = 204, description = "In the trash; event column.updated with `trashed_at` (none if it \
            already was)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the column was deleted for good", body = ErrorBody)))]
pub async fn delete_column(
    State(state): State<AppState>,
    credential: Credential,
    PathId(column): PathId<ColumnId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, columns::board_of(tx, column)?)?;
            columns::trash_column(tx, &actor, column)
        },
    )
    .await
}
