//! What can go wrong talking to a server.

use lanban_core::api::{ErrorBody, ErrorCode};
use lanban_core::model::Card;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{message} ({code:?}, HTTP {status})")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
        field: Option<String>,
        /// With `version_conflict`: the card as it is now.
        current: Option<Box<Card>>,
        /// With `rate_limited`: seconds to wait.
        retry_after: Option<u64>,
    },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server answered something that is not the protocol.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The address given is not usable.
    #[error("not a server address: {0}")]
    Address(String),
    /// The session has been closed.
    #[error("the session is closed")]
    Closed,
    /// Waited too long.
    #[error("timed out")]
    Timeout,
    /// The host presented another certificate than the one pinned for it: it may be another computer posing as
    /// the host. Nothing was sent.
    #[error(
        "the host's identity changed: expected certificate {expected}, it presented {presented}"
    )]
    HostIdentityChanged {
        expected: lanban_core::fingerprint::Fingerprint,
        presented: lanban_core::fingerprint::Fingerprint,
    },
    /// The board's copy on this computer could not be read or written.
    #[error("the board's copy on this computer: {0}")]
    Replica(#[from] crate::replica::ReplicaError),
}

impl ClientError {
    /// The server's error code, if the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub(crate) fn from_body(status: u16, body: ErrorBody, retry_after: Option<u64>) -> Self {
        ClientError::Api {
            status,
            code: body.error.code,
            message: body.error.message,
            field: body.error.field,
            current: body.current,
            retry_after,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(err: reqwest::Error) -> Self {
        if err.is_decode() {
            ClientError::Protocol(err.to_string())
        } else {
            ClientError::Network(err.to_string())
        }
    }
}
