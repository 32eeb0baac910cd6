//! The HTTP API under `/api`: one module per resource, each handler a free function documented for OpenAPI.
//! Handlers authorise and validate inside the store's transaction, so what they check still holds when the
//! change commits.

pub mod boards;
pub mod cards;
pub mod columns;
pub mod events;
pub mod meta;

use lanban_core::api;
use lanban_core::event;
use lanban_core::model;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Credential;
use crate::error::ApiResult;
use crate::extract::IdempotencyKey;
use crate::response::Reply;
use crate::store::{self, Principal, Tx};

/// Runs a mutation as a store job: resolves the credential (401), replays the stored answer for a repeated
/// idempotency key, and otherwise runs `f`, which authorises on its board, validates and writes.
pub(crate) async fn mutate(
    state: &AppState,
    credential: Credential,
    idempotency: Option<IdempotencyKey>,
    f: impl FnOnce(&mut Tx<'_>, Principal) -> ApiResult<Reply> + Send + 'static,
) -> ApiResult<Reply> {
    state
        .store
        .write(move |tx| {
            let principal = store::principal(tx, &credential)?;
            tx.once(idempotency.as_ref(), &principal.scope(), |tx| {
                f(tx, principal)
            })
        })
        .await
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
        (name = "boards", description = "Boards, joining and members"),
        (name = "columns", description = "Columns of a board"),
        (name = "cards", description = "Cards"),
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
        .routes(routes!(columns::create_column))
        .routes(routes!(columns::update_column, columns::delete_column))
        .routes(routes!(cards::create_card))
        .routes(routes!(cards::update_card, cards::delete_card))
        .routes(routes!(events::list_events))
        .routes(routes!(events::board_socket))
}
