//! Column mutations: create, rename or move, delete (with its cards).

use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, ColumnId};
use lanban_core::model::Column;
use rusqlite::Connection;

use crate::store::access::Actor;
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Error, Result, Tx, rows};

/// A column's board; not found if there is no such column.
pub fn board_of(conn: &Connection, id: ColumnId) -> Result<BoardId> {
    rows::find_column(conn, id)?
        .map(|c| c.board_id)
        .ok_or(Error::NotFound("column"))
}

/// Adds a column at `placement` (the end if none).
pub fn create_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    title: String,
    placement: Placement,
) -> Result<Column> {
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
        id: ColumnId::new(),
        board_id: actor.board_id,
        title,
        position,
    };
    rows::insert_column(tx, &column)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnCreated(column.clone()),
    )?;
    Ok(column)
}

/// Renames and/or moves a column; with nothing to change, answers the column as it is.
pub fn update_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ColumnId,
    title: Option<String>,
    placement: Option<Placement>,
) -> Result<Column> {
    let mut column = rows::find_column(tx, id)?.ok_or(Error::NotFound("column"))?;
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

/// Deletes a column and its cards.
pub fn delete_column(tx: &mut Tx<'_>, actor: &Actor, id: ColumnId) -> Result<()> {
    let deleted = tx
        .prepare_cached("DELETE FROM columns WHERE id = ?1 AND board_id = ?2")?
        .execute([id.to_string(), actor.board_id.to_string()])?;
    if deleted == 0 {
        return Err(Error::NotFound("column"));
    }
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnDeleted(Deleted { id }),
    )?;
    Ok(())
}
