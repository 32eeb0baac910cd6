//! A headless server takes a board over from a desktop host: `lanban-server join` joins it as a member, the host
//! offers it that member, `lanban-server take-over` accepts and imports it, and the server then serves it: the
//! old host refuses changes, every member's token works on the new server, and the history continues.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::process::free_port;
use lanban_client::Api;
use lanban_core::api::ErrorCode;
use lanban_core::ids::MemberId;
use lanban_server::tls::{Identity, TlsMode};
use lanban_server::{Config, RunningServer};

/// Runs the CLI with `args`; panics with its output if it fails.
fn cli(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
        .args(args)
        .env("LANBAN_DISCOVERY", "0")
        .output()
        .expect("the CLI runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "lanban-server {args:?} failed: {text}"
    );
    text
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_server_takes_a_board_over_from_its_desktop_host() {
    lanban_client::tls::install_default_provider();
    // Ada's desktop host serves "Launch" over TLS; Bea is a member.
    let desk = tempfile::tempdir().unwrap();
    let mut config = Config::new(desk.path());
    config.tls = TlsMode::Always;
    let host = RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let old_pin = host.fingerprint().expect("TLS");
    let from = host.addr.to_string();
    let created = Api::pinned(&from, old_pin)
        .unwrap()
        .with_token(&host.host_token)
        .create_board("Launch", "Ada")
        .await
        .unwrap();
    let board = created.board.id;
    let ada = Api::pinned(&from, old_pin)
        .unwrap()
        .with_token(&created.token);
    let code = created.room_code.to_string();
    let bea = Api::pinned(&from, old_pin)
        .unwrap()
        .join(&code, "Bea")
        .await
        .unwrap();

    // The studio server joins the board as a member, and Ada offers it the board.
    let studio = tempfile::tempdir().unwrap();
    let said = cli(&[
        "join",
        "--data",
        path(studio.path()),
        "--from",
        &from,
        "--fingerprint",
        &old_pin.to_string(),
        "--code",
        &code,
        "--name",
        "Studio",
    ]);
    assert!(said.contains("joined «Launch» as Studio"), "{said}");
    let kept: serde_json::Value = serde_json::from_slice(
        &std::fs::read(studio.path().join(format!("take-over-{board}.json"))).unwrap(),
    )
    .unwrap();
    let member: MemberId = serde_json::from_value(kept["member"].clone()).unwrap();
    ada.offer_handoff(board, Some(member)).await.unwrap();

    // It takes the board over, to be served at 127.0.0.1:PORT.
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    cli(&[
        "take-over",
        "--data",
        path(studio.path()),
        "--board",
        &board.to_string(),
        "--address",
        &address,
    ]);
    let moved = ada.snapshot(board).await.unwrap();
    let refused = ada.rename_board(board, "Still here?").await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::BoardMoved));

    // Served from the studio: Bea's token works there, pinned to the studio's certificate, at the same seq.
    let new_pin = Identity::load_or_create(studio.path()).unwrap().fingerprint;
    let _serving = Serving(
        Command::new(env!("CARGO_BIN_EXE_lanban-server"))
            .args([
                "--data",
                path(studio.path()),
                "--bind",
                &address,
                "--tls",
                "always",
                "--no-discovery",
            ])
            .env("LANBAN_DISCOVERY", "0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let bea_there = Api::pinned(&address, new_pin)
        .unwrap()
        .with_token(&bea.token);
    let snapshot = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(snapshot) = bea_there.snapshot(board).await {
                return snapshot;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the studio serves the board");
    // One event on: the studio gave the board a room code of its own (the old one named Ada's computer).
    assert_eq!(snapshot.seq, moved.seq + 1);
    assert_eq!(snapshot.cards, moved.cards);
    assert_ne!(snapshot.board.room_code, moved.board.room_code);
    assert_eq!(snapshot.board.room_code.tag(), new_pin.tag());
    let renamed = bea_there
        .rename_board(board, "Launch (studio)")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Launch (studio)");
    host.stop().await.unwrap();
}

/// The studio's server process, stopped when the test ends (however it ends, so a failed assertion never leaves it
/// holding the test's output open).
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
