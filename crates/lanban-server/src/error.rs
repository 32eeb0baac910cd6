//! The server's one error type: every failure becomes `{"error":{"code","message","field"?}}` with the status
//! that goes with its code. Internal errors are logged in full and answered with a generic sentence. The store's
//! own errors ([`store::Error`]) become these here, at the edge.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lanban_core::api::{ErrorBody, ErrorCode, ErrorDetail};
use lanban_core::model::Card;
use lanban_core::validate::ValidationError;

use crate::store;

/// A request that did not succeed, and why.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client mistake with a stable code and a sentence for people.
    #[error("{message}")]
    Client {
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
    /// The card changed since the version the client sent.
    #[error("the card has changed since version you edited")]
    VersionConflict(Box<Card>),
    /// Too many attempts; retry after this many seconds.
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// The server failed; the message is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a code and a sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Client {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// 422 `validation_failed` on one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        ApiError::Client {
            code: ErrorCode::ValidationFailed,
            message: format!("{field}: {message}"),
            field: Some(field),
        }
    }

    /// 404 `not_found` (also what a credential of another board gets, so boards are not revealed).
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Client { code, .. } => *code,
            ApiError::VersionConflict(_) => ErrorCode::VersionConflict,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The error body as sent.
    pub fn body(&self) -> ErrorBody {
        let (message, field, current) = match self {
            ApiError::Client { message, field, .. } => (message.clone(), field.clone(), None),
            ApiError::VersionConflict(card) => (
                format!(
                    "the card was changed by someone else; it is now at version {}",
                    card.version
                ),
                None,
                Some(card.clone()),
            ),
            ApiError::RateLimited { retry_after_secs } => (
                format!("too many attempts; try again in {retry_after_secs} seconds"),
                None,
                None,
            ),
            ApiError::Internal(_) => (
                "the server failed to handle this request; it has been logged".to_owned(),
                None,
                None,
            ),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field,
            },
            current,
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        ApiError::invalid(err.field, err.message)
    }
}

impl From<store::Error> for ApiError {
    fn from(err: store::Error) -> Self {
        match err {
            store::Error::NotFound(what) => ApiError::not_found(what),
            store::Error::Gone(_) => ApiError::new(ErrorCode::Gone, err.to_string()),
            store::Error::IdTaken | store::Error::BoardExists | store::Error::PackageClash(_) => {
                ApiError::new(ErrorCode::IdTaken, err.to_string())
            }
            store::Error::UnknownCredential => ApiError::unauthorized(err.to_string()),
            store::Error::NotBoardHost { .. }
            | store::Error::NotHostCredential { .. }
            | store::Error::NotOfferedHandoff
            | store::Error::NotAuthor { .. } => ApiError::forbidden(err.to_string()),
            store::Error::BoardMoved => ApiError::new(ErrorCode::BoardMoved, err.to_string()),
            store::Error::HistoryCompacted { .. } => {
                ApiError::new(ErrorCode::HistoryCompacted, err.to_string())
            }
            store::Error::LimitReached(_) => {
                ApiError::new(ErrorCode::LimitReached, err.to_string())
            }
            store::Error::RateLimited { retry_after_secs } => {
                ApiError::RateLimited { retry_after_secs }
            }
            store::Error::Validation { field, message } => ApiError::invalid(field, message),
            store::Error::VersionConflict { current } => ApiError::VersionConflict(current),
            store::Error::Busy | store::Error::ShuttingDown => {
                ApiError::new(ErrorCode::Unavailable, err.to_string())
            }
            store::Error::WriteFailed { .. } => {
                ApiError::new(ErrorCode::WriteFailed, err.to_string())
            }
            store::Error::Sqlite(_) | store::Error::Json(_) | store::Error::Internal(_) => {
                ApiError::Internal(err.to_string())
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        ApiError::Internal(format!("sqlite: {err}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {err}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status =
            StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body())).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}
