//! Answers kept per idempotency key, so a retried request can be answered again without being applied twice.
//! The store keeps them as opaque records; what an answer means, and when one is replayed, is the routes' concern.

use rusqlite::{Connection, OptionalExtension};

use crate::store::{Result, unix_now};

/// An answer as it was given, with the hash of the request it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The hash of the request the key first came with; a retry must match it.
    pub request_hash: Vec<u8>,
    /// The answer's status.
    pub status: u16,
    /// The answer's body, exactly as sent.
    pub body: String,
}

/// The answer kept for `key` in `scope` (a member, or the host credential), if any.
pub fn recall(conn: &Connection, scope: &str, key: &str) -> Result<Option<Kept>> {
    Ok(conn
        .prepare_cached(
            "SELECT request_hash, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
        )?
        .query_row(rusqlite::params![scope, key], |r| {
            Ok(Kept {
                request_hash: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
            })
        })
        .optional()?)
}

/// Keeps `answer` for `key` in `scope`, in the same transaction as the change it answers.
pub fn remember(conn: &Connection, scope: &str, key: &str, answer: &Kept) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        scope,
        key,
        answer.request_hash.as_slice(),
        answer.status,
        answer.body,
        unix_now()
    ])?;
    Ok(())
}

/// Forgets the answers kept before `cutoff` (Unix seconds).
pub fn forget_before(conn: &Connection, cutoff: i64) -> Result<()> {
    // Answers are kept in the order they were given (rowid), so those to forget come first: the old ones before
    // the first young one are deleted, reading little more than what is deleted. A row stamped later than now (the
    // clock was once ahead) is kept until its time, as before, but does not count as the first young one, so it
    // holds back nothing after it; with the clock set back, nothing is young, nothing old, and nothing goes.
    conn.execute(
        "DELETE FROM idempotency WHERE created_at < ?1 AND rowid < coalesce(
             (SELECT rowid FROM idempotency WHERE created_at >= ?1 AND created_at <= ?2
              ORDER BY rowid LIMIT 1),
             (SELECT max(rowid) + 1 FROM idempotency))",
        [cutoff, unix_now() + 3600],
    )?;
    Ok(())
}
