//! Crash safety: the real `lanban-server` binary is killed with SIGKILL at random moments while 8 writers and
//! 4 live readers work on 3 boards, and restarted each time. Afterwards every acknowledged change is in the
//! database, every board's event log is 1..N without a gap or a repeat, every reader saw exactly that log in
//! order, once each, and mirrors the server's snapshot, and SQLite's integrity check passes.
//!
//! `LANBAN_CRASH_KILLS` sets the number of kills (20 by default; 200 for a long local run) and
//! `LANBAN_CRASH_SEED` replays a run (the seed is printed).

#![cfg(unix)]

mod common;

use common::crash::{Rng, all_events, env_u64};
use common::process::{Launched, Server, launch, wait_healthy};

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lanban_client::{Api, BoardSession, SessionOptions, SyncEvent};
use lanban_core::ids::{BoardId, CardId, ColumnId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What writers got a 2xx for: card id → the title last acknowledged.
type Acked = Arc<Mutex<HashMap<CardId, String>>>;

/// Writers at work on the server, and what they were acknowledged.
#[derive(Default)]
struct Writers {
    acked: Acked,
    stop: Arc<AtomicBool>,
    running: Vec<JoinHandle<usize>>,
}

impl Writers {
    /// Starts writer `id`, a member with `token`, writing into `column`.
    fn spawn(&mut self, id: usize, url: &str, token: String, column: ColumnId, seed: u64) {
        let writer = Writer {
            id,
            url: url.to_owned(),
            token,
            acked: self.acked.clone(),
            stop: self.stop.clone(),
        };
        self.running.push(tokio::spawn(writer.run(column, seed)));
    }

    /// How many changes have been acknowledged so far.
    fn acknowledged(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    /// Tells every writer to stop after its current change.
    fn halt(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for every writer: how many writes were acknowledged, and the last title acknowledged per card.
    async fn finished(self) -> (usize, HashMap<CardId, String>) {
        let writes = futures_util::future::join_all(self.running)
            .await
            .into_iter()
            .map(|w| w.unwrap())
            .sum();
        let acked = self.acked.lock().unwrap().clone();
        (writes, acked)
    }
}

/// One writer: creates cards and renames its own, each with an idempotency key it reuses until answered.
struct Writer {
    id: usize,
    url: String,
    token: String,
    acked: Acked,
    stop: Arc<AtomicBool>,
}

impl Writer {
    async fn run(self, column: ColumnId, seed: u64) -> usize {
        lanban_client::tls::install_default_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let id = self.id;
        let mut rng = Rng(seed ^ ((id as u64 + 1) * 0x9E37_79B9));
        let mut mine: Vec<CardId> = Vec::new();
        let mut done = 0;
        let mut n = 0u64;
        // A long run fills its board (10,000 cards); from then on a writer only renames its own cards.
        let mut full = false;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            if full && mine.is_empty() {
                break;
            }
            let (method, path, title) = if !full && (mine.is_empty() || rng.below(3) > 0) {
                let path = format!("/api/columns/{column}/cards");
                (Method::POST, path, format!("card {id}-{n}"))
            } else {
                let card = mine[rng.below(mine.len() as u64) as usize];
                (
                    Method::PATCH,
                    format!("/api/cards/{card}"),
                    format!("renamed {id}-{n}"),
                )
            };
            let key = format!("w{id}-{n}");
            match self.send(&http, &method, &path, &key, &title).await {
                Sent::Card(card) => {
                    if method == Method::POST {
                        mine.push(card);
                    }
                    self.acked.lock().unwrap().insert(card, title);
                    done += 1;
                }
                Sent::BoardFull => full = true,
                Sent::Stopped => {}
            }
        }
        done
    }

    /// Sends until the server answers (across a crash the same key gets the first answer, applied once), or
    /// until told to stop: the card acknowledged with `title`.
    async fn send(
        &self,
        http: &reqwest::Client,
        method: &Method,
        path: &str,
        key: &str,
        title: &str,
    ) -> Sent {
        loop {
            let sent = http
                .request(method.clone(), format!("{}{path}", self.url))
                .bearer_auth(&self.token)
                .header("idempotency-key", key)
                // The description too, so that the bytes the triggers keep (migration 0013) are checked after kills.
                .json(&json!({"title": title, "description": title}))
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    let card: Value = response.json().await.unwrap();
                    assert_eq!(card["title"], title);
                    return Sent::Card(card["id"].as_str().unwrap().parse().unwrap());
                }
                Ok(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {}
                Ok(response)
                    if *method == Method::POST && response.status() == StatusCode::CONFLICT =>
                {
                    let body: Value = response.json().await.unwrap();
                    assert_eq!(body["error"]["code"], "limit_reached", "writer {}", self.id);
                    return Sent::BoardFull;
                }
                Ok(response) => panic!(
                    "writer {}: unexpected {} {:?}",
                    self.id,
                    response.status(),
                    response.text().await
                ),
                Err(_) => {}
            }
            if self.stop.load(Ordering::Relaxed) {
                return Sent::Stopped;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// What became of a writer's change.
enum Sent {
    /// Acknowledged: the card created or renamed.
    Card(CardId),
    /// A create refused because the board holds as many cards as it may (nothing written).
    BoardFull,
    /// Told to stop before an answer came.
    Stopped,
}

/// A board of the harness: its id, its one column and its room code.
struct Board {
    id: BoardId,
    column: ColumnId,
    code: String,
}

async fn three_boards(host: &Api) -> Vec<Board> {
    let mut boards = Vec::new();
    for name in ["Alpha", "Beta", "Gamma"] {
        let (created, column) = common::board_with_column(host, name).await;
        boards.push(Board {
            id: created.board.id,
            column: column.id,
            code: created.room_code.to_string(),
        });
    }
    boards
}

/// A member watching a board through a session, noting the seq of every event it applies.
struct Reader {
    session: BoardSession,
    board: BoardId,
    /// The seq the session opened at.
    start: u64,
    log: Arc<Mutex<Vec<u64>>>,
    collector: JoinHandle<()>,
}

impl Reader {
    async fn join(anon: &Api, board: &Board, name: &str) -> Self {
        let options = SessionOptions {
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(200),
            ..SessionOptions::default()
        };
        let joined = anon.join(&board.code, name).await.unwrap();
        let session = BoardSession::open_with(anon.with_token(&joined.token), board.id, options)
            .await
            .unwrap();
        let start = session.seq();
        let mut events = session.subscribe();
        let log = Arc::new(Mutex::new(Vec::<u64>::new()));
        let collector = tokio::spawn({
            let log = log.clone();
            async move {
                loop {
                    match events.recv().await {
                        Ok(SyncEvent::Applied(event)) => log.lock().unwrap().push(event.seq),
                        Ok(SyncEvent::Resynced(_)) => panic!("a reader had to resync"),
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            panic!("collector lagged by {n}")
                        }
                        Err(_) => return,
                    }
                }
            }
        });
        Self {
            session,
            board: board.id,
            start,
            log,
            collector,
        }
    }

    /// The reader reaches `last`, mirrors the server's board, and saw exactly the events after its start, in
    /// order, once each. Returns how many it saw.
    async fn converges(self, host: &Api, last: u64) -> usize {
        self.session
            .wait_for_seq(last, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            self.session.state(),
            host.snapshot(self.board).await.unwrap(),
            "a reader's mirror differs"
        );
        let seen = self.log.lock().unwrap().clone();
        assert_eq!(
            seen,
            (self.start + 1..=last).collect::<Vec<_>>(),
            "a reader missed, repeated or reordered events"
        );
        self.session.close().await;
        self.collector.abort();
        seen.len()
    }
}

/// The board's log is 1..N, each once, in order, where N is its snapshot's seq. Returns N.
async fn assert_log_is_whole(host: &Api, board: BoardId) -> u64 {
    let last = host.snapshot(board).await.unwrap().seq;
    let seqs: Vec<u64> = all_events(host, board)
        .await
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "board {board}: the log has a gap or a repeat"
    );
    last
}

/// Every acknowledged change is on the boards, with its last acknowledged title.
async fn assert_acked_kept(host: &Api, boards: &[BoardId], acked: &HashMap<CardId, String>) {
    let mut cards: HashMap<CardId, String> = HashMap::new();
    for board in boards {
        let snapshot = host.snapshot(*board).await.unwrap();
        cards.extend(snapshot.cards.into_iter().map(|c| (c.id, c.title)));
    }
    for (card, title) in acked {
        assert_eq!(
            cards.get(card),
            Some(title),
            "acknowledged change to {card} is missing"
        );
    }
}

fn assert_database_intact(data: &std::path::Path) {
    let conn = rusqlite::Connection::open(data.join("lanban.sqlite")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // The counts the triggers keep (migrations 0012, 0013) survived every kill with the cards they count.
    let miscounted: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM boards
             WHERE card_count <> (SELECT COUNT(*) FROM cards WHERE cards.board_id = boards.id)
                OR description_bytes <> (SELECT COALESCE(SUM(length(CAST(description AS BLOB))), 0)
                                         FROM cards WHERE cards.board_id = boards.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(miscounted, 0, "a board's kept counts differ from its cards");
}

fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_and_events_survive_repeated_kill_9() {
    let kills = env_u64("LANBAN_CRASH_KILLS").unwrap_or(20);
    let seed = env_u64("LANBAN_CRASH_SEED").unwrap_or_else(seed_from_clock);
    println!("crash harness: seed {seed} (replay with LANBAN_CRASH_SEED={seed}), {kills} kills");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let Launched {
        mut server,
        port,
        url,
        host,
        ..
    } = launch(dir.path()).await;

    // Three boards, a column each, and a member token per writer and per reader.
    let boards = three_boards(&host).await;
    let anon = Api::new(&url).unwrap();
    let mut readers = Vec::new();
    for r in 0..4 {
        readers.push(Reader::join(&anon, &boards[r % 3], &format!("reader {r}")).await);
    }
    let mut writers = Writers::default();
    for w in 0..8 {
        let board = &boards[w % 3];
        let joined = anon
            .join(&board.code, &format!("writer {w}"))
            .await
            .unwrap();
        writers.spawn(w, &url, joined.token, board.column, seed);
    }

    // Kill the server at random moments, restarting it each time.
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(30 + rng.below(250))).await;
        server.kill();
        if rng.below(4) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.below(200))).await;
        }
        server = Server::start(dir.path(), port);
        wait_healthy(&url).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    writers.halt();
    let (writes, acked) = writers.finished().await;

    // Every acknowledged change is there, with its last acknowledged title, and every log is whole.
    let mut finals = HashMap::new();
    for board in &boards {
        finals.insert(board.id, assert_log_is_whole(&host, board.id).await);
    }
    let ids: Vec<BoardId> = boards.iter().map(|b| b.id).collect();
    assert_acked_kept(&host, &ids, &acked).await;

    // Each reader converges on exactly the server's events and board.
    let mut events_checked = 0;
    for reader in readers {
        let last = finals[&reader.board];
        events_checked += reader.converges(&host, last).await;
    }
    server.kill();
    assert_database_intact(dir.path());
    println!(
        "crash harness: {kills} kills survived, {writes} acknowledged writes ({} cards) checked, {events_checked} events checked by readers",
        acked.len()
    );
    assert!(writes > 0 && events_checked > 0);
}

/// A raw socket on the board, to see the close frame itself.
async fn raw_socket(
    port: u16,
    board: BoardId,
    token: &str,
) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let mut request = format!("ws://127.0.0.1:{port}/api/boards/{board}/ws")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The code of the close frame the server sends within 15 s, if any.
async fn close_code(socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>) -> Option<u16> {
    let close = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(frame) = socket.next().await {
            if let Ok(Message::Close(frame)) = frame {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    });
    close.await.expect("closed in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_loses_no_acknowledged_write_and_closes_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let Launched {
        mut server,
        port,
        url,
        host,
        ..
    } = launch(dir.path()).await;
    let (created, column) = common::board_with_column(&host, "Busy").await;
    let mut socket = raw_socket(port, created.board.id, &created.token).await;
    let mut writers = Writers::default();
    for w in 0..8 {
        writers.spawn(w, &url, created.token.clone(), column.id, 7);
    }

    // Let the load build up, then ask the server to stop.
    while writers.acknowledged() < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let child = &mut server.child;
    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    assert!(kill.unwrap().success());
    assert_eq!(
        close_code(&mut socket).await,
        Some(1001),
        "sockets get a going-away close frame"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    writers.halt();

    // Everything acknowledged before the stop is on disk after a restart.
    let server = Server::start(dir.path(), port);
    wait_healthy(&url).await;
    let (writes, acked) = writers.finished().await;
    assert_acked_kept(&host, &[created.board.id], &acked).await;
    println!("sigterm under load: {writes} acknowledged writes kept");
    server.kill();
}
