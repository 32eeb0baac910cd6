//! Keeps a session's board in its replica: a thread of its own takes the mirror's changes in the order they were
//! made and writes them to disk, each run of consecutive events in one transaction, so the socket never waits
//! for the disk.

use std::sync::mpsc;
use std::sync::{Arc, Weak};

use lanban_core::api::Snapshot;
use lanban_core::event::Event;
use lanban_core::ids::BoardId;
use lanban_core::time::Timestamp;

use crate::replica::ReplicaError;
use crate::session::{ReplicaSlot, Shared};

/// One change for the replica.
pub(crate) enum Keep {
    /// An event applied to the mirror.
    Event(Arc<Event>),
    /// The mirror was replaced by this snapshot.
    Snapshot(Arc<Snapshot>),
    /// The mirror is current with the host as of this moment.
    Synced(Timestamp),
    /// The host has been unreachable since this moment.
    Unreachable(Timestamp),
    /// The member was removed from the board: the copy goes.
    Forget,
}

/// The sending half; the thread stops when it is dropped (with the session).
pub(crate) struct Keeper {
    sender: mpsc::Sender<Keep>,
}

impl Keeper {
    /// Starts the thread that writes `board`'s changes to `slot`. `session` is read only to recover from a replica
    /// that fell out of step (its whole mirror is written then).
    pub(crate) fn spawn(slot: ReplicaSlot, board: BoardId, session: Weak<Shared>) -> Keeper {
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("lanban-replica".into())
            .spawn(move || keep(&slot, board, &receiver, &session));
        if let Err(err) = spawned {
            tracing::error!(error = %err, "cannot start the replica writer; the board is not kept on disk");
        }
        Keeper { sender }
    }

    /// Queues a change (never blocks).
    pub(crate) fn send(&self, change: Keep) {
        // The thread is gone only if it could not start; the session goes on without the replica.
        let _ = self.sender.send(change);
    }
}

/// The thread: waits for a change, takes every change queued behind it, writes them in order.
fn keep(
    slot: &ReplicaSlot,
    board: BoardId,
    receiver: &mpsc::Receiver<Keep>,
    session: &Weak<Shared>,
) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        batch.extend(receiver.try_iter());
        let mut events: Vec<Event> = Vec::new();
        for change in batch {
            if let Keep::Event(event) = change {
                events.push((*event).clone());
                continue;
            }
            flush(slot, board, &mut events, session);
            if let Err(err) = write(slot, board, change) {
                tracing::warn!(error = %err, %board, "cannot update the board's copy on disk");
            }
        }
        flush(slot, board, &mut events, session);
    }
}

/// Writes a run of events in one transaction; if the replica is out of step, writes the whole mirror instead.
fn flush(slot: &ReplicaSlot, board: BoardId, events: &mut Vec<Event>, session: &Weak<Shared>) {
    if events.is_empty() {
        return;
    }
    let result = slot.replica.apply(&slot.host, board, events);
    events.clear();
    match result {
        Ok(_) => {}
        Err(ReplicaError::Gap { .. } | ReplicaError::UnknownBoard { .. }) => {
            let Some(shared) = session.upgrade() else {
                return;
            };
            let snapshot = shared
                .state
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if let Err(err) = slot.replica.save_snapshot(&slot.host, &snapshot) {
                tracing::warn!(error = %err, %board, "cannot write the board's copy on disk");
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, %board, "cannot write events to the board's copy on disk")
        }
    }
}

fn write(slot: &ReplicaSlot, board: BoardId, change: Keep) -> Result<(), ReplicaError> {
    let ReplicaSlot { replica, host } = slot;
    match change {
        Keep::Event(_) => Ok(()),
        Keep::Snapshot(snapshot) => replica.save_snapshot(host, &snapshot),
        Keep::Synced(at) => replica.mark_synced(host, board, &at),
        Keep::Unreachable(since) => replica.mark_unreachable(host, board, &since),
        Keep::Forget => replica.forget(host, board),
    }
}
