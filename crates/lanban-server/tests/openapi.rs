//! The OpenAPI document lists every route of the contract, and nothing else.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use reqwest::Method;
use serde_json::Value;

/// Every route of the contract, as `METHOD path`.
const CONTRACT: [&str; 35] = [
    "GET /api/health",
    "POST /api/boards",
    "POST /api/join",
    "GET /api/boards",
    "GET /api/boards/{board}",
    "DELETE /api/boards/{board}/trash",
    "POST /api/boards/{board}/labels",
    "PATCH /api/boards/{board}/labels/{name}",
    "DELETE /api/boards/{board}/labels/{name}",
    "PATCH /api/boards/{board}",
    "POST /api/boards/{board}/room-code",
    "DELETE /api/boards/{board}/members/{member}",
    "POST /api/boards/{board}/handoff",
    "POST /api/boards/{board}/handoff/accept",
    "POST /api/boards/import",
    "POST /api/boards/rehost",
    "POST /api/boards/{board}/columns",
    "PATCH /api/columns/{column}",
    "DELETE /api/columns/{column}",
    "POST /api/columns/{column}/cards",
    "PATCH /api/cards/{card}",
    "DELETE /api/cards/{card}",
    "POST /api/cards/{card}/comments",
    "PATCH /api/comments/{comment}",
    "DELETE /api/comments/{comment}",
    "POST /api/cards/{card}/checklists",
    "PATCH /api/checklists/{checklist}",
    "DELETE /api/checklists/{checklist}",
    "POST /api/checklists/{checklist}/items",
    "PATCH /api/checklists/{checklist}/items/{item}",
    "DELETE /api/checklists/{checklist}/items/{item}",
    "GET /api/boards/{board}/events",
    "GET /api/boards/{board}/log-base",
    "GET /api/boards/{board}/ws",
    "GET /api/openapi.json",
];

/// Answers beyond the usual that routes must list: replayed creates (200), taken ids (409), deleted targets
/// (410), and the handoff's and import's own.
const LISTED_ANSWERS: [(&str, &[&str]); 10] = [
    (
        "POST /api/boards/{board}/columns",
        &["200", "201", "409", "410"],
    ),
    (
        "POST /api/columns/{column}/cards",
        &["200", "201", "409", "410"],
    ),
    ("PATCH /api/columns/{column}", &["410"]),
    ("DELETE /api/columns/{column}", &["410"]),
    ("PATCH /api/cards/{card}", &["409", "410"]),
    ("DELETE /api/cards/{card}", &["410"]),
    (
        "POST /api/boards/{board}/handoff",
        &["200", "403", "409", "422"],
    ),
    (
        "POST /api/boards/{board}/handoff/accept",
        &["200", "403", "409", "422"],
    ),
    (
        "POST /api/boards/import",
        &["201", "403", "409", "413", "422"],
    ),
    (
        "POST /api/boards/rehost",
        &["201", "403", "409", "413", "422"],
    ),
];

/// Schemas the document must define.
const SCHEMAS: [&str; 13] = [
    "Card",
    "Column",
    "Board",
    "Member",
    "Snapshot",
    "EventsPage",
    "BoardExport",
    "OfferHandoff",
    "AcceptHandoff",
    "RehostBoard",
    "ErrorBody",
    "ServerMessage",
    "ClientMessage",
];

/// The document as a fresh server serves it, to anyone.
async fn document() -> Value {
    let server = TestServer::start().await;
    let (status, document) = server
        .call(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert!(status.is_success());
    document
}

#[tokio::test]
async fn the_document_lists_every_route() {
    let document = document().await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let listed: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let contract: BTreeSet<String> = CONTRACT.into_iter().map(String::from).collect();
    assert_eq!(listed, contract);
}

#[tokio::test]
async fn routes_list_their_replays_conflicts_and_gone_targets() {
    let document = document().await;
    for (route, statuses) in LISTED_ANSWERS {
        let (method, path) = route.split_once(' ').unwrap();
        let responses = &document["paths"][path][method.to_lowercase()]["responses"];
        for status in statuses {
            assert!(responses[status].is_object(), "{route} lists no {status}");
        }
    }
    let codes = &document["components"]["schemas"]["ErrorCode"]["enum"];
    for code in ["id_taken", "gone", "board_moved"] {
        assert!(
            codes.as_array().unwrap().iter().any(|c| c == code),
            "ErrorCode lacks {code}: {codes}"
        );
    }
}

#[tokio::test]
async fn every_schema_a_route_refers_to_is_defined() {
    let document = document().await;
    let text = document.to_string();
    for schema in SCHEMAS {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
        assert!(
            text.contains(&format!("#/components/schemas/{schema}")) || schema.ends_with("Message"),
            "{schema} unused"
        );
    }
}

/// Every status the server's layers may send is in the document, route by route: a generated client knows them all.
#[tokio::test]
async fn every_route_lists_what_the_layers_answer() {
    let document = document().await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let listed: BTreeSet<&str> = operation["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let route = format!("{} {path}", method.to_uppercase());
            let mut expected = vec!["500", "503"];
            if operation.get("requestBody").is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            if operation.get("security").is_some() {
                expected.push("401");
            }
            if path.contains('{') {
                expected.push("404");
            }
            let mutation = method != "get";
            // A change to a board that has moved (or joining it) is `409 board_moved` (docs/protocol.md §4).
            if mutation && (path.contains('{') || path == "/api/join") {
                expected.push("409");
            }
            if mutation && path != "/api/join" {
                expected.push("429");
                let header = operation["parameters"].as_array().is_some_and(|p| {
                    p.iter()
                        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
                });
                assert!(header, "{route} documents no Idempotency-Key");
            }
            for status in expected {
                assert!(
                    listed.contains(status),
                    "{route} does not list {status}: {listed:?}"
                );
            }
        }
    }
    // The constraints the server enforces are in the schemas.
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["CreateCard"]["properties"]["title"]["maxLength"],
        200
    );
    assert_eq!(
        schemas["CreateBoard"]["properties"]["name"]["maxLength"],
        60
    );
    assert_eq!(
        schemas["Label"]["properties"]["color"]["pattern"],
        "^#[0-9A-Fa-f]{6}$"
    );
}
