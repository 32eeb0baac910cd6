//! Column mutations: create (with an id the client chose, or a new one), rename or move, delete (with its
//! cards, leaving tombstones of all of them).

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
    match rows::find_column(conn, id)? {
        Some(column) => Ok(column.board_id),
        None => ids::buried_on(conn, Item::Column(id))?.ok_or(Error::NotFound("column")),
    }
}

/// The live column `id` of the actor's board; gone if it was deleted.
pub fn live_column(conn: &Connection, actor: &Actor, id: ColumnId) -> Result<Column> {
    match rows::find_column(conn, id)? {
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
    limits::one_more_column(tx, actor.board_id)?;
    let board_id = actor.board_id.to_string();
    let position = place(
        tx,
        Siblings::Columns {
            board_id: &board_id,
        },
        None,
        &placement,
    )?;
    let column = Column {
        id,
        board_id: actor.board_id,
        title,
        position,
    };
    rows::insert_column(tx, &column, Some(actor.member_id))?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnCreated(column.clone()),
    )?;
    Ok(Created::New(column))
}

/// Renames and/or moves a column; with nothing to change, answers the column as it is.
pub fn update_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ColumnId,
    title: Option<String>,
    placement: Option<Placement>,
) -> Result<Column> {
    let mut column = live_column(tx, actor, id)?;
    if title.is_none() && placement.is_none() {
        return Ok(column);
    }
    if let Some(title) = title {
        column.title = title;
    }
    if let Some(placement) = placement {
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
    tx.prepare_cached("UPDATE columns SET title = ?1, position = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![
            column.title,
            column.position,
            id.to_string()
        ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnUpdated(column.clone()),
    )?;
    Ok(column)
}

/// Deletes a column and its cards, leaving a tombstone of each.
pub fn delete_column(tx: &mut Tx<'_>, actor: &Actor, id: ColumnId) -> Result<()> {
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
