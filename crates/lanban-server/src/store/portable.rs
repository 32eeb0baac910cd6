//! Moving boards between servers and keeping copies: an online backup of the whole database (SQLite's backup
//! API, consistent while the server runs), and one board as a JSON document that imports losslessly. The same
//! document with its members' token hashes is the package a handoff carries to the board's new host
//! (`store::handoff`, `store::package`).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lanban_client::private;
use lanban_core::api::Snapshot;
use lanban_core::event::{Change, Event, RoomCodeRotated, ServerMessage};
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::Member;
use lanban_core::model::Role;
use lanban_core::room_code::HostTag;
use lanban_core::room_code::RoomCode;
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::auth::TokenHash;
use crate::store::boards::fresh_room_code;
use crate::store::ids::{self, Tombstone};
use crate::store::rows::{self, Entity};
use crate::store::{StoreError, package};

/// The format marker of an exported board.
pub const EXPORT_FORMAT: &str = "lanban-board";
/// The version of the export format.
pub const EXPORT_VERSION: u32 = 1;

/// A member as exported: current and removed ones (removed members still author cards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedMember {
    #[serde(flatten)]
    pub member: Member,
    /// When the member was removed; null for a current member.
    pub removed_at: Option<Timestamp>,
}

/// A current member's token as a handoff package carries it: its SHA-256 only, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportedToken {
    pub member_id: MemberId,
    /// The SHA-256 of the token, base64url without padding (43 characters).
    #[serde(with = "hash_text")]
    #[schema(value_type = String)]
    pub sha256: TokenHash,
}

/// One board: a CLI export holds everything but its members' tokens (secrets stay on the server that issued
/// them); a handoff package (`POST /api/boards/{board}/handoff/accept`) holds their hashes too, in `tokens`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoardExport {
    /// Always `lanban-board`.
    #[schema(pattern = "^lanban-board$")]
    pub format: String,
    /// Always 1.
    #[schema(minimum = 1, maximum = 1)]
    pub version: u32,
    /// The board, its columns and cards, its current members and its seq.
    pub snapshot: Snapshot,
    /// Every member ever, with when they were removed.
    pub members: Vec<ExportedMember>,
    /// The board as it was where its log starts, when the host compacted the log (docs/protocol.md §6.22);
    /// absent when the log is whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Snapshot>,
    /// The board's event log (its activity history), exactly as stored: `{"type":"event","seq":1,…}` for seq 1
    /// (or the one after `base.seq`) to `snapshot.seq`.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Box<RawValue>>,
    /// The cards and columns deleted from the board, so that on the importing server too a create or change
    /// sent again for one of them is `gone`, not applied anew. Absent from exports made before tombstones.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub tombstones: Vec<Tombstone>,
    /// The token hashes of the current members, so that every member's token opens the board on the server that
    /// imports it. Only in a handoff package; absent from a CLI export.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<ExportedToken>,
}

/// A token hash written as base64url without padding.
mod hash_text {
    use super::*;

    pub fn serialize<S: Serializer>(hash: &TokenHash, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&URL_SAFE_NO_PAD.encode(hash.0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TokenHash, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        bytes.try_into().map(TokenHash).map_err(|_| {
            serde::de::Error::custom("a token hash is a SHA-256: 43 characters of base64url")
        })
    }
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
    #[error("the export cannot be imported: {0}")]
    Refused(#[from] crate::store::Error),
}

/// Copies the database at `data_dir` to `out` while it may be in use (a consistent snapshot).
pub fn backup(data_dir: &Path, out: &Path) -> Result<(), PortableError> {
    let source = Connection::open_with_flags(
        data_dir.join("lanban.sqlite"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(StoreError::Sqlite)?;
    // The copy holds what the database does: private to the user from its first byte.
    private::options(std::fs::OpenOptions::new().write(true).create(true))
        .open(out)
        .and_then(|_| private::restrict(out))
        .map_err(StoreError::DataDir)?;
    let mut target = Connection::open(out)?;
    let backup = rusqlite::backup::Backup::new(&source, &mut target)?;
    backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    Ok(())
}

/// One board as an export document (read in one transaction, so it is consistent), without tokens.
pub fn export_board(conn: &mut Connection, board: BoardId) -> Result<BoardExport, PortableError> {
    let txn = conn.transaction()?;
    let export = read_export(&txn, board, false)?.ok_or(PortableError::NoBoard(board))?;
    txn.finish()?;
    Ok(export)
}

/// One board as an export document, read on `conn` (call inside one transaction); with `tokens`, the token hashes
/// of its current members too (a handoff package). `None` if there is no such board.
pub fn read_export(
    conn: &Connection,
    board: BoardId,
    tokens: bool,
) -> rusqlite::Result<Option<BoardExport>> {
    let Some(snapshot) = rows::snapshot(conn, board)? else {
        return Ok(None);
    };
    let members = conn
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
    let base = crate::store::log::base(conn, board)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let events = conn
        .prepare("SELECT json FROM events WHERE board_id = ?1 ORDER BY seq")?
        .query_map([board.to_string()], |r| r.get::<_, String>(0))?
        .map(|json| {
            let json = json?;
            RawValue::from_string(json)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tombstones = ids::tombstones_of(conn, board)?;
    let tokens = if tokens {
        token_hashes(conn, board)?
    } else {
        Vec::new()
    };
    Ok(Some(BoardExport {
        format: EXPORT_FORMAT.to_owned(),
        version: EXPORT_VERSION,
        snapshot,
        members,
        base,
        events,
        tombstones,
        tokens,
    }))
}

/// The token hashes of the board's current members, member by member in joining order.
fn token_hashes(conn: &Connection, board: BoardId) -> rusqlite::Result<Vec<ExportedToken>> {
    conn.prepare(
        "SELECT tokens.member_id, tokens.hash FROM tokens JOIN members ON members.id = tokens.member_id
         WHERE members.board_id = ?1 AND members.removed_at IS NULL
         ORDER BY members.joined_at, members.id, tokens.hash",
    )?
    .query_map([board.to_string()], |r| {
        let member: String = r.get(0)?;
        let hash: Vec<u8> = r.get(1)?;
        let bad = |what: String| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
        };
        Ok(ExportedToken {
            member_id: member.parse().map_err(|_| bad(format!("member id {member}")))?,
            sha256: TokenHash(
                hash.try_into()
                    .map_err(|_| bad("a token hash that is not 32 bytes".into()))?,
            ),
        })
    })?
    .collect()
}

/// Recreates an exported board (the CLI's `import` and `take-over`, with the server stopped), with the same ids,
/// seq, history and token hashes, in one transaction, after checking it like any package
/// (`store::package::check`). It gets a fresh room code of this server (whose tag is `tag`): event
/// `room_code.rotated` by its host member, so the code it had elsewhere opens nothing here and a code alone leads
/// teammates to this server. Without tokens, the host credential opens it and teammates join again with the new
/// code.
pub fn import_board(
    conn: &mut Connection,
    export: &BoardExport,
    tag: HostTag,
) -> Result<BoardId, PortableError> {
    if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
        return Err(PortableError::Format {
            format: export.format.clone(),
            version: export.version,
        });
    }
    let board = export.snapshot.board.id;
    let txn = conn.transaction()?;
    if rows::find_board(&txn, board)?.is_some() {
        return Err(PortableError::Exists(board));
    }
    package::check(&txn, export)?;
    let code = fresh_room_code(&txn, tag)?;
    insert_board(&txn, export, &code)?;
    let host = (export.snapshot.members.iter())
        .find(|m| m.role == Role::Host)
        .map(|m| m.id)
        .ok_or_else(|| PortableError::Inconsistent("the board has no host member".into()))?;
    let event = Event {
        seq: export.snapshot.seq + 1,
        actor: host,
        at: Timestamp::now(),
        change: Change::RoomCodeRotated(RoomCodeRotated { room_code: code }),
    };
    let json = serde_json::to_string(&ServerMessage::Event(event))
        .map_err(|e| PortableError::Inconsistent(e.to_string()))?;
    txn.execute(
        "INSERT INTO events (board_id, seq, json) VALUES (?1, ?2, ?3)",
        rusqlite::params![board.to_string(), export.snapshot.seq + 1, json],
    )?;
    txn.execute(
        "UPDATE boards SET seq = seq + 1 WHERE id = ?1",
        [board.to_string()],
    )?;
    txn.commit()?;
    Ok(board)
}

/// Inserts a checked export (`store::package::check`) under its own ids, at its seq, with `room_code`: the board
/// row (not moved, whatever the exporting server had), every member, column, card, event, tombstone and token hash.
pub fn insert_board(
    conn: &Connection,
    export: &BoardExport,
    room_code: &RoomCode,
) -> rusqlite::Result<()> {
    let snapshot = &export.snapshot;
    // The offer names a member, who must be inserted first.
    let board = lanban_core::model::Board {
        room_code: room_code.clone(),
        handoff_to: None,
        ..snapshot.board.clone()
    };
    rows::insert_board(conn, &board, snapshot.seq)?;
    for exported in &export.members {
        rows::insert_member(conn, &exported.member, exported.removed_at.as_ref())?;
    }
    if let Some(member) = snapshot.board.handoff_to {
        conn.prepare_cached("UPDATE boards SET handoff_to = ?1 WHERE id = ?2")?
            .execute([member.to_string(), board.id.to_string()])?;
    }
    for column in &snapshot.columns {
        rows::insert_column(conn, column, None)?;
    }
    for card in &snapshot.cards {
        rows::save_card(conn, card, true)?;
    }
    for comment in &snapshot.comments {
        rows::insert_comment(conn, comment)?;
    }
    // A checklist's creator is not in the package: its board's host member (checked to be there) stands for them.
    if !snapshot.checklists.is_empty() {
        let host = (snapshot.members.iter())
            .find(|m| m.role == lanban_core::model::Role::Host)
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        for list in &snapshot.checklists {
            rows::insert_checklist(conn, list, host.id)?;
        }
    }
    let start = crate::store::log::package_base_seq(export);
    if let Some(base) = &export.base {
        let json = serde_json::to_string(base)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        crate::store::log::set_base(conn, board.id, base.seq, &json)?;
    }
    for (i, event) in export.events.iter().enumerate() {
        conn.prepare_cached("INSERT INTO events (board_id, seq, json) VALUES (?1, ?2, ?3)")?
            .execute(rusqlite::params![
                board.id.to_string(),
                start + i as u64 + 1,
                event.get()
            ])?;
    }
    column_creators_from_log(conn, board.id)?;
    for tombstone in &export.tombstones {
        ids::insert_tombstone(conn, board.id, tombstone)?;
    }
    for token in &export.tokens {
        conn.prepare_cached("INSERT INTO tokens (hash, member_id) VALUES (?1, ?2)")?
            .execute(rusqlite::params![
                token.sha256.0.as_slice(),
                token.member_id.to_string()
            ])?;
    }
    Ok(())
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
