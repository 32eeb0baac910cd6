//! Compacting boards' event logs behind a snapshot (docs/protocol.md §11), so that the log, like the board, is
//! bounded: a board's events are dropped once every current member has passed them, or once they are older than
//! the horizon, but its newest [`Compaction::keep`] events always stay (its recent activity).
//!
//! A member has passed a seq when they said so (a socket's or `/events`' `since`, since the server started) or
//! while they have a socket open (it is sent every event as it commits). A member who has not yet passed the new
//! base loses nothing: asked for events before it, the server answers that they were compacted, and the member
//! takes a snapshot (or the base) instead; their waiting changes are requests like any other.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use lanban_core::ids::{BoardId, MemberId};
use lanban_core::time::Timestamp;
use rusqlite::Connection;

use crate::AppState;
use crate::config::Compaction;
use crate::store::{self, log, rows, trash};

/// The seq each member last said their copy has, per board, since the server started.
#[derive(Debug, Default)]
pub struct Progress(Mutex<HashMap<(BoardId, MemberId), u64>>);

impl Progress {
    /// Notes that `member`'s copy of `board` holds every event up to `seq`.
    pub fn report(&self, board: BoardId, member: MemberId, seq: u64) {
        if let Ok(mut seen) = self.0.lock() {
            let at = seen.entry((board, member)).or_default();
            *at = (*at).max(seq);
        }
    }

    fn of(&self, board: BoardId, member: MemberId) -> u64 {
        self.0
            .lock()
            .ok()
            .and_then(|seen| seen.get(&(board, member)).copied())
            .unwrap_or(0)
    }
}

/// Looks at every board once and compacts those whose log can lose at least one event; answers how many were.
pub async fn run_once(state: &AppState) -> store::Result<usize> {
    let policy = state.config.compaction.clone();
    let online: HashSet<(BoardId, MemberId)> = state.hub.online().into_iter().collect();
    let boards = state
        .store
        .read(|conn| boards(conn).map_err(store::Error::from))
        .await?;
    let mut compacted = 0;
    for board in boards {
        let progress = state.progress.clone();
        let online = online.clone();
        let policy = policy.clone();
        // The board at the new base is made on a read connection; the writer only swaps it in.
        let planned = state
            .store
            .read(move |conn| {
                let Some((base, target)) = target(conn, board, &policy, |member| {
                    if online.contains(&(board, member)) {
                        u64::MAX
                    } else {
                        progress.of(board, member)
                    }
                })?
                else {
                    return Ok(None);
                };
                Ok::<_, store::Error>(Some((base, log::board_at(conn, board, target)?)))
            })
            .await;
        let (base, at) = match planned {
            Ok(Some(planned)) => planned,
            Ok(None) => continue,
            Err(err) => {
                tracing::warn!(%board, error = %err, "cannot plan the log's compaction");
                continue;
            }
        };
        let seq = at.seq;
        match state
            .store
            .write(move |tx| log::compact(tx, board, base, &at))
            .await
        {
            Ok(true) => {
                tracing::info!(%board, from = base, to = seq, "event log compacted");
                compacted += 1;
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(%board, error = %err, "cannot compact the log"),
        }
    }
    Ok(compacted)
}

/// Deletes for good what has been in any board's trash longer than the trash keeps things, as the trash's clock
/// reads now; answers how many boards had something deleted.
pub async fn expire_trash(state: &AppState) -> store::Result<usize> {
    let now = state.config.trash.clock.now();
    let keep = time::Duration::try_from(state.config.trash.keep).unwrap_or(time::Duration::MAX);
    let cutoff = Timestamp::from_datetime(
        now.checked_sub(keep)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    let boards = {
        let cutoff = cutoff.clone();
        state
            .store
            .read(move |conn| trash::boards_with_expired(conn, &cutoff))
            .await?
    };
    let mut emptied = 0;
    for board in boards {
        let cutoff = cutoff.clone();
        match state
            .store
            .write(move |tx| trash::expire(tx, board, &cutoff))
            .await
        {
            Ok(gone) => {
                tracing::info!(%board, columns = gone.columns, cards = gone.cards, "old trash deleted");
                emptied += 1;
            }
            Err(err) => tracing::warn!(%board, error = %err, "cannot empty the old trash"),
        }
    }
    Ok(emptied)
}

/// Compacts (and empties old trash) now and then until the server stops.
pub async fn every(state: AppState, period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.tick().await;
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            _ = tick.tick() => {
                if let Err(err) = expire_trash(&state).await {
                    tracing::warn!(error = %err, "emptying the old trash failed");
                }
                if let Err(err) = run_once(&state).await {
                    tracing::warn!(error = %err, "log compaction failed");
                }
            }
        }
    }
}

/// The boards hosted here (a moved board's copy is read-only and left whole).
fn boards(conn: &Connection) -> rusqlite::Result<Vec<BoardId>> {
    conn.prepare("SELECT id FROM boards WHERE moved_to IS NULL")?
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|id| id.map(|id| id.parse().ok()).transpose())
        .collect()
}

/// The board's base now and the seq its log may be compacted to, if that is past the base: the newest seq every
/// current member has passed (`passed`), or the last event older than the horizon if later, but never into the
/// newest `keep` events.
fn target(
    conn: &Connection,
    board: BoardId,
    policy: &Compaction,
    passed: impl Fn(MemberId) -> u64,
) -> store::Result<Option<(u64, u64)>> {
    let head = rows::board_seq(conn, board)?;
    let base = log::base_seq(conn, board)?;
    let ceiling = head.saturating_sub(policy.keep);
    if ceiling <= base {
        return Ok(None);
    }
    let members = conn
        .prepare_cached("SELECT id FROM members WHERE board_id = ?1 AND removed_at IS NULL")?
        .query_map([board.to_string()], |r| r.get::<_, String>(0))?
        .filter_map(|id| id.map(|id| id.parse::<MemberId>().ok()).transpose())
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let everyone = members.into_iter().map(passed).min().unwrap_or(head);
    let now = time::OffsetDateTime::now_utc();
    let cutoff = Timestamp::from_datetime(
        time::Duration::try_from(policy.horizon)
            .ok()
            .and_then(|horizon| now.checked_sub(horizon))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    let aged: u64 = conn
        .prepare_cached(
            "SELECT coalesce(max(seq), 0) FROM events
             WHERE board_id = ?1 AND seq <= ?2 AND json_extract(json, '$.at') < ?3",
        )?
        .query_row(
            rusqlite::params![board.to_string(), ceiling, cutoff.as_str()],
            |r| r.get(0),
        )?;
    let target = everyone.max(aged).min(ceiling);
    Ok((target > base).then_some((base, target)))
}
