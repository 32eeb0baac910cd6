//! Network faults: sockets whose peers stop reading are dropped without growing the server's memory, and
//! without delaying anyone else on the board.

#![cfg(unix)]

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::process::{Server, wait_healthy};
use lanban_client::{Api, BoardSession};
use lanban_core::api::{CreateCard, CreateColumn};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Opens a board socket with a tiny receive buffer and never reads from it.
async fn stalled_socket(
    port: u16,
    board: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket
        .connect(format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap();
    let mut request = format!("ws://127.0.0.1:{port}/api/boards/{board}/ws")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_stalled_sockets_neither_grow_memory_nor_delay_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let server = Server::start(dir.path(), port);
    wait_healthy(&url).await;
    let host_token = std::fs::read_to_string(dir.path().join("host-token"))
        .unwrap()
        .trim()
        .to_owned();
    let host = Api::new(&url).unwrap().with_token(&host_token);
    let board = host.create_board("Stalls", "Host").await.unwrap();
    let column = host
        .create_column(
            board.board.id,
            &CreateColumn {
                title: "Todo".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let anon = Api::new(&url).unwrap();
    let watcher = anon
        .join(&board.room_code.to_string(), "Watcher")
        .await
        .unwrap();
    let live = BoardSession::open(anon.with_token(&watcher.token), board.board.id)
        .await
        .unwrap();
    let rss_before = server.rss_kib();

    // 100 sockets (7 members, at most 16 sockets each) that never read.
    let mut stalled = Vec::new();
    for m in 0..7 {
        let member = anon
            .join(&board.room_code.to_string(), &format!("Stalled {m}"))
            .await
            .unwrap();
        for _ in 0..15 {
            if stalled.len() < 100 {
                stalled
                    .push(stalled_socket(port, &board.board.id.to_string(), &member.token).await);
            }
        }
    }
    assert_eq!(stalled.len(), 100);

    // 3,000 changes with 2 KiB descriptions: far more than any stalled socket's buffers hold.
    let description = "x".repeat(2048);
    for i in 0..3000 {
        host.create_card(
            column.id,
            &CreateCard {
                title: format!("card {i}"),
                description: Some(description.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // The board's seq, without loading the board (a snapshot of 6,000 cards would itself raise the RSS).
    let last = host
        .events(board.board.id, u64::MAX / 2, Some(1))
        .await
        .unwrap()
        .seq;
    // The reading member is not held back by the stalled ones.
    live.wait_for_seq(last, Duration::from_secs(30))
        .await
        .unwrap();
    let rss_loaded = server.rss_kib();
    println!(
        "stalled sockets: RSS {} KiB before, {} KiB with 100 stalled sockets after 3,000 events ({} KiB per stalled socket)",
        rss_before,
        rss_loaded,
        rss_loaded.saturating_sub(rss_before) / 100
    );
    // Each stalled socket may hold one frame and its buffers; nothing may queue without bound. 3,000 events of
    // 2 KiB sent to 100 sockets would be 600 MB if queued.
    assert!(
        rss_loaded < rss_before + 64 * 1024,
        "memory grew with stalled sockets: {rss_before} → {rss_loaded} KiB"
    );
    drop(stalled);
    server.kill();
}
