//! Comments on cards: write, edit (the author), delete (the author or the host).

use axum::extract::State;
use axum::http::StatusCode;
use lanban_core::api::{CreateComment, ErrorBody, UpdateComment};
use lanban_core::ids::{CardId, CommentId};
use lanban_core::model::Comment;
use lanban_core::validate;

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::{Idempotency, JsonBody, PathId};
use crate::response::Reply;
use crate::store::{cards, comments};

/// Writes a comment on a card (any member). With `id` (a UUIDv7 the client chose), sending the same create again
/// is safe at any time.
#[utoipa::path(post, path = "/api/cards/{card}/comments", tag = "comments", security(("bearer" = [])),
    params(("card" = String, Path, description = "Card id")), request_body = CreateComment,
    responses((status = 201, description = "Written; event comment.created", body = Comment),
        (status = 200, description = "The same create (this `id`, by this member) was already applied: the \
            comment as it is now; no event", body = Comment),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`id_taken`: the `id` is another board's, another kind's or another \
            member's; `limit_reached`: the card has 500 comments", body = ErrorBody),
        (status = 410, description = "`gone`: a comment with this `id` was written here and has since been \
            deleted, or the card was", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_comment(
    State(state): State<AppState>,
    credential: Credential,
    PathId(card): PathId<CardId>,
    body: JsonBody<CreateComment>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::create(&state, credential, idempotency, move |tx, principal| {
        let actor = principal.on_board(tx, cards::board_of(tx, card)?)?;
        let id = (value.id)
            .map(|id| validate::client_id("id", id.0).map(CommentId))
            .transpose()?;
        let text = validate::comment("body", &value.body)?;
        comments::create_comment(tx, &actor, card, id, text)
    })
    .await
}

/// Edits a comment's text; only its author may.
#[utoipa::path(patch, path = "/api/comments/{comment}", tag = "comments", security(("bearer" = [])),
    params(("comment" = String, Path, description = "Comment id")), request_body = UpdateComment,
    responses((status = 200, description = "Edited; event comment.updated (none if the text is the same)",
            body = Comment),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the comment's author", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the comment was deleted", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_comment(
    State(state): State<AppState>,
    credential: Credential,
    PathId(comment): PathId<CommentId>,
    body: JsonBody<UpdateComment>,
) -> ApiResult<Reply> {
    let JsonBody { value, idempotency } = body;
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::OK,
        move |tx, principal| {
            let actor = principal.on_board(tx, comments::board_of(tx, comment)?)?;
            let text = validate::comment("body", &value.body)?;
            comments::update_comment(tx, &actor, comment, text)
        },
    )
    .await
}

/// Deletes a comment; its author or the board's host may.
#[utoipa::path(delete, path = "/api/comments/{comment}", tag = "comments", security(("bearer" = [])),
    params(("comment" = String, Path, description = "Comment id")),
    responses((status = 204, description = "Deleted; event comment.deleted"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Neither the comment's author nor the board's host", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 410, description = "`gone`: the comment was already deleted", body = ErrorBody)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    credential: Credential,
    PathId(comment): PathId<CommentId>,
    Idempotency(idempotency): Idempotency,
) -> ApiResult<Reply> {
    super::mutate(
        &state,
        credential,
        idempotency,
        StatusCode::NO_CONTENT,
        move |tx, principal| {
            let actor = principal.on_board(tx, comments::board_of(tx, comment)?)?;
            comments::delete_comment(tx, &actor, comment)
        },
    )
    .await
}
