//! Every file the server writes is its user's alone (mode 0700/0600 on Unix, an owner-only access list on Windows,
//! `lanban_client::private`): the data directory, the database with its WAL and shared-memory files, the host
//! credential, the TLS key, a backup and an export.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestServer;
use lanban_client::private::is_private;
use lanban_server::store::portable;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_the_server_writes_is_private_to_its_user() {
    let mut server = TestServer::start().await;
    let board = server.create_board("Payroll", "Pat").await;
    server
        .add_column(&board.id, &board.host_token, "Todo")
        .await;
    let data = server.dir.path().to_path_buf();
    let out = tempfile::tempdir().expect("temp dir");
    let backup = out.path().join("backup.sqlite");
    portable::backup(&data, &backup).expect("a backup");
    server.stop().await;
    let export = out.path().join("board.json");
    let status = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
        .args(["export", "--data"])
        .arg(&data)
        .args(["--board", &board.id, "--out"])
        .arg(&export)
        .env("LANBAN_DISCOVERY", "0")
        .status()
        .expect("the CLI runs");
    assert!(status.success());

    let written = files_in(&data);
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    for expected in ["lanban.sqlite", "host-token"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(is_private(&data).expect("readable"), "the data directory");
    for path in written.iter().chain([&backup, &export]) {
        assert!(
            is_private(path).expect("readable"),
            "{} is not private",
            path.display()
        );
    }
}
