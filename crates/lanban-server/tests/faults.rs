//! Network faults: sockets whose peers stop reading are dropped without growing the server's memory, and
//! without delaying anyone else on the board.

#![cfg(unix)]

mod common;

use std::time::Duration;

use lanban_client::{Api, BoardSession};
use lanban_core::api::CreateCard;
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
    let common::process::Launched {
        server,
        port,
        url,
        host,
        ..
    } = common::process::launch(dir.path()).await;
    let (board, column) = common::board_with_column(&host, "Stalls").await;
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

fn quick() -> lanban_client::SessionOptions {
    lanban_client::SessionOptions {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
        ..lanban_client::SessionOptions::default()
    }
}

/// A server with a board, and a proxy in front of it for the clients under test; the host talks to it directly.
async fn behind_proxy(
    name: &str,
) -> (
    common::TestServer,
    common::proxy::Proxy,
    Api,
    lanban_core::api::BoardCreated,
    lanban_core::model::Column,
) {
    let server = common::TestServer::start().await;
    let proxy = common::proxy::Proxy::start(server.server.as_ref().unwrap().addr).await;
    let host = Api::new(&server.base)
        .unwrap()
        .with_token(&server.host_token);
    let (board, column) = common::board_with_column(&host, name).await;
    (server, proxy, host, board, column)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_ride_out_cut_and_paused_connections_and_converge() {
    let (_server, proxy, host, board, column) = behind_proxy("Faulty").await;
    let via_proxy = Api::new(&proxy.url()).unwrap();
    let member = via_proxy
        .join(&board.room_code.to_string(), "Roamer")
        .await
        .unwrap();
    let session =
        BoardSession::open_with(via_proxy.with_token(&member.token), board.board.id, quick())
            .await
            .unwrap();
    let add = |i: usize| {
        let host = host.clone();
        async move {
            host.create_card(
                column.id,
                &CreateCard {
                    title: format!("card {i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };

    // The network drops every connection mid-stream, over and over, while the host keeps working; each time the
    // session comes back through the proxy by itself.
    for round in 0..5 {
        for i in 0..20 {
            add(round * 20 + i).await;
        }
        let before = proxy.accepted();
        proxy.cut();
        tokio::time::timeout(Duration::from_secs(30), async {
            while proxy.accepted() == before {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the session reconnected");
    }
    let last = host.snapshot(board.board.id).await.unwrap();
    session
        .wait_for_seq(last.seq, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(session.state(), last);

    // The client stops receiving for a while (its reads pause); changes keep coming; then it resumes.
    proxy.pause(true);
    for i in 0..50 {
        add(1000 + i).await;
    }
    proxy.pause(false);
    let last = host.snapshot(board.board.id).await.unwrap();
    session
        .wait_for_seq(last.seq, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(session.state(), last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_storm_of_500_clients_converges() {
    let (_server, proxy, host, board, column) = behind_proxy("Storm").await;
    let via_proxy = Api::new(&proxy.url()).unwrap();
    // 500 sessions of 50 members (sockets per member are capped at 16).
    let mut sessions = Vec::new();
    for m in 0..50 {
        let member = via_proxy
            .join(&board.room_code.to_string(), &format!("Member {m}"))
            .await
            .unwrap();
        for _ in 0..10 {
            sessions.push(
                BoardSession::open_with(
                    via_proxy.with_token(&member.token),
                    board.board.id,
                    quick(),
                )
                .await
                .unwrap(),
            );
        }
    }
    for session in &sessions {
        session
            .wait_for_connection(
                |s| *s == lanban_client::ConnectionState::Connected,
                Duration::from_secs(30),
            )
            .await
            .unwrap();
    }

    // Every connection drops at once; changes land while they are all reconnecting.
    proxy.cut();
    for i in 0..10 {
        host.create_card(
            column.id,
            &CreateCard {
                title: format!("during the storm {i}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let started = std::time::Instant::now();
    let last = host.snapshot(board.board.id).await.unwrap();
    for session in &sessions {
        session
            .wait_for_seq(last.seq, Duration::from_secs(60))
            .await
            .unwrap();
    }
    println!(
        "reconnect storm: 500 clients converged {:?} after the cut",
        started.elapsed()
    );
    for session in &sessions {
        assert_eq!(session.read(|s| s.cards.len()), last.cards.len());
    }
}
