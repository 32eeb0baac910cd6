//! The `lanban-server` binary: starts on a free port, says where, serves, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[cfg(unix)]
#[test]
fn the_binary_prints_its_url_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
        .args(["--bind", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("it says where it listens")
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    lanban_client::tls::install_default_provider();
    let health: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("{url}/api/health"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(health["status"], "ok");
    assert_eq!(health["protocol"], lanban_core::PROTOCOL_VERSION);
    let token = std::fs::read_to_string(dir.path().join("host-token")).unwrap();
    assert_eq!(token.trim().len(), 43);

    // SIGTERM: a graceful stop with exit code 0.
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
