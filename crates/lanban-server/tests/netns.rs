//! The server as another computer on a LAN sees it: two network namespaces joined by a veth pair (addresses that
//! exist only inside them), the real `lanban-server` binary listening on every interface in one, `curl` in the
//! other. Plain HTTP from the other computer is refused with `426 tls_required` and changes nothing; the same
//! request over HTTPS works; plain HTTP from the server's own computer still works. The server announces itself
//! over mDNS inside its namespace, and the other computer finds it there, with the tag its codes start with.
//!
//! Needs root (to create namespaces), `ip` and `curl`; CI has all three. Nothing here reaches a real network.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};

use lanban_testnet::Lan;
use serde_json::Value;

/// The server's computer and the other one.
const SERVER: usize = 0;
const CLIENT: usize = 1;

/// The server process, killed when the test ends; its stdout stays open (its log shares it) until then.
struct Server {
    child: Child,
    _stdout: Box<dyn Iterator<Item = String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl` in a namespace: the body and the status.
fn curl(lan: &Lan, computer: usize, args: &[&str]) -> (Value, u16) {
    let Output { stdout, status, .. } = lan
        .exec(computer, "curl")
        .args([
            "-sS",
            "-m",
            "10",
            "-w",
            "\n%{http_code}",
            "-H",
            "Content-Type: application/json",
        ])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(status.success(), "curl {args:?} failed");
    let text = String::from_utf8_lossy(&stdout);
    let (body, code) = text.rsplit_once('\n').expect("a status line");
    (
        serde_json::from_str(body).unwrap_or(Value::Null),
        code.trim().parse().expect("a status code"),
    )
}

/// Starts the server on its computer, listening on every interface at 7420 and announcing itself inside its
/// namespace only; checks that it says where it listens and what certificate it presents.
fn start_server(lan: &Lan, data: &Path) -> Server {
    let mut child = lan
        .exec(SERVER, env!("CARGO_BIN_EXE_lanban-server"))
        .args([
            "--bind",
            "0.0.0.0:7420",
            "--name",
            "office-server",
            "--data",
        ])
        .arg(data)
        // It announces itself, inside its namespace only.
        .env_remove("LANBAN_DISCOVERY")
        .env("LANBAN_REQUIRE_NETNS", lan.namespace(SERVER))
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // The log shares stdout; the server's own lines say where it listens and what it presents.
    let mut lines = stdout.lines().map_while(Result::ok);
    let first = lines
        .find(|l| l.starts_with("listening on"))
        .expect("the server listens");
    assert!(
        first.starts_with("listening on https://0.0.0.0:7420"),
        "{first}"
    );
    assert!(
        lines.any(|l| l.starts_with("certificate fingerprint")),
        "no fingerprint printed"
    );
    Server {
        child,
        _stdout: Box::new(lines),
    }
}

/// Plain HTTP on the server's own computer.
const HERE: &str = "http://127.0.0.1:7420";

/// The host credential's header, read from the server's data directory.
fn host_auth(data: &Path) -> String {
    let host = std::fs::read_to_string(data.join("host-token")).unwrap();
    format!("Authorization: Bearer {}", host.trim())
}

/// How many members the board has, asked on the server's own computer.
fn members(lan: &Lan, auth: &str, board: &str) -> usize {
    let (snapshot, status) = curl(
        lan,
        SERVER,
        &[&format!("{HERE}/api/boards/{board}"), "-H", auth],
    );
    assert_eq!(status, 200, "{snapshot}");
    snapshot["members"].as_array().unwrap().len()
}

/// `lanban-server hosts` on the other computer, run until it sees the server with one board (the count is
/// updated within 5 s of the board's creation) or eight tries pass: each server it found.
fn browse_from_the_other_computer(lan: &Lan) -> Vec<Value> {
    let mut found = Vec::new();
    for _ in 0..8 {
        // Inside the other namespace only (LANBAN_REQUIRE_NETNS refuses anywhere else).
        let output = lan
            .exec(CLIENT, env!("CARGO_BIN_EXE_lanban-server"))
            .args(["hosts", "--seconds", "3"])
            .env_remove("LANBAN_DISCOVERY")
            .env("LANBAN_REQUIRE_NETNS", lan.namespace(CLIENT))
            .output()
            .expect("the browser runs");
        assert!(
            output.status.success(),
            "hosts failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        found = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect();
        if found.len() == 1 && found[0]["advert"]["boards"] == 1 {
            break;
        }
    }
    found
}

#[test]
fn plain_http_from_another_computer_is_refused_and_https_works() {
    let lan = Lan::create("srv", 201);
    let data = tempfile::tempdir().unwrap();
    let _server = start_server(&lan, data.path());
    let auth = host_auth(data.path());

    // On the server's own computer, plain HTTP works.
    let (created, status) = curl(
        &lan,
        SERVER,
        &[
            "-X",
            "POST",
            &format!("{HERE}/api/boards"),
            "-H",
            &auth,
            "-d",
            r#"{"name":"LAN","member_name":"Ada"}"#,
        ],
    );
    assert_eq!(status, 201, "{created}");
    let code = created["room_code"].as_str().unwrap().to_owned();
    let board = created["board"]["id"].as_str().unwrap().to_owned();
    let join = format!(r#"{{"room_code":"{code}","member_name":"Eve"}}"#);

    // From the other computer, a plain join is refused before it is read, and adds no one.
    let (refused, status) = curl(
        &lan,
        CLIENT,
        &["-X", "POST", "http://10.201.0.1:7420/api/join", "-d", &join],
    );
    assert_eq!(status, 426, "{refused}");
    assert_eq!(refused["error"]["code"], "tls_required");
    assert_eq!(members(&lan, &auth, &board), 1);

    // The same join over HTTPS works (curl does not pin; the client library does, see lanban-client's tests).
    let (joined, status) = curl(
        &lan,
        CLIENT,
        &[
            "-k",
            "-X",
            "POST",
            "https://10.201.0.1:7420/api/join",
            "-d",
            &join,
        ],
    );
    assert_eq!(status, 200, "{joined}");
    assert_eq!(members(&lan, &auth, &board), 2);

    // The other computer finds the server on the network, by the tag that starts its room codes, with its board
    // count.
    let found = browse_from_the_other_computer(&lan);
    assert_eq!(found.len(), 1, "{found:?}");
    let advert = &found[0]["advert"];
    assert_eq!(advert["name"], "office-server");
    assert_eq!(advert["tag"].as_str(), Some(&code[..2]), "{advert}");
    assert_eq!(advert["boards"], 1);
    assert_eq!(advert["port"], 7420);
    assert_eq!(found[0]["addresses"], serde_json::json!(["10.201.0.1"]));
}
