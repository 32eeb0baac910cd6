//! The open board: every change a person can make, and what they look at (presence).

use lanban_client::Submitted;
use lanban_core::ids::{CardId, MemberId};
use lanban_core::mutation::Mutation;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use uuid::Uuid;

use crate::bridge::BridgeMessage;
use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::state::Active;

/// Starts sending the open board's changes to the window, after `seen`: the seq of the snapshot the open
/// command answered, which the window has painted. Events come in seq order, each once; when the session had to
/// resync (or the window fell behind), a whole snapshot comes instead, and events follow it.
#[tauri::command]
#[specta::specta]
pub async fn watch_board(
    active: State<'_, Active>,
    seen: u64,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<()> {
    active.watch(on_event, seen).await
}

/// What became of a change while the window waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SubmitOutcome {
    /// The host applied it (its event follows on the bridge).
    Done,
    /// The host is out of reach: the change is kept on this computer and goes when the host is back; the
    /// bridge's `changes` list says what becomes of it.
    Queued,
}

/// Hands a change to the open board (rename it, add, edit, move or delete a column or card). `key` (a UUID the
/// window chose) names the change in the bridge's `changes` list and is its `Idempotency-Key`; creates carry the
/// id the window chose for the new card or column. The change is kept before it is sent, so it survives the host
/// being away and the app being closed. It is queued when this answers: the window hands its changes one after
/// another (each once the one before is handed), so they are applied in the order the person made them; then
/// [`change_answer`] says what became of each.
#[tauri::command]
#[specta::specta]
pub async fn hand_change(
    active: State<'_, Active>,
    key: String,
    mutation: Mutation,
) -> CommandResult<()> {
    active.hand(parse_key(&key)?, mutation).await
}

/// What became of the change handed as `key`: applied, or kept until the host is back (after up to 10 s of a
/// host that does not answer); a refusal while the host answers is the error (and the change is dropped).
#[tauri::command]
#[specta::specta]
pub async fn change_answer(active: State<'_, Active>, key: String) -> CommandResult<SubmitOutcome> {
    match active.answer(parse_key(&key)?).await? {
        Submitted::Done(_) => Ok(SubmitOutcome::Done),
        Submitted::Queued => Ok(SubmitOutcome::Queued),
    }
}

/// Drops a change that could not be applied ("Discard mine").
#[tauri::command]
#[specta::specta]
pub async fn discard_change(active: State<'_, Active>, key: String) -> CommandResult<()> {
    let session = active.session().await?;
    session.discard_change(parse_key(&key)?)?;
    Ok(())
}

/// Sends a change that could not be applied again, on top of the board as it is now ("Apply mine again").
#[tauri::command]
#[specta::specta]
pub async fn apply_change_again(
    active: State<'_, Active>,
    key: String,
) -> CommandResult<SubmitOutcome> {
    let session = active.session().await?;
    match session.apply_again(parse_key(&key)?).await? {
        Submitted::Done(_) => Ok(SubmitOutcome::Done),
        Submitted::Queued => Ok(SubmitOutcome::Queued),
    }
}

fn parse_key(key: &str) -> CommandResult<Uuid> {
    Uuid::parse_str(key).map_err(|_| CommandError {
        field: Some("key".into()),
        ..CommandError::new(AppErrorCode::ValidationFailed, "A change's key is a UUID.")
    })
}

/// Gives the board a new room code (host only); returns it as shown, `XXXX-XXXX`.
#[tauri::command]
#[specta::specta]
pub async fn rotate_room_code(active: State<'_, Active>) -> CommandResult<String> {
    let session = active.session().await?;
    Ok(session
        .api()
        .rotate_room_code(session.board_id())
        .await?
        .to_string())
}

/// Removes a member from the board (host only).
#[tauri::command]
#[specta::specta]
pub async fn remove_member(active: State<'_, Active>, member_id: MemberId) -> CommandResult<()> {
    let session = active.session().await?;
    Ok(session
        .api()
        .remove_member(session.board_id(), member_id)
        .await?)
}

/// Tells teammates which card this person has open.
#[tauri::command]
#[specta::specta]
pub async fn set_viewing(active: State<'_, Active>, card_id: Option<CardId>) -> CommandResult<()> {
    active.session().await?.set_viewing(card_id);
    Ok(())
}

/// Most events one activity page holds.
const ACTIVITY_PAGE: u32 = 200;

/// A page of the board's history, for the activity panel: events in seq order.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ActivityPage {
    pub events: Vec<lanban_core::event::Event>,
    /// The first seq the history still holds (the host compacts older events away, docs/protocol.md §6.22): no
    /// page goes further back than this.
    pub first: u64,
}

/// The events before `before` (default: the newest), at most `limit` (at most 200), from the host, or from this
/// computer's copy while the host is out of reach.
#[tauri::command]
#[specta::specta]
pub async fn board_activity(
    active: State<'_, Active>,
    before: Option<u64>,
    limit: u32,
) -> CommandResult<ActivityPage> {
    let session = active.session().await?;
    let board = session.board_id();
    let end = before
        .map(|b| b.saturating_sub(1))
        .unwrap_or_else(|| session.state().seq);
    let limit = limit.clamp(1, ACTIVITY_PAGE);
    let since = end.saturating_sub(u64::from(limit));
    let api = session.api();
    let from_host = match api.events(board, since, Some(limit)).await {
        Err(err) if err.code() == Some(lanban_core::api::ErrorCode::HistoryCompacted) => {
            let base = api.log_base(board).await?.seq;
            api.events(board, base.max(since), Some(limit))
                .await
                .map(|page| (page.events, base + 1))
        }
        page => page.map(|page| (page.events, 1)),
    };
    let (mut events, first) = match from_host {
        Ok(found) => found,
        // Out of reach: what this computer's copy holds.
        Err(err) => {
            let slot = session.replica_slot().ok_or(err)?;
            let events = slot
                .replica
                .events_since(&slot.host, board, since)
                .map_err(lanban_client::ClientError::from)?;
            let first = events.first().map_or(end + 1, |e| e.seq);
            (events, first)
        }
    };
    events.retain(|e| e.seq <= end);
    Ok(ActivityPage { events, first })
}
