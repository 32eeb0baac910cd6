//! Pinned TLS against a real server serving HTTPS: the right fingerprint gets the whole protocol (HTTP and the
//! live socket over WSS); any other is refused before a request is sent; the fingerprint can be read without
//! talking; plain HTTP from this computer still works.

use std::time::Duration;

use lanban_client::replica::{HostKey, Replica};
use lanban_client::tls::probe_fingerprint;
use lanban_client::{Api, BoardSession, ClientError, ConnectionState, ReplicaSlot, SessionOptions};
use lanban_core::api::{CreateCard, CreateColumn};
use lanban_core::fingerprint::Fingerprint;
use lanban_server::tls::TlsMode;
use lanban_server::{Config, RunningServer};

const PATIENCE: Duration = Duration::from_secs(15);

async fn tls_server(dir: &std::path::Path) -> RunningServer {
    let mut config = Config::new(dir);
    config.tls = TlsMode::Always;
    RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the server starts")
}

#[tokio::test]
async fn the_pinned_certificate_carries_the_whole_protocol_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path()).await;
    let pin = server.fingerprint().expect("it serves TLS");
    let https = format!("https://{}", server.addr);

    let host = Api::pinned(&https, pin)
        .unwrap()
        .with_token(&server.host_token);
    let created = host.create_board("Over TLS", "Ada").await.unwrap();
    // Its room codes start with the tag its certificate names, so a code alone says which host to ask.
    assert_eq!(created.room_code.tag(), pin.tag());
    assert_eq!(server.tag(), pin.tag());
    let rotated = host.rotate_room_code(created.board.id).await.unwrap();
    assert_eq!(rotated.tag(), pin.tag());
    assert_ne!(rotated, created.room_code);
    let ada = host.with_token(&created.token);
    let joined = Api::pinned(&https, pin)
        .unwrap()
        .join(&rotated.to_string(), "Bo")
        .await
        .unwrap();
    let bo = Api::pinned(&https, pin).unwrap().with_token(&joined.token);

    // Bo's live session runs over WSS with the same pin, and sees Ada's change.
    let session = BoardSession::open(bo, created.board.id).await.unwrap();
    let column = ada
        .create_column(
            created.board.id,
            &CreateColumn {
                title: "Todo".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ada.create_card(
        column.id,
        &CreateCard {
            title: "Sent over TLS".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let seq = ada.snapshot(created.board.id).await.unwrap().seq;
    session.wait_for_seq(seq, PATIENCE).await.unwrap();
    let mirror = session.state();
    assert_eq!(mirror.cards.len(), 1);
    assert_eq!(mirror.cards[0].title, "Sent over TLS");
    session.close().await;

    // This computer may still speak plain HTTP to it.
    let plain = Api::new(&server.url())
        .unwrap()
        .with_token(&server.host_token);
    assert_eq!(plain.list_boards().await.unwrap().len(), 1);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn another_certificate_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path()).await;
    let real = server.fingerprint().unwrap();
    let https = format!("https://{}", server.addr);
    let wrong = Fingerprint::of_der(b"some other host's certificate");

    let impostor_pin = Api::pinned(&https, wrong)
        .unwrap()
        .with_token(&server.host_token);
    for result in [
        impostor_pin.health().await.map(|_| ()),
        impostor_pin
            .create_board("Should not exist", "Eve")
            .await
            .map(|_| ()),
    ] {
        match result {
            Err(ClientError::HostIdentityChanged {
                expected,
                presented,
            }) => {
                assert_eq!(expected, wrong);
                assert_eq!(presented, real);
            }
            other => panic!("expected HostIdentityChanged, got {other:?}"),
        }
    }
    // The mutation never reached the server (it was not even retried).
    let host = Api::pinned(&https, real)
        .unwrap()
        .with_token(&server.host_token);
    assert!(host.list_boards().await.unwrap().is_empty());

    // A live session with the wrong pin does not open either.
    let created = host.create_board("Real", "Ada").await.unwrap();
    let wrong_session = Api::pinned(&https, wrong)
        .unwrap()
        .with_token(&created.token);
    assert!(
        BoardSession::open(wrong_session, created.board.id)
            .await
            .is_err()
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_fingerprint_can_be_read_from_the_handshake_alone() {
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path()).await;
    let probed = probe_fingerprint(&server.addr.to_string()).await.unwrap();
    assert_eq!(Some(probed), server.fingerprint());
    // It is the certificate kept in the data directory: the same after a restart.
    server.stop().await.unwrap();
    let again = tls_server(dir.path()).await;
    assert_eq!(again.fingerprint(), Some(probed));
    again.stop().await.unwrap();
}

#[tokio::test]
async fn a_pinned_client_speaks_only_https() {
    let pin = Fingerprint::of_der(b"x");
    assert!(matches!(
        Api::pinned("http://127.0.0.1:1", pin),
        Err(ClientError::Address(_))
    ));
    let api = Api::pinned("127.0.0.1:7420", pin).unwrap();
    assert_eq!(api.base_url(), "https://127.0.0.1:7420");
    assert_eq!(
        api.socket_url(lanban_core::ids::BoardId::new(), None)
            .split("://")
            .next(),
        Some("wss")
    );
}

#[tokio::test]
async fn a_kept_board_opens_from_its_copy_and_says_so_when_another_computer_poses_as_its_host() {
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path()).await;
    let addr = server.addr;
    let pin = server.fingerprint().expect("it serves TLS");
    let https = format!("https://{addr}");
    let host = Api::pinned(&https, pin)
        .unwrap()
        .with_token(&server.host_token);
    let created = host.create_board("Kept", "Ada").await.unwrap();
    let joined = Api::pinned(&https, pin)
        .unwrap()
        .join(&created.room_code.to_string(), "Bo")
        .await
        .unwrap();
    let bo = Api::pinned(&https, pin).unwrap().with_token(&joined.token);
    let copies = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(copies.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::from(pin),
    };
    let options = SessionOptions {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(300),
        ..SessionOptions::default()
    };
    let session =
        BoardSession::open_replicated(bo.clone(), created.board.id, options.clone(), slot.clone())
            .await
            .unwrap();
    let board = session.state();
    session.close().await;

    // Another computer takes the host's address with a certificate of its own.
    server.stop().await.unwrap();
    for file in ["tls-cert.der", "tls-key.der"] {
        std::fs::remove_file(dir.path().join(file)).unwrap();
    }
    let mut config = Config::new(dir.path());
    config.tls = TlsMode::Always;
    let impostor = RunningServer::start(config, addr).await.unwrap();
    assert_ne!(impostor.fingerprint(), Some(pin));

    // Bo's board opens from the copy; the session refuses the impostor and says so.
    let session = BoardSession::open_replicated(bo, created.board.id, options, slot)
        .await
        .unwrap();
    assert_eq!(session.state(), board);
    let state = session
        .wait_for_connection(
            |s| matches!(s, ConnectionState::IdentityChanged { .. }),
            PATIENCE,
        )
        .await
        .unwrap();
    assert!(matches!(
        state,
        ConnectionState::IdentityChanged {
            last_synced: Some(_),
            ..
        }
    ));
    session.close().await;
    impostor.stop().await.unwrap();
}
