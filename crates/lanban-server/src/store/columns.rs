//! Column mutations: create, rename or move, delete (with its cards).

use axum::http::StatusCode;
use lanban_core::event::{Change, Deleted};
use lanban_core::ids::ColumnId;
use lanban_core::model::Column;

use crate::error::{ApiError, ApiResult};
use crate::response::Reply;
use crate::store::access::Actor;
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Tx, rows};

/// A column's board, or 404.
pub fn board_of(tx: &rusqlite::Connection, id: ColumnId) -> ApiResult<lanban_core::ids::BoardId> {
    rows::find_column(tx, id)?
        .map(|c| c.board_id)
        .ok_or_else(|| ApiError::not_found("column"))
}

/// Adds a column at `placement` (the end if none).
pub fn create_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    title: String,
    placement: Placement,
) -> ApiResult<Reply> {
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
    tx.prepare_cached(
        "INSERT INTO columns (id, board_id, title, position) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![
        column.id.to_string(),
        board_id,
        column.title,
        column.position
    ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnCreated(column.clone()),
    )?;
    Reply::json(StatusCode::CREATED, &column)
}

/// Renames and/or moves a column; with nothing to change, answers the column as it is.
pub fn update_column(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ColumnId,
    title: Option<String>,
    placement: Option<Placement>,
) -> ApiResult<Reply> {
    let mut column = rows::find_column(tx, id)?.ok_or_else(|| ApiError::not_found("column"))?;
    if title.is_none() && placement.is_none() {
        return Reply::json(StatusCode::OK, &column);
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
    Reply::json(StatusCode::OK, &column)
}

/// Deletes a column and its cards.
pub fn delete_column(tx: &mut Tx<'_>, actor: &Actor, id: ColumnId) -> ApiResult<Reply> {
    let deleted = tx
        .prepare_cached("DELETE FROM columns WHERE id = ?1 AND board_id = ?2")?
        .execute([id.to_string(), actor.board_id.to_string()])?;
    if deleted == 0 {
        return Err(ApiError::not_found("column"));
    }
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ColumnDeleted(Deleted { id }),
    )?;
    Ok(Reply::no_content())
}
