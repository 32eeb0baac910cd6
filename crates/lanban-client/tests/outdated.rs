//! A host that speaks a newer protocol than this client (docs/protocol.md §9.2 `hello.protocol`): the session stops
//! with `Outdated` instead of reading a board it may not understand, and keeps the board it had. The newer host is a
//! real server behind a loopback relay that rewrites the protocol number in what the server sends (same length, so
//! every frame stays whole).

mod common;

use std::net::SocketAddr;

use common::{PATIENCE, column, quick, start};
use lanban_client::{Api, BoardSession, ConnectionState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the relay writes instead of this build's protocol number.
const NEWER: u8 = b'9';

/// Relays one side to the other, replacing `"protocol":N` by `"protocol":9` on the way.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    rewrite: bool,
) {
    let needle = format!("\"protocol\":{}", lanban_core::PROTOCOL_VERSION).into_bytes();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &mut buffer[..n];
        if rewrite {
            let mut i = 0;
            while i + needle.len() <= chunk.len() {
                if chunk[i..i + needle.len()] == needle[..] {
                    chunk[i + needle.len() - 1] = NEWER;
                }
                i += 1;
            }
        }
        if to.write_all(chunk).await.is_err() {
            break;
        }
    }
}

/// A relay on loopback in front of `upstream`; answers its address.
async fn relay(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(upstream).await else {
                continue;
            };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::spawn(pump(client_read, server_write, false));
            tokio::spawn(pump(server_read, client_write, true));
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_stops_and_asks_for_an_update_when_the_host_speaks_a_newer_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let host = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    let created = host.create_board("Launch", "Hana").await.unwrap();
    let hana = Api::new(&server.url()).unwrap().with_token(&created.token);
    column(&hana, created.board.id, "Todo").await;

    // Straight to the server: connected.
    let session = BoardSession::open_with(hana.clone(), created.board.id, quick())
        .await
        .unwrap();
    session
        .wait_for_connection(|s| matches!(s, ConnectionState::Connected), PATIENCE)
        .await
        .unwrap();
    session.close().await;

    // Through the relay, the host says it speaks a newer protocol: the session stops, keeping its board.
    let newer = relay(server.addr).await;
    let through = Api::new(&newer.to_string())
        .unwrap()
        .with_token(&created.token);
    let session = BoardSession::open_with(through, created.board.id, quick())
        .await
        .unwrap();
    session
        .wait_for_connection(
            |s| matches!(s, ConnectionState::Outdated { host_protocol: 9 }),
            PATIENCE,
        )
        .await
        .unwrap();
    assert_eq!(session.state().columns.len(), 1);
    session.close().await;
    server.stop().await.unwrap();
}
