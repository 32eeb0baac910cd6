//! A stored board's whole log. A copy starts from a snapshot, so its log first holds only what came after; the
//! session fills in the rest from the host's `/events` while it is connected ([`Replica::missing_history`],
//! [`Replica::record_history`]). A copy whose log runs from seq 1 to its seq is complete: the board can be made
//! again from it alone, which is what hosting it from this computer needs once its host is gone for good
//! ([`Replica::whole_log`]). When the host has compacted the board's log, the copy's log starts after the host's
//! base instead: the board as it was there ([`Replica::record_base`]), which the base and the events after it
//! make again just as well.

use lanban_core::api::Snapshot;
use lanban_core::event::Event;
use lanban_core::ids::BoardId;
use rusqlite::{Connection, OptionalExtension, params};

use crate::replica::{HostKey, Replica, ReplicaError};

impl Replica {
    /// Where the stored log of a board first falls short of its seq: the seq after which events are missing (ask
    /// the host for `/events?since=` it), or `None` when the log is whole.
    pub fn missing_history(
        &self,
        host: &HostKey,
        board: BoardId,
    ) -> Result<Option<u64>, ReplicaError> {
        self.read(|conn| {
            let seq: u64 = conn
                .prepare_cached("SELECT seq FROM boards WHERE host = ?1 AND board_id = ?2")?
                .query_row(params![host.as_str(), board.to_string()], |r| r.get(0))
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => ReplicaError::UnknownBoard {
                        host: host.clone(),
                        board,
                    },
                    e => e.into(),
                })?;
            let mut statement = conn.prepare_cached(
                "SELECT seq FROM events WHERE host = ?1 AND board_id = ?2 AND seq > ?4 AND seq <= ?3
                 ORDER BY seq",
            )?;
            let after = base_seq(conn, host, board)?;
            let mut rows =
                statement.query(params![host.as_str(), board.to_string(), seq, after])?;
            let mut expected = base_seq(conn, host, board)? + 1;
            while let Some(row) = rows.next()? {
                let logged: u64 = row.get(0)?;
                if logged != expected {
                    return Ok(Some(expected - 1));
                }
                expected += 1;
            }
            Ok((expected <= seq).then_some(expected - 1))
        })
    }

    /// Adds events the board already includes to its log (the history before the copy's first snapshot, or
    /// what a resync skipped), in one transaction; events above the stored seq, and seqs already logged, are left
    /// alone. Answers how many were added.
    pub fn record_history(
        &self,
        host: &HostKey,
        board: BoardId,
        events: &[Event],
    ) -> Result<usize, ReplicaError> {
        let board_text = board.to_string();
        self.write(|tx| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (host, board_id, seq, json)
                 SELECT ?1, ?2, ?3, ?4 FROM boards
                 WHERE host = ?1 AND board_id = ?2 AND seq >= ?3
                 ON CONFLICT (host, board_id, seq) DO NOTHING",
            )?;
            let mut added = 0;
            for event in events {
                let json = serde_json::to_string(event)?;
                added += insert.execute(params![host.as_str(), board_text, event.seq, json])?;
            }
            Ok(added)
        })
    }

    /// Takes the host's base of a compacted log (the board at `base.seq`) as where the stored log starts: the
    /// events up to its seq go. Ignored (answers false) unless it is past the stored base and not past the stored
    /// board.
    pub fn record_base(
        &self,
        host: &HostKey,
        board: BoardId,
        base: &Snapshot,
    ) -> Result<bool, ReplicaError> {
        let json = serde_json::to_string(base)?;
        let board_text = board.to_string();
        self.write(|tx| {
            if base.seq <= base_seq(tx, host, board)? {
                return Ok(false);
            }
            let stored = tx
                .prepare_cached(
                    "INSERT INTO log_bases (host, board_id, seq, snapshot)
                     SELECT ?1, ?2, ?3, ?4 FROM boards WHERE host = ?1 AND board_id = ?2 AND seq >= ?3
                     ON CONFLICT (host, board_id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot",
                )?
                .execute(params![host.as_str(), board_text, base.seq, json])?;
            if stored == 0 {
                return Ok(false);
            }
            tx.prepare_cached("DELETE FROM events WHERE host = ?1 AND board_id = ?2 AND seq <= ?3")?
                .execute(params![host.as_str(), board_text, base.seq])?;
            Ok(true)
        })
    }

    /// The base the stored log starts after, if the host had compacted it.
    pub fn log_base(
        &self,
        host: &HostKey,
        board: BoardId,
    ) -> Result<Option<Snapshot>, ReplicaError> {
        self.read(|conn| {
            let json: Option<String> = conn
                .prepare_cached("SELECT snapshot FROM log_bases WHERE host = ?1 AND board_id = ?2")?
                .query_row(params![host.as_str(), board.to_string()], |r| r.get(0))
                .optional()?;
            Ok(json.map(|json| serde_json::from_str(&json)).transpose()?)
        })
    }

    /// The board's whole log: its base if the host had compacted it, and the events from seq 1 (or the one after
    /// the base) to the stored seq; or [`ReplicaError::Incomplete`] if part of it is not here yet.
    pub fn whole_log(
        &self,
        host: &HostKey,
        board: BoardId,
    ) -> Result<(Option<Snapshot>, Vec<Event>), ReplicaError> {
        if let Some(after) = self.missing_history(host, board)? {
            return Err(ReplicaError::Incomplete { after });
        }
        let seq = self
            .info(host, board)?
            .ok_or_else(|| ReplicaError::UnknownBoard {
                host: host.clone(),
                board,
            })?
            .seq;
        let base = self.log_base(host, board)?;
        let mut events = self.events_since(host, board, base.as_ref().map_or(0, |b| b.seq))?;
        events.retain(|e| e.seq <= seq);
        Ok((base, events))
    }

    /// Files a board's waiting changes under another host that serves the same board from another copy (its host
    /// was gone for good and a teammate hosts it from their copy, docs/protocol.md §15.2), over `snapshot`, the
    /// board as that host has it. The old copy and its log go, since the two hosts' logs part after the copy the
    /// new one was made from; the session fetches the new host's log. Does nothing if the board is not stored
    /// under `from`, or is stored under `to` already.
    pub fn carry_over(
        &self,
        from: &HostKey,
        to: &HostKey,
        snapshot: &Snapshot,
    ) -> Result<(), ReplicaError> {
        let board = snapshot.board.id.to_string();
        let json = serde_json::to_string(snapshot)?;
        self.write(|tx| {
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            let moved = tx
                .prepare_cached(
                    "UPDATE boards SET host = ?3, name = ?4, seq = ?5, snapshot = ?6
                     WHERE host = ?1 AND board_id = ?2
                     AND NOT EXISTS (SELECT 1 FROM boards WHERE host = ?3 AND board_id = ?2)",
                )?
                .execute(params![
                    from.as_str(),
                    board,
                    to.as_str(),
                    snapshot.board.name,
                    snapshot.seq,
                    json
                ])?;
            if moved == 0 {
                return Ok(());
            }
            tx.prepare_cached("DELETE FROM events WHERE host = ?1 AND board_id = ?2")?
                .execute(params![from.as_str(), board])?;
            tx.prepare_cached("DELETE FROM log_bases WHERE host = ?1 AND board_id = ?2")?
                .execute(params![from.as_str(), board])?;
            tx.prepare_cached("UPDATE outbox SET host = ?3 WHERE host = ?1 AND board_id = ?2")?
                .execute(params![from.as_str(), board, to.as_str()])?;
            Ok(())
        })
    }
}

/// The seq the stored log of a board starts after (0: from seq 1).
fn base_seq(conn: &Connection, host: &HostKey, board: BoardId) -> Result<u64, ReplicaError> {
    Ok(conn
        .prepare_cached("SELECT seq FROM log_bases WHERE host = ?1 AND board_id = ?2")?
        .query_row(params![host.as_str(), board.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}
