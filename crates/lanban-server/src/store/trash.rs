//! The trash: cards and columns moved there stay restorable until the board's host empties it, or until they have
//! been there longer than the trash keeps them (30 days by default); then they are deleted for good, each with its
//! own `card.deleted` or `column.deleted` event (a column takes the cards still in it).

use lanban_core::ids::{BoardId, CardId, ColumnId};
use lanban_core::model::Role;
use lanban_core::time::Timestamp;
use rusqlite::Connection;

use crate::store::access::{Actor, board_host};
use crate::store::{Result, Tx, cards, columns};

/// What emptying the trash deleted for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Emptied {
    pub columns: usize,
    /// Cards in the trash themselves (not counting the cards of columns in the trash, which go with them).
    pub cards: usize,
}

/// Empties the actor's board's trash: host only.
pub fn empty(tx: &mut Tx<'_>, actor: &Actor) -> Result<Emptied> {
    actor.require_host("empty the trash")?;
    purge(tx, actor, None)
}

/// Deletes for good what has been in `board`'s trash since before `cutoff`, in the name of its host; answers what
/// it deleted. A board without a host (none is possible, but a damaged file) is left alone.
pub fn expire(tx: &mut Tx<'_>, board: BoardId, cutoff: &Timestamp) -> Result<Emptied> {
    let Some(host) = board_host(tx, board)? else {
        return Ok(Emptied::default());
    };
    let actor = Actor {
        board_id: board,
        member_id: host.id,
        role: Role::Host,
    };
    purge(tx, &actor, Some(cutoff))
}

/// The boards hosted here with something in the trash since before `cutoff` (a moved board's copy is left as
/// it is).
pub fn boards_with_expired(conn: &Connection, cutoff: &Timestamp) -> Result<Vec<BoardId>> {
    let mut boards = conn
        .prepare_cached(
            "SELECT board_id FROM columns WHERE trashed_at < ?1
             UNION SELECT board_id FROM cards WHERE trashed_at < ?1
             EXCEPT SELECT id FROM boards WHERE moved_to IS NOT NULL",
        )?
        .query_map([cutoff.as_str()], |r| r.get::<_, String>(0))?
        .filter_map(|id| id.map(|id| id.parse::<BoardId>().ok()).transpose())
        .collect::<rusqlite::Result<Vec<_>>>()?;
    boards.sort_unstable();
    boards.dedup();
    Ok(boards)
}

/// Deletes the columns, then the cards, in the actor's board's trash (only those there since before `cutoff`, if
/// one is given), oldest first.
fn purge(tx: &mut Tx<'_>, actor: &Actor, cutoff: Option<&Timestamp>) -> Result<Emptied> {
    let board = actor.board_id.to_string();
    let cutoff = cutoff.map_or("9999", Timestamp::as_str).to_owned();
    let in_trash = |tx: &Tx<'_>, table: &str| -> Result<Vec<String>> {
        Ok(tx
            .prepare_cached(&format!(
                "SELECT id FROM {table} WHERE board_id = ?1 AND trashed_at < ?2 ORDER BY trashed_at, id"
            ))?
            .query_map([board.as_str(), cutoff.as_str()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    };
    let mut emptied = Emptied::default();
    for id in in_trash(tx, "columns")? {
        if let Ok(id) = id.parse::<ColumnId>() {
            columns::purge_column(tx, actor, id)?;
            emptied.columns += 1;
        }
    }
    for id in in_trash(tx, "cards")? {
        if let Ok(id) = id.parse::<CardId>() {
            cards::purge_card(tx, actor, id)?;
            emptied.cards += 1;
        }
    }
    Ok(emptied)
}
