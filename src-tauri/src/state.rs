//! The board this window has open (one managed state per concern: this one, `Host`, `Recent`).

use std::sync::Arc;

use lanban_client::BoardSession;
use lanban_core::model::Member;
use tauri::ipc::Channel;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::bridge::{self, BridgeMessage};
use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::recent::RecentKey;

/// An open board: its live session and, once the window watches it, the bridge feeding the window.
pub struct ActiveBoard {
    pub session: Arc<BoardSession>,
    /// Forwards the session's changes to the window (see [`Active::watch`]).
    pub bridge: Option<JoinHandle<()>>,
    /// Finds the board's host again when it moves (joined boards; see [`crate::follow`]).
    pub follower: Option<JoinHandle<()>>,
    /// Who this person is on the board.
    pub me: Member,
    /// Its entry in recent boards.
    pub key: RecentKey,
}

/// The open board, if any (a tokio `Mutex`: replaced across awaits).
#[derive(Default)]
pub struct Active {
    board: Mutex<Option<ActiveBoard>>,
}

impl Active {
    /// The open board's session, or `not_open`.
    pub async fn session(&self) -> CommandResult<Arc<BoardSession>> {
        self.board
            .lock()
            .await
            .as_ref()
            .map(|b| b.session.clone())
            .ok_or_else(not_open)
    }

    /// The open board's entry in recent boards, or `not_open`.
    pub async fn key(&self) -> CommandResult<RecentKey> {
        self.board
            .lock()
            .await
            .as_ref()
            .map(|b| b.key.clone())
            .ok_or_else(not_open)
    }

    /// The open board's member for this person.
    pub async fn me(&self) -> Option<Member> {
        self.board.lock().await.as_ref().map(|b| b.me.clone())
    }

    /// Opens `board` in place of the current one (which is closed).
    pub async fn replace(&self, board: Option<ActiveBoard>) {
        let old = std::mem::replace(&mut *self.board.lock().await, board);
        if let Some(old) = old {
            for task in [old.bridge, old.follower].into_iter().flatten() {
                task.abort();
            }
            old.session.stop();
        }
    }

    /// Starts forwarding the open board's changes to `channel` after `seen` (the seq of the snapshot the window
    /// painted), replacing an earlier bridge.
    pub async fn watch(&self, channel: Channel<BridgeMessage>, seen: u64) -> CommandResult<()> {
        let mut board = self.board.lock().await;
        let board = board.as_mut().ok_or_else(not_open)?;
        if let Some(old) = board.bridge.take() {
            old.abort();
        }
        board.bridge = Some(bridge::spawn(board.session.clone(), channel, seen));
        Ok(())
    }
}

fn not_open() -> CommandError {
    CommandError::new(AppErrorCode::NotOpen, "No board is open.")
}
