//! Card and column ids beyond their rows: the ids clients choose for what they create, and the tombstones that
//! deletes leave. Together they make a create or a change sent again, however long after its idempotent answer
//! was forgotten, apply at most once: a create whose id is there already is the same create replayed (by the
//! member who made it) or someone else's id, and an id that was deleted is [`Error::Gone`], never a new row and
//! never "not found".

use lanban_core::ids::{BoardId, CardId, ChecklistId, ColumnId, CommentId, ItemId};
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::store::access::Actor;
use crate::store::{Error, Result};

/// What a create did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T> {
    /// It made the entity now (and emitted its event).
    New(T),
    /// The same create had already been applied (the same id, by the same member): the entity as it is now.
    /// Nothing was written.
    AlreadyThere(T),
}

/// A card or a column: what a client may name before it exists, and what a delete leaves a tombstone of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Item {
    Card(CardId),
    Column(ColumnId),
    Comment(CommentId),
    Checklist(ChecklistId),
    #[serde(rename = "item")]
    ChecklistItem(ItemId),
}

impl Item {
    /// Its kind as stored in `tombstones.kind` and named in errors.
    pub fn kind(self) -> &'static str {
        match self {
            Item::Card(_) => "card",
            Item::Column(_) => "column",
            Item::Comment(_) => "comment",
            Item::Checklist(_) => "checklist",
            Item::ChecklistItem(_) => "item",
        }
    }

    fn id(self) -> String {
        match self {
            Item::Card(id) => id.to_string(),
            Item::Column(id) => id.to_string(),
            Item::Comment(id) => id.to_string(),
            Item::Checklist(id) => id.to_string(),
            Item::ChecklistItem(id) => id.to_string(),
        }
    }

    fn from_stored(kind: &str, id: &str) -> Option<Item> {
        match kind {
            "card" => id.parse().ok().map(Item::Card),
            "column" => id.parse().ok().map(Item::Column),
            "comment" => id.parse().ok().map(Item::Comment),
            "checklist" => id.parse().ok().map(Item::Checklist),
            "item" => id.parse().ok().map(Item::ChecklistItem),
            _ => None,
        }
    }
}

/// A deleted card or column of a board, as an export carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub item: Item,
    pub deleted_at: Timestamp,
}

/// Where the id a client chose for a new item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// No card, column or tombstone has it: create the item with it.
    Free,
    /// The actor already created this very item on this board: the same create, sent again.
    Replayed,
}

/// Checks the id a client chose for a new `item` on the actor's board. Gone if such an item was created here and
/// has since been deleted (by anyone); taken if anything else has the id: another board's card or column, one of
/// the other kind, or one another member created.
pub fn claim(conn: &Connection, actor: &Actor, item: Item) -> Result<Claim> {
    let id = item.id();
    let board = actor.board_id.to_string();
    if let Some((kind, on)) = conn
        .prepare_cached("SELECT kind, board_id FROM tombstones WHERE id = ?1")?
        .query_row([&id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
    {
        return Err(if kind == item.kind() && on == board {
            Error::Gone(item.kind())
        } else {
            Error::IdTaken
        });
    }
    let holder = conn
        .prepare_cached(
            "SELECT 'column', board_id, created_by FROM columns WHERE id = ?1
             UNION ALL
             SELECT 'card', board_id, created_by FROM cards WHERE id = ?1
             UNION ALL
             SELECT 'comment', board_id, author_id FROM comments WHERE id = ?1
             UNION ALL
             SELECT 'checklist', board_id, created_by FROM checklists WHERE id = ?1
             UNION ALL
             SELECT 'item', checklists.board_id, checklist_items.created_by
             FROM checklist_items JOIN checklists ON checklists.id = checklist_items.checklist_id
             WHERE checklist_items.id = ?1",
        )?
        .query_row([&id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?;
    match holder {
        None => Ok(Claim::Free),
        Some((kind, on, creator))
            if kind == item.kind()
                && on == board
                && creator.as_deref() == Some(actor.member_id.to_string().as_str()) =>
        {
            Ok(Claim::Replayed)
        }
        Some(_) => Err(Error::IdTaken),
    }
}

/// The board a deleted `item` was on, if it was deleted.
pub fn buried_on(conn: &Connection, item: Item) -> Result<Option<BoardId>> {
    let board = conn
        .prepare_cached("SELECT board_id FROM tombstones WHERE id = ?1 AND kind = ?2")?
        .query_row([item.id().as_str(), item.kind()], |r| r.get::<_, String>(0))
        .optional()?;
    board
        .map(|b| {
            b.parse()
                .map_err(|e| Error::Internal(format!("tombstone board id {b:?}: {e}")))
        })
        .transpose()
}

/// Why `item` is not on the board: it was deleted ([`Error::Gone`]), or it never was ([`Error::NotFound`]).
pub fn absent(conn: &Connection, item: Item) -> Result<Error> {
    Ok(if buried_on(conn, item)?.is_some() {
        Error::Gone(item.kind())
    } else {
        Error::NotFound(item.kind())
    })
}

/// Records that `item` was deleted from `board`; call in the delete's own job.
pub fn bury(conn: &Connection, board: BoardId, item: Item, at: &Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tombstones (id, board_id, kind, deleted_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute([
        item.id().as_str(),
        &board.to_string(),
        item.kind(),
        at.as_str(),
    ])?;
    Ok(())
}

/// Records every card of `column` as deleted: call before deleting the column, which takes its cards with it.
pub fn bury_cards_of(conn: &Connection, column: ColumnId, at: &Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tombstones (id, board_id, kind, deleted_at)
         SELECT id, board_id, 'card', ?2 FROM cards WHERE column_id = ?1",
    )?
    .execute([column.to_string().as_str(), at.as_str()])?;
    Ok(())
}

/// The tombstones of `board`, oldest first.
pub fn tombstones_of(conn: &Connection, board: BoardId) -> rusqlite::Result<Vec<Tombstone>> {
    conn.prepare(
        "SELECT kind, id, deleted_at FROM tombstones WHERE board_id = ?1 ORDER BY deleted_at, kind, id",
    )?
    .query_map([board.to_string()], |r| {
        let (kind, id, at): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let bad = |what: String| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                what.into(),
            )
        };
        Ok(Tombstone {
            item: Item::from_stored(&kind, &id)
                .ok_or_else(|| bad(format!("tombstone {kind} {id}")))?,
            deleted_at: Timestamp::parse(&at).ok_or_else(|| bad(format!("time {at}")))?,
        })
    })?
    .collect()
}

/// Files a tombstone under `board` (an import).
pub fn insert_tombstone(
    conn: &Connection,
    board: BoardId,
    tombstone: &Tombstone,
) -> rusqlite::Result<()> {
    bury(conn, board, tombstone.item, &tombstone.deleted_at)
}
