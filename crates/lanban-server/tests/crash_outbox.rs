//! Crash safety with members' outboxes: the real `lanban-server` binary is killed with SIGKILL again and again
//! (and sometimes stays down a while) while three members keep working through their sessions, each with a
//! replica on disk: cards created with their own ids and retitled, online and offline. When the host is back for
//! good, every outbox drains, and every change any member made is on the board exactly once: each card created
//! once (one `card.created` per id in the log), with the last title its member gave it.
//!
//! `LANBAN_CRASH_KILLS` sets the number of kills (6 by default) and `LANBAN_CRASH_SEED` replays a schedule.

#![cfg(unix)]

mod common;

use common::crash::{Rng, all_events, env_u64};
use common::process::{Server, wait_healthy};

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use lanban_client::replica::{HostKey, Replica};
use lanban_client::{Api, BoardSession, ReplicaSlot, SessionOptions};
use lanban_core::api::{BoardCreated, CreateCard, CreateColumn, UpdateCard};
use lanban_core::event::Change;
use lanban_core::ids::{BoardId, CardId, ColumnId};
use lanban_core::mutation::Mutation;
use uuid::Uuid;

fn quick() -> SessionOptions {
    SessionOptions {
        backoff_base: Duration::from_millis(30),
        backoff_max: Duration::from_millis(300),
        offline_after: Duration::from_millis(300),
        ..SessionOptions::default()
    }
}

/// One member's work for one round: a new card, and sometimes a new title for one of its cards. Returns what
/// the board must end up showing for it (card id → title).
async fn work(
    session: &BoardSession,
    column: ColumnId,
    member: usize,
    round: usize,
    rng: &mut Rng,
    expected: &mut HashMap<CardId, String>,
) {
    let id = CardId::new();
    let title = format!("m{member} card {round}");
    let create = Mutation::CreateCard {
        column,
        card: CreateCard {
            id: Some(id),
            title: title.clone(),
            ..Default::default()
        },
    };
    // Kept before it is sent: whatever happens to the host, it is the member's change from now on.
    session.submit(Uuid::now_v7(), create).await.unwrap();
    expected.insert(id, title);
    if rng.below(2) == 0 {
        let mine: Vec<CardId> = expected.keys().copied().collect();
        let card = mine[rng.below(mine.len() as u64) as usize];
        let title = format!("m{member} retitled {round}");
        let retitle = Mutation::UpdateCard {
            card,
            patch: Box::new(UpdateCard {
                title: Some(Some(title.clone())),
                ..Default::default()
            }),
            base: None,
        };
        session.submit(Uuid::now_v7(), retitle).await.unwrap();
        expected.insert(card, title);
    }
}

/// Three members, each with a session and a replica of their own (in `copies`).
async fn three_members(
    url: &str,
    port: u16,
    created: &BoardCreated,
    copies: &Path,
) -> Vec<BoardSession> {
    let mut sessions = Vec::new();
    for i in 0..3 {
        let joined = Api::new(url)
            .unwrap()
            .join(&created.room_code.to_string(), &format!("Member {i}"))
            .await
            .unwrap();
        let api = Api::new(url).unwrap().with_token(&joined.token);
        let slot = ReplicaSlot {
            replica: Replica::open(copies.join(format!("m{i}.sqlite"))).unwrap(),
            host: HostKey::new(format!("plain:127.0.0.1:{port}")),
        };
        let session = BoardSession::open_replicated(api, created.board.id, quick(), slot)
            .await
            .unwrap();
        sessions.push(session);
    }
    sessions
}

/// The host's process, killed and started again as the schedule says.
struct Host<'a> {
    data: &'a Path,
    port: u16,
    url: &'a str,
    server: Option<Server>,
}

impl Host<'_> {
    /// Starts the host if it is down, and waits until it answers.
    async fn ensure_up(&mut self) {
        if self.server.is_none() {
            self.server = Some(Server::start(self.data, self.port));
            wait_healthy(self.url).await;
        }
    }

    /// Between rounds: a host that was down comes back; otherwise every third round it is killed at a random
    /// moment, and half the time it stays down for the next round, whose changes are then made offline.
    async fn between_rounds(&mut self, round: usize, rng: &mut Rng) {
        if self.server.is_none() {
            self.ensure_up().await;
        } else if round % 3 == 2 {
            tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
            if let Some(killed) = self.server.take() {
                killed.kill();
            }
            if rng.below(2) == 0 {
                self.ensure_up().await;
            }
        }
    }
}

/// Waits (up to a minute each) until every session's outbox is empty.
async fn outboxes_drain(sessions: &[BoardSession]) {
    for session in sessions {
        tokio::time::timeout(Duration::from_secs(60), async {
            while !session.changes().is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("an outbox never drained: {:#?}", session.changes()));
    }
}

/// How many `card.created` events the board's log holds for each card.
async fn creations_per_card(api: &Api, board: BoardId) -> HashMap<CardId, usize> {
    let mut created_per_id: HashMap<CardId, usize> = HashMap::new();
    for event in all_events(api, board).await {
        if let Change::CardCreated(card) = &event.change {
            *created_per_id.entry(card.id).or_default() += 1;
        }
    }
    created_per_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_outbox_entry_lands_exactly_once_across_kill_9_of_the_host() {
    let kills = env_u64("LANBAN_CRASH_KILLS").unwrap_or(6) as usize;
    let seed = env_u64("LANBAN_CRASH_SEED").unwrap_or_else(|| u64::from(std::process::id()) | 1);
    println!("outbox crash run: {kills} kills, LANBAN_CRASH_SEED={seed}");
    let data = tempfile::tempdir().unwrap();
    let launched = common::process::launch(data.path()).await;
    let (port, url) = (launched.port, launched.url.clone());
    let created = launched.host.create_board("Crash", "Hana").await.unwrap();
    let board: BoardId = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = CreateColumn {
        title: "Todo".into(),
        ..Default::default()
    };
    let column = hana.create_column(board, &todo).await.unwrap().id;
    let mut host = Host {
        data: data.path(),
        port,
        url: &url,
        server: Some(launched.server),
    };

    // Three members, each with a replica of their own.
    let copies = tempfile::tempdir().unwrap();
    let sessions = three_members(&url, port, &created, copies.path()).await;

    // Rounds of work; between rounds the host is killed at random, and is down for a round at times.
    let mut rng = Rng(seed);
    let mut expected: Vec<HashMap<CardId, String>> = vec![HashMap::new(); 3];
    for round in 0..kills * 3 {
        for (i, session) in sessions.iter().enumerate() {
            work(session, column, i, round, &mut rng, &mut expected[i]).await;
        }
        host.between_rounds(round, &mut rng).await;
    }
    host.ensure_up().await;

    // Every outbox drains, and the board shows each member's changes exactly once.
    outboxes_drain(&sessions).await;
    let snapshot = hana.snapshot(board).await.unwrap();
    let shown: HashMap<CardId, String> = snapshot
        .cards
        .iter()
        .map(|c| (c.id, c.title.clone()))
        .collect();
    let all: HashMap<CardId, String> = expected.into_iter().flatten().collect();
    assert_eq!(shown, all, "every card once, with its member's last title");
    let created_per_id = creations_per_card(&hana, board).await;
    assert!(
        created_per_id.values().all(|&n| n == 1),
        "a card created twice"
    );
    assert_eq!(created_per_id.len(), all.len());
    for session in sessions {
        session.close().await;
    }
    if let Some(server) = host.server {
        server.kill();
    }
}
