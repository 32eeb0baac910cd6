//! Checklists on cards and their items: any member adds, renames, moves and deletes them, and ticks items. Every
//! answer is the whole checklist after the change.

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{CreateChecklist, CreateItem, ErrorBody, UpdateChecklist, UpdateItem};
use lanban_core::ids::{CardId, ChecklistId, ItemId};
use lanban_core::model::Checklist;
use lanban_core::validate;

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::{Idempotency, JsonBody, PathId, PathIds};
use crate::response::Reply;
use crate::store::cards;
use crate::store::checklists::{self, ChecklistEdit, ItemEdit};
use crate::store::order::Placement;

/// `before`/`after` as a placement, if either is set.
fn placement(before: Option<String>, after: Option<String>) -> Option<Placement> {
    (before.is_some() || after.is_some()).then_some(Placement { before, after })
}

/// Adds a checklist at the end of a card's checklists (any member).
#[utoipa::path(post, path = "/api/cards/{card}/checklists", tag = "checklists", security(("bearer" = [])),
    params(("card" = String, Path, description = "Card id")), request_body = CreateChecklist,
    responses((status = 201, description = "Added; event checklist.created", body = Checklist),
        (status = 200, description = "The same create (this `id`, by this member) was already applied: the \
            checklist as it is now; no event", body = Checklist),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`id_taken`; `limit_reached`: the card has 20 checklists", body = ErrorBody),
        (status = 410, description = "`gone`: the card, or a checklist with this `id`, was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_checklist(
    State(state): State<AppState>,
    credential: Credential,
    PathId(card): PathId<CardId>,
    body: JsonBody<CreateChecklist>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::create(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, cards::board_of(tx, card)?)?;
        let id = (value.id)
            .map(|id| validate::client_id("id", id.0).map(ChecklistId))
            .transpose()?;
        let title = validate::title("title", &value.title)?;
        checklists::create_checklist(tx, &actor, card, id, title)
    })
    .await
}

/// Renames a checklist and/or moves it among its card's checklists.
#[utoipa::path(patch, path = "/api/checklists/{checklist}", tag = "checklists", security(("bearer" = [])),
    params(("checklist" = String, Path, description = "Checklist id")), request_body = UpdateChecklist,
    responses((status = 200, description = "Changed; event checklist.updated (none if nothing changed)",
            body = Checklist),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the checklist was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_checklist(
    State(state): State<AppState>,
    credential: Credential,
    PathId(checklist): PathId<ChecklistId>,
    body: JsonBody<UpdateChecklist>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, checklists::board_of(tx, checklist)?)?;
            let edit = ChecklistEdit {
                title: value
                    .title
                    .map(|t| validate::title("title", &t))
                    .transpose()?,
                placement: placement(
                    value.before.map(|id| id.to_string()),
                    value.after.map(|id| id.to_string()),
                ),
            };
            checklists::update_checklist(tx, &actor, checklist, edit)
        },
    )
    .await
}

/// Deletes a checklist and its items.
#[utoipa::path(delete, path = "/api/checklists/{checklist}", tag = "checklists", security(("bearer" = [])),
    params(("checklist" = String, Path, description = "Checklist id")),
    responses((status = 204, description = "Deleted; event checklist.deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the checklist was already deleted", body = ErrorBody)))]
pub async fn delete_checklist(
    State(state): State<AppState>,
    credential: Credential,
    PathId(checklist): PathId<ChecklistId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, checklists::board_of(tx, checklist)?)?;
            checklists::delete_checklist(tx, &actor, checklist)
        },
    )
    .await
}

/// Adds an item to a checklist; `before`/`after` name items of it, neither puts it last.
#[utoipa::path(post, path = "/api/checklists/{checklist}/items", tag = "checklists", security(("bearer" = [])),
    params(("checklist" = String, Path, description = "Checklist id")), request_body = CreateItem,
    responses((status = 201, description = "Added; event checklist.updated", body = Checklist),
        (status = 200, description = "The same create (this `id`, by this member) was already applied: the \
            checklist as it is now; no event", body = Checklist),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`id_taken`; `limit_reached`: the checklist has 100 items", body = ErrorBody),
        (status = 410, description = "`gone`: the checklist, or an item with this `id`, was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    credential: Credential,
    PathId(checklist): PathId<ChecklistId>,
    body: JsonBody<CreateItem>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::create(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, checklists::board_of(tx, checklist)?)?;
        let id = (value.id)
            .map(|id| validate::client_id("id", id.0).map(ItemId))
            .transpose()?;
        let text = validate::item_text("text", &value.text)?;
        let placement = placement(
            value.before.map(|id| id.to_string()),
            value.after.map(|id| id.to_string()),
        )
        .unwrap_or_default();
        checklists::create_item(tx, &actor, checklist, id, text, placement)
    })
    .await
}

/// Edits an item's text, ticks or unticks it, and/or moves it within its checklist.
#[utoipa::path(patch, path = "/api/checklists/{checklist}/items/{item}", tag = "checklists",
    security(("bearer" = [])),
    params(("checklist" = String, Path, description = "Checklist id"), ("item" = String, Path, description = "Item id")),
    request_body = UpdateItem,
    responses((status = 200, description = "Changed; event checklist.updated (none if nothing changed)",
            body = Checklist),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the item or its checklist was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    credential: Credential,
    PathIds(checklist, item): PathIds<ChecklistId, ItemId>,
    body: JsonBody<UpdateItem>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, checklists::board_of(tx, checklist)?)?;
            let edit = ItemEdit {
                text: value
                    .text
                    .map(|t| validate::item_text("text", &t))
                    .transpose()?,
                done: value.done,
                placement: placement(
                    value.before.map(|id| id.to_string()),
                    value.after.map(|id| id.to_string()),
                ),
            };
            checklists::update_item(tx, &actor, checklist, item, edit)
        },
    )
    .await
}

/// Deletes an item of a checklist.
#[utoipa::path(delete, path = "/api/checklists/{checklist}/items/{item}", tag = "checklists",
    security(("bearer" = [])),
    params(("checklist" = String, Path, description = "Checklist id"), ("item" = String, Path, description = "Item id")),
    responses((status = 200, description = "Deleted; event checklist.updated", body = Checklist),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the item or its checklist was already deleted", body = ErrorBody)))]
pub async fn delete_item(
    State(state): State<AppState>,
    credential: Credential,
    PathIds(checklist, item): PathIds<ChecklistId, ItemId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, checklists::board_of(tx, checklist)?)?;
            checklists::delete_item(tx, &actor, checklist, item)
        },
    )
    .await
}
