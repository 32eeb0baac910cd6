//! A neighbour holding connections open without a word does not stall the listener (docs/protocol.md §11): with
//! TLS on, 300 silent connections are opened at once; the host's own app (a pinned client on loopback) is still
//! answered, and a silent connection is closed by the server once its handshake deadline passes. Loopback only,
//! bounded in count and time.

use lanban_server::tls::{HANDSHAKE_TIMEOUT, TlsMode};
use lanban_server::{Config, RunningServer};
use tokio::io::AsyncReadExt;
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
