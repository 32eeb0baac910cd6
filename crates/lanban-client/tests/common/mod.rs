//! What the session tests share: a real server in a temp dir, quick session timings, patience, and the quick
//! ways to add a column or a card.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

use std::net::SocketAddr;
use std::time::Duration;

use lanban_client::{Api, BoardSession, PendingChange, SessionOptions};
use lanban_core::api::{CreateCard, CreateColumn, Joined};
use lanban_core::ids::{BoardId, ColumnId};
use lanban_core::model::{Card, Column};
use lanban_server::{Config, JoinLimits, RunningServer};

pub const PATIENCE: Duration = Duration::from_secs(15);

pub fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir);
    config.join_limits = JoinLimits {
        per_address: 1000,
        global: 10_000,
        window: Duration::from_secs(60),
    };
    // Many members join one board at once here; the per-board budget has its own test (the server's limits.rs).
    config.joins_per_board_per_minute = 10_000;
    config
}

pub async fn start(dir: &std::path::Path, addr: SocketAddr) -> RunningServer {
    RunningServer::start(config(dir), addr)
        .await
        .expect("server starts")
}

pub fn quick() -> SessionOptions {
    SessionOptions {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(300),
        offline_after: Duration::from_millis(400),
        ..SessionOptions::default()
    }
}

/// Adds a column titled `title` to `board`.
pub async fn column(api: &Api, board: BoardId, title: &str) -> Column {
    let body = CreateColumn {
        title: title.into(),
        ..Default::default()
    };
    api.create_column(board, &body)
        .await
        .expect("the column is added")
}

/// Adds a card titled `title` to `column`.
pub async fn card(api: &Api, column: ColumnId, title: &str) -> Card {
    let body = CreateCard {
        title: title.into(),
        ..Default::default()
    };
    api.create_card(column, &body)
        .await
        .expect("the card is added")
}

/// Waits until `done` holds (a copy is written by its own thread, its history by its own task).
pub async fn eventually(done: impl Fn() -> bool, what: &str) {
    tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never: {what}"));
}

/// Waits until the session's pending changes satisfy `done`.
pub async fn changes_until(
    session: &BoardSession,
    done: impl Fn(&[PendingChange]) -> bool,
) -> Vec<PendingChange> {
    let waited = tokio::time::timeout(PATIENCE, async {
        loop {
            let changes = session.changes();
            if done(&changes) {
                return changes;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    waited.unwrap_or_else(|_| panic!("the changes never settled: {:#?}", session.changes()))
}

/// `name` joins the board with `room_code` on the server at `url`: their own `Api`, and what the join answered.
pub async fn join(url: &str, room_code: &str, name: &str) -> (Api, Joined) {
    let joined = Api::new(url)
        .unwrap()
        .join(room_code, name)
        .await
        .expect("the member joins");
    let api = Api::new(url).unwrap().with_token(&joined.token);
    (api, joined)
}
