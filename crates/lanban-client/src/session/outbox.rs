//! The session's outbox: every change the person makes is kept (in the replica when there is one) before it is
//! sent, then sent in order, one at a time, whenever the host is reachable and the mirror has caught up. A change
//! answered by the host stays listed until the mirror shows it; one the host refuses, or that collides with a
//! teammate's change, stays listed as failed until the person applies it again or discards it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lanban_core::api::{ErrorBody, ErrorCode, Snapshot};
use lanban_core::model::Card;
use lanban_core::mutation::{Mutation, patch_card};
use lanban_core::time::Timestamp;
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::error::ClientError;
use crate::replica::{OutboxId, OutboxRequest, OutboxState};
use crate::session::{ConnectionState, Shared, SyncEvent};

mod sending;
pub(crate) use sending::drain;

/// How long an answered change is shown on top of the mirror at most, should its event be slow to arrive.
const SETTLE: Duration = Duration::from_secs(10);

/// A change the person made that the board does not show yet, as subscribers see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PendingChange {
    /// Its `Idempotency-Key`, which also names it.
    pub key: Uuid,
    pub mutation: Mutation,
    pub state: ChangeState,
    pub queued_at: Timestamp,
    /// While it waits: the host's answer to the last try it did not run (busy, its disk full, rate limiting), so
    /// the person can be told why; `None` until the host gives such an answer, and once it takes the change.
    pub held: Option<Held>,
}

/// The host's answer to a try it did not run, leaving the change to be sent again.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Held {
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl Held {
    fn from_answer(status: u16, body: &serde_json::Value) -> Self {
        let error = serde_json::from_value::<ErrorBody>(body.clone()).ok();
        Self {
            status,
            code: error.as_ref().map(|e| e.error.code),
            message: error.map_or_else(
                || format!("The host answered {status}."),
                |e| e.error.message,
            ),
        }
    }
}

/// Where a pending change stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChangeState {
    /// Kept, waiting for the host.
    Queued,
    /// The host has it; its event has not reached the mirror yet.
    Sent,
    /// The host refused it, or a teammate changed the same thing meanwhile; `current` is the card as the board
    /// has it now, when the change is about a card.
    Failed {
        status: u16,
        code: Option<ErrorCode>,
        message: String,
        current: Option<Box<Card>>,
    },
}

/// What became of a submitted change while its submitter waited.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The host applied it; its answer.
    Done(serde_json::Value),
    /// The host is out of reach: it is kept and goes when the host is back.
    Queued,
}

/// A change handed to the session ([`BoardSession::hand`](super::BoardSession::hand)), its answer to come.
#[derive(Debug)]
pub struct Handed {
    pub(super) connection: watch::Receiver<ConnectionState>,
    pub(super) outcome: oneshot::Receiver<Result<serde_json::Value, ClientError>>,
}

impl Handed {
    /// While the host is reachable (or the first connection is being made), waits for its answer (up to 10 s):
    /// `Done`, or the refusal as an error (the change is then dropped); `Queued` once the host is out of reach, or
    /// slow: the change goes when it answers again, and [`SyncEvent::Changes`](super::SyncEvent::Changes) tells
    /// what becomes of it.
    pub async fn answer(self) -> Result<Submitted, ClientError> {
        let Handed {
            mut connection,
            outcome,
        } = self;
        let reachable = |s: &ConnectionState| {
            matches!(s, ConnectionState::Connected | ConnectionState::Connecting)
        };
        if !reachable(&connection.borrow_and_update()) {
            return Ok(Submitted::Queued);
        }
        tokio::select! {
            answer = outcome => match answer {
                Ok(Ok(answer)) => Ok(Submitted::Done(answer)),
                Ok(Err(err)) => Err(err),
                Err(_) => Ok(Submitted::Queued),
            },
            _ = connection.wait_for(|s| !reachable(s)) => Ok(Submitted::Queued),
            () = tokio::time::sleep(Duration::from_secs(10)) => Ok(Submitted::Queued),
        }
    }
}

/// The outbox's entries, in the order they were made.
#[derive(Default)]
pub(crate) struct Outbox {
    entries: Vec<Entry>,
}

struct Entry {
    change: PendingChange,
    /// Its row in the replica's outbox, when the session keeps one.
    kept: Option<OutboxId>,
    /// The exact request.
    request: OutboxRequest,
    /// When the host answered it (for `SETTLE`), and what.
    answered: Option<(Instant, serde_json::Value)>,
    /// The submitter, while it waits for the outcome.
    waiter: Option<oneshot::Sender<Result<serde_json::Value, ClientError>>>,
}

impl Outbox {
    /// The pending changes, as subscribers see them.
    pub(crate) fn list(&self) -> Vec<PendingChange> {
        self.entries.iter().map(|e| e.change.clone()).collect()
    }

    /// Drops answered changes that `mirror` now shows (or that were answered long enough ago); true if any went.
    pub(crate) fn settle(&mut self, mirror: &Snapshot) -> bool {
        let before = self.entries.len();
        self.entries.retain(|entry| match &entry.answered {
            Some((at, answer)) => {
                at.elapsed() < SETTLE && !shows(mirror, &entry.change.mutation, answer)
            }
            None => true,
        });
        self.entries.len() != before
    }
}

/// Whether the mirror shows a change the host answered with `answer`.
fn shows(mirror: &Snapshot, mutation: &Mutation, answer: &serde_json::Value) -> bool {
    let version = answer.get("version").and_then(serde_json::Value::as_u64);
    match mutation {
        Mutation::CreateCard { card, .. } => card
            .id
            .is_none_or(|id| mirror.cards.iter().any(|c| c.id == id)),
        Mutation::CreateColumn { column, .. } => column
            .id
            .is_none_or(|id| mirror.columns.iter().any(|c| c.id == id)),
        Mutation::UpdateCard { card, .. } => match mirror.cards.iter().find(|c| c.id == *card) {
            Some(now) => version.is_none_or(|v| now.version >= v),
            None => true,
        },
        Mutation::UpdateColumn { column, .. } => {
            match mirror.columns.iter().find(|c| c.id == *column) {
                Some(now) => {
                    answer.get("title").and_then(|t| t.as_str()) == Some(now.title.as_str())
                        && answer.get("position").and_then(|p| p.as_str())
                            == Some(now.position.as_str())
                        && answer.get("archived_at").is_some() == now.archived_at.is_some()
                        && answer.get("trashed_at").is_some() == now.trashed_at.is_some()
                }
                None => true,
            }
        }
        // A delete moves to the trash (or the card or column is gone for good).
        Mutation::DeleteCard { card } => mirror
            .cards
            .iter()
            .all(|c| c.id != *card || c.trashed_at.is_some()),
        Mutation::CreateComment { comment, .. } => comment
            .id
            .is_none_or(|id| mirror.comments.iter().any(|c| c.id == id)),
        Mutation::UpdateComment { comment, .. } => {
            match mirror.comments.iter().find(|c| c.id == *comment) {
                Some(now) => answer
                    .get("updated_at")
                    .and_then(|t| t.as_str())
                    .is_none_or(|at| now.updated_at.as_str() >= at),
                None => true,
            }
        }
        Mutation::DeleteComment { comment } => mirror.comments.iter().all(|c| c.id != *comment),
        Mutation::CreateChecklist { checklist, .. } => checklist
            .id
            .is_none_or(|id| mirror.checklists.iter().any(|c| c.id == id)),
        // The answer is the whole checklist after the change: shown once the mirror's is the same, or a later one
        // (the checklist is gone, or changed again since).
        Mutation::UpdateChecklist { checklist, .. }
        | Mutation::CreateItem { checklist, .. }
        | Mutation::UpdateItem { checklist, .. }
        | Mutation::DeleteItem { checklist, .. } => {
            match mirror.checklists.iter().find(|c| c.id == *checklist) {
                Some(now) => serde_json::to_value(now).is_ok_and(|now| &now == answer),
                None => true,
            }
        }
        Mutation::DeleteChecklist { checklist } => {
            mirror.checklists.iter().all(|c| c.id != *checklist)
        }
        Mutation::DeleteColumn { column } => mirror
            .columns
            .iter()
            .all(|c| c.id != *column || c.trashed_at.is_some()),
        Mutation::EmptyTrash { .. } => {
            mirror.columns.iter().all(|c| c.trashed_at.is_none())
                && mirror.cards.iter().all(|c| c.trashed_at.is_none())
        }
        Mutation::CreateLabel { label, .. } => mirror
            .board
            .labels
            .iter()
            .any(|l| l.name.to_lowercase() == label.name.to_lowercase()),
        // Answered with the board: shown once the mirror has that board (or a later one).
        Mutation::RenameBoard { .. }
        | Mutation::UpdateLabel { .. }
        | Mutation::DeleteLabel { .. } => answer
            .get("updated_at")
            .and_then(|t| t.as_str())
            .is_none_or(|at| mirror.board.updated_at.as_str() >= at),
    }
}

impl Shared {
    /// Tells subscribers the outbox changed; call with the outbox locked, so lists go out in order.
    fn announce(&self, outbox: &Outbox) {
        let _ = self
            .events
            .send(SyncEvent::Changes(Arc::new(outbox.list())));
    }

    /// Locks the outbox (a std lock: never held across an `.await`).
    pub(crate) fn outbox(&self) -> std::sync::MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops answered changes the mirror now shows; called after every change to the mirror.
    pub(crate) fn settle(&self, mirror: &Snapshot) {
        let mut outbox = self.outbox();
        if outbox.settle(mirror) {
            self.announce(&outbox);
        }
    }

    /// The card as the person sees it: the mirror's, with their edits of it that the host has not shown yet (queued
    /// or sent) on top.
    fn shown_card(&self, card: lanban_core::ids::CardId) -> Option<Card> {
        self.card_with(card, |state| !matches!(state, ChangeState::Failed { .. }))
    }

    /// The card as the host has it, as far as this session knows: the mirror's, with this person's edits the host
    /// has answered (whose events may not have arrived yet) on top.
    fn card_as_sent(&self, card: lanban_core::ids::CardId) -> Option<Card> {
        self.card_with(card, |state| matches!(state, ChangeState::Sent))
    }

    /// The mirror's card with the edits of this person's changes in the states `drawn` picks, in order.
    fn card_with(
        &self,
        card: lanban_core::ids::CardId,
        drawn: impl Fn(&ChangeState) -> bool,
    ) -> Option<Card> {
        // The mirror stays locked while the outbox is read (the mirror's lock first, as everywhere): an event
        // applied in between would settle one of this person's edits out of the outbox after the mirror was read
        // without it, and the card would be drawn without that edit.
        let mirror = self.state.read().unwrap_or_else(|e| e.into_inner());
        let mut shown = mirror.cards.iter().find(|c| c.id == card).cloned()?;
        for entry in &self.outbox().entries {
            if let Mutation::UpdateCard {
                card: id, patch, ..
            } = &entry.change.mutation
                && *id == card
                && drawn(&entry.change.state)
            {
                patch_card(&mut shown, patch);
            }
        }
        Some(shown)
    }

    /// Keeps a change and queues it; the receiver answers its outcome.
    pub(crate) fn enqueue(
        &self,
        key: Uuid,
        mut mutation: Mutation,
    ) -> Result<oneshot::Receiver<Result<serde_json::Value, ClientError>>, ClientError> {
        if let Mutation::UpdateCard { card, base, .. } = &mut mutation
            && base.is_none()
        {
            *base = self.shown_card(*card).map(Box::new);
        }
        let request = OutboxRequest::new(key, mutation.clone())?;
        let kept = match &self.keep_slot {
            Some(slot) => Some(slot.replica.enqueue(&slot.host, self.board_id, &request)?),
            None => None,
        };
        let (waiter, outcome) = oneshot::channel();
        let mut outbox = self.outbox();
        outbox.entries.push(Entry {
            change: PendingChange {
                key,
                mutation,
                state: ChangeState::Queued,
                queued_at: Timestamp::now(),
                held: None,
            },
            kept,
            request,
            answered: None,
            waiter: Some(waiter),
        });
        self.announce(&outbox);
        drop(outbox);
        self.outbox_wake.notify_one();
        Ok(outcome)
    }

    /// Loads the changes kept in the replica (the app was closed, or killed, with changes waiting).
    pub(crate) fn load_kept(&self) -> Result<(), ClientError> {
        let Some(slot) = &self.keep_slot else {
            return Ok(());
        };
        let mut kept = slot.replica.pending(&slot.host, self.board_id)?;
        kept.extend(slot.replica.failed(&slot.host, self.board_id)?);
        kept.sort_by_key(|e| e.id);
        let mut outbox = self.outbox();
        for entry in kept {
            let Some(mutation) = entry.request.mutation.clone() else {
                continue;
            };
            let state = match &entry.state {
                OutboxState::Pending => ChangeState::Queued,
                OutboxState::Failed(answer) => failed_state(answer.status, &answer.body, None),
            };
            outbox.entries.push(Entry {
                change: PendingChange {
                    key: entry.request.idempotency_key,
                    mutation,
                    state,
                    queued_at: entry.created_at.clone(),
                    held: None,
                },
                kept: Some(entry.id),
                request: entry.request,
                answered: None,
                waiter: None,
            });
        }
        Ok(())
    }

    /// Removes a failed (or queued) change without sending it.
    pub(crate) fn discard(&self, key: Uuid) -> Result<Option<Mutation>, ClientError> {
        let mut outbox = self.outbox();
        let Some(at) = outbox
            .entries
            .iter()
            .position(|e| e.change.key == key && e.answered.is_none())
        else {
            return Ok(None);
        };
        if let (Some(slot), Some(id)) = (&self.keep_slot, outbox.entries[at].kept) {
            slot.replica.discard(id)?;
        }
        let entry = outbox.entries.remove(at);
        self.announce(&outbox);
        Ok(Some(entry.change.mutation))
    }
}

/// The failed state for an answer.
fn failed_state(status: u16, body: &serde_json::Value, current: Option<Card>) -> ChangeState {
    let error = serde_json::from_value::<ErrorBody>(body.clone()).ok();
    let current = current.or_else(|| error.as_ref().and_then(|e| e.current.clone().map(|c| *c)));
    ChangeState::Failed {
        status,
        code: error.as_ref().map(|e| e.error.code),
        message: error.map_or_else(
            || "The host refused this change.".to_owned(),
            |e| e.error.message,
        ),
        current: current.map(Box::new),
    }
}
