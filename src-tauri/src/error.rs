//! The error every command returns: `{code, message, field?, current?}`, the same shape as the server's
//! error detail, so the UI shows the server's own words.

use lanban_client::ClientError;
use lanban_client::trust::TrustError;
use lanban_core::api::ErrorCode;
use lanban_core::fingerprint::Fingerprint;
use lanban_core::model::Card;
use serde::Serialize;

/// A failed command.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// The server's error code, or one of the app's own.
    pub code: AppErrorCode,
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

/// Every code a command can fail with: each of the server's `ErrorCode`s under the same name, then the app's
/// own. Serialised as the same snake_case strings, so the UI can switch on them exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AppErrorCode {
    // The server's codes, one for one (`lanban_core::api::ErrorCode` says what each means).
    MalformedJson,
    Unauthorized,
    Forbidden,
    NotFound,
    RoomNotFound,
    MethodNotAllowed,
    VersionConflict,
    IdTaken,
    /// The board moved to another computer: this host refuses changes to it (its log's `board.moved` says where).
    BoardMoved,
    /// The board is as large as a board may be (members, columns, cards or description text).
    LimitReached,
    Gone,
    /// The events asked for were compacted (handled inside the sync client; not shown).
    HistoryCompacted,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    IdempotencyKeyReused,
    UpgradeRequired,
    TlsRequired,
    RateLimited,
    /// The server failed; or, in the UI, a command failed in a way no code names.
    Internal,
    Unavailable,
    /// The host's disk refused the change (full, or failing); nothing was changed.
    WriteFailed,
    // The app's own.
    /// The host cannot be reached, or did not answer in time.
    Network,
    /// No board is open (or the open one was closed).
    NotOpen,
    /// This computer hosts no board (its server is not running).
    NotHosting,
    /// This computer does not share its boards on the network.
    NotSharing,
    /// The app's own files (recent boards, settings) cannot be read or written.
    Storage,
    /// The host answered something that is not the protocol.
    Protocol,
    /// The embedded server cannot start.
    ServerStart,
    /// The host presented another certificate than the pinned one: nothing was sent.
    IdentityChanged,
    /// First time on this host: nothing was sent; `host` is the certificate to compare.
    ConfirmHost,
    /// Found by discovery, but the host does not give out codes with the room code's tag: nothing was sent.
    WrongHost,
    /// `LANBAN_DISCOVERY` sets discovery; the setting cannot change it.
    DiscoveryLocked,
    /// The person declined (set by the UI, never by a command).
    Cancelled,
    /// This computer's copy of the board does not hold its whole history yet, so it cannot host it.
    CopyIncomplete,
    /// Some of this person's changes could not be applied; they wait in the "could not apply" list.
    ChangesFailed,
}

impl From<ErrorCode> for AppErrorCode {
    fn from(code: ErrorCode) -> Self {
        // Exhaustive on purpose: a new server code must be added above.
        match code {
            ErrorCode::MalformedJson => AppErrorCode::MalformedJson,
            ErrorCode::Unauthorized => AppErrorCode::Unauthorized,
            ErrorCode::Forbidden => AppErrorCode::Forbidden,
            ErrorCode::NotFound => AppErrorCode::NotFound,
            ErrorCode::RoomNotFound => AppErrorCode::RoomNotFound,
            ErrorCode::MethodNotAllowed => AppErrorCode::MethodNotAllowed,
            ErrorCode::VersionConflict => AppErrorCode::VersionConflict,
            ErrorCode::IdTaken => AppErrorCode::IdTaken,
            ErrorCode::BoardMoved => AppErrorCode::BoardMoved,
            ErrorCode::LimitReached => AppErrorCode::LimitReached,
            ErrorCode::Gone => AppErrorCode::Gone,
            ErrorCode::HistoryCompacted => AppErrorCode::HistoryCompacted,
            ErrorCode::PayloadTooLarge => AppErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType => AppErrorCode::UnsupportedMediaType,
            ErrorCode::ValidationFailed => AppErrorCode::ValidationFailed,
            ErrorCode::IdempotencyKeyReused => AppErrorCode::IdempotencyKeyReused,
            ErrorCode::UpgradeRequired => AppErrorCode::UpgradeRequired,
            ErrorCode::TlsRequired => AppErrorCode::TlsRequired,
            ErrorCode::RateLimited => AppErrorCode::RateLimited,
            ErrorCode::Internal => AppErrorCode::Internal,
            ErrorCode::Unavailable => AppErrorCode::Unavailable,
            ErrorCode::WriteFailed => AppErrorCode::WriteFailed,
        }
    }
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
    /// An error with `code` and a sentence for the person.
    pub fn new(code: AppErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
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
                code: code.into(),
                message,
                field,
                current,
                host: None,
            },
            // A sentence about the board for the person; the library's words (with a URL) go to the log.
            ClientError::Network(detail) => {
                tracing::info!(%detail, "the host cannot be reached");
                Self::new(
                    AppErrorCode::Network,
                    "The board's host can't be reached: their computer may be asleep, switched off or on \
                     another network.",
                )
            }
            ClientError::Address(detail) => Self::new(
                AppErrorCode::ValidationFailed,
                format!("That address does not work: {detail}"),
            ),
            ClientError::Closed => Self::new(AppErrorCode::NotOpen, "The board is closed."),
            ClientError::Timeout => {
                Self::new(AppErrorCode::Network, "The host did not answer in time.")
            }
            ClientError::Protocol(detail) => {
                tracing::warn!(%detail, "the host answered outside the protocol");
                Self::new(
                    AppErrorCode::Protocol,
                    "The host answered something this version of Lanban does not understand.",
                )
            }
            ClientError::Replica(err) => {
                tracing::error!(error = %err, "the board's copy on this computer failed");
                Self::new(
                    AppErrorCode::Storage,
                    "The copy of this board on your computer could not be read or saved.",
                )
            }
            ClientError::HostIdentityChanged { .. } => Self::new(
                AppErrorCode::IdentityChanged,
                "This is not the computer you joined before: its identity changed. Nothing was sent. Ask the \
                 host whether they reset Lanban; if not, someone may be posing as them.",
            ),
        }
    }
}

impl CommandError {
    /// `confirm_host`: nothing was sent; the person compares the words of the certificate the host presented
    /// with the host's share panel, and the app asks again with its fingerprint.
    pub fn confirm_host(presented: Fingerprint) -> Self {
        Self {
            host: Some(Box::new(PresentedHost {
                fingerprint: presented.to_string(),
                phrase: presented.phrase(),
            })),
            ..Self::new(
                AppErrorCode::ConfirmHost,
                "First time on this host: check that its share panel shows the same words.",
            )
        }
    }
}

impl From<TrustError> for CommandError {
    fn from(err: TrustError) -> Self {
        match err {
            TrustError::NotAFingerprint => Self {
                field: Some("fingerprint".into()),
                ..Self::new(
                    AppErrorCode::ValidationFailed,
                    "That is not a host fingerprint.",
                )
            },
            TrustError::WrongHost { address, tag } => Self::new(
                AppErrorCode::WrongHost,
                format!(
                    "The computer at {address} does not give out codes starting with {tag}: the code was not sent. \
                     Check the code."
                ),
            ),
            TrustError::Client(err) => err.into(),
        }
    }
}

/// Command results.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use lanban_core::api::ErrorBody;

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

    fn name(code: impl Serialize) -> String {
        serde_json::to_value(code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn server_codes_keep_their_names_and_the_apps_own_never_clash_with_them() {
        use AppErrorCode as App;
        let server = [
            ErrorCode::MalformedJson,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::RoomNotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::VersionConflict,
            ErrorCode::IdTaken,
            ErrorCode::BoardMoved,
            ErrorCode::LimitReached,
            ErrorCode::Gone,
            ErrorCode::HistoryCompacted,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::ValidationFailed,
            ErrorCode::IdempotencyKeyReused,
            ErrorCode::UpgradeRequired,
            ErrorCode::TlsRequired,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
            ErrorCode::Unavailable,
            ErrorCode::WriteFailed,
        ];
        let server_names: Vec<String> = server.iter().map(name).collect();
        for code in server {
            assert_eq!(name(AppErrorCode::from(code)), name(code));
        }
        for (code, expected) in [
            (App::Network, "network"),
            (App::NotOpen, "not_open"),
            (App::NotHosting, "not_hosting"),
            (App::NotSharing, "not_sharing"),
            (App::Storage, "storage"),
            (App::Protocol, "protocol"),
            (App::ServerStart, "server_start"),
            (App::IdentityChanged, "identity_changed"),
            (App::ConfirmHost, "confirm_host"),
            (App::WrongHost, "wrong_host"),
            (App::DiscoveryLocked, "discovery_locked"),
            (App::Cancelled, "cancelled"),
            (App::CopyIncomplete, "copy_incomplete"),
            (App::ChangesFailed, "changes_failed"),
        ] {
            assert_eq!(name(code), expected);
            assert!(!server_names.contains(&name(code)), "{expected}");
        }
    }
}
