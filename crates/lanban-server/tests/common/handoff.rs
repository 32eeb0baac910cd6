//! Raw HTTP for moving a board to another host (docs/protocol.md §15): the offer, the acceptance, the import,
//! and the checks on their answers.

use lanban_server::tls::Identity;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestServer;

/// The fingerprint of the certificate a test server would present over TLS.
pub fn fingerprint_of(server: &TestServer) -> String {
    Identity::load_or_create(server.dir.path())
        .expect("the server's identity")
        .fingerprint
        .to_string()
}

/// The address Bea's server is reached at, as a handoff names it.
pub fn address_of(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

pub async fn offer(
    server: &TestServer,
    board: &str,
    token: &str,
    member: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/boards/{board}/handoff");
    server
        .call(
            Method::POST,
            &path,
            Some(token),
            Some(json!({"member_id": member})),
        )
        .await
}

pub async fn accept(
    server: &TestServer,
    board: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/boards/{board}/handoff/accept");
    server
        .call(Method::POST, &path, Some(token), Some(body))
        .await
}

pub async fn import(server: &TestServer, token: &str, package: &Value) -> (StatusCode, Value) {
    let body = Some(package.clone());
    server
        .call(Method::POST, "/api/boards/import", Some(token), body)
        .await
}

/// Every event of the board, as `/events` lists them.
pub async fn log(server: &TestServer, board: &str, token: &str) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let path = format!("/api/boards/{board}/events?since={}", events.len());
        let page = server.ok(Method::GET, &path, token, None).await;
        let got = page["events"].as_array().expect("events").clone();
        if got.is_empty() {
            return events;
        }
        events.extend(got);
    }
}

pub fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// Checks that an answer is the error `status` with `code`; returns its body.
pub fn refused((status, body): (StatusCode, Value), expected: StatusCode, code: &str) -> Value {
    assert_eq!((status, code_of(&body)), (expected, code), "{body}");
    body
}

/// Checks that an answer is `422 validation_failed` naming `field`.
pub fn invalid(answer: (StatusCode, Value), field: &str) {
    let body = refused(
        answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["error"]["field"], field, "{body}");
}

/// The seq of a snapshot (or of a package's snapshot).
pub fn seq_of(snapshot: &Value) -> u64 {
    snapshot["seq"].as_u64().expect("a seq")
}
