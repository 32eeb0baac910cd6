//! The board this window has open (one managed state per concern: this one, `Host`, `Recent`).

use std::collections::HashMap;
use std::sync::Arc;

use lanban_client::{BoardSession, ChangeState, Handed, Submitted};
use lanban_core::model::Member;
use lanban_core::mutation::Mutation;
use tauri::ipc::Channel;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use uuid::Uuid;

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
    /// The open board's changes handed by the window whose answers it has not asked for yet, by key.
    handed: std::sync::Mutex<HashMap<Uuid, Handed>>,
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
        let mut current = self.board.lock().await;
        let old = std::mem::replace(&mut *current, board);
        self.handed_changes().clear();
        drop(current);
        if let Some(old) = old {
            for task in [old.bridge, old.follower].into_iter().flatten() {
                task.abort();
            }
            old.session.stop();
        }
    }

    /// Hands a change to the open board's session: kept and queued when this returns, so changes handed one
    /// after another are applied in that order. [`answer`](Self::answer) waits for what became of it.
    pub async fn hand(&self, key: Uuid, mutation: Mutation) -> CommandResult<()> {
        let board = self.board.lock().await;
        let session = &board.as_ref().ok_or_else(not_open)?.session;
        let handed = session.hand(key, mutation)?;
        self.handed_changes().insert(key, handed);
        Ok(())
    }

    /// What became of the change handed as `key` (see [`Handed::answer`]); asked once.
    pub async fn answer(&self, key: Uuid) -> CommandResult<Submitted> {
        let handed = self.handed_changes().remove(&key).ok_or_else(|| {
            CommandError::new(
                AppErrorCode::NotFound,
                "No change with this key was handed to the open board.",
            )
        })?;
        Ok(handed.answer().await?)
    }

    fn handed_changes(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Handed>> {
        self.handed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes made on this computer that the board does not have yet and that no copy on disk keeps: lost if
    /// the app quits now. A joined board's are kept in its copy; a hosted board keeps none besides the board
    /// itself, so they are the changes its own server has not taken (its disk full, say).
    pub fn unsaved_changes(&self) -> usize {
        // The lock is held for moments and never across an await: try a few times rather than block the
        // window's thread (and answer none, as before this was asked, should it stay taken).
        for _ in 0..100 {
            if let Ok(board) = self.board.try_lock() {
                return board.as_ref().map_or(0, |board| unsaved(&board.session));
            }
            std::thread::yield_now();
        }
        0
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

/// `session`'s changes that are neither on the board nor kept on disk.
fn unsaved(session: &BoardSession) -> usize {
    if session.replica_slot().is_some() {
        return 0;
    }
    session
        .changes()
        .iter()
        .filter(|change| change.state == ChangeState::Queued)
        .count()
}

fn not_open() -> CommandError {
    CommandError::new(AppErrorCode::NotOpen, "No board is open.")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lanban_client::replica::{HostKey, Replica};
    use lanban_client::{Api, ConnectionState, ReplicaSlot};
    use lanban_core::api::{CreateCard, CreateColumn};
    use lanban_core::ids::{BoardId, ColumnId};
    use lanban_core::mutation::Mutation;
    use lanban_server::{Config, RunningServer};
    use uuid::Uuid;

    use super::*;

    fn create(column: ColumnId, title: &str) -> Mutation {
        Mutation::CreateCard {
            column,
            card: CreateCard {
                title: title.into(),
                ..Default::default()
            },
        }
    }

    /// `session`, open, as the active board.
    async fn active(session: BoardSession, me: Member, board: BoardId) -> Active {
        session
            .wait_for_connection(
                |s| *s == ConnectionState::Connected,
                Duration::from_secs(15),
            )
            .await
            .unwrap();
        let active = Active::default();
        active
            .replace(Some(ActiveBoard {
                session: Arc::new(session),
                bridge: None,
                follower: None,
                me,
                key: RecentKey {
                    board_id: board,
                    host: "local".into(),
                },
            }))
            .await;
        active
    }

    /// Waits until `active` counts `n` unsaved changes.
    async fn counts(active: &Active, n: usize) {
        tokio::time::timeout(Duration::from_secs(15), async {
            while active.unsaved_changes() != n {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{} unsaved, not {n}", active.unsaved_changes()));
    }

    /// A real server (taking `changes_per_minute` from each member) with a board "Launch" hosted by Ada, its
    /// column Todo made.
    struct Launch {
        _dir: tempfile::TempDir,
        server: RunningServer,
        url: String,
        created: lanban_core::api::BoardCreated,
        ada: Api,
        board: BoardId,
        todo: ColumnId,
    }

    async fn launch(changes_per_minute: usize) -> Launch {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        config.changes_per_minute = changes_per_minute;
        let server = RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let url = server.url();
        let created = Api::new(&url)
            .unwrap()
            .with_token(&server.host_token)
            .create_board("Launch", "Ada")
            .await
            .unwrap();
        let board = created.board.id;
        let ada = Api::new(&url).unwrap().with_token(&created.token);
        let todo = CreateColumn {
            title: "Todo".into(),
            ..Default::default()
        };
        let todo = ada.create_column(board, &todo).await.unwrap().id;
        Launch {
            _dir: dir,
            server,
            url,
            created,
            ada,
            board,
            todo,
        }
    }

    #[tokio::test]
    async fn changes_handed_one_after_another_are_applied_in_that_order() {
        let Launch {
            _dir,
            server,
            created,
            ada,
            board,
            todo,
            ..
        } = launch(lanban_core::validate::limits::CHANGES_PER_MINUTE).await;
        let session = BoardSession::open(ada.clone(), board).await.unwrap();
        let active = active(session, created.member.clone(), board).await;

        // Thirty cards handed at once, their answers asked for afterwards, the last first.
        let keys: Vec<Uuid> = (0..30).map(|_| Uuid::now_v7()).collect();
        for (i, key) in keys.iter().enumerate() {
            active
                .hand(*key, create(todo, &format!("Card {i}")))
                .await
                .unwrap();
        }
        for key in keys.iter().rev() {
            assert!(matches!(active.answer(*key).await, Ok(Submitted::Done(_))));
        }
        let titles: Vec<String> = ada
            .snapshot(board)
            .await
            .unwrap()
            .cards
            .into_iter()
            .map(|c| c.title)
            .collect();
        let expected: Vec<String> = (0..30).map(|i| format!("Card {i}")).collect();
        assert_eq!(titles, expected);

        // An answer is asked for once; a key never handed has none.
        let asked = active.answer(keys[0]).await.unwrap_err();
        assert_eq!(asked.code, AppErrorCode::NotFound);
        // Closing the board forgets what was handed to it.
        let key = Uuid::now_v7();
        active.hand(key, create(todo, "Last")).await.unwrap();
        active.replace(None).await;
        assert_eq!(
            active.answer(key).await.unwrap_err().code,
            AppErrorCode::NotFound
        );
        server.stop().await.unwrap();
    }

    #[tokio::test]
    async fn changes_the_board_does_not_have_count_as_unsaved_unless_a_copy_keeps_them() {
        // A server that takes one change a minute from each member: the next one waits.
        let Launch {
            _dir,
            server,
            url,
            created,
            ada,
            board,
            todo,
        } = launch(1).await;

        // The host's own session keeps no copy: a change its server has not taken would be lost on quitting.
        let session = BoardSession::open(ada.clone(), board).await.unwrap();
        let hosting = active(session, created.member.clone(), board).await;
        assert_eq!(hosting.unsaved_changes(), 0);
        let session = hosting.session().await.unwrap();
        let waits = tokio::spawn(async move {
            session
                .submit(Uuid::now_v7(), create(todo, "One too many"))
                .await
        });
        counts(&hosting, 1).await;
        waits.abort();

        // A joined board's session keeps its changes in its copy: nothing would be lost.
        let joined = Api::new(&url)
            .unwrap()
            .join(&created.room_code.to_string(), "Bea")
            .await
            .unwrap();
        let bea = Api::new(&url).unwrap().with_token(&joined.token);
        bea.create_card(
            todo,
            &CreateCard {
                title: "Bea's one".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let copies = tempfile::tempdir().unwrap();
        let slot = ReplicaSlot {
            replica: Replica::open(copies.path().join("replicas.sqlite")).unwrap(),
            host: HostKey::new(format!("plain:{}", server.addr)),
        };
        let session = BoardSession::open_replicated(bea, board, Default::default(), slot)
            .await
            .unwrap();
        let member = active(session, joined.member.clone(), board).await;
        let session = member.session().await.unwrap();
        let waits = tokio::spawn(async move {
            session
                .submit(Uuid::now_v7(), create(todo, "Bea's two"))
                .await
        });
        tokio::time::timeout(Duration::from_secs(15), async {
            let session = member.session().await.unwrap();
            while !session.changes().iter().any(|c| c.held.is_some()) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("Bea's second change waits");
        assert_eq!(member.unsaved_changes(), 0);
        waits.abort();
        member.replace(None).await;
        hosting.replace(None).await;
        server.stop().await.unwrap();
    }
}
