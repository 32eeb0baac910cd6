//! The rows of what a card holds besides its own fields: its comments and its checklists (with their items).

use lanban_core::ids::{ChecklistId, CommentId, MemberId};
use lanban_core::model::{Checklist, ChecklistItem, Comment};
use rusqlite::{Connection, OptionalExtension, Row};

use super::{Entity, parsed, timestamp};

impl Entity for Comment {
    const COLUMNS: &'static str = "comments.id, comments.board_id, comments.card_id, comments.author_id, \
        comments.body, comments.created_at, comments.updated_at";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Comment {
            id: parsed(row, 0)?,
            board_id: parsed(row, 1)?,
            card_id: parsed(row, 2)?,
            author_id: parsed(row, 3)?,
            body: row.get(4)?,
            created_at: timestamp(row, 5)?,
            updated_at: timestamp(row, 6)?,
        })
    }
}

/// The checklists of `scope` (`card_id = ?1` or `board_id = ?1`), card by card and each card's by position,
/// with their items in order.
pub(super) fn checklists_where(
    conn: &Connection,
    scope: &str,
    key: &str,
) -> rusqlite::Result<Vec<Checklist>> {
    let mut lists: Vec<Checklist> = conn
        .prepare_cached(&format!(
            "SELECT id, board_id, card_id, title, position FROM checklists WHERE {scope} = ?1
             ORDER BY card_id, position"
        ))?
        .query_map([key], |r| {
            Ok(Checklist {
                id: parsed(r, 0)?,
                board_id: parsed(r, 1)?,
                card_id: parsed(r, 2)?,
                title: r.get(3)?,
                position: r.get(4)?,
                items: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut items = conn.prepare_cached(
        "SELECT id, text, done, position FROM checklist_items WHERE checklist_id = ?1 ORDER BY position",
    )?;
    for list in &mut lists {
        list.items = items
            .query_map([list.id.to_string()], |r| {
                Ok(ChecklistItem {
                    id: parsed(r, 0)?,
                    text: r.get(1)?,
                    done: r.get(2)?,
                    position: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(lists)
}

/// A checklist by id, with its items.
pub fn find_checklist(conn: &Connection, id: ChecklistId) -> rusqlite::Result<Option<Checklist>> {
    Ok(checklists_where(conn, "id", &id.to_string())?.pop())
}

/// Inserts a checklist and its items (created by `by`).
pub fn insert_checklist(conn: &Connection, list: &Checklist, by: MemberId) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO checklists (id, board_id, card_id, title, position, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        list.id.to_string(),
        list.board_id.to_string(),
        list.card_id.to_string(),
        list.title,
        list.position,
        by.to_string(),
    ])?;
    for item in &list.items {
        insert_item(conn, list.id, item, by)?;
    }
    Ok(())
}

/// Inserts an item of a checklist (created by `by`).
pub fn insert_item(
    conn: &Connection,
    list: ChecklistId,
    item: &ChecklistItem,
    by: MemberId,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO checklist_items (id, checklist_id, text, done, position, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        item.id.to_string(),
        list.to_string(),
        item.text,
        item.done,
        item.position,
        by.to_string(),
    ])?;
    Ok(())
}

/// A comment by id.
pub fn find_comment(conn: &Connection, id: CommentId) -> rusqlite::Result<Option<Comment>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM comments WHERE id = ?1",
        Comment::COLUMNS
    ))?
    .query_row([id.to_string()], Comment::from_row)
    .optional()
}

/// Inserts a new comment (after every comment stored: comments keep the order they were written in).
pub fn insert_comment(conn: &Connection, comment: &Comment) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO comments (id, board_id, card_id, author_id, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        comment.id.to_string(),
        comment.board_id.to_string(),
        comment.card_id.to_string(),
        comment.author_id.to_string(),
        comment.body,
        comment.created_at.as_str(),
        comment.updated_at.as_str(),
    ])?;
    Ok(())
}
