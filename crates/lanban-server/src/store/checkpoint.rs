//! The checkpointer: copies the WAL back into the database file on its own thread and connection, so the
//! writer never stops committing to do it. SQLite's automatic checkpoint runs inside the commit that crosses
//! the threshold; measured with `lanban-bench fanout`, those commits were the whole latency tail (p99 24 ms,
//! against 1.6 ms without them).
//!
//! A passive checkpoint never blocks the writer or readers. The writer nudges this thread after each commit;
//! nudges arriving while it works or rests are merged into one. The writer keeps a high automatic threshold
//! as a backstop, in case checkpoints here cannot keep up.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::config::Synchronous;
use crate::store::{StoreError, open_connection};

/// Pause after each checkpoint: commits in between are copied by the next one.
const REST: Duration = Duration::from_millis(200);

/// The writer's side.
pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens its own connection to `path` and starts the thread.
    pub(super) fn start(path: &Path, sync: Synchronous) -> Result<Checkpointer, StoreError> {
        let conn = open_connection(path, false, sync)?;
        let (nudge, nudges) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("lanban-checkpoint".into())
            .spawn(move || run(&conn, &nudges))?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
        })
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

fn run(conn: &Connection, nudges: &Receiver<()>) {
    loop {
        match nudges.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match done {
            Ok((wal_pages, copied)) => {
                tracing::trace!(wal_pages, copied, "checkpoint");
            }
            Err(err) => tracing::warn!(error = %err, "checkpoint failed; the next one retries"),
        }
        std::thread::sleep(REST);
    }
}
