//! How a session is opened: its timings, where it keeps its board on disk, and where the board came from.

use std::time::Duration;

use lanban_core::time::Timestamp;

use crate::replica::{HostKey, Replica};

/// Timing of a session (the defaults suit people; tests shorten them).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// First reconnect delay; doubles each attempt.
    pub backoff_base: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// After this long without a connection the state says `Offline` instead of `Reconnecting`.
    pub offline_after: Duration,
    /// A socket silent for this long (the server pings every 20 s) is given up and reopened.
    pub idle_timeout: Duration,
    /// Buffered [`SyncEvent`]s for slow subscribers.
    pub event_buffer: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            offline_after: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            event_buffer: 4096,
        }
    }
}

/// Where a session keeps its board on disk: the replica database and the host the board is stored under.
#[derive(Clone)]
pub struct ReplicaSlot {
    pub replica: Replica,
    pub host: HostKey,
}

/// Where an opened session's board came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A snapshot the host just sent.
    Host,
    /// The replica on disk: painted without the network, then caught up from its seq once the host answers.
    Replica {
        /// When the replica was last known to be current with the host.
        synced_at: Option<Timestamp>,
        /// When the host was first found unreachable, if it has not been reached since.
        unreachable_since: Option<Timestamp>,
    },
}
