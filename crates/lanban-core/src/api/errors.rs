//! Every error answer's body, and the stable codes it carries (docs/protocol.md's error table).

use serde::{Deserialize, Serialize};

use crate::model::Card;

/// Stable error codes; each goes with one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 401: no usable token.
    Unauthorized,
    /// 403: the credential may not do this.
    Forbidden,
    /// 404: no such thing (or not yours to see).
    NotFound,
    /// 404: no board has this room code.
    RoomNotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: the card changed since the version the client sent; the body carries `current`.
    VersionConflict,
    /// 409: a create's client-chosen `id` belongs to something else (another board, another member's create); or an
    /// imported board whose id (or one of whose ids) this server already has.
    IdTaken,
    /// 409: the board has moved to another computer (its log ends with `board.moved`, which says where); this
    /// server still answers reads of it, and refuses every change.
    BoardMoved,
    /// 409: the board is as large as a board may be (members, columns, cards or description text; see
    /// `lanban_core::validate::limits`); the message names the limit.
    LimitReached,
    /// 410: the card or column was created and has since been deleted.
    Gone,
    /// 410: the events asked for were compacted behind the log's base (`GET …/log-base`); take a snapshot, or the
    /// base, and go on from its seq.
    HistoryCompacted,
    /// 413: the body is larger than 256 KiB (64 MiB for a board package).
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: a field breaks a rule; the body names it in `field`.
    ValidationFailed,
    /// 422: an `Idempotency-Key` was reused with another request.
    IdempotencyKeyReused,
    /// 426: this path takes only WebSocket upgrades.
    UpgradeRequired,
    /// 426: plain HTTP is accepted from the server's own computer only; connect with `https://`.
    TlsRequired,
    /// 429: too many attempts; see `Retry-After`.
    RateLimited,
    /// 500: the server failed; details are in its log.
    Internal,
    /// 503: the server is shutting down or overloaded.
    Unavailable,
    /// 507: the server could not write the change to its disk (the disk is full, or failing); nothing was changed.
    /// Send it again later.
    WriteFailed,
}

impl ErrorCode {
    /// The HTTP status that goes with this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound | ErrorCode::RoomNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::VersionConflict
            | ErrorCode::IdTaken
            | ErrorCode::BoardMoved
            | ErrorCode::LimitReached => 409,
            ErrorCode::Gone | ErrorCode::HistoryCompacted => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ValidationFailed | ErrorCode::IdempotencyKeyReused => 422,
            ErrorCode::UpgradeRequired | ErrorCode::TlsRequired => 426,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::WriteFailed => 507,
        }
    }
}

/// The inner object of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A human sentence.
    pub message: String,
    /// The request field at fault, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Every error answer: `{"error":{"code","message","field"?},"current"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// With `version_conflict`: the card as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<Card>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_shape() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::ValidationFailed,
                message: "title: must not be empty".into(),
                field: Some("title".into()),
            },
            current: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "validation_failed", "message": "title: must not be empty", "field": "title"}})
        );
    }
}
