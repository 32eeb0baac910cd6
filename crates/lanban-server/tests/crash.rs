//! Crash safety: the real `lanban-server` binary is killed with SIGKILL at random moments while 8 writers and
//! 4 live readers work on 3 boards, and restarted each time. Afterwards every acknowledged change is in the
//! database, every board's event log is 1..N without a gap or a repeat, every reader saw exactly that log in
//! order, once each, and mirrors the server's snapshot, and SQLite's integrity check passes.
//!
//! `LANBAN_CRASH_KILLS` sets the number of kills (20 by default; 200 for a long local run) and
//! `LANBAN_CRASH_SEED` replays a run (the seed is printed).

#![cfg(unix)]

mod common;

use common::process::{Server, wait_healthy};

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanban_client::{Api, BoardSession, SessionOptions, SyncEvent};
use lanban_core::ids::{BoardId, CardId, ColumnId};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A small deterministic generator (xorshift64*), so a seed replays the same schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// What writers got a 2xx for: card id → the title last acknowledged.
type Acked = Arc<Mutex<HashMap<CardId, String>>>;

/// One writer: creates cards and renames its own, each with an idempotency key it reuses until answered.
async fn writer(
    id: usize,
    url: String,
    token: String,
    column: ColumnId,
    acked: Acked,
    stop: Arc<AtomicBool>,
    seed: u64,
) -> usize {
    lanban_client::tls::install_default_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut rng = Rng(seed ^ ((id as u64 + 1) * 0x9E37_79B9));
    let mut mine: Vec<CardId> = Vec::new();
    let mut done = 0;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let key = format!("w{id}-{n}");
        let (method, path, body, title) = if mine.is_empty() || rng.below(3) > 0 {
            let title = format!("card {id}-{n}");
            (
                reqwest::Method::POST,
                format!("/api/columns/{column}/cards"),
                json!({"title": title}),
                title,
            )
        } else {
            let card = mine[rng.below(mine.len() as u64) as usize];
            let title = format!("renamed {id}-{n}");
            (
                reqwest::Method::PATCH,
                format!("/api/cards/{card}"),
                json!({"title": title}),
                title,
            )
        };
        // Send until the server answers: across a crash the same key gets the first answer, applied once.
        loop {
            let sent = http
                .request(method.clone(), format!("{url}{path}"))
                .bearer_auth(&token)
                .header("idempotency-key", &key)
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    let card: Value = response.json().await.unwrap();
                    let card_id: CardId = card["id"].as_str().unwrap().parse().unwrap();
                    assert_eq!(card["title"], title.as_str());
                    if method == reqwest::Method::POST {
                        mine.push(card_id);
                    }
                    acked.lock().unwrap().insert(card_id, title.clone());
                    done += 1;
                    break;
                }
                Ok(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {}
                Ok(response) => panic!(
                    "writer {id}: unexpected {} {:?}",
                    response.status(),
                    response.text().await
                ),
                Err(_) => {}
            }
            if stop.load(Ordering::Relaxed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_and_events_survive_repeated_kill_9() {
    let kills = env_u64("LANBAN_CRASH_KILLS").unwrap_or(20);
    let seed = env_u64("LANBAN_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    println!("crash harness: seed {seed} (replay with LANBAN_CRASH_SEED={seed}), {kills} kills");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let common::process::Launched {
        mut server,
        port,
        url,
        host,
        ..
    } = common::process::launch(dir.path()).await;

    // Three boards, a column each, and a member token per writer and per reader.
    let mut boards: Vec<(BoardId, ColumnId, String)> = Vec::new();
    for name in ["Alpha", "Beta", "Gamma"] {
        let (created, column) = common::board_with_column(&host, name).await;
        boards.push((created.board.id, column.id, created.room_code.to_string()));
    }
    let anon = Api::new(&url).unwrap();
    let options = SessionOptions {
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..SessionOptions::default()
    };
    let mut readers = Vec::new();
    for r in 0..4 {
        let (board, _, code) = &boards[r % 3];
        let joined = anon.join(code, &format!("reader {r}")).await.unwrap();
        let session =
            BoardSession::open_with(anon.with_token(&joined.token), *board, options.clone())
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
        readers.push((session, *board, start, log, collector));
    }

    let acked: Acked = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (_, column, code) = &boards[w % 3];
        let joined = anon.join(code, &format!("writer {w}")).await.unwrap();
        writers.push(tokio::spawn(writer(
            w,
            url.clone(),
            joined.token,
            *column,
            acked.clone(),
            stop.clone(),
            seed,
        )));
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
    stop.store(true, Ordering::Relaxed);
    let mut writes = 0;
    for writer in writers {
        writes += writer.await.unwrap();
    }

    // Every acknowledged change is there, with its last acknowledged title.
    let acked = acked.lock().unwrap().clone();
    let mut cards: HashMap<CardId, String> = HashMap::new();
    let mut finals: BTreeMap<BoardId, u64> = BTreeMap::new();
    for (board, _, _) in &boards {
        let snapshot = host.snapshot(*board).await.unwrap();
        finals.insert(*board, snapshot.seq);
        for card in snapshot.cards {
            cards.insert(card.id, card.title);
        }
        // The log is 1..N, each once, in order.
        let mut seqs = Vec::new();
        let mut since = 0;
        loop {
            let page = host.events(*board, since, None).await.unwrap();
            if page.events.is_empty() {
                break;
            }
            since = page.events.last().unwrap().seq;
            seqs.extend(page.events.iter().map(|e| e.seq));
        }
        assert_eq!(
            seqs,
            (1..=snapshot.seq).collect::<Vec<_>>(),
            "board {board}: the log has a gap or a repeat"
        );
    }
    for (card, title) in &acked {
        assert_eq!(
            cards.get(card),
            Some(title),
            "acknowledged change to {card} is missing"
        );
    }

    // Each reader converges on exactly the server's events and board.
    let mut events_checked = 0;
    for (session, board, start, log, collector) in readers {
        let last = finals[&board];
        session
            .wait_for_seq(last, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            session.state(),
            host.snapshot(board).await.unwrap(),
            "a reader's mirror differs"
        );
        let seen = log.lock().unwrap().clone();
        assert_eq!(
            seen,
            (start + 1..=last).collect::<Vec<_>>(),
            "a reader missed, repeated or reordered events"
        );
        events_checked += seen.len();
        session.close().await;
        collector.abort();
    }
    server.kill();

    let conn = rusqlite::Connection::open(dir.path().join("lanban.sqlite")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    println!(
        "crash harness: {kills} kills survived, {writes} acknowledged writes ({} cards) checked, {events_checked} events checked by readers",
        acked.len()
    );
    assert!(writes > 0 && events_checked > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_loses_no_acknowledged_write_and_closes_sockets() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = tempfile::tempdir().unwrap();
    let common::process::Launched {
        server,
        port,
        url,
        host,
        ..
    } = common::process::launch(dir.path()).await;
    let (created, column) = common::board_with_column(&host, "Busy").await;

    // A raw socket, to see the close frame itself.
    let mut request = format!("ws://127.0.0.1:{port}/api/boards/{}/ws", created.board.id)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", created.token).parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let acked: Acked = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            tokio::spawn(writer(
                w,
                url.clone(),
                created.token.clone(),
                column.id,
                acked.clone(),
                stop.clone(),
                7,
            ))
        })
        .collect();
    // Let the load build up, then ask the server to stop.
    while acked.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut child = server.child;
    assert!(
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap()
            .success()
    );
    let close = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(frame) = socket.next().await {
            if let Ok(Message::Close(frame)) = frame {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert_eq!(close, Some(1001), "sockets get a going-away close frame");
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    stop.store(true, Ordering::Relaxed);

    // Everything acknowledged before the stop is on disk after a restart.
    let server = Server::start(dir.path(), port);
    wait_healthy(&url).await;
    let writes: usize = futures_util::future::join_all(writers)
        .await
        .into_iter()
        .map(|w| w.unwrap())
        .sum();
    let snapshot = host.snapshot(created.board.id).await.unwrap();
    let titles: HashMap<CardId, String> = snapshot
        .cards
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    for (card, title) in acked.lock().unwrap().iter() {
        assert_eq!(titles.get(card), Some(title));
    }
    println!("sigterm under load: {writes} acknowledged writes kept");
    server.kill();
}
