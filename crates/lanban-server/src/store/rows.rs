//! Reading entities out of SQLite rows, and the read queries shared by routes and mutations.

use std::str::FromStr;

use lanban_core::api::Snapshot;
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column, Label, Member, Role};
use lanban_core::room_code::RoomCode;
use lanban_core::time::Timestamp;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::error::ApiResult;

fn conversion(idx: usize, err: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err))
}

/// A column holding text that parses as `T` (ids, room codes).
fn parsed<T: FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
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

/// The columns [`board`] reads, in order.
pub const BOARD_FIELDS: &str = "id, name, room_code, created_at, updated_at";
/// The columns [`column`] reads, in order.
pub const COLUMN_FIELDS: &str = "id, board_id, title, position";
/// The columns [`card`] reads, in order.
pub const CARD_FIELDS: &str = "id, board_id, column_id, title, description, labels, assignee_id, \
                               due_date, position, version, created_by, created_at, updated_at";
/// A board's cards in snapshot order: column by column (by column position), then by position.
const SNAPSHOT_CARDS: &str = "SELECT c.id, c.board_id, c.column_id, c.title, c.description, c.labels, c.assignee_id, \
     c.due_date, c.position, c.version, c.created_by, c.created_at, c.updated_at \
     FROM cards c JOIN columns k ON k.id = c.column_id WHERE c.board_id = ?1 ORDER BY k.position, c.position";
/// The columns [`member`] reads, in order.
pub const MEMBER_FIELDS: &str = "id, board_id, name, color, role, joined_at";

/// A `boards` row.
pub fn board(row: &Row<'_>) -> rusqlite::Result<Board> {
    Ok(Board {
        id: parsed(row, 0)?,
        name: row.get(1)?,
        room_code: parsed::<RoomCode>(row, 2)?,
        created_at: timestamp(row, 3)?,
        updated_at: timestamp(row, 4)?,
    })
}

/// A `columns` row.
pub fn column(row: &Row<'_>) -> rusqlite::Result<Column> {
    Ok(Column {
        id: parsed(row, 0)?,
        board_id: parsed(row, 1)?,
        title: row.get(2)?,
        position: row.get(3)?,
    })
}

/// A `cards` row.
pub fn card(row: &Row<'_>) -> rusqlite::Result<Card> {
    let labels: String = row.get(5)?;
    let labels: Vec<Label> = serde_json::from_str(&labels).map_err(|e| conversion(5, e))?;
    Ok(Card {
        id: parsed(row, 0)?,
        board_id: parsed(row, 1)?,
        column_id: parsed(row, 2)?,
        title: row.get(3)?,
        description: row.get(4)?,
        labels,
        assignee_id: parsed_opt(row, 6)?,
        due_date: row.get(7)?,
        position: row.get(8)?,
        version: row.get(9)?,
        created_by: parsed(row, 10)?,
        created_at: timestamp(row, 11)?,
        updated_at: timestamp(row, 12)?,
    })
}

/// A `members` row.
pub fn member(row: &Row<'_>) -> rusqlite::Result<Member> {
    let role: String = row.get(4)?;
    let role = match role.as_str() {
        "host" => Role::Host,
        "member" => Role::Member,
        _ => return Err(conversion(4, BadValue(role))),
    };
    Ok(Member {
        id: parsed(row, 0)?,
        board_id: parsed(row, 1)?,
        name: row.get(2)?,
        color: row.get(3)?,
        role,
        joined_at: timestamp(row, 5)?,
    })
}

/// Every board's id and seq, to seed the hub at start.
pub fn board_seqs(conn: &Connection) -> rusqlite::Result<Vec<(BoardId, u64)>> {
    let mut stmt = conn.prepare("SELECT id, seq FROM boards")?;
    let rows = stmt.query_map([], |r| Ok((parsed(r, 0)?, r.get(1)?)))?;
    rows.collect()
}

/// A board by id.
pub fn find_board(conn: &Connection, id: BoardId) -> ApiResult<Option<Board>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {BOARD_FIELDS} FROM boards WHERE id = ?1"))?
        .query_row([id.to_string()], board)
        .optional()?)
}

/// Every board, oldest first.
pub fn all_boards(conn: &Connection) -> ApiResult<Vec<Board>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {BOARD_FIELDS} FROM boards ORDER BY id"))?;
    let boards = stmt.query_map([], board)?.collect::<Result<_, _>>()?;
    Ok(boards)
}

/// A column by id.
pub fn find_column(conn: &Connection, id: ColumnId) -> ApiResult<Option<Column>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMN_FIELDS} FROM columns WHERE id = ?1"
        ))?
        .query_row([id.to_string()], column)
        .optional()?)
}

/// A card by id.
pub fn find_card(conn: &Connection, id: CardId) -> ApiResult<Option<Card>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {CARD_FIELDS} FROM cards WHERE id = ?1"))?
        .query_row([id.to_string()], card)
        .optional()?)
}

/// A current (not removed) member of `board`.
pub fn find_member(conn: &Connection, board: BoardId, id: MemberId) -> ApiResult<Option<Member>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {MEMBER_FIELDS} FROM members WHERE id = ?1 AND board_id = ?2 AND removed_at IS NULL"
        ))?
        .query_row([id.to_string(), board.to_string()], member)
        .optional()?)
}

/// The whole board, consistent as of its seq (call inside one transaction).
pub fn snapshot(conn: &Connection, board_id: BoardId) -> ApiResult<Option<Snapshot>> {
    let id = board_id.to_string();
    let Some((board, seq)) = conn
        .prepare_cached(&format!(
            "SELECT {BOARD_FIELDS}, seq FROM boards WHERE id = ?1"
        ))?
        .query_row([&id], |r| Ok((board(r)?, r.get::<_, u64>(5)?)))
        .optional()?
    else {
        return Ok(None);
    };
    let columns = conn
        .prepare_cached(&format!(
            "SELECT {COLUMN_FIELDS} FROM columns WHERE board_id = ?1 ORDER BY position"
        ))?
        .query_map([&id], column)?
        .collect::<Result<Vec<_>, _>>()?;
    let cards = conn
        .prepare_cached(SNAPSHOT_CARDS)?
        .query_map([&id], card)?
        .collect::<Result<Vec<_>, _>>()?;
    let members = conn
        .prepare_cached(&format!(
            "SELECT {MEMBER_FIELDS} FROM members WHERE board_id = ?1 AND removed_at IS NULL
             ORDER BY joined_at, id"
        ))?
        .query_map([&id], member)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Snapshot {
        board,
        columns,
        cards,
        members,
        seq,
    }))
}

/// The board's current seq.
pub fn board_seq(conn: &Connection, board_id: BoardId) -> ApiResult<u64> {
    Ok(conn
        .prepare_cached("SELECT seq FROM boards WHERE id = ?1")?
        .query_row([board_id.to_string()], |r| r.get(0))?)
}

/// Stored events with `since < seq <= until`, ascending, at most `limit`, as their JSON text.
pub fn event_texts(
    conn: &Connection,
    board_id: BoardId,
    since: u64,
    until: u64,
    limit: usize,
) -> ApiResult<Vec<(u64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, json FROM events WHERE board_id = ?1 AND seq > ?2 AND seq <= ?3
         ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(
            rusqlite::params![board_id.to_string(), since, until, limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
