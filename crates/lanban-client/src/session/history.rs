//! Completes the copy's log: a copy starts from a snapshot, so the events before it (and any a resync skipped)
//! are fetched from the host's `/events` once the session has caught up, a page at a time, and logged under the
//! board. A complete copy can host the board if its host is gone for good (`Replica::whole_log`). When the host
//! has compacted its log past what the copy lacks, the copy takes the host's base instead.

use std::sync::Arc;
use std::time::Duration;

use lanban_core::api::ErrorCode;

use crate::error::ClientError;
use crate::session::{ReplicaSlot, Shared};

/// Events asked for per page (the host's most).
const PAGE: u32 = 1000;

/// The task: after every catch-up, fills the copy's log in until it is whole; stops with the session.
pub(crate) async fn complete(shared: Arc<Shared>) {
    let Some(slot) = shared.keep_slot.clone() else {
        return;
    };
    let mut stop = shared.stop.subscribe();
    let mut caught_up = shared.caught_up.subscribe();
    loop {
        tokio::select! {
            ready = caught_up.wait_for(|c| *c) => if ready.is_err() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(err) = fill(&shared, &slot).await {
            tracing::debug!(error = %err, "cannot fetch the board's history yet");
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                _ = stop.wait_for(|s| *s) => return,
            }
        }
        // Whole (or as whole as the copy's seq allows): look again after the next catch-up.
        tokio::select! {
            gone = caught_up.wait_for(|c| !*c) => if gone.is_err() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Fetches and logs the missing events, page by page, until the log is whole or the host has nothing more that the
/// copy's seq includes.
async fn fill(shared: &Shared, slot: &ReplicaSlot) -> Result<(), ClientError> {
    let board = shared.board_id;
    while let Some(after) = slot.replica.missing_history(&slot.host, board)? {
        let page = match shared.api().events(board, after, Some(PAGE)).await {
            Err(err) if err.code() == Some(ErrorCode::HistoryCompacted) => {
                // The host compacted its log past `after`: the copy's log starts at the host's base instead.
                let base = shared.api().log_base(board).await?;
                let taken = match &base.snapshot {
                    Some(snapshot) if snapshot.seq == base.seq => {
                        slot.replica.record_base(&slot.host, board, snapshot)?
                    }
                    _ => false,
                };
                if !taken {
                    // A base past the stored board (its writer is a moment behind): try after the next catch-up.
                    return Ok(());
                }
                continue;
            }
            page => page?,
        };
        if page.events.is_empty() {
            return Ok(());
        }
        if slot
            .replica
            .record_history(&slot.host, board, &page.events)?
            == 0
        {
            // The stored board lags behind this page (its writer is a moment behind the mirror): try later.
            return Ok(());
        }
    }
    Ok(())
}
