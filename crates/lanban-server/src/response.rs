//! What a mutation answers: a status and a JSON body, produced inside the transaction so the exact same answer
//! can be stored for an idempotent retry.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiResult;

/// A finished answer: status and JSON text (empty for 204).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: String,
}

impl Reply {
    /// `status` with `value` as JSON.
    pub fn json(status: StatusCode, value: &impl Serialize) -> ApiResult<Self> {
        Ok(Self {
            status,
            body: serde_json::to_string(value)?,
        })
    }

    /// 204 No Content.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: String::new(),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        if self.status == StatusCode::NO_CONTENT {
            return self.status.into_response();
        }
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
