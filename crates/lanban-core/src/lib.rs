//! Lanban's shared vocabulary: the wire protocol, the domain types and the rules every party agrees on.
//!
//! # Layout
//! - [`fingerprint`]: the SHA-256 of a server's TLS certificate, which clients pin.
//! - [`ids`]: typed UUIDv7 identifiers for boards, columns, cards and members.
//! - [`model`]: the entities (`Board`, `Column`, `Card`, `Member`) exactly as they travel as JSON.
//! - [`event`]: the room event envelope, its kinds, and the messages of the WebSocket protocol.
//! - [`api`]: request and response bodies of the HTTP API, and the error body.
//! - [`validate`]: the limits on user text (lengths, control characters, colours, dates).
//! - [`mutation`]: the changes a member makes, as a client queues them (request bytes, collision checks).
//! - [`order`]: fractional-index ordering keys for columns and cards.
//! - [`room_code`]: the `XXXX-XXXX` codes teammates type to join a board.
//! - [`state`]: `Snapshot::apply`, how every mirror of a board (the sync client's, the replica, the UI's, whose
//!   agreement a fixture test checks) takes the next event.
//! - [`time`]: RFC 3339 timestamps.
//!
//! This crate does no I/O and knows nothing about tokio, HTTP or SQLite: the server, the client and
//! the desktop app all build on it, so a rule stated here holds for all of them.

pub mod api;
pub mod event;
pub mod fingerprint;
pub mod ids;
pub mod model;
pub mod mutation;
pub mod order;
pub mod room_code;
pub mod state;
pub mod time;
pub mod validate;

/// The protocol version this build speaks; servers report it in `/api/health` and in every socket's `hello`. A
/// client that meets a host with a higher version stops and asks to be updated rather than misread the board.
///
/// 1: the first. 2: comments and checklists (`comment.*` and `checklist.*` events, their lists in the
/// snapshot), the log's base (`log-base`, `history_compacted`), `protocol` in `hello`. 3: archive and trash
/// (`archived_at` and `trashed_at` on cards and columns; `DELETE` moves to the trash; the trash emptied).
pub const PROTOCOL_VERSION: u32 = 3;
