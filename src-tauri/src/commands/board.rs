//! The open board: every change a person can make, and what they look at (presence).

use lanban_core::api::{CreateCard, CreateColumn, UpdateCard, UpdateColumn};
use lanban_core::ids::{CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column};
use tauri::State;
use tauri::ipc::Channel;

use crate::bridge::BridgeMessage;
use crate::error::CommandResult;
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

/// Renames the board.
#[tauri::command]
#[specta::specta]
pub async fn rename_board(active: State<'_, Active>, name: String) -> CommandResult<Board> {
    let session = active.session().await?;
    Ok(session
        .api()
        .rename_board(session.board_id(), &name)
        .await?)
}

/// Adds a column.
#[tauri::command]
#[specta::specta]
pub async fn create_column(
    active: State<'_, Active>,
    column: CreateColumn,
) -> CommandResult<Column> {
    let session = active.session().await?;
    Ok(session
        .api()
        .create_column(session.board_id(), &column)
        .await?)
}

/// Renames and/or moves a column.
#[tauri::command]
#[specta::specta]
pub async fn update_column(
    active: State<'_, Active>,
    column_id: ColumnId,
    patch: UpdateColumn,
) -> CommandResult<Column> {
    let session = active.session().await?;
    Ok(session.api().update_column(column_id, &patch).await?)
}

/// Deletes a column and its cards.
#[tauri::command]
#[specta::specta]
pub async fn delete_column(active: State<'_, Active>, column_id: ColumnId) -> CommandResult<()> {
    let session = active.session().await?;
    Ok(session.api().delete_column(column_id).await?)
}

/// Adds a card to a column.
#[tauri::command]
#[specta::specta]
pub async fn create_card(
    active: State<'_, Active>,
    column_id: ColumnId,
    card: CreateCard,
) -> CommandResult<Card> {
    let session = active.session().await?;
    Ok(session.api().create_card(column_id, &card).await?)
}

/// Edits and/or moves a card.
#[tauri::command]
#[specta::specta]
pub async fn update_card(
    active: State<'_, Active>,
    card_id: CardId,
    patch: UpdateCard,
) -> CommandResult<Card> {
    let session = active.session().await?;
    Ok(session.api().update_card(card_id, &patch).await?)
}

/// Deletes a card.
#[tauri::command]
#[specta::specta]
pub async fn delete_card(active: State<'_, Active>, card_id: CardId) -> CommandResult<()> {
    let session = active.session().await?;
    Ok(session.api().delete_card(card_id).await?)
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
