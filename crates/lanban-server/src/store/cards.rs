//! Card mutations: create, edit and/or move (with optimistic version checks), delete.

use axum::http::StatusCode;
use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Card, Label};
use lanban_core::time::Timestamp;

use crate::error::{ApiError, ApiResult};
use crate::response::Reply;
use crate::store::access::Actor;
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Tx, rows};

/// A validated new card.
#[derive(Debug, Clone)]
pub struct NewCard {
    pub title: String,
    pub description: String,
    pub labels: Vec<Label>,
    pub assignee_id: Option<MemberId>,
    pub due_date: Option<String>,
    pub placement: Placement,
}

/// A validated card edit: `None` leaves a field alone; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CardEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Vec<Label>>,
    pub assignee_id: Option<Option<MemberId>>,
    pub due_date: Option<Option<String>>,
    pub column_id: Option<ColumnId>,
    pub placement: Option<Placement>,
    pub version: Option<u64>,
}

impl CardEdit {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.labels.is_none()
            && self.assignee_id.is_none()
            && self.due_date.is_none()
            && self.column_id.is_none()
            && self.placement.is_none()
    }
}

/// A card's board, or 404.
pub fn board_of(conn: &rusqlite::Connection, id: CardId) -> ApiResult<BoardId> {
    let board: Option<String> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached("SELECT board_id FROM cards WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0)),
    )?;
    board
        .ok_or_else(|| ApiError::not_found("card"))?
        .parse()
        .map_err(|e| ApiError::Internal(format!("stored id: {e}")))
}

fn check_assignee(tx: &Tx<'_>, board: BoardId, assignee: Option<MemberId>) -> ApiResult<()> {
    match assignee {
        Some(id) if rows::find_member(tx, board, id)?.is_none() => Err(ApiError::invalid(
            "assignee_id",
            "must be a current member of this board",
        )),
        _ => Ok(()),
    }
}

fn write_card(tx: &Tx<'_>, card: &Card, insert: bool) -> ApiResult<()> {
    let sql = if insert {
        "INSERT INTO cards (id, board_id, column_id, title, description, labels, assignee_id, due_date,
                            position, version, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    } else {
        "UPDATE cards SET board_id = ?2, column_id = ?3, title = ?4, description = ?5, labels = ?6,
                          assignee_id = ?7, due_date = ?8, position = ?9, version = ?10, created_by = ?11,
                          created_at = ?12, updated_at = ?13
         WHERE id = ?1"
    };
    tx.prepare_cached(sql)?.execute(rusqlite::params![
        card.id.to_string(),
        card.board_id.to_string(),
        card.column_id.to_string(),
        card.title,
        card.description,
        serde_json::to_string(&card.labels)?,
        card.assignee_id.map(|m| m.to_string()),
        card.due_date,
        card.position,
        card.version,
        card.created_by.to_string(),
        card.created_at.as_str(),
        card.updated_at.as_str(),
    ])?;
    Ok(())
}

/// Adds a card to `column_id` (which must be on the actor's board).
pub fn create_card(
    tx: &mut Tx<'_>,
    actor: &Actor,
    column_id: ColumnId,
    new: NewCard,
) -> ApiResult<Reply> {
    check_assignee(tx, actor.board_id, new.assignee_id)?;
    let column = column_id.to_string();
    let position = place(
        tx,
        Siblings::Cards { column_id: &column },
        None,
        &new.placement,
    )?;
    let now = Timestamp::now();
    let card = Card {
        id: CardId::new(),
        board_id: actor.board_id,
        column_id,
        title: new.title,
        description: new.description,
        labels: new.labels,
        assignee_id: new.assignee_id,
        due_date: new.due_date,
        position,
        version: 1,
        created_by: actor.member_id,
        created_at: now.clone(),
        updated_at: now,
    };
    write_card(tx, &card, true)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardCreated(card.clone()),
    )?;
    Reply::json(StatusCode::CREATED, &card)
}

/// Edits and/or moves a card. A stale `version` changes nothing and answers 409 with the current card.
pub fn update_card(tx: &mut Tx<'_>, actor: &Actor, id: CardId, edit: CardEdit) -> ApiResult<Reply> {
    let mut card = rows::find_card(tx, id)?.ok_or_else(|| ApiError::not_found("card"))?;
    if let Some(version) = edit.version
        && version != card.version
    {
        return Err(ApiError::VersionConflict(Box::new(card)));
    }
    if edit.is_empty() {
        return Reply::json(StatusCode::OK, &card);
    }
    if let Some(assignee) = edit.assignee_id {
        check_assignee(tx, actor.board_id, assignee)?;
        card.assignee_id = assignee;
    }
    if let Some(column_id) = edit.column_id {
        let column = rows::find_column(tx, column_id)?;
        if column.is_none_or(|c| c.board_id != actor.board_id) {
            return Err(ApiError::invalid(
                "column_id",
                "must be a column of this board",
            ));
        }
    }
    let target = edit.column_id.unwrap_or(card.column_id);
    if target != card.column_id || edit.placement.is_some() {
        let column = target.to_string();
        let moving = id.to_string();
        card.position = place(
            tx,
            Siblings::Cards { column_id: &column },
            Some(&moving),
            &edit.placement.unwrap_or_default(),
        )?;
        card.column_id = target;
    }
    if let Some(title) = edit.title {
        card.title = title;
    }
    if let Some(description) = edit.description {
        card.description = description;
    }
    if let Some(labels) = edit.labels {
        card.labels = labels;
    }
    if let Some(due_date) = edit.due_date {
        card.due_date = due_date;
    }
    card.version += 1;
    card.updated_at = Timestamp::now();
    write_card(tx, &card, false)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardUpdated(card.clone()),
    )?;
    Reply::json(StatusCode::OK, &card)
}

/// Deletes a card.
pub fn delete_card(tx: &mut Tx<'_>, actor: &Actor, id: CardId) -> ApiResult<Reply> {
    let deleted = tx
        .prepare_cached("DELETE FROM cards WHERE id = ?1 AND board_id = ?2")?
        .execute([id.to_string(), actor.board_id.to_string()])?;
    if deleted == 0 {
        return Err(ApiError::not_found("card"));
    }
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardDeleted(Deleted { id }),
    )?;
    Ok(Reply::no_content())
}
