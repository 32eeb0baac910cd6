//! A full disk, two ways: the real `lanban-server` binary runs on a small tmpfs of its own (in a mount namespace
//! of the test's: a write past it fails with `ENOSPC`, as on a full disk), or with a limit on how large a file it
//! may write (`ulimit -f`, with `SIGXFSZ` ignored: a write past it fails with `EFBIG`, as on a failing disk). A
//! member keeps creating cards with long descriptions until the server's writes fail. Every failed request is
//! answered `507 write_failed` (saying the disk is full, on the full one) and changes nothing: no event goes out for
//! it, its `Idempotency-Key` is not used up, and reads go on. Then room is made while the server runs (the tmpfs
//! grows, the limit is lifted): the refused create sent again and a new one succeed and are told in order. After a
//! kill -9 and a restart on the same disk, the cards kept are exactly the ones acknowledged, the board's log has
//! no gap, and SQLite's integrity check passes.

#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::crash::all_events;
use common::process::{Server, SmallDisk, free_port, wait_healthy};
use futures_util::StreamExt;
use lanban_client::Api;
use lanban_core::api::CreateCard;
use lanban_core::event::{Change, ServerMessage};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The largest file the limited server may write, in 512-byte blocks (`ulimit -f`): 3 MiB, enough for the
/// database after its migrations and a few hundred cards, so the limit is met within a short run.
const LIMIT_BLOCKS: u64 = 6 * 1024;

/// The small disk's size, in KiB: the database after its migrations and a few dozen cards.
const SMALL_DISK_KIB: u64 = 4 * 1024;

/// Attempts before the test gives up waiting for the limit (a card with its event and its answer kept for its
/// `Idempotency-Key` takes ~100 KiB of WAL and database: ~30 fill it).
const MAX_ATTEMPTS: usize = 2_000;

/// Failed creates to see in a row before the writes stop: the server keeps refusing, it does not crash.
const FAILURES_IN_A_ROW: usize = 10;

/// A server process, killed (SIGKILL) when dropped: at the end of the test, or when an assertion fails first.
struct Running(Server);

/// How the disk fills up.
enum Disk {
    /// A tmpfs of `SMALL_DISK_KIB` of the test's own: writes past it fail with `ENOSPC`.
    Small(SmallDisk),
    /// No file may grow past `LIMIT_BLOCKS` (`ulimit -f`): writes past it fail with `EFBIG`, as an I/O error.
    FileSizeLimit,
}

impl Disk {
    /// Starts the binary on `data`, the disk full or (once `roomy`) with room again.
    fn start(&self, data: &Path, port: u16, roomy: bool) -> Running {
        Running(match self {
            Disk::Small(disk) => Server::start_on(disk, data, port),
            Disk::FileSizeLimit if roomy => Server::start(data, port),
            Disk::FileSizeLimit => Server::start_limited(data, port, LIMIT_BLOCKS),
        })
    }

    /// Makes room while `server` runs (space freed on the disk).
    fn make_room(&self, server: &Running) {
        match self {
            Disk::Small(disk) => disk.resize(16 * SMALL_DISK_KIB),
            Disk::FileSizeLimit => rlimit::prlimit(
                i32::try_from(server.0.child.id()).expect("a pid"),
                rlimit::Resource::FSIZE,
                Some((rlimit::INFINITY, rlimit::INFINITY)),
                None,
            )
            .expect("the limit is lifted"),
        }
    }

    /// Where the test reads `data`'s files (from outside the small disk's namespace).
    fn files(&self, data: &Path) -> PathBuf {
        match self {
            Disk::Small(disk) => disk.outside(data),
            Disk::FileSizeLimit => data.to_owned(),
        }
    }

    /// What a refusal says of the disk.
    fn says(&self) -> &'static str {
        match self {
            Disk::Small(_) => "disk is full",
            Disk::FileSizeLimit => "could not write to its disk",
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

/// What became of the card creates sent to the limited server.
#[derive(Default)]
struct Outcome {
    /// Titles of the cards acknowledged (2xx), in the order sent.
    acked: Vec<String>,
    /// Titles of the creates refused, with the status and body of each answer.
    refused: Vec<(String, StatusCode, Value)>,
}

/// A member creating cards, each with its `Idempotency-Key` made of its title.
struct Writer {
    http: reqwest::Client,
    cards: String,
    token: String,
    description: String,
}

impl Writer {
    /// Creates the card `title`: the answer's status and JSON body.
    async fn create(&self, title: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(&self.cards)
            .bearer_auth(&self.token)
            .header("idempotency-key", title.replace(' ', "-"))
            .json(&CreateCard {
                title: title.to_owned(),
                description: Some(self.description.clone()),
                ..Default::default()
            })
            .send()
            .await
            .expect("the server answers every request");
        let status = response.status();
        (status, response.json().await.expect("every answer is JSON"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_writes_cleanly_and_loses_no_acknowledged_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = SmallDisk::mount(&dir.path().join("disk"), SMALL_DISK_KIB);
    let data = disk.dir.join("data");
    fills_up(Disk::Small(disk), &data).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_disk_fails_writes_cleanly_and_loses_no_acknowledged_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    fills_up(Disk::FileSizeLimit, &dir.path().join("data")).await;
}

/// The scenario: writes until the disk refuses them, room made, kill -9, restart; `data` as the server sees it.
async fn fills_up(disk: Disk, data: &Path) {
    let files = disk.files(data);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = disk.start(data, port, false);
    wait_healthy(&url).await;
    let host_token = std::fs::read_to_string(files.join("host-token"))
        .expect("the host credential")
        .trim()
        .to_owned();
    let host = Api::new(&url).expect("a URL").with_token(&host_token);
    let (created, column) = common::board_with_column(&host, "Disk").await;
    let board = created.board.id;
    let member = Api::new(&url)
        .expect("a URL")
        .join(&created.board.room_code.to_string(), "Writer")
        .await
        .expect("joined");

    // A teammate watches the board live.
    let mut request = format!("ws://127.0.0.1:{port}/api/boards/{board}/ws")
        .into_client_request()
        .expect("a socket request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", member.token)
            .parse()
            .expect("a header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the socket opens");

    let writer = Writer {
        http: reqwest::Client::new(),
        cards: format!("{url}/api/columns/{}/cards", column.id),
        token: member.token.clone(),
        description: "A long description that fills the disk. ".repeat(480),
    };
    let mut outcome = Outcome::default();
    let mut in_a_row = 0;
    for n in 0..MAX_ATTEMPTS {
        let title = format!("card {n}");
        let (status, body) = writer.create(&title).await;
        if status.is_success() {
            outcome.acked.push(title);
            in_a_row = 0;
            continue;
        }
        outcome.refused.push((title, status, body));
        in_a_row += 1;
        if in_a_row >= FAILURES_IN_A_ROW {
            break;
        }
    }
    assert!(
        outcome.refused.len() >= FAILURES_IN_A_ROW,
        "the limit was never met: {} cards acknowledged",
        outcome.acked.len()
    );
    assert!(
        !outcome.acked.is_empty(),
        "the limit left no room for a single card"
    );
    eprintln!(
        "{} cards acknowledged, then {} refused (first: {})",
        outcome.acked.len(),
        outcome.refused.len(),
        outcome.refused[0].2
    );
    for (title, status, body) in &outcome.refused {
        assert_eq!(
            *status,
            StatusCode::INSUFFICIENT_STORAGE,
            "{title} was refused with {status}: {body}"
        );
        assert_eq!(body["error"]["code"], "write_failed", "{title}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("nothing was changed") && m.contains(disk.says())),
            "{title}: {body}"
        );
    }

    // A refused create sent again with its key is not answered from a change that never was: it is refused again,
    // or (should the server's checkpoint have made room meanwhile) really made, and then told and kept like any.
    let last_refused = outcome.refused[outcome.refused.len() - 1].0.clone();
    let (status, body) = writer.create(&last_refused).await;
    if status.is_success() {
        outcome.acked.push(last_refused);
    } else {
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    }

    // Reads go on while writes fail.
    let snapshot = host.snapshot(board).await.expect("the board reads");
    assert_eq!(snapshot.cards.len(), outcome.acked.len());

    // The teammate was told of every acknowledged card and of nothing else, in order.
    assert_eq!(told(&mut socket, outcome.acked.len()).await, outcome.acked);
    let quiet = tokio::time::timeout(Duration::from_millis(300), socket.next()).await;
    assert!(
        !matches!(quiet, Ok(Some(Ok(Message::Text(_))))),
        "an event went out for a refused change: {quiet:?}"
    );

    // Room again, the server still running (as when someone frees space on the disk): the refused create sent
    // again with its key, then a new one, are acknowledged, told, and take the next seqs.
    disk.make_room(&server);
    let more = [outcome.refused[0].0.clone(), "card after room".to_owned()];
    for title in &more {
        let (status, body) = writer.create(title).await;
        assert!(status.is_success(), "{title}: {status} {body}");
    }
    assert_eq!(told(&mut socket, more.len()).await, more);
    outcome.acked.extend(more);
    let before_crash = host.snapshot(board).await.expect("the board reads");
    assert_eq!(before_crash.cards.len(), outcome.acked.len());

    // The machine goes down hard and comes back.
    drop(server); // SIGKILL
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = disk.start(data, port, true);
    wait_healthy(&url).await;
    let host = Api::new(&url).expect("a URL").with_token(&host_token);
    let snapshot = host.snapshot(board).await.expect("the board reads");
    let mut kept: Vec<String> = snapshot.cards.iter().map(|c| c.title.clone()).collect();
    let mut acked = outcome.acked.clone();
    kept.sort();
    acked.sort();
    assert_eq!(
        kept, acked,
        "the cards kept are exactly the ones acknowledged"
    );
    assert_eq!(snapshot.seq, before_crash.seq);
    let events = all_events(&host, board).await;
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.seq, i as u64 + 1, "the log has a gap or a repeat");
    }
    assert_eq!(events.last().map(|e| e.seq), Some(snapshot.seq));
    drop(server);

    // SQLite resolves the link `/proc/<pid>/root` names into the machine's own `/`, so it checks a copy of the
    // database and its write-ahead log as the killed server left them.
    let copy = tempfile::tempdir().expect("temp dir");
    for name in ["lanban.sqlite", "lanban.sqlite-wal"] {
        if files.join(name).exists() {
            std::fs::copy(files.join(name), copy.path().join(name)).expect("the database copies");
        }
    }
    let conn =
        rusqlite::Connection::open(copy.path().join("lanban.sqlite")).expect("the database opens");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
}

/// The titles of the next `count` cards created that `socket` is told of.
async fn told(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    count: usize,
) -> Vec<String> {
    let mut titles = Vec::new();
    while titles.len() < count {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the socket delivers every acknowledged card")
            .expect("the socket stays open")
            .expect("a message");
        let Message::Text(text) = message else {
            continue;
        };
        if let Ok(ServerMessage::Event(event)) = serde_json::from_str::<ServerMessage>(&text)
            && let Change::CardCreated(card) = event.change
        {
            titles.push(card.title);
        }
    }
    titles
}
