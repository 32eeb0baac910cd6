//! The outbox: each board's mutations, stored exactly as they will be sent before they are sent, in order, until
//! the host's answer is recorded.
//!
//! An entry is written before its request leaves, so a change survives the app being killed while the host is
//! away; resending it with the same `Idempotency-Key` and bytes lets the server recognise a change that had in fact
//! committed before the connection broke. A success removes the entry; a refusal keeps it, marked failed with the
//! server's answer, until the person applies it again or discards it.

use std::fmt;

use lanban_core::ids::BoardId;
use lanban_core::mutation::Mutation;
use lanban_core::time::Timestamp;
use reqwest::Method;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::replica::{HostKey, Replica, ReplicaError, parse_board, parse_time};

/// An outbox entry's place in the send order; larger ids were enqueued later, and ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutboxId(pub i64);

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A mutation as it will be sent to the board's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRequest {
    /// Sent as `Idempotency-Key` on every attempt, so the server applies the change at most once.
    pub idempotency_key: Uuid,
    /// `POST`, `PATCH` or `DELETE`.
    pub method: Method,
    /// The path on the host, such as `/api/cards/{card}`.
    pub path: String,
    /// The exact body bytes (JSON), or `None` for a request without a body.
    pub body: Option<Vec<u8>>,
    /// The id the client chose for the card or column this request creates, so later entries can refer to it
    /// before the host has answered.
    pub creates: Option<Uuid>,
    /// The change the request makes, as the client shows it until the host has it (and checks it for
    /// collisions before sending).
    pub mutation: Option<Mutation>,
}

impl OutboxRequest {
    /// The request that makes `mutation`, sent with `key`.
    pub fn new(key: Uuid, mutation: Mutation) -> Result<OutboxRequest, ReplicaError> {
        let request = mutation.request()?;
        let method = Method::from_bytes(request.method.as_bytes())
            .map_err(|_| ReplicaError::Corrupt(format!("not a method: {}", request.method)))?;
        let creates = match &mutation {
            Mutation::CreateCard { card, .. } => card.id.map(|id| id.0),
            Mutation::CreateColumn { column, .. } => column.id.map(|id| id.0),
            _ => None,
        };
        Ok(OutboxRequest {
            idempotency_key: key,
            method,
            path: request.path,
            body: request.body,
            creates,
            mutation: Some(mutation),
        })
    }
}

/// A stored mutation and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its place in the send order.
    pub id: OutboxId,
    /// The host it goes to.
    pub host: HostKey,
    /// The board it changes.
    pub board_id: BoardId,
    /// What is sent.
    pub request: OutboxRequest,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// Waiting to be sent, or refused.
    pub state: OutboxState,
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxState {
    /// Not yet answered: to be sent (again) in order.
    Pending,
    /// The host refused it; it stays for the "could not apply" list until discarded.
    Failed(ServerAnswer),
}

/// The host's final answer to a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAnswer {
    /// The HTTP status, such as 409, 404 or 422.
    pub status: u16,
    /// The answer's JSON body (the error, and with `version_conflict` the card as it is now).
    pub body: serde_json::Value,
    /// When the answer was recorded.
    pub at: Timestamp,
}

/// The columns of `outbox` that make an [`OutboxEntry`].
const ENTRY_SELECT: &str =
    "SELECT id, host, board_id, idempotency_key, method, path, body, created_at, creates,
        answer_status, answer_body, answered_at, mutation
    FROM outbox";

impl Replica {
    /// Stores a mutation at the end of the board's outbox, before it is sent, and answers its id.
    pub fn enqueue(
        &self,
        host: &HostKey,
        board: BoardId,
        request: &OutboxRequest,
    ) -> Result<OutboxId, ReplicaError> {
        let board_text = board.to_string();
        self.write(|tx| {
            let stored = tx
                .prepare_cached("SELECT 1 FROM boards WHERE host = ?1 AND board_id = ?2")?
                .query_row(params![host.as_str(), board_text], |_| Ok(()))
                .optional()?;
            if stored.is_none() {
                return Err(ReplicaError::UnknownBoard {
                    host: host.clone(),
                    board,
                });
            }
            let id = tx
                .prepare_cached(
                    "INSERT INTO outbox
                         (host, board_id, idempotency_key, method, path, body, created_at, creates, mutation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                )?
                .query_row(
                    params![
                        host.as_str(),
                        board_text,
                        request.idempotency_key.to_string(),
                        request.method.as_str(),
                        request.path,
                        request.body,
                        Timestamp::now().as_str(),
                        request.creates.map(|id| id.to_string()),
                        request
                            .mutation
                            .as_ref()
                            .map(serde_json::to_string)
                            .transpose()?,
                    ],
                    |row| row.get(0),
                )?;
            Ok(OutboxId(id))
        })
    }

    /// The board's entries waiting to be sent, in the order they were enqueued.
    pub fn pending(
        &self,
        host: &HostKey,
        board: BoardId,
    ) -> Result<Vec<OutboxEntry>, ReplicaError> {
        self.entries(host, board, "pending")
    }

    /// The board's entries the host refused, in the order they were enqueued.
    pub fn failed(&self, host: &HostKey, board: BoardId) -> Result<Vec<OutboxEntry>, ReplicaError> {
        self.entries(host, board, "failed")
    }

    /// Records the host's final answer to an entry: a success (2xx) removes it, anything else marks it failed with
    /// the answer. An answer that means "try again later" (503, 429, a broken connection) is not final: leave the
    /// entry pending and send it again instead.
    pub fn record_answer(
        &self,
        id: OutboxId,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), ReplicaError> {
        let body = serde_json::to_string(body)?;
        self.write(|tx| {
            let changed = if (200..300).contains(&status) {
                tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                    .execute([id.0])?
            } else {
                tx.prepare_cached(
                    "UPDATE outbox SET state = 'failed', answer_status = ?2, answer_body = ?3, answered_at = ?4
                     WHERE id = ?1",
                )?
                .execute(params![id.0, status, body, Timestamp::now().as_str()])?
            };
            if changed == 0 {
                return Err(ReplicaError::UnknownEntry(id));
            }
            Ok(())
        })
    }

    /// Removes an entry, pending or failed, without sending it (the person chose "discard mine").
    pub fn discard(&self, id: OutboxId) -> Result<(), ReplicaError> {
        self.write(|tx| {
            let changed = tx
                .prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                .execute([id.0])?;
            if changed == 0 {
                return Err(ReplicaError::UnknownEntry(id));
            }
            Ok(())
        })
    }

    /// The board's entries in one state, in order.
    fn entries(
        &self,
        host: &HostKey,
        board: BoardId,
        state: &str,
    ) -> Result<Vec<OutboxEntry>, ReplicaError> {
        self.read(|conn| {
            let sql = format!(
                "{ENTRY_SELECT} WHERE host = ?1 AND board_id = ?2 AND state = ?3 ORDER BY id"
            );
            let rows = conn
                .prepare_cached(&sql)?
                .query_map(
                    params![host.as_str(), board.to_string(), state],
                    EntryRow::read,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(EntryRow::parse).collect()
        })
    }
}

/// A row of [`ENTRY_SELECT`] as stored, before its text is parsed.
struct EntryRow {
    id: i64,
    host: String,
    board_id: String,
    idempotency_key: String,
    method: String,
    path: String,
    body: Option<Vec<u8>>,
    created_at: String,
    creates: Option<String>,
    answer_status: Option<u16>,
    answer_body: Option<String>,
    answered_at: Option<String>,
    mutation: Option<String>,
}

impl EntryRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
        Ok(EntryRow {
            id: row.get(0)?,
            host: row.get(1)?,
            board_id: row.get(2)?,
            idempotency_key: row.get(3)?,
            method: row.get(4)?,
            path: row.get(5)?,
            body: row.get(6)?,
            created_at: row.get(7)?,
            creates: row.get(8)?,
            answer_status: row.get(9)?,
            answer_body: row.get(10)?,
            answered_at: row.get(11)?,
            mutation: row.get(12)?,
        })
    }

    fn parse(self) -> Result<OutboxEntry, ReplicaError> {
        let state = match (self.answer_status, self.answer_body, self.answered_at) {
            (Some(status), Some(body), Some(at)) => OutboxState::Failed(ServerAnswer {
                status,
                body: serde_json::from_str(&body)?,
                at: parse_time(&at)?,
            }),
            _ => OutboxState::Pending,
        };
        let method = Method::from_bytes(self.method.as_bytes())
            .map_err(|_| ReplicaError::Corrupt(format!("not a method: {:?}", self.method)))?;
        Ok(OutboxEntry {
            id: OutboxId(self.id),
            host: HostKey(self.host),
            board_id: parse_board(&self.board_id)?,
            request: OutboxRequest {
                idempotency_key: parse_uuid(&self.idempotency_key)?,
                method,
                path: self.path,
                body: self.body,
                creates: self.creates.as_deref().map(parse_uuid).transpose()?,
                mutation: self
                    .mutation
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?,
            },
            created_at: parse_time(&self.created_at)?,
            state,
        })
    }
}

fn parse_uuid(text: &str) -> Result<Uuid, ReplicaError> {
    Uuid::parse_str(text).map_err(|_| ReplicaError::Corrupt(format!("not a UUID: {text:?}")))
}
