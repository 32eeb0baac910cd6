//! Any bytes as a WebSocket message, either way: client messages parse or are refused, server messages parse
//! or are refused, and a parsed event applied to a board never panics.
#![no_main]

use lanban_core::api::Snapshot;
use lanban_core::event::{ClientMessage, ServerMessage};
use libfuzzer_sys::fuzz_target;

fn board() -> Snapshot {
    serde_json::from_str(
        r#"{"board":{"id":"0190f0e0-0000-7000-8000-000000000001","name":"Fuzz","room_code":"7KQ2-M9XD",
            "created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"},
            "columns":[],"cards":[],"members":[],"seq":0}"#,
    )
    .expect("a valid snapshot")
}

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<ClientMessage>(data);
    if let Ok(ServerMessage::Event(event)) = serde_json::from_slice::<ServerMessage>(data) {
        let mut state = board();
        let _ = state.apply(&event);
        if let Some(key) = state.columns.first().map(|c| c.position.clone()) {
            let _ = lanban_core::order::key_between(Some(&key), None);
        }
    }
});
