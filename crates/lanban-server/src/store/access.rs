//! Who is asking: resolving a credential to a principal (401 if it is no one's) and to an actor on one board
//! (404 if they are not on it, so boards are never revealed to outsiders).

use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::Role;
use rusqlite::{Connection, OptionalExtension};

use crate::auth::Credential;
use crate::error::{ApiError, ApiResult};

/// Whose credential a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// The server's host credential.
    Host,
    /// A current member of one board.
    Member {
        member_id: MemberId,
        board_id: BoardId,
        role: Role,
    },
}

/// Someone acting on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub board_id: BoardId,
    /// The acting member (for the host credential, the board's host member).
    pub member_id: MemberId,
    pub role: Role,
}

impl Actor {
    /// Refuses unless the actor is the board's host.
    pub fn require_host(&self, what: &str) -> ApiResult<()> {
        if self.role == Role::Host {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "only the board's host may {what}"
            )))
        }
    }
}

impl Principal {
    /// The scope idempotency keys of this principal live in.
    pub fn scope(&self) -> String {
        match self {
            Principal::Host => "host".to_owned(),
            Principal::Member { member_id, .. } => member_id.to_string(),
        }
    }

    /// Refuses unless this is the host credential.
    pub fn require_host_credential(&self, what: &str) -> ApiResult<()> {
        match self {
            Principal::Host => Ok(()),
            Principal::Member { .. } => Err(ApiError::forbidden(format!(
                "only the server's host credential may {what}"
            ))),
        }
    }
}

/// Resolves a credential; an unknown or revoked token is 401.
pub fn principal(conn: &Connection, credential: &Credential) -> ApiResult<Principal> {
    let Credential::Member(hash) = credential else {
        return Ok(Principal::Host);
    };
    let found = conn
        .prepare_cached(
            "SELECT m.id, m.board_id, m.role FROM tokens t JOIN members m ON m.id = t.member_id
             WHERE t.hash = ?1 AND m.removed_at IS NULL",
        )?
        .query_row([hash.0.as_slice()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let (member_id, board_id, role) = found.ok_or_else(|| {
        ApiError::unauthorized("this token is not valid (the member may have been removed)")
    })?;
    let parse_err = |e: uuid::Error| ApiError::Internal(format!("stored id: {e}"));
    Ok(Principal::Member {
        member_id: member_id.parse().map_err(parse_err)?,
        board_id: board_id.parse().map_err(parse_err)?,
        role: if role == "host" {
            Role::Host
        } else {
            Role::Member
        },
    })
}

/// The actor a credential makes on `board_id`, or 404 if the board does not exist or is not theirs.
pub fn actor(conn: &Connection, credential: &Credential, board_id: BoardId) -> ApiResult<Actor> {
    principal(conn, credential)?.on_board(conn, board_id)
}

impl Principal {
    /// The actor this principal makes on `board_id`, or 404 if the board does not exist or is not theirs.
    pub fn on_board(&self, conn: &Connection, board_id: BoardId) -> ApiResult<Actor> {
        on_board(conn, *self, board_id)
    }
}

fn on_board(conn: &Connection, principal: Principal, board_id: BoardId) -> ApiResult<Actor> {
    match principal {
        Principal::Member {
            member_id,
            board_id: own,
            role,
        } if own == board_id => Ok(Actor {
            board_id,
            member_id,
            role,
        }),
        Principal::Member { .. } => Err(ApiError::not_found("board")),
        Principal::Host => {
            let host: Option<String> = conn
                .prepare_cached(
                    "SELECT id FROM members WHERE board_id = ?1 AND role = 'host'
                     ORDER BY joined_at LIMIT 1",
                )?
                .query_row([board_id.to_string()], |r| r.get(0))
                .optional()?;
            let host = host.ok_or_else(|| ApiError::not_found("board"))?;
            Ok(Actor {
                board_id,
                member_id: host
                    .parse()
                    .map_err(|e| ApiError::Internal(format!("stored id: {e}")))?,
                role: Role::Host,
            })
        }
    }
}
