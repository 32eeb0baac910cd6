//! The HTTP API under `/api`: one module per resource, each handler a free function documented for OpenAPI.
//! Handlers authorise and validate inside the store's transaction, so what they check still holds when the
//! change commits. The store answers in the board's own values and errors; [`mutate`] is where a change becomes
//! an HTTP answer, and where answers are kept and replayed for idempotency keys.

pub mod boards;
pub mod cards;
pub mod checklists;
pub mod columns;
pub mod comments;
pub mod document;
pub mod events;
pub mod handoff;
pub mod labels;
pub mod meta;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use lanban_core::api::{self, ErrorCode};
use lanban_core::event;
use lanban_core::model;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Credential;
use crate::error::{ApiError, ApiResult};
use crate::extract::IdempotencyKey;
use crate::response::Reply;
use crate::store::idempotency::{self, Kept};
use crate::store::{self, Created, Principal, Tx};

/// Runs a change as a store job and answers it. Resolves the credential (401); for a repeated idempotency key,
/// replays the kept answer (or refuses a different request under the same key); otherwise runs `change`, which
/// authorises on its board, validates and writes, and answers its value as JSON with `status` (with 204, no
/// body), keeping the answer under the key in the same transaction.
pub(crate) async fn mutate<T: Serialize>(
    state: &AppState,
    credential: Credential,
    idempotency: Option<IdempotencyKey>,
    status: StatusCode,
    change: impl FnOnce(&mut Tx<'_>, Principal) -> store::Result<T> + Send + 'static,
) -> ApiResult<Reply> {
    answer(state, credential, idempotency, move |tx, principal| {
        change(tx, principal).map(|value| (status, value))
    })
    .await
}

/// Runs a create as [`mutate`] does: `201` with the new entity, or `200` with the entity as it is now when the
/// create had already been applied (the same client-chosen id sent again, however long after).
pub(crate) async fn create<T: Serialize>(
    state: &AppState,
    credential: Credential,
    idempotency: Option<IdempotencyKey>,
    change: impl FnOnce(&mut Tx<'_>, Principal) -> store::Result<Created<T>> + Send + 'static,
) -> ApiResult<Reply> {
    answer(state, credential, idempotency, move |tx, principal| {
        Ok(match change(tx, principal)? {
            Created::New(value) => (StatusCode::CREATED, value),
            Created::AlreadyThere(value) => (StatusCode::OK, value),
        })
    })
    .await
}

/// The job behind [`mutate`] and [`create`]: `change` picks the status its value is answered with.
async fn answer<T: Serialize>(
    state: &AppState,
    credential: Credential,
    idempotency: Option<IdempotencyKey>,
    change: impl FnOnce(&mut Tx<'_>, Principal) -> store::Result<(StatusCode, T)> + Send + 'static,
) -> ApiResult<Reply> {
    let changes = state.changes.clone();
    state
        .store
        .write(move |tx| {
            let principal = store::principal(tx, &credential)?;
            let scope = principal.scope();
            if let Some(key) = &idempotency
                && let Some(kept) = idempotency::recall(tx, &scope, &key.key)?
            {
                return replay(tx, key, kept);
            }
            // A replay above costs nothing; a new change spends from its credential's minute.
            changes.spend(&scope)?;
            let (status, value) = change(tx, principal)?;
            let reply = if status == StatusCode::NO_CONTENT {
                Reply::no_content()
            } else {
                Reply::json(status, &value)?
            };
            if let Some(key) = &idempotency {
                let kept = Kept {
                    request_hash: key.request_hash.to_vec(),
                    status: reply.status.as_u16(),
                    body: without_token(&reply.body)?,
                };
                idempotency::remember(tx, &scope, &key.key, &kept)?;
            }
            Ok(reply)
        })
        .await
}

/// The answer kept for `key`, if it was kept for this same request.
fn replay(tx: &mut Tx<'_>, key: &IdempotencyKey, kept: Kept) -> ApiResult<Reply> {
    if kept.request_hash != key.request_hash {
        return Err(ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different request",
        ));
    }
    let status = StatusCode::from_u16(kept.status)
        .map_err(|e| ApiError::Internal(format!("stored status: {e}")))?;
    Ok(Reply {
        status,
        body: with_token(tx, kept.body)?,
    })
}

/// Whether an answer has the key `"token"` at all: most (a card, a column) do not, and are neither parsed nor
/// changed. Inside a JSON string a quote is escaped, so the text of a title cannot look like that key.
fn may_hold_token(body: &str) -> bool {
    body.contains("\"token\"")
}

/// An answer as it is kept: a new member's token (`POST /api/boards`) is kept as `"token": null`, since nothing
/// secret may rest in the database, its WAL or its backups; only the token's hash is stored, in `tokens`.
fn without_token(body: &str) -> ApiResult<String> {
    if !may_hold_token(body) {
        return Ok(body.to_owned());
    }
    let Ok(serde_json::Value::Object(mut answer)) = serde_json::from_str(body) else {
        return Ok(body.to_owned());
    };
    if !matches!(answer.get("token"), Some(serde_json::Value::String(_))) {
        return Ok(body.to_owned());
    }
    answer.insert("token".into(), serde_json::Value::Null);
    serde_json::to_string(&answer).map_err(|e| ApiError::Internal(format!("kept answer: {e}")))
}

/// A kept answer as it is given again: a token kept as null is replaced by a new token of the same member (the
/// first one still works; a replay means its answer was lost), or stays null if the member is no longer current.
fn with_token(tx: &mut Tx<'_>, body: String) -> ApiResult<String> {
    if !may_hold_token(&body) {
        return Ok(body);
    }
    let Ok(serde_json::Value::Object(mut answer)) = serde_json::from_str(&body) else {
        return Ok(body);
    };
    if answer.get("token") != Some(&serde_json::Value::Null) {
        return Ok(body);
    }
    let member = answer
        .get("member")
        .and_then(|m| m.get("id"))
        .and_then(|id| id.as_str())
        .and_then(|id| id.parse().ok());
    let Some(member) = member else {
        return Ok(body);
    };
    if let Some(token) = store::boards::mint_token_for_current(tx, member)? {
        answer.insert("token".into(), serde_json::Value::String(token));
    }
    serde_json::to_string(&answer).map_err(|e| ApiError::Internal(format!("kept answer: {e}")))
}

/// The OpenAPI document's fixed parts; the paths come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lanban sync API",
        description = "Boards, columns, cards and members of a Lanban server, and the live event stream.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(schemas(
        event::ServerMessage,
        event::ClientMessage,
        event::Event,
        event::Change,
        event::PresenceEntry,
        api::ErrorCode,
        model::Role
    )),
    tags(
        (name = "meta", description = "Health and this document"),
        (name = "boards", description = "Boards, joining, members, and moving a board to another host"),
        (name = "columns", description = "Columns of a board"),
        (name = "cards", description = "Cards"),
        (name = "comments", description = "Comments on cards"),
        (name = "checklists", description = "Checklists on cards and their items"),
        (name = "labels", description = "The labels a board defines for its cards"),
        (name = "events", description = "The board's event log and live socket")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route, with the OpenAPI document built from the same registrations.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::health))
        .routes(routes!(meta::openapi))
        .routes(routes!(boards::create_board, boards::list_boards))
        .routes(routes!(boards::join_board))
        .routes(routes!(boards::get_board, boards::update_board))
        .routes(routes!(boards::rotate_room_code))
        .routes(routes!(boards::remove_member))
        .routes(routes!(boards::empty_trash))
        .routes(routes!(labels::create_label))
        .routes(routes!(labels::update_label, labels::delete_label))
        .routes(routes!(handoff::offer_handoff))
        .routes(routes!(handoff::accept_handoff))
        // A board package is the one body allowed past the usual limit.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(handoff::import_board))
                .routes(routes!(handoff::rehost_board))
                .layer(DefaultBodyLimit::max(
                    lanban_core::validate::MAX_PACKAGE_BYTES,
                )),
        )
        .routes(routes!(columns::create_column))
        .routes(routes!(columns::update_column, columns::delete_column))
        .routes(routes!(cards::create_card))
        .routes(routes!(cards::update_card, cards::delete_card))
        .routes(routes!(comments::create_comment))
        .routes(routes!(comments::update_comment, comments::delete_comment))
        .routes(routes!(checklists::create_checklist))
        .routes(routes!(
            checklists::update_checklist,
            checklists::delete_checklist
        ))
        .routes(routes!(checklists::create_item))
        .routes(routes!(checklists::update_item, checklists::delete_item))
        .routes(routes!(events::list_events))
        .routes(routes!(events::log_base))
        .routes(routes!(events::board_socket))
}
