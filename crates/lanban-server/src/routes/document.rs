//! What every route of the OpenAPI document answers besides its own answers, added in one place from what the
//! server's layers do to every request (docs/protocol.md §4): a credential's `401`; a malformed id in the path's
//! `404`; a bad query parameter's `422`; a body's `400`, `413`, `415` and `422`; a mutation's `Idempotency-Key`
//! header, its budget's `429`, a moved board's `409`, the writer's `503` and the disk's `507`; and `500`, `503`
//! (request timeout) for everything. A generated client then knows every status the server may send.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required};

/// Adds the answers every route may give to each operation of `document` that does not list them itself.
pub fn complete(document: &mut OpenApi) {
    for (path, item) in document.paths.paths.iter_mut() {
        let operations = [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
            (true, item.put.as_mut()),
        ];
        for (mutation, operation) in operations {
            if let Some(operation) = operation {
                complete_operation(path, mutation, operation);
            }
        }
    }
}

fn complete_operation(path: &str, mutation: bool, operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let joining = path == "/api/join";
    let has_body = operation.request_body.is_some();
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
    if mutation && !joining {
        add_idempotency_key(operation);
    }
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error(description)));
    };
    if secured {
        add(
            "401",
            "No usable credential (missing, malformed, unknown, or a removed member's)",
        );
    }
    if path.contains('{') {
        add(
            "404",
            "A malformed id in the path, or no such board, column, card or member for this credential",
        );
    }
    if has_query {
        add(
            "422",
            "`validation_failed`: a query parameter is not a number in its range; `field` names it",
        );
    }
    if has_body {
        add("400", "`malformed_json`: the body is not JSON");
        add(
            "413",
            "`payload_too_large`: the body is larger than allowed",
        );
        add(
            "415",
            "`unsupported_media_type`: the body is not `application/json`",
        );
        add(
            "422",
            "`validation_failed`: a field breaks a rule; `field` names it",
        );
    }
    if mutation && !joining {
        add(
            "422",
            "`validation_failed` (`field`: `Idempotency-Key`), or `idempotency_key_reused`",
        );
        add(
            "429",
            "`rate_limited`: this credential's changes in the last minute are used up; see `Retry-After`",
        );
    }
    if joining {
        add(
            "409",
            "`board_moved`: the board is now hosted on another computer; or `limit_reached`: it has 100 members",
        );
    } else if mutation && path.contains('{') {
        add(
            "409",
            "`board_moved`: the board is now hosted on another computer (docs/protocol.md §15); nothing was changed",
        );
    }
    if mutation {
        add(
            "503",
            "`unavailable`: the writer was too busy, or the server is shutting down; nothing was changed",
        );
        add(
            "507",
            "`write_failed`: the server could not write the change to its disk (full, or failing); nothing was changed",
        );
    }
    add(
        "500",
        "`internal`: the server failed; details are in its log",
    );
    add("503", "`unavailable`: the request took longer than 30 s");
}

fn add_idempotency_key(operation: &mut Operation) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let named = |p: &RefOr<utoipa::openapi::path::Parameter>| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("Idempotency-Key"));
    if parameters.iter().any(named) {
        return;
    }
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(200))
        .pattern(Some("^[!-~]+$"));
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1–200 visible ASCII characters, fresh per logical change; the same key and body sent again answer \
             the first answer (docs/protocol.md §7)",
        ))
        .schema(Some(schema))
        .build();
    parameters.push(RefOr::T(parameter));
}

fn error(description: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
}
