//! A board's event log: replaying it by the rules every mirror applies, checking a package's log, and compacting
//! it behind a snapshot (docs/protocol.md §6.22, §11).
//!
//! A compacted log starts after its **base**: the board exactly as it was at the base's seq, kept in `log_bases`,
//! while the events up to that seq are gone. The base and the events after it make the board, as the whole log
//! did: a package carries both, a member's copy fetches the base when the log it asks for starts past it.

use lanban_core::api::Snapshot;
use lanban_core::event::{Change, Event, ServerMessage};
use lanban_core::ids::BoardId;
use rusqlite::{Connection, OptionalExtension};

use crate::store::portable::BoardExport;
use crate::store::{Error, Result, Tx};

/// The seq the board's log starts after: 0 when the log is whole, else its base's seq.
pub fn base_seq(conn: &Connection, board: BoardId) -> rusqlite::Result<u64> {
    Ok(conn
        .prepare_cached("SELECT seq FROM log_bases WHERE board_id = ?1")?
        .query_row([board.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The board's base as stored: its seq and the snapshot's JSON, or `None` when the log is whole.
pub fn base_text(conn: &Connection, board: BoardId) -> rusqlite::Result<Option<(u64, String)>> {
    conn.prepare_cached("SELECT seq, snapshot FROM log_bases WHERE board_id = ?1")?
        .query_row([board.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// The board's base, or `None` when the log is whole.
pub fn base(conn: &Connection, board: BoardId) -> Result<Option<Snapshot>> {
    base_text(conn, board)?
        .map(|(_, json)| {
            serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("a stored log base does not read: {e}")))
        })
        .transpose()
}

/// The board after `events`, by `Snapshot::apply` from `base` (the board at the seq before the first event) or,
/// without a base, from nothing: then the log must start with `board.created` at seq 1. No gap is allowed.
pub fn replay(base: Option<&Snapshot>, events: &[Event]) -> Result<Snapshot> {
    let mut snapshot = match base {
        Some(base) => base.clone(),
        None => {
            let Some(Event {
                change: Change::BoardCreated(board),
                seq: 1,
                ..
            }) = events.first()
            else {
                return Err(Error::invalid(
                    "events[0]",
                    "must be board.created with seq 1 (the copy must hold the board's whole log, or its base)",
                ));
            };
            Snapshot {
                board: board.clone(),
                columns: Vec::new(),
                cards: Vec::new(),
                members: Vec::new(),
                comments: Vec::new(),
                checklists: Vec::new(),
                seq: 0,
            }
        }
    };
    let start = snapshot.seq;
    for (i, event) in events.iter().enumerate() {
        let expected = start + i as u64 + 1;
        if event.seq != expected {
            return Err(Error::invalid(
                format!("events[{i}]"),
                format!("must have seq {expected} (the log has a gap)"),
            ));
        }
        snapshot
            .apply(event)
            .map_err(|e| Error::invalid(format!("events[{i}]"), e.to_string()))?;
    }
    Ok(snapshot)
}

/// The board as it was at `seq` (from its base and the log kept after it).
pub fn board_at(conn: &Connection, board: BoardId, seq: u64) -> Result<Snapshot> {
    let base = base(conn, board)?;
    let from = base.as_ref().map_or(0, |b| b.seq);
    let events = conn
        .prepare_cached(
            "SELECT json FROM events WHERE board_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq",
        )?
        .query_map(rusqlite::params![board.to_string(), from, seq], |r| {
            r.get::<_, String>(0)
        })?
        .map(|json| match serde_json::from_str(&json?) {
            Ok(ServerMessage::Event(event)) => Ok(event),
            _ => Err(Error::Internal("a stored event does not read".into())),
        })
        .collect::<Result<Vec<Event>>>()?;
    replay(base.as_ref(), &events)
}

/// Compacts the board's log behind `at` (the board at `at.seq`, from [`board_at`]) in the writer's transaction:
/// the base becomes `at` and the events up to its seq go. Does nothing, and answers false, if the base is no
/// longer `expected` (the board was imported again meanwhile) or `at` is not past it.
pub fn compact(tx: &mut Tx<'_>, board: BoardId, expected: u64, at: &Snapshot) -> Result<bool> {
    if base_seq(tx, board)? != expected || at.seq <= expected {
        return Ok(false);
    }
    let json = serde_json::to_string(at).map_err(|e| Error::Internal(e.to_string()))?;
    set_base(tx, board, at.seq, &json)?;
    tx.prepare_cached("DELETE FROM events WHERE board_id = ?1 AND seq <= ?2")?
        .execute(rusqlite::params![board.to_string(), at.seq])?;
    Ok(true)
}

/// Stores the board's base.
pub fn set_base(
    conn: &Connection,
    board: BoardId,
    seq: u64,
    snapshot_json: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO log_bases (board_id, seq, snapshot) VALUES (?1, ?2, ?3)
         ON CONFLICT (board_id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot",
    )?
    .execute(rusqlite::params![board.to_string(), seq, snapshot_json])?;
    Ok(())
}

/// The seq a package's log starts after (its base's, or 0).
pub fn package_base_seq(export: &BoardExport) -> u64 {
    export.base.as_ref().map_or(0, |b| b.seq)
}

/// The log must be the board's: from seq 1 (`board.created` of this board), or from right after the package's
/// base, to the snapshot's seq, each entry an event whose entity, if it names a board, names this one.
pub fn check_events(export: &BoardExport) -> Result<()> {
    let (board, seq) = (export.snapshot.board.id, export.snapshot.seq);
    let start = package_base_seq(export);
    if let Some(base) = &export.base {
        if base.board.id != board {
            return Err(Error::invalid(
                "base.board.id",
                "must be the package's board",
            ));
        }
        if base.seq == 0 || base.seq > seq {
            return Err(Error::invalid(
                "base.seq",
                format!("must be from 1 to the snapshot's seq ({seq})"),
            ));
        }
    }
    if export.events.len() as u64 != seq - start {
        return Err(Error::invalid(
            "events",
            format!(
                "must hold seq {} to {seq} (it holds {} events)",
                start + 1,
                export.events.len()
            ),
        ));
    }
    for (i, text) in export.events.iter().enumerate() {
        let field = format!("events[{i}]");
        let message: ServerMessage = serde_json::from_str(text.get())
            .map_err(|e| Error::invalid(&field, format!("is not an event: {e}")))?;
        let ServerMessage::Event(event) = message else {
            return Err(Error::invalid(field, "is not an event"));
        };
        let expected = start + i as u64 + 1;
        if event.seq != expected {
            return Err(Error::invalid(field, format!("must have seq {expected}")));
        }
        if expected == 1 && !matches!(event.change, Change::BoardCreated(_)) {
            return Err(Error::invalid(field, "must be board.created"));
        }
        if board_named(&event.change).is_some_and(|other| other != board) {
            return Err(Error::invalid(field, "is another board's event"));
        }
    }
    Ok(())
}

/// The log must make the package's board: replayed from its base (or from nothing) by the rules every mirror
/// applies, it ends exactly at `snapshot`. So the events a new host serves to its members' copies and the board
/// it serves agree.
pub fn check_log_makes_snapshot(export: &BoardExport) -> Result<()> {
    let events = (export.events.iter().enumerate())
        .map(|(i, text)| match serde_json::from_str(text.get()) {
            Ok(ServerMessage::Event(event)) => Ok(event),
            _ => Err(Error::invalid(format!("events[{i}]"), "is not an event")),
        })
        .collect::<Result<Vec<Event>>>()?;
    let made = replay(export.base.as_ref(), &events)?;
    let snapshot = &export.snapshot;
    let parts = [
        ("snapshot.board", made.board == snapshot.board),
        ("snapshot.columns", made.columns == snapshot.columns),
        ("snapshot.cards", made.cards == snapshot.cards),
        ("snapshot.members", made.members == snapshot.members),
        ("snapshot.comments", made.comments == snapshot.comments),
        (
            "snapshot.checklists",
            made.checklists == snapshot.checklists,
        ),
    ];
    match parts.into_iter().find(|(_, same)| !same) {
        Some((field, _)) => Err(Error::invalid(
            field,
            "is not what the package's events make",
        )),
        None => Ok(()),
    }
}

/// The board an event's entity names, if it names one.
fn board_named(change: &Change) -> Option<BoardId> {
    match change {
        Change::BoardCreated(board) | Change::BoardUpdated(board) => Some(board.id),
        Change::ColumnCreated(column) | Change::ColumnUpdated(column) => Some(column.board_id),
        Change::CardCreated(card) | Change::CardUpdated(card) => Some(card.board_id),
        Change::MemberJoined(member) => Some(member.board_id),
        Change::CommentCreated(comment) | Change::CommentUpdated(comment) => Some(comment.board_id),
        Change::ChecklistCreated(list) | Change::ChecklistUpdated(list) => Some(list.board_id),
        Change::RoomCodeRotated(_)
        | Change::HandoffOffered(_)
        | Change::BoardMoved(_)
        | Change::BoardRehosted(_)
        | Change::ColumnDeleted(_)
        | Change::CardDeleted(_)
        | Change::CommentDeleted(_)
        | Change::ChecklistDeleted(_)
        | Change::MemberRemoved(_) => None,
    }
}
