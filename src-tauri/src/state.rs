//! The board this window has open (one managed state per concern: this one, `Host`, `Recent`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use lanban_client::BoardSession;
use lanban_core::model::Member;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::error::{CommandError, CommandResult};

/// An open board: its live session and the bridge feeding the window.
pub struct ActiveBoard {
    pub session: Arc<BoardSession>,
    pub bridge: JoinHandle<()>,
    /// Cleared when the bridge stops (the window went away).
    pub bridge_open: Arc<AtomicBool>,
    /// Who this person is on the board.
    pub me: Member,
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
            .ok_or_else(|| CommandError::new("not_open", "No board is open."))
    }

    /// The open board's member for this person.
    pub async fn me(&self) -> Option<Member> {
        self.board.lock().await.as_ref().map(|b| b.me.clone())
    }

    /// Opens `board` in place of the current one (which is closed).
    pub async fn replace(&self, board: Option<ActiveBoard>) {
        let old = std::mem::replace(&mut *self.board.lock().await, board);
        if let Some(old) = old {
            old.bridge.abort();
            old.session.stop();
        }
    }
}
