//! Column mutations: create (with an id the client chose, or a new one), rename or move, archive, move to the
//! trash and restore (with its cards), delete for good (with its cards, leaving tombstones of all of them).

use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, ColumnId};
use lanban_core::model::Column;
use lanban_core::time::Timestamp;
use rusqlite::Connection;

use crate::store::access::Actor;
use crate::store::ids::{self, Claim, Created, Item};
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Error, Result, Tx, limits, rows};

/// The board a column is on, or was on if it was deleted (so that only that board's members learn it is gone);
/// not found if there never was such a column.
pub fn board_of(conn: &Connection, id: ColumnId) -> Result<BoardId> {
    board_of_found(conn, id, rows::find_column(conn, id)?.as_ref())
}

/// [`board_of`] for column `id` already looked up (`found`), so that a change reads it once.
pub fn board_of_found(conn: &Connection, id: ColumnId, found: Option<&Column>) -> Result<BoardId> {
    match found {
        Some(column) => Ok(column.board_id),
        None => ids::buried_on(conn, Item::Column(id))?.ok_or(Error::NotFound("column")),
    }
}

/// The live column `id` of the actor's board; gone if it was deleted.
pub fn live_column(conn: &Connection, actor: &Actor, id: ColumnId) -> Result<Column> {
    live(conn, actor, id, rows::find_column(conn, id)?)
}

/// [`live_column`] for column `id` already looked up (`found`).
pub fn live(
    conn: &Connection,
    actor: &Actor,
    id: ColumnId,
    found: Option<Column>,
) -> Result<Column> {
    match found {
        Some(column) if column.board_id == actor.board_id => Ok(column),
        Some(_) => Err(Error::NotFound("column")),
        None => Err(ids::absent(conn, Item::Column(id))?),
    }
}

/// Adds a column at `placement` (the end if none), with the id the client chose if it sent one: an id this
/// member already created a column with here is the same create again, answered with the column as it is now.
pub fn create_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: Option<ColumnId>,
    title: String,
    placement: Placement,
) -> Result<Created<Column>> {
    let id = match id {
        None => ColumnId::new(),
        Some(id) => match ids::claim(tx, actor, Item::Column(id))? {
            Claim::Replayed => return Ok(Created::AlreadyThere(live_column(tx, actor, id)?)),
            Claim::Free => id,
        },
    };
    let board_id = actor.board_id.to_string();
    let position = place(
        tx,
        Siblings::Columns {
            board_id: &board_id,
        },
        None,
        &placement,
    )?;
    // After the field rules, as every limit (docs/protocol.md §2.6).
    limits::one_more_column(tx, actor.board_id)?;
    let column = Column {
        id,
        board_id: actor.board_id,
        title,
        position,
        archived_at: None,
        trashed_at: None,
    };
    rows::insert_column(tx, &column, Some(actor.member_id))?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnCreated(column.clone()),
    )?;
    Ok(Created::New(column))
}

/// A validated column edit: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ColumnEdit {
    pub title: Option<String>,
    pub placement: Option<Placement>,
    /// Archive (`true`) or take out of the archive (`false`).
    pub archived: Option<bool>,
    /// Move to the trash (`true`) or restore (`false`).
    pub trashed: Option<bool>,
}

/// Renames, moves, archives or restores, and/or moves a column to the trash (its cards stay in it, hidden with it,
/// and come back with it); an edit that changes nothing answers the column as it is, with no event.
pub fn update_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ColumnId,
    edit: ColumnEdit,
) -> Result<Column> {
    let mut column = live_column(tx, actor, id)?;
    let before = column.clone();
    if let Some(title) = edit.title {
        column.title = title;
    }
    let now = Timestamp::now();
    if let Some(archived) = edit.archived {
        column.archived_at = shelve(column.archived_at, archived, &now);
    }
    if let Some(trashed) = edit.trashed {
        column.trashed_at = shelve(column.trashed_at, trashed, &now);
    }
    if let Some(placement) = edit.placement {
        let board_id = actor.board_id.to_string();
        let moving = id.to_string();
        column.position = place(
            tx,
            Siblings::Columns {
                board_id: &board_id,
            },
            Some(&moving),
            &placement,
        )?;
    }
    if column == before {
        return Ok(column);
    }
    tx.prepare_cached(
        "UPDATE columns SET title = ?1, position = ?2, archived_at = ?3, trashed_at = ?4 WHERE id = ?5",
    )?
    .execute(rusqlite::params![
        column.title,
        column.position,
        column.archived_at.as_ref().map(Timestamp::as_str),
        column.trashed_at.as_ref().map(Timestamp::as_str),
        id.to_string()
    ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnUpdated(column.clone()),
    )?;
    Ok(column)
}

/// A shelf's time after an edit that puts the entity on it (`true`) or takes it off (`false`): already there keeps
/// its first time, so doing it twice changes nothing.
pub(crate) fn shelve(at: Option<Timestamp>, on: bool, now: &Timestamp) -> Option<Timestamp> {
    match (at, on) {
        (Some(at), true) => Some(at),
        (None, true) => Some(now.clone()),
        (_, false) => None,
    }
}

/// Moves a column to the trash with its cards (`DELETE`); one already there stays as it is.
pub fn trash_column(tx: &mut Tx<'_>, actor: &Actor, id: ColumnId) -> Result<()> {
    let edit = ColumnEdit {
        trashed: Some(true),
        ..ColumnEdit::default()
    };
    update_column(tx, actor, id, edit).map(drop)
}

/// Deletes a column and its cards for good, leaving a tombstone of each (the trash emptied by its host, or by age).
pub fn purge_column(tx: &mut Tx<'_>, actor: &Actor, id: ColumnId) -> Result<()> {
    live_column(tx, actor, id)?;
    let now = Timestamp::now();
    ids::bury_cards_of(tx, id, &now)?;
    ids::bury(tx, actor.board_id, Item::Column(id), &now)?;
    tx.prepare_cached("DELETE FROM columns WHERE id = ?1")?
        .execute([id.to_string()])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnDeleted(Deleted { id }),
    )?;
    Ok(())
}
