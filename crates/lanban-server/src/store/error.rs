//! Why a store job or read did not succeed, in the board's own terms; the HTTP edge (`error::ApiError`) decides
//! what each of these is called on the wire.

use lanban_core::model::Card;
use lanban_core::validate::ValidationError;

/// A refused or failed store operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such thing, or none the asker may see: a board of someone else's looks exactly like no board.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The card or column was created on this board and has since been deleted (by anyone; a column's cards go
    /// with it).
    #[error("this {0} has been deleted")]
    Gone(&'static str),
    /// A create named an id that something else has: on another board, of another kind, or created by another
    /// member.
    #[error("this id is already taken by another card or column; choose a new one")]
    IdTaken,
    /// An imported board whose id this server has already (imported before, or never moved away).
    #[error("this server already has this board")]
    BoardExists,
    /// An imported board names an id (member, card, column) or a token this server already has on another board.
    #[error("this server already has a {0} with one of the board's ids")]
    PackageClash(&'static str),
    /// The credential is no one's: unknown, revoked, or its member was removed.
    #[error("this token is not valid (the member may have been removed)")]
    UnknownCredential,
    /// Only the board's host may do this.
    #[error("only the board's host may {action}")]
    NotBoardHost { action: &'static str },
    /// Only a comment's author (or, to delete it, the board's host) may do this.
    #[error("only the comment's author may {action}")]
    NotAuthor { action: &'static str },
    /// Only the member the host offered the board to may take it over.
    #[error("only the member the host offered this board to may take it over")]
    NotOfferedHandoff,
    /// The board has moved to another computer: this server keeps it for reading (its log ends with `board.moved`,
    /// which says where it went) and refuses every change.
    #[error("This board is now hosted on another computer.")]
    BoardMoved,
    /// The events asked for are behind the board's log base: they were compacted.
    #[error(
        "the events up to seq {base} were compacted: take the log's base (GET /api/boards/{{board}}/log-base) or a snapshot and go on from its seq"
    )]
    HistoryCompacted { base: u64 },
    /// The board is as large as a board may be: `what` names the limit (`lanban_core::validate::limits`).
    #[error("the board has reached its limit of {0}")]
    LimitReached(String),
    /// Too many of these within a minute (a board's joins); try again after this many seconds.
    #[error("too many joins of this board just now; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Only the server's host credential may do this.
    #[error("only the server's host credential may {action}")]
    NotHostCredential { action: &'static str },
    /// A value the rules refuse, and the request field it came from.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The card changed since the version the client edited; `current` is the card as it is now.
    #[error("the card is at version {}, not the version edited", current.version)]
    VersionConflict { current: Box<Card> },
    /// The job waited in the queue until its caller gave up (or went away), so it was not run.
    #[error("the server is too busy; nothing was changed, try again")]
    Busy,
    /// The writer is stopping and runs nothing more.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A commit could not be written to the disk (`full`: SQLite found no room); nothing of it was applied.
    #[error("{}", write_failed(.full))]
    WriteFailed { full: bool },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Encoding JSON failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Anything else that should not happen; the text is for the log.
    #[error("{0}")]
    Internal(String),
}

/// What a client is told of a commit the disk refused.
fn write_failed(full: &bool) -> &'static str {
    if *full {
        "the server's disk is full: nothing was changed; try again once it has room"
    } else {
        "the server could not write to its disk: nothing was changed; try again later"
    }
}

/// The result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A value of `field` that the rules refuse, and why.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<ValidationError> for Error {
    fn from(err: ValidationError) -> Self {
        Error::invalid(err.field, err.message)
    }
}
