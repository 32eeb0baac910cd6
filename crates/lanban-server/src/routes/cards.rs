//! Cards: create, edit and/or move, delete.

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{CreateCard, ErrorBody, UpdateCard};
use lanban_core::ids::{CardId, ColumnId, MemberId};
use lanban_core::model::{Card, Label};
use lanban_core::validate::{self, MAX_ASSIGNEES, MAX_LABELS, ValidationError};

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::{Idempotency, JsonBody, PathId};
use crate::response::Reply;
use crate::store::cards::{CardEdit, NewCard};
use crate::store::order::Placement;
use crate::store::{cards, columns, rows};

fn labels(labels: Vec<Label>) -> Result<Vec<Label>, ValidationError> {
    if labels.len() > MAX_LABELS {
        return Err(ValidationError::new(
            "labels",
            format!("at most {MAX_LABELS} labels (got {})", labels.len()),
        ));
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            Ok(Label {
                name: validate::name(&format!("labels[{i}].name"), &label.name)?,
                color: validate::color(&format!("labels[{i}].color"), &label.color)?,
            })
        })
        .collect()
}

/// Everyone assigned, each once, in the order given.
fn assignees(ids: Vec<MemberId>) -> Result<Vec<MemberId>, ValidationError> {
    let mut unique: Vec<MemberId> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if unique.len() > MAX_ASSIGNEES {
        return Err(ValidationError::new(
            "assignee_ids",
            format!("at most {MAX_ASSIGNEES} members (got {})", unique.len()),
        ));
    }
    Ok(unique)
}

fn placement(before: Option<CardId>, after: Option<CardId>) -> Placement {
    Placement {
        before: before.map(|id| id.to_string()),
        after: after.map(|id| id.to_string()),
    }
}

fn new_card(body: CreateCard) -> Result<NewCard, ValidationError> {
    Ok(NewCard {
        id: body
            .id
            .map(|id| validate::client_id("id", id.0).map(CardId))
            .transpose()?,
        title: validate::title("title", &body.title)?,
        description: validate::description(
            "description",
            body.description.as_deref().unwrap_or(""),
        )?,
        labels: labels(body.labels.unwrap_or_default())?,
        assignee_ids: assignees(body.assignee_ids.unwrap_or_default())?,
        due_date: body
            .due_date
            .as_deref()
            .map(|d| validate::due_date("due_date", d))
            .transpose()?,
        placement: placement(body.before, body.after),
    })
}

fn card_edit(body: UpdateCard) -> Result<CardEdit, ValidationError> {
    let title = match body.title {
        None => None,
        Some(None) => return Err(ValidationError::new("title", "cannot be null")),
        Some(Some(title)) => Some(validate::title("title", &title)?),
    };
    let column_id = match body.column_id {
        None => None,
        Some(None) => return Err(ValidationError::new("column_id", "cannot be null")),
        Some(Some(id)) => Some(id),
    };
    let (before, after) = (body.before.flatten(), body.after.flatten());
    Ok(CardEdit {
        title,
        description: body
            .description
            .map(|d| validate::description("description", d.as_deref().unwrap_or("")))
            .transpose()?,
        labels: body
            .labels
            .map(|l| labels(l.unwrap_or_default()))
            .transpose()?,
        assignee_ids: body
            .assignee_ids
            .map(|a| assignees(a.unwrap_or_default()))
            .transpose()?,
        due_date: body
            .due_date
            .map(|d| d.map(|d| validate::due_date("due_date", &d)).transpose())
            .transpose()?,
        column_id,
        placement: (before.is_some() || after.is_some()).then(|| placement(before, after)),
        version: body.version.flatten(),
        archived: body.archived,
        trashed: body.trashed,
    })
}

/// Adds a card to a column; `before`/`after` name cards of that column, neither puts it last. With `id` (a
/// UUIDv7 the client chose), sending the same create again is safe at any time.
#[utoipa::path(post, path = "/api/columns/{column}/cards", tag = "cards", security(("bearer" = [])),
    params(("column" = String, Path, description = "Column id")), request_body = CreateCard,
    responses((status = 201, description = "Created; event card.created", body = Card),
        (status = 200, description = "The same create (this `id`, by this member) was already applied: the card \
            as it is now; no event", body = Card),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`id_taken`: the `id` is another board's, another kind's or another \
            member's", body = ErrorBody),
        (status = 410, description = "`gone`: a card with this `id` was created here and has since been deleted, \
            or the column was", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_card(
    State(state): State<AppState>,
    credential: Credential,
    PathId(column): PathId<ColumnId>,
    body: JsonBody<CreateCard>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::create(&state, credential, idempotency, move |tx, principal| {
        let found = rows::find_column(tx, column)?;
        let actor = principal.on_board(tx, columns::board_of_found(tx, column, found.as_ref())?)?;
        let new = new_card(value)?;
        cards::create_card(tx, &actor, column, found, new)
    })
    .await
}

/// Edits and/or moves a card. Only the fields sent change; with `version`, a stale edit is refused with 409.
#[utoipa::path(patch, path = "/api/cards/{card}", tag = "cards", security(("bearer" = [])),
    params(("card" = String, Path, description = "Card id")), request_body = UpdateCard,
    responses((status = 200, description = "Updated; event card.updated", body = Card),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`version_conflict`; `current` holds the card as it is", body = ErrorBody),
        (status = 410, description = "`gone`: the card was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_card(
    State(state): State<AppState>,
    credential: Credential,
    PathId(card): PathId<CardId>,
    body: JsonBody<UpdateCard>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, cards::board_of(tx, card)?)?;
            let edit = card_edit(value)?;
            cards::update_card(tx, &actor, card, edit)
        },
    )
    .await
}

/// Moves a card to the trash: it leaves the board and can be restored (`PATCH` with `"trashed": false`) until its
/// host empties the trash or 30 days pass.
#[utoipa::path(delete, path = "/api/cards/{card}", tag = "cards", security(("bearer" = [])),
    params(("card" = String, Path, description = "Card id")),
    responses((status = 204, description = "In the trash; event card.updated with `trashed_at` (none if it \
            already was)"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the card was deleted for good", body = ErrorBody)))]
pub async fn delete_card(
    State(state): State<AppState>,
    credential: Credential,
    PathId(card): PathId<CardId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, cards::board_of(tx, card)?)?;
            cards::trash_card(tx, &actor, card)
        },
    )
    .await
}
