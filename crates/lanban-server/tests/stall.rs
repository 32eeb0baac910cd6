//! A neighbour holding connections open without a word does not stall the listener (docs/protocol.md §11): with
//! TLS on, 300 silent connections are opened at once; the host's own app (a pinned client on loopback) is still
//! answered, and a silent connection is closed by the server once its handshake deadline passes. Loopback only,
//! bounded in count and time. Without TLS, a request head sent a byte at a time, or never, is cut off at its
//! deadline too.

use lanban_server::tls::{HANDSHAKE_TIMEOUT, TlsMode};
use lanban_server::{Config, RunningServer};
use std::time::{Duration, Instant};

use lanban_server::serve::HEADER_DEADLINE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Silent connections the neighbour opens.
const SILENT: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_do_not_stall_the_listener_and_are_dropped_at_their_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path());
    config.tls = TlsMode::Always;
    let server = RunningServer::start(config, "127.0.0.1:0".parse().expect("an address"))
        .await
        .expect("server starts");
    let mut silent = Vec::new();
    for _ in 0..SILENT {
        silent.push(TcpStream::connect(server.addr).await.expect("connected"));
    }

    // The host's own app is answered meanwhile, over TLS pinned to the server's certificate.
    lanban_client::tls::install_default_provider();
    let api =
        lanban_client::Api::pinned(&server.addr.to_string(), server.fingerprint().expect("TLS"))
            .expect("a client")
            .with_token(&server.host_token);
    // Before loopback bypassed the handshake slots, it waited until the silent ones timed out (10 s then).
    let boards = tokio::time::timeout(HANDSHAKE_TIMEOUT, api.list_boards())
        .await
        .expect("answered while 300 connections sit silent")
        .expect("the host's list of boards");
    assert!(boards.is_empty());

    // A silent connection is closed once its deadline has passed: reading it ends.
    let mut first = silent.swap_remove(0);
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(HANDSHAKE_TIMEOUT * 3, first.read(&mut byte))
        .await
        .expect("the server closed the silent connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    drop(silent);
    server.stop().await.expect("clean stop");
}

/// Reads until the server closes the connection (or `within` passes: a failure) and answers what it sent.
async fn until_closed(connection: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    tokio::time::timeout(within, async {
        let mut buffer = [0u8; 512];
        loop {
            match connection.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection at its deadline");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_cuts_off_slow_and_idle_request_heads_at_the_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = RunningServer::start(
        Config::new(dir.path()),
        "127.0.0.1:0".parse().expect("an address"),
    )
    .await
    .expect("server starts");
    let started = Instant::now();
    // Silent from the start; one dripping a head a byte a second; one idle after a first request (keep-alive).
    let mut silent = TcpStream::connect(server.addr).await.expect("connected");
    let mut dripping = TcpStream::connect(server.addr).await.expect("connected");
    let drip = tokio::spawn(async move {
        for byte in b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if dripping.write_all(&[*byte]).await.is_err() {
                return dripping;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        dripping
    });
    let mut idle = TcpStream::connect(server.addr).await.expect("connected");
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("sent");

    let within = HEADER_DEADLINE * 3;
    assert!(until_closed(&mut silent, within).await.is_empty());
    let answered = String::from_utf8(until_closed(&mut idle, within).await).expect("text");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let mut dripping = tokio::time::timeout(within, drip)
        .await
        .expect("the dripping head was cut off")
        .expect("the drip task");
    let cut = String::from_utf8(until_closed(&mut dripping, within).await).expect("text");
    assert!(
        !cut.contains("200 OK"),
        "a head that never ends is never answered: {cut}"
    );
    // Nothing is closed before its deadline.
    assert!(
        started.elapsed() >= HEADER_DEADLINE,
        "{:?}",
        started.elapsed()
    );

    // Meanwhile and after, others are served.
    let api = lanban_client::Api::new(&format!("http://{}", server.addr))
        .expect("a client")
        .with_token(&server.host_token);
    assert!(
        api.list_boards()
            .await
            .expect("the list of boards")
            .is_empty()
    );
    server.stop().await.expect("clean stop");
}
