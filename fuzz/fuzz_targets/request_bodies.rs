//! Any bytes as any request body: the server's decoder answers a typed value or a 400/422 error, never panics.
#![no_main]

use lanban_core::api::{CreateBoard, CreateCard, CreateColumn, ErrorCode, JoinBoard, UpdateBoard, UpdateCard, UpdateColumn};
use lanban_server::extract::decode;
use libfuzzer_sys::fuzz_target;

fn check<T: serde::de::DeserializeOwned>(data: &[u8]) {
    if let Err(err) = decode::<T>(data) {
        let code = err.code();
        assert!(
            matches!(code, ErrorCode::MalformedJson | ErrorCode::ValidationFailed),
            "unexpected code {code:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    check::<CreateBoard>(data);
    check::<JoinBoard>(data);
    check::<UpdateBoard>(data);
    check::<CreateColumn>(data);
    check::<UpdateColumn>(data);
    check::<CreateCard>(data);
    check::<UpdateCard>(data);
    if let Ok(card) = decode::<CreateCard>(data) {
        let _ = lanban_core::validate::title("title", &card.title);
        if let Some(description) = &card.description {
            let _ = lanban_core::validate::description("description", description);
        }
        if let Some(date) = &card.due_date {
            let _ = lanban_core::validate::due_date("due_date", date);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<lanban_core::room_code::RoomCode>();
    }
});
