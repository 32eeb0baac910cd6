//! The writer thread: takes every job queued at the moment, runs each in a savepoint of one transaction,
//! commits once (group commit), then publishes the events and answers, in order.

use lanban_core::validate::limits::BoardLimits;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lanban_core::ids::BoardId;
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::hub::{Hub, Published};
use crate::store::checkpoint::Checkpointer;
use crate::store::{Command, Error, Tx};

/// Most jobs committed together; bounds the latency one group adds to its first job.
const MAX_GROUP: usize = 256;

/// A queued job.
pub(super) struct Job {
    /// What to run, and whom to answer.
    pub(super) work: Box<dyn Work>,
    /// A job still queued at this moment is not run: its caller is about to time out, and must not be told
    /// "failed" about a change that then commits.
    pub(super) deadline: std::time::Instant,
}

/// A job with its answer's type hidden, so the writer runs every kind of job alike.
pub(super) trait Work: Send {
    /// Runs the job in its savepoint; false if it failed (or panicked), so that its writes are rolled back.
    fn run(&mut self, tx: &mut Tx<'_>) -> bool;
    /// Sends the job's outcome to its caller, once it is committed and its events are published.
    fn answer(self: Box<Self>);
    /// Tells the caller the job was not applied, and why.
    fn refuse(self: Box<Self>, why: Error);
    /// True when no one waits for the answer any more.
    fn abandoned(&self) -> bool;
}

/// A job that answers `Result<T, E>`: first the closure, then its outcome until the answer is sent.
pub(super) struct Pending<F, T, E> {
    job: Option<F>,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Pending<F, T, E> {
    pub(super) fn new(job: F, reply: oneshot::Sender<Result<T, E>>) -> Self {
        Self {
            job: Some(job),
            outcome: None,
            reply,
        }
    }
}

impl<F, T, E> Work for Pending<F, T, E>
where
    F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
    T: Send,
    E: From<Error> + Send,
{
    fn run(&mut self, tx: &mut Tx<'_>) -> bool {
        let Some(job) = self.job.take() else {
            return false;
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| job(tx)))
            .unwrap_or_else(|_| Err(Error::Internal("a write job panicked".into()).into()));
        let succeeded = outcome.is_ok();
        self.outcome = Some(outcome);
        succeeded
    }

    fn answer(self: Box<Self>) {
        let outcome = self.outcome.unwrap_or_else(|| {
            Err(Error::Internal("the job was answered without running".into()).into())
        });
        let _ = self.reply.send(outcome);
    }

    fn refuse(self: Box<Self>, why: Error) {
        let _ = self.reply.send(Err(why.into()));
    }

    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }
}

/// What became of a job of a group.
enum Done {
    /// It ran, successfully or not; what it tells the hub (nothing if it failed).
    Ran(Told),
    /// It was not run: its caller had gone, or was about to give up.
    Skipped,
}

pub(super) fn run(
    mut conn: Connection,
    mut rx: mpsc::Receiver<Command>,
    hub: Hub,
    mut checkpointer: Checkpointer,
    limits: BoardLimits,
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
        match commit_group(&mut conn, group, limits) {
            Ok(done) => {
                for (job, done) in done {
                    match done {
                        Done::Ran(Told { rooms, events }) => {
                            hub.init_rooms(rooms);
                            for event in events {
                                hub.publish(event);
                            }
                            job.work.answer();
                        }
                        Done::Skipped => job.work.refuse(Error::Busy),
                    }
                }
                checkpointer.top_up(&conn);
                checkpointer.nudge();
            }
            Err((jobs, err)) => {
                tracing::error!(error = %err, "group commit failed; nothing in it was applied");
                for job in jobs {
                    job.work.refuse(commit_failure(&err));
                }
            }
        }
    }
    // Jobs still queued after a stop are refused: the server is shutting down.
    rx.close();
    while let Ok(command) = rx.try_recv() {
        if let Command::Job(job) = command {
            job.work.refuse(Error::ShuttingDown);
        }
    }
    checkpointer.stop();
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %err, "final checkpoint failed");
    }
}

/// Why a group's jobs are refused when it did not commit: the disk refusing a write (full, or failing) is named
/// so that clients say so and send the change again later; anything else is the server's failure.
fn commit_failure(err: &rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Error::WriteFailed { full: true },
        Some(rusqlite::ErrorCode::SystemIoFailure) => Error::WriteFailed { full: false },
        _ => Error::Internal(format!("commit failed: {err}")),
    }
}

/// A group that did not commit: every job of it, to refuse, and why.
type Failed = (Vec<Job>, rusqlite::Error);

/// Runs the group in one transaction; on success what became of each job, on failure the jobs back and why.
fn commit_group(
    conn: &mut Connection,
    group: Vec<Job>,
    limits: BoardLimits,
) -> Result<Vec<(Job, Done)>, Failed> {
    let txn = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(txn) => txn,
        Err(err) => return Err((group, err)),
    };
    let mut done: Vec<(Job, Done)> = Vec::with_capacity(group.len());
    let mut rest = group.into_iter();
    while let Some(mut job) = rest.next() {
        // A caller that has gone (disconnected, or timed out) gets nothing run on its behalf; it retries with
        // its idempotency key if it still cares.
        if job.work.abandoned() || std::time::Instant::now() >= job.deadline {
            done.push((job, Done::Skipped));
            continue;
        }
        match run_job(&txn, &mut job, limits) {
            Ok(events) => done.push((job, Done::Ran(events))),
            Err(err) => {
                let mut jobs: Vec<Job> = done.into_iter().map(|(job, _)| job).collect();
                jobs.push(job);
                jobs.extend(rest);
                return Err((jobs, err));
            }
        }
    }
    match txn.commit() {
        Ok(()) => Ok(done),
        Err(err) => Err((done.into_iter().map(|(job, _)| job).collect(), err)),
    }
}

/// What a job tells the hub once its group has committed.
#[derive(Default)]
struct Told {
    /// Boards that appeared with a seq of their own (imported), so their rooms start there.
    rooms: Vec<(BoardId, u64)>,
    /// The events it appended, in seq order.
    events: Vec<Published>,
}

/// Runs one job in its own savepoint, released if the job succeeded and rolled back if it failed; what it tells
/// the hub after the commit (nothing if it failed).
fn run_job(txn: &Connection, job: &mut Job, limits: BoardLimits) -> rusqlite::Result<Told> {
    run_cached(txn, "SAVEPOINT job")?;
    let mut tx = Tx {
        conn: txn,
        limits,
        rooms: Vec::new(),
        events: Vec::new(),
    };
    if job.work.run(&mut tx) {
        run_cached(txn, "RELEASE job")?;
        Ok(Told {
            rooms: tx.rooms,
            events: tx.events,
        })
    } else {
        run_cached(txn, "ROLLBACK TO job")?;
        run_cached(txn, "RELEASE job")?;
        Ok(Told::default())
    }
}

/// Runs one statement from the connection's statement cache (savepoints run for every job; parsing them each
/// time showed in profiles).
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
