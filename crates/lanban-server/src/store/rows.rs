//! The one mapping between each entity and its table's rows: which columns are read, in what order, how a row
//! becomes the entity, and how the entity is inserted. Mapping is strict: a stored value that does not parse is
//! an error, never a default. Also the read queries shared by routes, mutations and the socket.

use std::str::FromStr;

use lanban_core::api::Snapshot;
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column, Comment, Member, Role};
use lanban_core::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row};

mod parts;
use parts::checklists_where;
pub use parts::{find_checklist, find_comment, insert_checklist, insert_comment, insert_item};

/// An entity stored one per row of its table.
pub trait Entity: Sized {
    /// The columns [`Entity::from_row`] reads, in order. They are qualified by their table, so the same list
    /// reads from a plain `SELECT`, a join and a `RETURNING` clause.
    const COLUMNS: &'static str;

    /// The entity from a row whose first columns are [`Entity::COLUMNS`].
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

impl Entity for Board {
    const COLUMNS: &'static str = "boards.id, boards.name, boards.room_code, boards.created_at, \
        boards.updated_at, boards.handoff_to, boards.labels";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Board {
            id: parsed(row, 0)?,
            name: row.get(1)?,
            room_code: parsed(row, 2)?,
            created_at: timestamp(row, 3)?,
            updated_at: timestamp(row, 4)?,
            handoff_to: parsed_opt(row, 5)?,
            labels: {
                let text: String = row.get(6)?;
                serde_json::from_str(&text).map_err(|e| conversion(6, e))?
            },
        })
    }
}

impl Entity for Column {
    const COLUMNS: &'static str = "columns.id, columns.board_id, columns.title, columns.position, \
        columns.archived_at, columns.trashed_at";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Column {
            id: parsed(row, 0)?,
            board_id: parsed(row, 1)?,
            title: row.get(2)?,
            position: row.get(3)?,
            archived_at: optional_timestamp(row, 4)?,
            trashed_at: optional_timestamp(row, 5)?,
        })
    }
}

impl Entity for Card {
    const COLUMNS: &'static str = "cards.id, cards.board_id, cards.column_id, cards.title, \
        cards.description, cards.labels, cards.assignees, cards.due_date, cards.position, cards.version, \
        cards.created_by, cards.created_at, cards.updated_at, cards.archived_at, cards.trashed_at";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let labels: String = row.get(5)?;
        Ok(Card {
            id: parsed(row, 0)?,
            board_id: parsed(row, 1)?,
            column_id: parsed(row, 2)?,
            title: row.get(3)?,
            description: row.get(4)?,
            labels: serde_json::from_str(&labels).map_err(|e| conversion(5, e))?,
            assignee_ids: {
                let text: String = row.get(6)?;
                serde_json::from_str(&text).map_err(|e| conversion(6, e))?
            },
            due_date: row.get(7)?,
            position: row.get(8)?,
            version: row.get(9)?,
            created_by: parsed(row, 10)?,
            created_at: timestamp(row, 11)?,
            updated_at: timestamp(row, 12)?,
            archived_at: optional_timestamp(row, 13)?,
            trashed_at: optional_timestamp(row, 14)?,
        })
    }
}

impl Entity for Member {
    const COLUMNS: &'static str = "members.id, members.board_id, members.name, members.color, \
        members.role, members.joined_at";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Member {
            id: parsed(row, 0)?,
            board_id: parsed(row, 1)?,
            name: row.get(2)?,
            color: row.get(3)?,
            role: role(row, 4)?,
            joined_at: timestamp(row, 5)?,
        })
    }
}

/// A member's id, board and role, from the first three columns (what a credential resolves to).
pub(crate) fn member_key(row: &Row<'_>) -> rusqlite::Result<(MemberId, BoardId, Role)> {
    Ok((parsed(row, 0)?, parsed(row, 1)?, role(row, 2)?))
}

fn conversion(idx: usize, err: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err))
}

/// A column holding text that parses as `T` (ids, room codes).
fn parsed<T: FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    // Read in place: ids are parsed on every row read, and copying each into a `String` first showed in profiles.
    let text = row.get_ref(idx)?.as_str().map_err(|e| conversion(idx, e))?;
    text.parse().map_err(|e| conversion(idx, e))
}

fn parsed_opt<T: FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.get(idx)?;
    text.map(|t| t.parse().map_err(|e| conversion(idx, e)))
        .transpose()
}

#[derive(Debug, thiserror::Error)]
#[error("stored value {0:?} is not valid here")]
struct BadValue(String);

fn timestamp(row: &Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    let text: String = row.get(idx)?;
    Timestamp::parse(&text).ok_or_else(|| conversion(idx, BadValue(text)))
}

/// A column holding a time that may be absent (`members.removed_at`).
pub fn optional_timestamp(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Timestamp>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|text| Timestamp::parse(&text).ok_or_else(|| conversion(idx, BadValue(text))))
        .transpose()
}

fn role(row: &Row<'_>, idx: usize) -> rusqlite::Result<Role> {
    let text = row.get_ref(idx)?.as_str().map_err(|e| conversion(idx, e))?;
    [Role::Host, Role::Member]
        .into_iter()
        .find(|role| role.as_str() == text)
        .ok_or_else(|| conversion(idx, BadValue(text.to_owned())))
}

/// Inserts a board at `seq` (0 for a new board, whose events then count up from 1).
pub fn insert_board(conn: &Connection, board: &Board, seq: u64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO boards (id, name, room_code, seq, created_at, updated_at, handoff_to, labels, labels_gathered)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        board.id.to_string(),
        board.name,
        board.room_code.canonical(),
        seq,
        board.created_at.as_str(),
        board.updated_at.as_str(),
        board.handoff_to.map(|m| m.to_string()),
        serde_json::to_string(&board.labels)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
        // A board without labels (a new one, or one from a server before board labels) has its cards' labels
        // gathered when the server next opens the database, if it is not done at once (`labels::gather`).
        !board.labels.is_empty(),
    ])?;
    Ok(())
}

/// Inserts a member, current unless `removed_at` is given.
pub fn insert_member(
    conn: &Connection,
    member: &Member,
    removed_at: Option<&Timestamp>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO members (id, board_id, name, color, role, joined_at, removed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        member.id.to_string(),
        member.board_id.to_string(),
        member.name,
        member.color,
        member.role.as_str(),
        member.joined_at.as_str(),
        removed_at.map(Timestamp::as_str)
    ])?;
    Ok(())
}

/// Inserts a column, with the member who created it if known (an import learns it from the event log).
pub fn insert_column(
    conn: &Connection,
    column: &Column,
    created_by: Option<MemberId>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO columns (id, board_id, title, position, created_by, archived_at, trashed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        column.id.to_string(),
        column.board_id.to_string(),
        column.title,
        column.position,
        created_by.map(|m| m.to_string()),
        column.archived_at.as_ref().map(Timestamp::as_str),
        column.trashed_at.as_ref().map(Timestamp::as_str),
    ])?;
    Ok(())
}

/// Inserts a new card (`insert`), or overwrites the card with its id.
pub fn save_card(conn: &Connection, card: &Card, insert: bool) -> rusqlite::Result<()> {
    let sql = if insert {
        "INSERT INTO cards (id, board_id, column_id, title, description, labels, assignees, due_date,
                            position, version, created_by, created_at, updated_at, archived_at, trashed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    } else {
        "UPDATE cards SET board_id = ?2, column_id = ?3, title = ?4, description = ?5, labels = ?6,
                          assignees = ?7, due_date = ?8, position = ?9, version = ?10, created_by = ?11,
                          created_at = ?12, updated_at = ?13, archived_at = ?14, trashed_at = ?15
         WHERE id = ?1"
    };
    let labels = serde_json::to_string(&card.labels)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let assignees = serde_json::to_string(&card.assignee_ids)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(sql)?.execute(rusqlite::params![
        card.id.to_string(),
        card.board_id.to_string(),
        card.column_id.to_string(),
        card.title,
        card.description,
        labels,
        assignees,
        card.due_date,
        card.position,
        card.version,
        card.created_by.to_string(),
        card.created_at.as_str(),
        card.updated_at.as_str(),
        card.archived_at.as_ref().map(Timestamp::as_str),
        card.trashed_at.as_ref().map(Timestamp::as_str),
    ])?;
    Ok(())
}

/// Every board's id and seq, to seed the hub at start.
pub fn board_seqs(conn: &Connection) -> rusqlite::Result<Vec<(BoardId, u64)>> {
    let mut stmt = conn.prepare("SELECT id, seq FROM boards")?;
    let rows = stmt.query_map([], |r| Ok((parsed(r, 0)?, r.get(1)?)))?;
    rows.collect()
}

/// A board by id.
pub fn find_board(conn: &Connection, id: BoardId) -> rusqlite::Result<Option<Board>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM boards WHERE id = ?1",
        Board::COLUMNS
    ))?
    .query_row([id.to_string()], Board::from_row)
    .optional()
}

/// Every board, oldest first.
pub fn all_boards(conn: &Connection) -> rusqlite::Result<Vec<Board>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM boards ORDER BY id",
        Board::COLUMNS
    ))?
    .query_map([], Board::from_row)?
    .collect()
}

/// A column by id.
pub fn find_column(conn: &Connection, id: ColumnId) -> rusqlite::Result<Option<Column>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM columns WHERE id = ?1",
        Column::COLUMNS
    ))?
    .query_row([id.to_string()], Column::from_row)
    .optional()
}

/// The first column of a board that is on the board (neither archived nor in the trash).
pub fn first_live_column(conn: &Connection, board: BoardId) -> rusqlite::Result<Option<ColumnId>> {
    conn.prepare_cached(
        "SELECT id FROM columns WHERE board_id = ?1 AND archived_at IS NULL AND trashed_at IS NULL
         ORDER BY position LIMIT 1",
    )?
    .query_row([board.to_string()], |r| parsed(r, 0))
    .optional()
}

/// A card by id.
pub fn find_card(conn: &Connection, id: CardId) -> rusqlite::Result<Option<Card>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM cards WHERE id = ?1",
        Card::COLUMNS
    ))?
    .query_row([id.to_string()], Card::from_row)
    .optional()
}

/// The board a card is on, without reading the rest of the card.
pub fn board_of_card(conn: &Connection, id: CardId) -> rusqlite::Result<Option<BoardId>> {
    conn.prepare_cached("SELECT board_id FROM cards WHERE id = ?1")?
        .query_row([id.to_string()], |r| parsed(r, 0))
        .optional()
}

/// A current (not removed) member of `board`.
pub fn find_member(
    conn: &Connection,
    board: BoardId,
    id: MemberId,
) -> rusqlite::Result<Option<Member>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM members WHERE id = ?1 AND board_id = ?2 AND removed_at IS NULL",
        Member::COLUMNS
    ))?
    .query_row([id.to_string(), board.to_string()], Member::from_row)
    .optional()
}

/// The whole board, consistent as of its seq (call inside one transaction).
pub fn snapshot(conn: &Connection, board_id: BoardId) -> rusqlite::Result<Option<Snapshot>> {
    let id = board_id.to_string();
    let Some((board, seq)) = conn
        .prepare_cached(&format!(
            "SELECT {}, boards.seq FROM boards WHERE id = ?1",
            Board::COLUMNS
        ))?
        .query_row([&id], |r| Ok((Board::from_row(r)?, r.get::<_, u64>(7)?)))
        .optional()?
    else {
        return Ok(None);
    };
    let columns = conn
        .prepare_cached(&format!(
            "SELECT {} FROM columns WHERE board_id = ?1 ORDER BY position",
            Column::COLUMNS
        ))?
        .query_map([&id], Column::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    // Column by column (by column position), then by position within the column.
    let cards = conn
        .prepare_cached(&format!(
            "SELECT {} FROM columns JOIN cards ON cards.column_id = columns.id
             WHERE columns.board_id = ?1 ORDER BY columns.position, cards.position",
            Card::COLUMNS
        ))?
        .query_map([&id], Card::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let members = conn
        .prepare_cached(&format!(
            "SELECT {} FROM members WHERE board_id = ?1 AND removed_at IS NULL ORDER BY joined_at, id",
            Member::COLUMNS
        ))?
        .query_map([&id], Member::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let comments = conn
        .prepare_cached(&format!(
            "SELECT {} FROM comments WHERE board_id = ?1 ORDER BY rowid",
            Comment::COLUMNS
        ))?
        .query_map([&id], Comment::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let checklists = checklists_where(conn, "board_id", &id)?;
    Ok(Some(Snapshot {
        board,
        columns,
        cards,
        members,
        comments,
        checklists,
        seq,
    }))
}

/// The board's current seq.
pub fn board_seq(conn: &Connection, board_id: BoardId) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT seq FROM boards WHERE id = ?1")?
        .query_row([board_id.to_string()], |r| r.get(0))
}

/// Stored events with `since < seq <= until`, ascending, at most `limit`, as their JSON text.
pub fn event_texts(
    conn: &Connection,
    board_id: BoardId,
    since: u64,
    until: u64,
    limit: usize,
) -> rusqlite::Result<Vec<(u64, String)>> {
    conn.prepare_cached(
        "SELECT seq, json FROM events WHERE board_id = ?1 AND seq > ?2 AND seq <= ?3
         ORDER BY seq LIMIT ?4",
    )?
    .query_map(
        rusqlite::params![board_id.to_string(), since, until, limit as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_with_an_unknown_role_is_refused_not_demoted() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_migrated(dir.path()).unwrap();
        conn.execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             INSERT INTO boards (id, name, room_code, created_at, updated_at)
             VALUES ('0190e3c4-5f6a-7b8c-9d0e-1f2a3b4c5d6e', 'b', 'ABCDEFGH', 't', 't');
             INSERT INTO members (id, board_id, name, color, role, joined_at)
             VALUES ('0190e3c4-5f6a-7b8c-9d0e-1f2a3b4c5d6f', '0190e3c4-5f6a-7b8c-9d0e-1f2a3b4c5d6e',
                     'm', '#000000', 'admin', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
        let read = conn.query_row(
            &format!("SELECT {} FROM members", Member::COLUMNS),
            [],
            Member::from_row,
        );
        assert!(
            matches!(read, Err(rusqlite::Error::FromSqlConversionFailure(4, ..))),
            "{read:?}"
        );
    }
}
