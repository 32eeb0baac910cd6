//! This computer's copies of the boards it joined (`replicas.sqlite` in the app's data directory, private to
//! its user): a joined board opens from its copy at once, and when its host is out of reach. Boards hosted here
//! need none: their server's own database is on this computer.

use std::path::Path;

use lanban_client::ReplicaSlot;
use lanban_client::replica::{HostKey, Replica};
use lanban_core::api::Snapshot;
use lanban_core::ids::BoardId;

use crate::recent::RecentEntry;

/// The replica database, if it could be opened (without it, boards open from their host as before).
pub struct Replicas {
    replica: Option<Replica>,
}

impl Replicas {
    /// Opens (or creates) `replicas.sqlite` in `data_dir`.
    pub fn open(data_dir: &Path) -> Self {
        let replica = match Replica::open(data_dir.join("replicas.sqlite")) {
            Ok(replica) => Some(replica),
            Err(err) => {
                tracing::error!(error = %err, "cannot open the boards' copies; boards open from their hosts only");
                None
            }
        };
        Self { replica }
    }

    /// Where a joined board is kept: under its host's pinned certificate, or under its address for a host on this
    /// computer reached without TLS. `None` for a board hosted here.
    pub fn slot(&self, entry: &RecentEntry) -> Option<ReplicaSlot> {
        if entry.hosting {
            return None;
        }
        let host = match &entry.fingerprint {
            Some(fingerprint) => HostKey::new(fingerprint.clone()),
            None => HostKey::new(format!("plain:{}", entry.server)),
        };
        Some(ReplicaSlot {
            replica: self.replica.clone()?,
            host,
        })
    }

    /// The person joined, on another host, a board this computer keeps a copy of from a host that has been out of
    /// reach: a teammate hosts it from their copy now (docs/protocol.md §15.2). The changes waiting in the old copy
    /// go to the new host, over `snapshot` (the board as the new host has it). A host that still answers keeps its
    /// copy to itself: nothing is carried from it.
    pub fn carry_over(&self, old: &RecentEntry, new: &RecentEntry, snapshot: &Snapshot) {
        let (Some(from), Some(to)) = (self.slot(old), self.slot(new)) else {
            return;
        };
        if from.host == to.host {
            return;
        }
        let away = match from.replica.info(&from.host, old.board_id) {
            Ok(info) => info.is_some_and(|i| i.host_unreachable_since.is_some()),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the board's copy");
                false
            }
        };
        if !away {
            return;
        }
        match from.replica.carry_over(&from.host, &to.host, snapshot) {
            Ok(()) => {
                tracing::info!(board = %old.board_id, "the board's waiting changes go to its new host")
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot carry the board's waiting changes over")
            }
        }
    }

    /// Deletes the copy of a board the person forgot.
    pub fn forget(&self, entry: &RecentEntry) {
        if let Some(slot) = self.slot(entry) {
            forget(&slot, entry.board_id);
        }
    }
}

fn forget(slot: &ReplicaSlot, board: BoardId) {
    if let Err(err) = slot.replica.forget(&slot.host, board) {
        tracing::warn!(error = %err, %board, "cannot delete the board's copy");
    }
}
