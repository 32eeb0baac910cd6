//! Who is asking: resolving a credential to a principal (no one's is [`Error::UnknownCredential`]) and to an
//! actor on one board (not theirs is [`Error::NotFound`], so boards are never revealed to outsiders). A board that
//! has moved to another computer is still read here, but never changed ([`Error::BoardMoved`]).

use lanban_core::event::BoardMoved;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::{Member, Role};
use rusqlite::{Connection, OptionalExtension};

use crate::auth::Credential;
use crate::store::rows::{self, Entity};
use crate::store::{Error, Result};

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
    pub fn require_host(&self, action: &'static str) -> Result<()> {
        if self.role == Role::Host {
            Ok(())
        } else {
            Err(Error::NotBoardHost { action })
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
    pub fn require_host_credential(&self, action: &'static str) -> Result<()> {
        match self {
            Principal::Host => Ok(()),
            Principal::Member { .. } => Err(Error::NotHostCredential { action }),
        }
    }

    /// The actor this principal makes on `board_id` to change it: not found if the board does not exist or is not
    /// theirs, [`Error::BoardMoved`] if it has moved to another computer. Every mutation starts here.
    pub fn on_board(&self, conn: &Connection, board_id: BoardId) -> Result<Actor> {
        let actor = self.reading(conn, board_id)?;
        refuse_moved(conn, board_id)?;
        Ok(actor)
    }

    /// The actor this principal makes on `board_id` to read it, moved or not; not found if the board does not
    /// exist or is not theirs.
    pub fn reading(&self, conn: &Connection, board_id: BoardId) -> Result<Actor> {
        match *self {
            Principal::Member {
                member_id,
                board_id: own,
                role,
            } if own == board_id => Ok(Actor {
                board_id,
                member_id,
                role,
            }),
            Principal::Member { .. } => Err(Error::NotFound("board")),
            Principal::Host => {
                let host = board_host(conn, board_id)?.ok_or(Error::NotFound("board"))?;
                Ok(Actor {
                    board_id,
                    member_id: host.id,
                    role: Role::Host,
                })
            }
        }
    }
}

/// Resolves a credential; an unknown or revoked token is no one's.
pub fn principal(conn: &Connection, credential: &Credential) -> Result<Principal> {
    let Credential::Member(hash) = credential else {
        return Ok(Principal::Host);
    };
    // Every request asks this: only the three columns a principal needs, and the statement's text a constant.
    let (member_id, board_id, role) = conn
        .prepare_cached(
            "SELECT members.id, members.board_id, members.role FROM tokens
             JOIN members ON members.id = tokens.member_id
             WHERE tokens.hash = ?1 AND members.removed_at IS NULL",
        )?
        .query_row([hash.0.as_slice()], rows::member_key)
        .optional()?
        .ok_or(Error::UnknownCredential)?;
    Ok(Principal::Member {
        member_id,
        board_id,
        role,
    })
}

/// The actor a credential makes on `board_id` to read it (a moved board too); not found if the board does not
/// exist or is not theirs.
pub fn actor(conn: &Connection, credential: &Credential, board_id: BoardId) -> Result<Actor> {
    principal(conn, credential)?.reading(conn, board_id)
}

/// Where the board went, if it has moved to another computer.
pub fn moved_to(conn: &Connection, board_id: BoardId) -> Result<Option<BoardMoved>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT moved_to FROM boards WHERE id = ?1")?
        .query_row([board_id.to_string()], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(json.map(|json| serde_json::from_str(&json)).transpose()?)
}

/// Refuses a board that has moved to another computer with [`Error::BoardMoved`].
pub fn refuse_moved(conn: &Connection, board_id: BoardId) -> Result<()> {
    let moved: bool = conn
        .prepare_cached("SELECT moved_to IS NOT NULL FROM boards WHERE id = ?1")?
        .query_row([board_id.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if moved {
        Err(Error::BoardMoved)
    } else {
        Ok(())
    }
}

/// The board's host member (who created it, or took it over in a handoff), if the board exists.
pub(crate) fn board_host(conn: &Connection, board_id: BoardId) -> Result<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {} FROM members WHERE board_id = ?1 AND role = 'host' ORDER BY joined_at LIMIT 1",
            Member::COLUMNS
        ))?
        .query_row([board_id.to_string()], Member::from_row)
        .optional()?)
}
