//! Lanban's sync client: the HTTP API, and live board sessions that keep a local mirror current over a
//! WebSocket, reconnecting by themselves and catching up from their last seq.
//!
//! # Layout
//! - [`api`]: [`Api`], one method per HTTP route, typed with `lanban-core`'s bodies; mutations carry an
//!   `Idempotency-Key` and are retried safely when the connection fails.
//! - [`session`]: [`BoardSession`], the live mirror of one board: snapshot (or the replica), socket, apply in seq
//!   order, fill gaps, resync, reconnect with backoff and jitter, presence, a watchable [`ConnectionState`], and
//!   the outbox: changes kept before they are sent, sent in order, checked for collisions ([`PendingChange`]).
//! - [`error`]: what can go wrong, as [`ClientError`].
//! - [`private`]: files and directories only the current user can open (mode bits on Unix, an owner-only access
//!   list on Windows), for tokens, board copies and keys.
//! - [`replica`]: [`Replica`](replica::Replica), the durable copy of every board opened (snapshot, event log,
//!   sync marks) and its outbox of mutations waiting for the host, in one private SQLite database.
//! - [`tls`]: HTTPS and WSS to a host whose certificate fingerprint is pinned.
//! - [`trust`]: trust on first use: which certificate to pin for which host, before anything is sent to it.
//!
//! This crate knows nothing about Tauri or any UI: the desktop app and the tests use it the same way.

pub mod api;
pub mod error;
pub mod private;
pub mod replica;
pub mod session;
pub mod tls;
pub mod trust;

pub use api::Api;
pub use error::ClientError;
pub use session::{
    BoardSession, ChangeState, ConnectionState, Handed, Held, Origin, PendingChange, ReplicaSlot,
    SessionOptions, Submitted, SyncEvent,
};

/// A random value from the OS, for reconnect jitter.
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // If the OS random source fails, a fixed value only makes jitter less random; nothing that must be unique
    // (idempotency keys are UUIDs) comes from here.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}
