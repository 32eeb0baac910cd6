//! The outbox's sending half: the task that sends each kept change in order once the host is reachable and the
//! mirror has caught up, and what it records of each answer (done, refused, or not run for now: sent again).

use std::sync::Arc;
use std::time::{Duration, Instant};

use lanban_core::api::{ErrorBody, ErrorCode};
use lanban_core::model::Card;
use lanban_core::mutation::{Mutation, Standing, standing};
use uuid::Uuid;

use super::{ChangeState, Held, PendingChange, failed_state};
use crate::error::ClientError;
use crate::replica::OutboxRequest;
use crate::session::{ConnectionState, Shared};

/// The outcome of one attempt to send an entry.
enum Outcome {
    Done(serde_json::Value),
    /// Refused: how it is listed, what a waiting submitter hears, and the answer kept in the replica.
    Refused(ChangeState, ClientError, serde_json::Value),
    /// Not run (the host is out of reach, busy, or restarting): send it again later; the host's answer, if any.
    Retry(Option<Held>),
}

/// The error code of an answer's body, if it is an error body.
fn error_code(body: &serde_json::Value) -> Option<ErrorCode> {
    serde_json::from_value::<ErrorBody>(body.clone())
        .ok()
        .map(|e| e.error.code)
}
/// The task that sends the outbox, in order, whenever the host is reachable and the mirror has caught up.
pub(crate) async fn drain(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    let mut connection = shared.connection.subscribe();
    let mut caught_up = shared.caught_up.subscribe();
    loop {
        let next = {
            let ready = *connection.borrow() == ConnectionState::Connected
                && *caught_up.borrow()
                && !shared.has_moved();
            let outbox = shared.outbox();
            let queued = outbox
                .entries
                .iter()
                .find(|e| e.change.state == ChangeState::Queued);
            queued
                .filter(|_| ready)
                .map(|e| (e.change.clone(), e.request.clone()))
        };
        let Some((change, request)) = next else {
            tokio::select! {
                () = shared.outbox_wake.notified() => {}
                _ = connection.changed() => {}
                _ = caught_up.changed() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            continue;
        };
        match send(&shared, &change, &request).await {
            Outcome::Retry(held) => {
                if let Some(held) = held {
                    hold(&shared, change.key, held);
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
            outcome => record(&shared, change.key, outcome),
        }
    }
}

/// Sends one change (or finds it need not go).
async fn send(shared: &Shared, change: &PendingChange, request: &OutboxRequest) -> Outcome {
    if let Mutation::UpdateCard {
        card,
        patch,
        base: Some(base),
    } = &change.mutation
    {
        // This person's earlier edits of the card are not a teammate's: count them in.
        let now = shared.card_as_sent(*card);
        if let Some(now) = now {
            match standing(patch, base, &now) {
                Standing::Send => {}
                Standing::Applied => {
                    return Outcome::Done(serde_json::to_value(&now).unwrap_or_default());
                }
                Standing::Collides => return collision(now),
            }
        }
    }
    let key = request.idempotency_key.to_string();
    let method = request.method.clone();
    let sent = shared
        .api()
        .send_kept(&key, method, &request.path, request.body.as_deref())
        .await;
    let (status, body) = match sent {
        Ok(answer) => answer,
        Err(err) => {
            tracing::debug!(error = %err, "a kept change did not get an answer; it goes again later");
            return Outcome::Retry(None);
        }
    };
    let mutation = &change.mutation;
    match status {
        200..=299 => Outcome::Done(body),
        // The target is gone: a delete has reached its goal; a create was applied once and deleted since.
        404 | 410 if mutation.is_delete() => Outcome::Done(serde_json::Value::Null),
        410 if mutation.is_create() => Outcome::Done(serde_json::Value::Null),
        // Not run (busy, restarting, rate limited, or the member's access is being checked): try again later.
        429 | 500..=599 | 401 => Outcome::Retry(Some(Held::from_answer(status, &body))),
        // The board moved: the change goes to its new host, from the session opened there.
        409 if error_code(&body) == Some(ErrorCode::BoardMoved) => Outcome::Retry(None),
        _ => {
            let error = serde_json::from_value::<ErrorBody>(body.clone()).ok();
            let err = match error {
                Some(error) => ClientError::from_body(status, error, None),
                None => ClientError::Protocol(format!("HTTP {status}")),
            };
            Outcome::Refused(failed_state(status, &body, None), err, body)
        }
    }
}

/// A card edit that collides with a teammate's change to the same field: refused here, as the host would refuse
/// a stale `version` (409 `version_conflict` with the card as it is now).
fn collision(now: Card) -> Outcome {
    let message = "A teammate changed this card in the same place meanwhile.";
    let body = serde_json::json!({
        "error": {"code": ErrorCode::VersionConflict, "message": message},
        "current": now,
    });
    let err = serde_json::from_value::<ErrorBody>(body.clone()).map_or_else(
        |_| ClientError::Protocol(message.to_owned()),
        |error| ClientError::from_body(409, error, None),
    );
    Outcome::Refused(failed_state(409, &body, None), err, body)
}

/// Notes why the host did not run a change it will be sent again; subscribers hear of it when that changed.
fn hold(shared: &Shared, key: Uuid, held: Held) {
    let mut outbox = shared.outbox();
    let Some(entry) = outbox.entries.iter_mut().find(|e| e.change.key == key) else {
        return;
    };
    if entry.change.held.as_ref() != Some(&held) {
        entry.change.held = Some(held);
        shared.announce(&outbox);
    }
}

/// Records an outcome: in the replica, in the list, and for a submitter still waiting.
fn record(shared: &Shared, key: Uuid, outcome: Outcome) {
    let mut outbox = shared.outbox();
    let Some(at) = outbox.entries.iter().position(|e| e.change.key == key) else {
        return;
    };
    let entry = &mut outbox.entries[at];
    entry.change.held = None;
    let kept = entry.kept.zip(shared.keep_slot.as_ref());
    match outcome {
        Outcome::Done(answer) => {
            if let Some((id, slot)) = kept
                && let Err(err) = slot.replica.record_answer(id, 200, &answer)
            {
                tracing::warn!(error = %err, "cannot record a change's answer");
            }
            entry.change.state = ChangeState::Sent;
            entry.answered = Some((Instant::now(), answer.clone()));
            if let Some(waiter) = entry.waiter.take() {
                let _ = waiter.send(Ok(answer));
            }
        }
        Outcome::Refused(state, err, body) => {
            // A submitter still waiting hears the refusal at once (and the change is dropped, as before the
            // outbox); otherwise it stays listed as failed for the person to decide.
            let told = entry
                .waiter
                .take()
                .is_some_and(|waiter| waiter.send(Err(err)).is_ok());
            let status = match &state {
                ChangeState::Failed { status, .. } => *status,
                _ => 409,
            };
            if let Some((id, slot)) = kept {
                let recorded = if told {
                    slot.replica.discard(id)
                } else {
                    slot.replica.record_answer(id, status, &body)
                };
                if let Err(err) = recorded {
                    tracing::warn!(error = %err, "cannot record a change's refusal");
                }
            }
            if told {
                outbox.entries.remove(at);
            } else {
                entry.change.state = state;
            }
        }
        Outcome::Retry(_) => return,
    }
    shared.announce(&outbox);
    drop(outbox);
    // The event may have come before the answer: settle now (the mirror's lock first, as everywhere).
    let mirror = shared.state.read().unwrap_or_else(|e| e.into_inner());
    shared.settle(&mirror);
}
