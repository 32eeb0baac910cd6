//! Turning a client's `before`/`after` into a fractional-index key among the current siblings.

use lanban_core::order::key_between;
use rusqlite::{Connection, OptionalExtension};

use crate::store::{Error, Result};

/// The siblings an item is placed among: a board's columns or a column's cards.
#[derive(Debug, Clone, Copy)]
pub enum Siblings<'a> {
    /// Columns of the board with this id.
    Columns { board_id: &'a str },
    /// Cards of the column with this id.
    Cards { column_id: &'a str },
    /// Checklists of the card with this id.
    Checklists { card_id: &'a str },
    /// Items of the checklist with this id.
    Items { checklist_id: &'a str },
}

impl Siblings<'_> {
    fn table_and_scope(&self) -> (&'static str, &'static str, &str) {
        match self {
            Siblings::Columns { board_id } => ("columns", "board_id", board_id),
            Siblings::Cards { column_id } => ("cards", "column_id", column_id),
            Siblings::Checklists { card_id } => ("checklists", "card_id", card_id),
            Siblings::Items { checklist_id } => ("checklist_items", "checklist_id", checklist_id),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Siblings::Columns { .. } => "a column of this board",
            Siblings::Cards { .. } => "a card of the target column",
            Siblings::Checklists { .. } => "a checklist of this card",
            Siblings::Items { .. } => "an item of this checklist",
        }
    }
}

/// Where a client asked an item to go.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// Just before this sibling.
    pub before: Option<String>,
    /// Just after this sibling.
    pub after: Option<String>,
}

/// A key for `moving` (absent for a new item) at `placement` among `siblings`. Neither anchor means the end.
pub fn place(
    conn: &Connection,
    siblings: Siblings<'_>,
    moving: Option<&str>,
    placement: &Placement,
) -> Result<String> {
    let (table, scope_field, scope) = siblings.table_and_scope();
    let moving = moving.unwrap_or("");
    let anchor = |field: &str, id: &str| -> Result<String> {
        if id == moving {
            return Err(Error::invalid(field, "cannot place an item next to itself"));
        }
        conn.prepare_cached(&format!(
            "SELECT position FROM {table} WHERE id = ?1 AND {scope_field} = ?2"
        ))?
        .query_row([id, scope], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::invalid(field, format!("must be {}", siblings.kind())))
    };
    let neighbour = |position: Option<&str>, forward: bool| -> Result<Option<String>> {
        let sql = match (position.is_some(), forward) {
            (true, true) => format!(
                "SELECT position FROM {table} WHERE {scope_field} = ?1 AND id != ?2 AND position > ?3
                 ORDER BY position LIMIT 1"
            ),
            (true, false) => format!(
                "SELECT position FROM {table} WHERE {scope_field} = ?1 AND id != ?2 AND position < ?3
                 ORDER BY position DESC LIMIT 1"
            ),
            (false, _) => format!(
                "SELECT position FROM {table} WHERE {scope_field} = ?1 AND id != ?2
                 AND ?3 IS NULL ORDER BY position DESC LIMIT 1"
            ),
        };
        Ok(conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![scope, moving, position], |r| r.get(0))
            .optional()?)
    };
    let (after, before) = match (&placement.after, &placement.before) {
        (None, None) => (neighbour(None, false)?, None),
        (Some(after), None) => {
            let a = anchor("after", after)?;
            let b = neighbour(Some(&a), true)?;
            (Some(a), b)
        }
        (None, Some(before)) => {
            let b = anchor("before", before)?;
            let a = neighbour(Some(&b), false)?;
            (a, Some(b))
        }
        (Some(after), Some(before)) => {
            let a = anchor("after", after)?;
            let b = anchor("before", before)?;
            if neighbour(Some(&a), true)?.as_deref() != Some(b.as_str()) {
                return Err(Error::invalid(
                    "before",
                    "`after` and `before` must be neighbours, with `after` first",
                ));
            }
            (Some(a), Some(b))
        }
    };
    key_between(after.as_deref(), before.as_deref())
        .map_err(|e| Error::Internal(format!("ordering key: {e}")))
}
