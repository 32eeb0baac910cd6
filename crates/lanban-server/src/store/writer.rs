//! The writer thread: takes every job queued at the moment, runs each in a savepoint of one transaction,
//! commits once (group commit), then publishes the events and answers, in order.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::mpsc;

use crate::error::{ApiError, ApiResult};
use crate::hub::{Hub, Published};
use crate::response::Reply;
use crate::store::checkpoint::Checkpointer;
use crate::store::{Command, Job, Tx};

/// Most jobs committed together; bounds the latency one group adds to its first job.
const MAX_GROUP: usize = 256;

type Outcome = (Job, ApiResult<Reply>, Vec<Published>);

pub(super) fn run(
    mut conn: Connection,
    mut rx: mpsc::Receiver<Command>,
    hub: Hub,
    mut checkpointer: Checkpointer,
) {
    let mut stopping = false;
    while !stopping {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut group = Vec::new();
        match first {
            Command::Job(job) => group.push(job),
            Command::Stop => break,
        }
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Command::Job(job)) => group.push(job),
                Ok(Command::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let span = tracing::debug_span!("commit", jobs = group.len());
        let _enter = span.enter();
        match commit_group(&mut conn, group) {
            Ok(outcomes) => {
                checkpointer.nudge();
                for (job, result, events) in outcomes {
                    for event in events {
                        hub.publish(event);
                    }
                    let _ = job.reply.send(result);
                }
            }
            Err((jobs, err)) => {
                tracing::error!(error = %err, "group commit failed; nothing in it was applied");
                for job in jobs {
                    let _ = job
                        .reply
                        .send(Err(ApiError::Internal(format!("commit failed: {err}"))));
                }
            }
        }
    }
    // Jobs still queued after a stop are refused: the server is shutting down.
    rx.close();
    while let Ok(command) = rx.try_recv() {
        if let Command::Job(job) = command {
            let _ = job.reply.send(Err(ApiError::new(
                lanban_core::api::ErrorCode::Unavailable,
                "the server is shutting down",
            )));
        }
    }
    checkpointer.stop();
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %err, "final checkpoint failed");
    }
}

/// Runs the group in one transaction; on success every job's outcome, on failure the jobs back and why.
fn commit_group(
    conn: &mut Connection,
    group: Vec<Job>,
) -> Result<Vec<Outcome>, (Vec<Job>, rusqlite::Error)> {
    let txn = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(txn) => txn,
        Err(err) => return Err((group, err)),
    };
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(group.len());
    let mut rest = group.into_iter();
    while let Some(mut job) = rest.next() {
        // A caller that has gone (disconnected, or timed out) gets nothing run on its behalf; it retries with
        // its idempotency key if it still cares.
        if job.reply.is_closed() || std::time::Instant::now() >= job.deadline {
            outcomes.push((
                job,
                Err(ApiError::new(
                    lanban_core::api::ErrorCode::Unavailable,
                    "the server is too busy; nothing was changed, try again",
                )),
                Vec::new(),
            ));
            continue;
        }
        if let Err(err) = run_cached(&txn, "SAVEPOINT job") {
            let mut jobs: Vec<Job> = outcomes.into_iter().map(|(job, ..)| job).collect();
            jobs.push(job);
            jobs.extend(rest);
            return Err((jobs, err));
        }
        let run = std::mem::replace(&mut job.run, Box::new(|_| Ok(Reply::no_content())));
        let mut tx = Tx {
            conn: &txn,
            events: Vec::new(),
        };
        let result = catch_unwind(AssertUnwindSafe(|| run(&mut tx)))
            .unwrap_or_else(|_| Err(ApiError::Internal("a write job panicked".into())));
        let events = tx.events;
        let settled = match &result {
            Ok(_) => run_cached(&txn, "RELEASE job"),
            Err(_) => {
                run_cached(&txn, "ROLLBACK TO job").and_then(|()| run_cached(&txn, "RELEASE job"))
            }
        };
        if let Err(err) = settled {
            let mut jobs: Vec<Job> = outcomes.into_iter().map(|(job, ..)| job).collect();
            jobs.push(job);
            jobs.extend(rest);
            return Err((jobs, err));
        }
        match result {
            Ok(reply) => outcomes.push((job, Ok(reply), events)),
            Err(err) => outcomes.push((job, Err(err), Vec::new())),
        }
    }
    match txn.commit() {
        Ok(()) => Ok(outcomes),
        Err(err) => Err((outcomes.into_iter().map(|(job, ..)| job).collect(), err)),
    }
}

/// Runs one statement from the connection's statement cache (savepoints run for every job; parsing them each
/// time showed in profiles).
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
