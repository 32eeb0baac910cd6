//! The error every command returns: `{code, message, field?, current?}`, the same shape as the server's
//! error detail, so the UI shows the server's own words.

use lanban_client::ClientError;
use lanban_core::model::Card;
use serde::Serialize;

/// A failed command.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// The server's error code (e.g. `validation_failed`), or one of the app's own: `network`,
    /// `not_open`, `not_hosting`, `storage`, `protocol`, `server_start`, `identity_changed`, `confirm_host`.
    pub code: String,
    /// A sentence to show the person.
    pub message: String,
    /// The field at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `version_conflict`: the card as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<Card>>,
    /// With `confirm_host`: the certificate the host presented, for the person to compare with the host's share
    /// panel before anything is sent to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Box<PresentedHost>>,
}

/// A host's certificate as people compare it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PresentedHost {
    /// The certificate's fingerprint (SHA-256, base64url): what the app pins once the person confirms.
    pub fingerprint: String,
    /// The same as six words, which the host's share panel shows too.
    pub phrase: String,
}

impl CommandError {
    /// An error of the app's own.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            field: None,
            current: None,
            host: None,
        }
    }
}

impl From<ClientError> for CommandError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Api {
                code,
                message,
                field,
                current,
                ..
            } => Self {
                code: serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "internal".to_owned()),
                message,
                field,
                current,
                host: None,
            },
            ClientError::Network(detail) => Self::new(
                "network",
                format!("Cannot reach the board's host ({detail})."),
            ),
            ClientError::Address(detail) => Self::new(
                "validation_failed",
                format!("That address does not work: {detail}"),
            ),
            ClientError::Closed => Self::new("not_open", "The board is closed."),
            ClientError::Timeout => Self::new("network", "The host did not answer in time."),
            ClientError::Protocol(detail) => Self::new(
                "protocol",
                format!("The host answered something unexpected: {detail}"),
            ),
            ClientError::HostIdentityChanged { .. } => Self::new(
                "identity_changed",
                "This is not the computer you joined before: its identity changed. Nothing was sent. Ask the \
                 host whether they reset Lanban; if not, someone may be posing as them.",
            ),
        }
    }
}

/// Command results.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use lanban_core::api::{ErrorBody, ErrorCode};

    #[test]
    fn serialises_like_the_servers_error_detail() {
        let err = CommandError::from(ClientError::Api {
            status: 422,
            code: ErrorCode::ValidationFailed,
            message: "title: must not be empty".into(),
            field: Some("title".into()),
            current: None,
            retry_after: None,
        });
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "validation_failed", "message": "title: must not be empty", "field": "title"})
        );
        // The server's own detail object has the same shape.
        let detail: ErrorBody = serde_json::from_value(serde_json::json!({"error": json})).unwrap();
        assert_eq!(detail.error.code, ErrorCode::ValidationFailed);
    }
}
