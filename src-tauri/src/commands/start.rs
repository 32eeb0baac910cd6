//! The start screen: host a board, join one by code, reopen a recent one, leave.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use lanban_client::{Api, BoardSession};
use lanban_core::api::Snapshot;
use lanban_core::event::PresenceEntry;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::Member;
use lanban_core::time::Timestamp;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::bridge::{self, BridgeMessage};
use crate::error::{CommandError, CommandResult};
use crate::host::Host;
use crate::recent::{Recent, RecentBoard, RecentEntry};
use crate::state::{Active, ActiveBoard};

/// A board just opened: everything the board view needs to paint at once.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OpenedBoard {
    pub snapshot: Snapshot,
    /// This person on the board.
    pub me: Member,
    /// `host:port` of the board's server.
    pub server: String,
    /// This computer hosts the board.
    pub hosting: bool,
    pub presence: Vec<PresenceEntry>,
}

fn server_label(api: &Api) -> String {
    api.base_url()
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_owned()
}

/// Opens a live session on `board` and connects it to the window.
async fn open(
    active: &Active,
    recent: &Recent,
    api: Api,
    board: BoardId,
    me: MemberId,
    hosting: bool,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    active.replace(None).await;
    let session = Arc::new(BoardSession::open(api.clone(), board).await?);
    let bridge_open = Arc::new(AtomicBool::new(true));
    // Subscribe before reading the state: anything applied in between arrives twice and the UI skips it by seq.
    let bridge = bridge::spawn(session.clone(), on_event, bridge_open.clone());
    let snapshot = session.state();
    let me = snapshot
        .members
        .iter()
        .find(|m| m.id == me)
        .cloned()
        .ok_or_else(|| {
            CommandError::new("not_found", "You are no longer a member of this board.")
        })?;
    recent.touch(board, Some(&snapshot.board.name))?;
    let presence = session.presence().borrow().clone();
    active
        .replace(Some(ActiveBoard {
            session,
            bridge,
            bridge_open,
            me: me.clone(),
        }))
        .await;
    Ok(OpenedBoard {
        snapshot,
        me,
        server: server_label(&api),
        hosting,
        presence,
    })
}

/// A board just created or joined, before it is opened.
struct Opened {
    board_name: String,
    member: Member,
    token: String,
    hosting: bool,
}

/// Adds a newly created or joined board to the recent list, then opens it.
async fn remember_and_open(
    active: &Active,
    recent: &Recent,
    api: Api,
    board: BoardId,
    opened: Opened,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    recent.remember(RecentEntry {
        board_id: board,
        board_name: opened.board_name,
        server: server_label(&api),
        member_id: opened.member.id,
        member_name: opened.member.name,
        token: opened.token.clone(),
        hosting: opened.hosting,
        last_opened: Timestamp::now(),
    })?;
    let member_api = api.with_token(opened.token);
    open(
        active,
        recent,
        member_api,
        board,
        opened.member.id,
        opened.hosting,
        on_event,
    )
    .await
}

/// Creates a board on this computer's embedded server and opens it.
#[tauri::command]
#[specta::specta]
pub async fn host_board(
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    board_name: String,
    member_name: String,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    let (url, host_token) = host.ensure().await?;
    let api = Api::new(&url)?;
    let created = api
        .with_token(host_token)
        .create_board(&board_name, &member_name)
        .await?;
    let opened = Opened {
        board_name: created.board.name,
        member: created.member,
        token: created.token,
        hosting: true,
    };
    remember_and_open(&active, &recent, api, created.board.id, opened, on_event).await
}

/// Joins a board by its room code on the host at `address` (`192.168.1.20:7420`) and opens it.
#[tauri::command]
#[specta::specta]
pub async fn join_board(
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    room_code: String,
    member_name: String,
    address: String,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    if address.trim().is_empty() {
        return Err(CommandError {
            field: Some("address".into()),
            ..CommandError::new(
                "validation_failed",
                "Type the host's address, like 192.168.1.20:7420.",
            )
        });
    }
    let api = Api::new(&address)?;
    let joined = api.join(&room_code, &member_name).await?;
    let opened = Opened {
        board_name: joined.board.name,
        member: joined.member,
        token: joined.token,
        hosting: false,
    };
    remember_and_open(&active, &recent, api, joined.board.id, opened, on_event).await
}

/// Reopens a recent board with its remembered token (starting the embedded server if this computer hosts it).
#[tauri::command]
#[specta::specta]
pub async fn open_recent(
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    active: State<'_, Active>,
    board_id: BoardId,
    on_event: Channel<BridgeMessage>,
) -> CommandResult<OpenedBoard> {
    let entry = recent.get(board_id).ok_or_else(|| {
        CommandError::new("not_found", "This board is not in your recent boards.")
    })?;
    let base = if entry.hosting {
        host.ensure().await?.0
    } else {
        entry.server.clone()
    };
    let api = Api::new(&base)?.with_token(entry.token);
    open(
        &active,
        &recent,
        api,
        board_id,
        entry.member_id,
        entry.hosting,
        on_event,
    )
    .await
}

/// The start screen's list, most recent first.
#[tauri::command]
#[specta::specta]
pub fn list_recent(recent: State<'_, Recent>) -> Vec<RecentBoard> {
    recent.list()
}

/// Removes a board from the recent list.
#[tauri::command]
#[specta::specta]
pub fn forget_recent(recent: State<'_, Recent>, board_id: BoardId) -> CommandResult<()> {
    recent.forget(board_id)
}

/// Closes the open board (the embedded server keeps serving teammates).
#[tauri::command]
#[specta::specta]
pub async fn leave_board(active: State<'_, Active>) -> CommandResult<()> {
    active.replace(None).await;
    Ok(())
}
