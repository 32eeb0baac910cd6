//! Stored boards: the snapshot at its seq, the events applied since it was first stored, and when the board was
//! last known current with its host.

use lanban_core::api::Snapshot;
use lanban_core::event::Event;
use lanban_core::ids::BoardId;
use lanban_core::state::{Applied, ApplyError};
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::replica::{HostKey, Replica, ReplicaError, parse_board, parse_time};

/// What the start screen and the board's header show about a stored board, without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaBoardInfo {
    /// The host the board came from.
    pub host: HostKey,
    /// The board's id on that host.
    pub board_id: BoardId,
    /// The board's name as of `seq`.
    pub name: String,
    /// The seq the stored board stands at.
    pub seq: u64,
    /// When the board was last known current with its host; `None` if it never was marked so.
    pub synced_at: Option<Timestamp>,
    /// Since when the host has not answered; `None` while it answers.
    pub host_unreachable_since: Option<Timestamp>,
    /// Mutations waiting to be sent.
    pub pending: u64,
    /// Mutations the host refused, waiting for the person to apply them again or discard them.
    pub failed: u64,
    /// The copy holds the board's whole log (seq 1, or the one after the host's log base, to `seq`): the board
    /// can be hosted from it.
    pub complete: bool,
}

/// The columns of `boards` and its outbox counts that make a [`ReplicaBoardInfo`].
const INFO_SELECT: &str =
    "SELECT b.host, b.board_id, b.name, b.seq, b.synced_at, b.host_unreachable_since,
        (SELECT count(*) FROM outbox o
          WHERE o.host = b.host AND o.board_id = b.board_id AND o.state = 'pending'),
        (SELECT count(*) FROM outbox o
          WHERE o.host = b.host AND o.board_id = b.board_id AND o.state = 'failed'),
        (SELECT count(*) FROM events e
          WHERE e.host = b.host AND e.board_id = b.board_id AND e.seq <= b.seq
            AND e.seq > coalesce(l.seq, 0)) = b.seq - coalesce(l.seq, 0)
    FROM boards b
    LEFT JOIN log_bases l ON l.host = b.host AND l.board_id = b.board_id";

impl Replica {
    /// Stores `snapshot` as the host's copy of its board, replacing what was stored (after the first snapshot of a
    /// board, or a resync). The sync marks are kept: call [`Replica::mark_synced`] when the snapshot is fresh.
    ///
    /// Logged events above the snapshot's seq are dropped, since the snapshot says the board is not past them (a
    /// host restored from a backup); the log may then have a hole where a resync skipped events, which is fine:
    /// the snapshot, not the log, is the board.
    pub fn save_snapshot(&self, host: &HostKey, snapshot: &Snapshot) -> Result<(), ReplicaError> {
        let json = serde_json::to_string(snapshot)?;
        let board = snapshot.board.id.to_string();
        self.write(|tx| {
            // An upsert, not `INSERT OR REPLACE`: a replace deletes the row first, and the cascade would take the
            // board's events and outbox with it.
            tx.prepare_cached(
                "INSERT INTO boards (host, board_id, name, seq, snapshot) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (host, board_id) DO UPDATE
                 SET name = excluded.name, seq = excluded.seq, snapshot = excluded.snapshot",
            )?
            .execute(params![
                host.as_str(),
                board,
                snapshot.board.name,
                snapshot.seq,
                json
            ])?;
            tx.prepare_cached("DELETE FROM events WHERE host = ?1 AND board_id = ?2 AND seq > ?3")?
                .execute(params![host.as_str(), board, snapshot.seq])?;
            Ok(())
        })
    }

    /// The stored board, at the seq it stands at, or `None` if this host's board is not stored.
    pub fn load(&self, host: &HostKey, board: BoardId) -> Result<Option<Snapshot>, ReplicaError> {
        self.read(|conn| stored_snapshot(conn, host, board))
    }

    /// Applies a batch of the host's events to the stored board, in order and in one transaction, and appends
    /// each applied event to the board's log. Events the board already includes are skipped; a gap fails with
    /// [`ReplicaError::Gap`] and leaves the stored board, its log and its seq exactly as they were. Answers the
    /// seq the board stands at afterwards.
    ///
    /// The whole snapshot is decoded and stored again for every batch, which costs time in proportion to the
    /// board (about 1 MB for 2,000 cards) rather than to the batch. That is acceptable while batches are the
    /// events of one socket read or one `/events` page; the log is kept so that a cheaper scheme (storing
    /// entities as rows, or a snapshot every N events) can replace it without losing history.
    pub fn apply(
        &self,
        host: &HostKey,
        board: BoardId,
        events: &[Event],
    ) -> Result<u64, ReplicaError> {
        self.write(|tx| {
            let mut snapshot =
                stored_snapshot(tx, host, board)?.ok_or_else(|| unknown(host, board))?;
            let board_text = board.to_string();
            let mut log = tx.prepare_cached(
                "INSERT INTO events (host, board_id, seq, json) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut changed = false;
            for event in events {
                match snapshot.apply(event) {
                    Ok(Applied::Applied) => {
                        let json = serde_json::to_string(event)?;
                        log.execute(params![host.as_str(), board_text, event.seq, json])?;
                        changed = true;
                    }
                    Ok(Applied::Duplicate) => {}
                    Err(ApplyError::Gap { have, got }) => {
                        return Err(ReplicaError::Gap { have, got });
                    }
                }
            }
            if changed {
                let json = serde_json::to_string(&snapshot)?;
                tx.prepare_cached(
                    "UPDATE boards SET name = ?3, seq = ?4, snapshot = ?5 WHERE host = ?1 AND board_id = ?2",
                )?
                .execute(params![
                    host.as_str(),
                    board_text,
                    snapshot.board.name,
                    snapshot.seq,
                    json
                ])?;
            }
            Ok(snapshot.seq)
        })
    }

    /// The logged events of a board with seq above `since`, ascending.
    pub fn events_since(
        &self,
        host: &HostKey,
        board: BoardId,
        since: u64,
    ) -> Result<Vec<Event>, ReplicaError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT json FROM events WHERE host = ?1 AND board_id = ?2 AND seq > ?3 ORDER BY seq",
            )?;
            let texts = statement
                .query_map(params![host.as_str(), board.to_string(), since], |row| {
                    row.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            texts
                .iter()
                .map(|text| Ok(serde_json::from_str(text)?))
                .collect()
        })
    }

    /// Records that the board was current with its host at `at`, which also means the host answers again.
    pub fn mark_synced(
        &self,
        host: &HostKey,
        board: BoardId,
        at: &Timestamp,
    ) -> Result<(), ReplicaError> {
        self.update_board(
            "UPDATE boards SET synced_at = ?3, host_unreachable_since = NULL
             WHERE host = ?1 AND board_id = ?2",
            host,
            board,
            at,
        )
    }

    /// Records that the host stopped answering at `since`. While it stays unreachable the first time is kept, so
    /// the header can say how long it has been away.
    pub fn mark_unreachable(
        &self,
        host: &HostKey,
        board: BoardId,
        since: &Timestamp,
    ) -> Result<(), ReplicaError> {
        self.update_board(
            "UPDATE boards SET host_unreachable_since = coalesce(host_unreachable_since, ?3)
             WHERE host = ?1 AND board_id = ?2",
            host,
            board,
            since,
        )
    }

    /// Deletes the board, its event log and its outbox (after "Forget board", or when the member learns they were
    /// removed). Forgetting a board that is not stored does nothing.
    pub fn forget(&self, host: &HostKey, board: BoardId) -> Result<(), ReplicaError> {
        self.write(|tx| {
            // The events and the outbox entries go with the board (`ON DELETE CASCADE`).
            tx.prepare_cached("DELETE FROM boards WHERE host = ?1 AND board_id = ?2")?
                .execute(params![host.as_str(), board.to_string()])?;
            Ok(())
        })
    }

    /// Files a stored board (with its event log and outbox) under another host: the board moved there
    /// (`board.moved`), and its copy and waiting changes go with it. A board already stored under `to` is
    /// replaced. Does nothing if the board is not stored under `from`.
    pub fn rekey(&self, from: &HostKey, to: &HostKey, board: BoardId) -> Result<(), ReplicaError> {
        let board = board.to_string();
        self.write(|tx| {
            // The children move with their board: check the keys at commit, not statement by statement.
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            tx.prepare_cached("DELETE FROM boards WHERE host = ?1 AND board_id = ?2")?
                .execute(params![to.as_str(), board])?;
            for table in ["boards", "events", "outbox"] {
                let sql = format!("UPDATE {table} SET host = ?1 WHERE host = ?2 AND board_id = ?3");
                tx.prepare_cached(&sql)?
                    .execute(params![to.as_str(), from.as_str(), board])?;
            }
            Ok(())
        })
    }

    /// Every stored board, by name.
    pub fn boards(&self) -> Result<Vec<ReplicaBoardInfo>, ReplicaError> {
        self.read(|conn| {
            let sql = format!("{INFO_SELECT} ORDER BY b.name, b.host, b.board_id");
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement
                .query_map([], InfoRow::read)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(InfoRow::parse).collect()
        })
    }

    /// What is known about one stored board, or `None` if it is not stored.
    pub fn info(
        &self,
        host: &HostKey,
        board: BoardId,
    ) -> Result<Option<ReplicaBoardInfo>, ReplicaError> {
        self.read(|conn| {
            let sql = format!("{INFO_SELECT} WHERE b.host = ?1 AND b.board_id = ?2");
            conn.prepare_cached(&sql)?
                .query_row(params![host.as_str(), board.to_string()], InfoRow::read)
                .optional()?
                .map(InfoRow::parse)
                .transpose()
        })
    }

    /// Runs an `UPDATE` of one board's row with the time `at` as `?3`.
    fn update_board(
        &self,
        sql: &str,
        host: &HostKey,
        board: BoardId,
        at: &Timestamp,
    ) -> Result<(), ReplicaError> {
        self.write(|tx| {
            let changed = tx.prepare_cached(sql)?.execute(params![
                host.as_str(),
                board.to_string(),
                at.as_str()
            ])?;
            if changed == 0 {
                return Err(unknown(host, board));
            }
            Ok(())
        })
    }
}

/// The stored snapshot of a board, decoded.
fn stored_snapshot(
    conn: &Connection,
    host: &HostKey,
    board: BoardId,
) -> Result<Option<Snapshot>, ReplicaError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT snapshot FROM boards WHERE host = ?1 AND board_id = ?2")?
        .query_row(params![host.as_str(), board.to_string()], |row| row.get(0))
        .optional()?;
    Ok(text.map(|text| serde_json::from_str(&text)).transpose()?)
}

fn unknown(host: &HostKey, board: BoardId) -> ReplicaError {
    ReplicaError::UnknownBoard {
        host: host.clone(),
        board,
    }
}

/// A row of [`INFO_SELECT`] as stored, before its text is parsed.
struct InfoRow {
    host: String,
    board_id: String,
    name: String,
    seq: u64,
    synced_at: Option<String>,
    host_unreachable_since: Option<String>,
    pending: u64,
    failed: u64,
    complete: bool,
}

impl InfoRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<InfoRow> {
        Ok(InfoRow {
            host: row.get(0)?,
            board_id: row.get(1)?,
            name: row.get(2)?,
            seq: row.get(3)?,
            synced_at: row.get(4)?,
            host_unreachable_since: row.get(5)?,
            pending: row.get(6)?,
            failed: row.get(7)?,
            complete: row.get(8)?,
        })
    }

    fn parse(self) -> Result<ReplicaBoardInfo, ReplicaError> {
        Ok(ReplicaBoardInfo {
            host: HostKey(self.host),
            board_id: parse_board(&self.board_id)?,
            name: self.name,
            seq: self.seq,
            synced_at: self.synced_at.as_deref().map(parse_time).transpose()?,
            host_unreachable_since: self
                .host_unreachable_since
                .as_deref()
                .map(parse_time)
                .transpose()?,
            pending: self.pending,
            failed: self.failed,
            complete: self.complete,
        })
    }
}
