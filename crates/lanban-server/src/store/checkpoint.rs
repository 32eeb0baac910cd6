//! The checkpointer: copies the WAL back into the database file on its own thread and connection, so the
//! writer never stops committing to do it. SQLite's automatic checkpoint runs inside the commit that crosses
//! the threshold; measured with `lanban-bench fanout`, those commits were the whole latency tail (p99 24 ms,
//! against 1.6 ms without them).
//!
//! A passive checkpoint never blocks the writer or readers. The writer nudges this thread after each commit;
//! nudges arriving while it works or rests are merged into one. The writer keeps a high automatic threshold
//! as a backstop, in case checkpoints here cannot keep up.
//!
//! How often matters for the commits' latency: the pages a pass copies reach the disk together (at its `fsync`,
//! or when the kernel writes them back), and a commit's own `fsync` waits behind them. Passes 200 ms apart copied
//! 200 ms of commits at once, and at 1,000 changes/s the commits caught behind them were the p99 (3.6 ms; 1.1–1.4
//! ms with no checkpoints at all, docs/performance.md). So a pass follows the last one as soon as the
//! checkpointer's share of time allows: it rests [`DUTY`] times as long as the pass took, between [`MIN_REST`] and
//! [`MAX_REST`]. Light load makes small passes a few milliseconds apart; under saturation passes take longer, rest
//! longer and copy each hot page once for many commits.
//! Even a small pass's pages, written back at its sync, were a burst a commit could wait behind (p99 2.4–4.3 ms at
//! 1,000 changes/s, against 1.8–2.3 ms since): on Linux the database file's VFS hands them to the disk a chunk at a
//! time as the pass writes them (`walbatch/pace.rs`).
//!
//! Copying the WAL is not enough to keep it short: SQLite starts the WAL over only when a write transaction
//! begins with every frame of it copied, and under steady commits a checkpoint on this thread never ends before
//! the next commit. So the WAL grew to the backstop, whose checkpoint then ran inside a commit (the writer's
//! longest stalls, docs/performance.md). Instead, once the WAL is past [`RESTART_FRAMES`] and passes here have
//! copied it to within a few frames of its end, the writer copies those few ([`Checkpointer::top_up`], between
//! two groups), and its next transaction starts the WAL over. Under saturation the passes may never get that
//! close; the backstop still bounds the WAL then.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::config::Synchronous;
use crate::store::{StoreError, open_connection};

/// A pass rests this many times as long as it took (the checkpointer's share of time is at most 1 / (DUTY + 1)).
const DUTY: u32 = 10;
/// The shortest rest after a pass: commits in between are copied by the next one.
const MIN_REST: Duration = Duration::from_millis(5);
/// The longest rest after a pass.
const MAX_REST: Duration = Duration::from_millis(200);

/// WAL frames past which the WAL is started over once a checkpoint has caught up (16 MiB of 4 KiB pages).
const RESTART_FRAMES: i64 = 4096;

/// New frames few enough for the writer to copy between two groups (a few commits' worth).
const TOP_UP_FRAMES: i64 = 64;

/// Passes tried to get there before resting.
const CONVERGE_PASSES: usize = 8;

/// The writer's side.
pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Set by the thread when a checkpoint copied the whole WAL as it began and the WAL is worth starting over.
    caught_up: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Opens its own connection to `path` and starts the thread.
    pub(super) fn start(path: &Path, sync: Synchronous) -> Result<Checkpointer, StoreError> {
        let conn = open_connection(path, false, sync)?;
        let (nudge, nudges) = sync_channel(1);
        let caught_up = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&caught_up);
        let thread = std::thread::Builder::new()
            .name("lanban-checkpoint".into())
            .spawn(move || run(&conn, &nudges, &flag))?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
            caught_up,
        })
    }

    /// Called by the writer between groups, on its own connection: once the thread has caught up, copies what
    /// was committed since it began (a few frames), so that the next write transaction starts the WAL over.
    /// Otherwise returns at once.
    pub(super) fn top_up(&self, conn: &Connection) {
        if !self.caught_up.swap(false, Ordering::AcqRel) {
            return;
        }
        match checkpoint(conn) {
            Ok(pass) => tracing::trace!(?pass, "top-up checkpoint"),
            Err(err) => tracing::warn!(error = %err, "top-up checkpoint failed"),
        }
    }

    /// Asks for a checkpoint soon; never waits.
    pub(super) fn nudge(&self) {
        if let Some(nudge) = &self.nudge {
            match nudge.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!("the checkpointer has stopped");
                }
            }
        }
    }

    /// Stops the thread and waits for it, so the writer's last checkpoint runs alone.
    pub(super) fn stop(&mut self) {
        self.nudge = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a passive checkpoint did: whether another was running, the WAL's frames as it began, and how many of them
/// are in the database file now.
#[derive(Debug, Clone, Copy)]
struct Pass {
    busy: bool,
    wal_frames: i64,
    copied: i64,
}

impl Pass {
    /// It copied every frame the WAL had when it began.
    fn complete(&self) -> bool {
        !self.busy && self.copied >= self.wal_frames
    }
}

fn checkpoint(conn: &Connection) -> rusqlite::Result<Pass> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok(Pass {
            busy: r.get::<_, i64>(0)? != 0,
            wal_frames: r.get(1)?,
            copied: r.get(2)?,
        })
    })
}

fn run(conn: &Connection, nudges: &Receiver<()>, caught_up: &AtomicBool) {
    loop {
        match nudges.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let started = Instant::now();
        match checkpoint(conn) {
            Ok(pass) if pass.complete() && pass.wal_frames >= RESTART_FRAMES => {
                if converge(conn, pass) {
                    caught_up.store(true, Ordering::Release);
                }
            }
            Ok(pass) => tracing::trace!(?pass, "checkpoint"),
            Err(err) => tracing::warn!(error = %err, "checkpoint failed; the next one retries"),
        }
        std::thread::sleep((started.elapsed() * DUTY).clamp(MIN_REST, MAX_REST));
    }
}

/// After a checkpoint that copied a long WAL: copies what was committed meanwhile, again, until one pass finds
/// only a few new frames; true then, when the writer's top-up has only those few left (a long top-up stalls
/// every commit waiting behind it). False if the passes do not converge (commits come faster than they copy).
fn converge(conn: &Connection, first: Pass) -> bool {
    let mut seen = first.wal_frames;
    for _ in 0..CONVERGE_PASSES {
        match checkpoint(conn) {
            Ok(pass) if pass.complete() => {
                let fresh = pass.wal_frames - seen;
                seen = pass.wal_frames;
                if fresh <= TOP_UP_FRAMES {
                    tracing::trace!(?pass, "checkpoint caught up");
                    return true;
                }
            }
            Ok(_) => return false,
            Err(err) => {
                tracing::warn!(error = %err, "checkpoint failed; the next one retries");
                return false;
            }
        }
    }
    false
}
