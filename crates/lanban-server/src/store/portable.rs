//! Moving boards between servers and keeping copies: an online backup of the whole database (SQLite's backup
//! API, consistent while the server runs), and one board as a JSON document that imports losslessly.

use std::path::Path;

use lanban_core::api::Snapshot;
use lanban_core::ids::BoardId;
use lanban_core::model::{Card, Column, Member};
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::store::StoreError;
use crate::store::ids::{self, Tombstone};
use crate::store::rows::{self, Entity};

/// The format marker of an exported board.
pub const EXPORT_FORMAT: &str = "lanban-board";
/// The version of the export format.
pub const EXPORT_VERSION: u32 = 1;

/// A member as exported: current and removed ones (removed members still author cards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedMember {
    #[serde(flatten)]
    pub member: Member,
    pub removed_at: Option<Timestamp>,
}

/// One board, everything but its members' tokens (secrets stay on the server that issued them).
#[derive(Debug, Serialize, Deserialize)]
pub struct BoardExport {
    pub format: String,
    pub version: u32,
    /// The board, its columns and cards, its current members and its seq.
    pub snapshot: Snapshot,
    /// Every member ever, with when they were removed.
    pub members: Vec<ExportedMember>,
    /// The board's event log (its activity history), exactly as stored.
    pub events: Vec<Box<RawValue>>,
    /// The cards and columns deleted from the board, so that on the importing server too a create or change
    /// sent again for one of them is `gone`, not applied anew. Absent from exports made before tombstones.
    #[serde(default)]
    pub tombstones: Vec<Tombstone>,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum PortableError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no board {0} here")]
    NoBoard(BoardId),
    #[error("this server already has board {0}")]
    Exists(BoardId),
    #[error("not a Lanban board export (format {format:?}, version {version})")]
    Format { format: String, version: u32 },
    #[error("the export is inconsistent: {0}")]
    Inconsistent(String),
}

/// Copies the database at `data_dir` to `out` while it may be in use (a consistent snapshot).
pub fn backup(data_dir: &Path, out: &Path) -> Result<(), PortableError> {
    let source = Connection::open_with_flags(
        data_dir.join("lanban.sqlite"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(StoreError::Sqlite)?;
    let mut target = Connection::open(out)?;
    let backup = rusqlite::backup::Backup::new(&source, &mut target)?;
    backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    Ok(())
}

/// One board as an export document (read in one transaction, so it is consistent).
pub fn export_board(conn: &mut Connection, board: BoardId) -> Result<BoardExport, PortableError> {
    let txn = conn.transaction()?;
    let snapshot = rows::snapshot(&txn, board)?.ok_or(PortableError::NoBoard(board))?;
    let members = txn
        .prepare(&format!(
            "SELECT {}, members.removed_at FROM members WHERE board_id = ?1 ORDER BY joined_at, id",
            Member::COLUMNS
        ))?
        .query_map([board.to_string()], |r| {
            Ok(ExportedMember {
                member: Member::from_row(r)?,
                removed_at: rows::optional_timestamp(r, 6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let events = txn
        .prepare("SELECT json FROM events WHERE board_id = ?1 ORDER BY seq")?
        .query_map([board.to_string()], |r| r.get::<_, String>(0))?
        .map(|json| {
            let json = json?;
            RawValue::from_string(json)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tombstones = ids::tombstones_of(&txn, board)?;
    txn.finish()?;
    Ok(BoardExport {
        format: EXPORT_FORMAT.to_owned(),
        version: EXPORT_VERSION,
        snapshot,
        members,
        events,
        tombstones,
    })
}

/// Recreates an exported board, with the same ids, seq and history, in one transaction. Its members get no
/// tokens: the host credential opens it, and teammates join again with its room code.
pub fn import_board(conn: &mut Connection, export: &BoardExport) -> Result<BoardId, PortableError> {
    if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
        return Err(PortableError::Format {
            format: export.format.clone(),
            version: export.version,
        });
    }
    let snapshot = &export.snapshot;
    let board = &snapshot.board;
    if export.events.len() as u64 != snapshot.seq {
        return Err(PortableError::Inconsistent(format!(
            "{} events for seq {}",
            export.events.len(),
            snapshot.seq
        )));
    }
    let txn = conn.transaction()?;
    let exists: Option<i64> = txn
        .query_row(
            "SELECT 1 FROM boards WHERE id = ?1",
            [board.id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(PortableError::Exists(board.id));
    }
    // Everything is filed under the board's id, whatever board id an exported row claims.
    rows::insert_board(&txn, board, snapshot.seq)?;
    for exported in &export.members {
        let member = Member {
            board_id: board.id,
            ..exported.member.clone()
        };
        rows::insert_member(&txn, &member, exported.removed_at.as_ref())?;
    }
    for column in &snapshot.columns {
        let column = Column {
            board_id: board.id,
            ..column.clone()
        };
        rows::insert_column(&txn, &column, None)?;
    }
    for card in &snapshot.cards {
        let card = Card {
            board_id: board.id,
            ..card.clone()
        };
        rows::save_card(&txn, &card, true)?;
    }
    for (i, event) in export.events.iter().enumerate() {
        txn.execute(
            "INSERT INTO events (board_id, seq, json) VALUES (?1, ?2, ?3)",
            rusqlite::params![board.id.to_string(), i as u64 + 1, event.get()],
        )?;
    }
    column_creators_from_log(&txn, board.id)?;
    for tombstone in &export.tombstones {
        ids::insert_tombstone(&txn, board.id, tombstone)?;
    }
    txn.commit()?;
    Ok(board.id)
}

/// Sets the creator of each column of `board` to the actor of its `column.created` event (as migration 0002 did
/// for every board), so a create its member sends again is recognised on this server too.
fn column_creators_from_log(conn: &Connection, board: BoardId) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE columns SET created_by = created.actor
         FROM (
             SELECT json_extract(json, '$.data.id') AS id, json_extract(json, '$.actor') AS actor
             FROM events
             WHERE board_id = ?1 AND json_extract(json, '$.kind') = 'column.created'
         ) AS created
         WHERE columns.board_id = ?1 AND columns.id = created.id
           AND created.actor IN (SELECT id FROM members WHERE board_id = ?1)",
        [board.to_string()],
    )?;
    Ok(())
}

/// Opens the database of `data_dir` for the CLI (migrating it if needed).
pub fn open_for_cli(data_dir: &Path) -> Result<Connection, PortableError> {
    Ok(super::open_migrated(data_dir)?)
}
