//! The commands, driven through Tauri's IPC with the mock runtime and a real embedded server: host a board,
//! change it, see the mirror follow, reopen it from the recent list, join it as a second person.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app(data_dir: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = lanban_app::build_app(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("app builds");
    // `.setup()` only runs inside `App::run`; register the state directly. Port 0: any free port.
    // Discovery off: these tests share boards in the machine's own network namespace, where no mDNS may run.
    lanban_app::manage_state(&app, data_dir, 0, Some(false));
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window builds");
    (app, window)
}

/// Invokes a command as the window would; `Ok` body or `Err` body.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON answer"))
}

fn ok(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
    invoke(window, cmd, args).unwrap_or_else(|err| panic!("{cmd} failed: {err}"))
}

/// Makes a change as the window does: hands it (`hand_change`), then asks what became of it (`change_answer`).
fn submit(window: &WebviewWindow<MockRuntime>, mutation: Value) -> Result<Value, Value> {
    let key = uuid::Uuid::now_v7().to_string();
    invoke(
        window,
        "hand_change",
        json!({"key": key, "mutation": mutation}),
    )?;
    invoke(window, "change_answer", json!({ "key": key }))
}

/// Ada hosts «Launch» from the window: answers what the open command answered, the room code and this computer's
/// address.
fn ada_hosts_launch(window: &WebviewWindow<MockRuntime>) -> (Value, String, String) {
    // Ada hosts a board.
    let opened = ok(
        window,
        "host_board",
        json!({"boardName": "Launch", "memberName": "Ada"}),
    );
    assert_eq!(opened["hosting"], true);
    assert_eq!(opened["me"]["role"], "host");
    assert_eq!(opened["snapshot"]["board"]["name"], "Launch");
    let code = opened["snapshot"]["board"]["room_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let share = ok(window, "share_status", json!({}));
    assert_eq!(share["sharing"], false);
    let local = share["local"].as_str().unwrap().to_owned();
    assert!(local.starts_with("127.0.0.1:"), "{local}");

    (opened, code, local)
}

#[test]
fn a_host_creates_a_board_works_on_it_and_reopens_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(dir.path());

    // Nothing yet: no recent boards, not hosting.
    assert_eq!(ok(&window, "list_recent", json!({})), json!([]));
    assert_eq!(ok(&window, "share_status", json!({})), Value::Null);

    let (opened, _code, _local) = ada_hosts_launch(&window);

    // She adds a column and a card, with ids the window chose, and retitles the card: each change is kept, sent
    // and answered at once (her own computer's server is always reachable).
    let board = opened["snapshot"]["board"]["id"].clone();
    let column = uuid::Uuid::now_v7().to_string();
    let card = uuid::Uuid::now_v7().to_string();
    for mutation in [
        json!({"kind": "create_column", "board": board, "column": {"id": column, "title": "Todo"}}),
        json!({"kind": "create_card", "column": column, "card": {"id": card, "title": "Write the plan"}}),
        json!({"kind": "update_card", "card": card, "patch": {"title": "Write the plan v2"}, "base": null}),
    ] {
        assert_eq!(submit(&window, mutation), Ok(json!("done")));
    }
    // The window asks for the changes after the snapshot it painted.
    assert_eq!(
        ok(
            &window,
            "watch_board",
            json!({"seen": opened["snapshot"]["seq"], "onEvent": "__CHANNEL__:1"})
        ),
        Value::Null
    );

    // Errors come back in the server's shape and words.
    let blank = json!({"kind": "create_card", "column": column, "card": {"title": "  "}});
    let err = submit(&window, blank).unwrap_err();
    assert_eq!(err["code"], "validation_failed");
    assert_eq!(err["field"], "title");

    // The board is remembered, and reopens from the recent list.
    let recent = ok(&window, "list_recent", json!({}));
    assert_eq!(recent[0]["board_name"], "Launch");
    assert_eq!(recent[0]["hosting"], true);
    assert!(
        recent[0].get("token").is_none(),
        "tokens never reach the UI"
    );
    ok(&window, "leave_board", json!({}));
    assert_eq!(
        invoke(
            &window,
            "watch_board",
            json!({"seen": 0, "onEvent": "__CHANNEL__:2"})
        )
        .unwrap_err()["code"],
        "not_open"
    );
    let reopened = ok(&window, "open_recent", json!({"key": opened["key"]}));
    assert_eq!(
        reopened["snapshot"]["cards"][0]["title"],
        "Write the plan v2"
    );
}

#[test]
fn a_teammate_joins_with_the_code_and_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(dir.path());
    let (opened, code, local) = ada_hosts_launch(&window);
    let column = uuid::Uuid::now_v7().to_string();
    let card = uuid::Uuid::now_v7().to_string();
    let board = opened["snapshot"]["board"]["id"].clone();
    for mutation in [
        json!({"kind": "create_column", "board": board, "column": {"id": column, "title": "Todo"}}),
        json!({"kind": "create_card", "column": column, "card": {"id": card, "title": "Write the plan v2"}}),
    ] {
        assert_eq!(submit(&window, mutation), Ok(json!("done")));
    }

    // A teammate (same machine, for the test) joins with the code and the address.
    let missing = invoke(
        &window,
        "join_board",
        json!({"roomCode": code, "memberName": "Grace", "address": "", "discovered": false}),
    );
    assert_eq!(missing.unwrap_err()["field"], "address");
    let joined = ok(
        &window,
        "join_board",
        json!({"roomCode": code, "memberName": "Grace", "address": local, "discovered": false}),
    );
    assert_eq!(joined["me"]["role"], "member");
    assert_eq!(joined["hosting"], false);
    assert_eq!(joined["snapshot"]["cards"][0]["title"], "Write the plan v2");
    // A member may not rotate the code.
    assert_eq!(
        invoke(&window, "rotate_room_code", json!({})).unwrap_err()["code"],
        "forbidden"
    );
    // One entry per board on each host: hosted here (as Ada) and joined through the address (as Grace), the
    // latest first; neither replaced the other.
    let recent = ok(&window, "list_recent", json!({}));
    assert_eq!(recent.as_array().unwrap().len(), 2);
    assert_eq!(recent[0]["member_name"], "Grace");
    assert_eq!(recent[0]["key"], joined["key"]);
    assert_eq!(recent[1]["member_name"], "Ada");
    assert_eq!(recent[1]["key"]["host"], "local");
}

/// A host serving TLS on loopback (as a teammate's computer would on the network), in its own runtime.
struct TlsHost {
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    server: Option<lanban_server::RunningServer>,
}

impl TlsHost {
    fn start(dir: tempfile::TempDir, addr: std::net::SocketAddr) -> TlsHost {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = lanban_server::Config::new(dir.path());
        config.tls = lanban_server::tls::TlsMode::Always;
        let server = runtime
            .block_on(lanban_server::RunningServer::start(config, addr))
            .expect("the host starts");
        TlsHost {
            runtime,
            dir,
            server: Some(server),
        }
    }

    fn server(&self) -> &lanban_server::RunningServer {
        self.server.as_ref().unwrap()
    }

    /// Stops it and comes back on the same port, with a new certificate if `new_identity`.
    fn restart(mut self, new_identity: bool) -> TlsHost {
        let server = self.server.take().unwrap();
        let addr = server.addr;
        self.runtime.block_on(server.stop()).unwrap();
        if new_identity {
            for file in ["tls-cert.der", "tls-key.der"] {
                std::fs::remove_file(self.dir.path().join(file)).unwrap();
            }
        }
        let dir = self.dir;
        drop(self.runtime);
        TlsHost::start(dir, addr)
    }
}

/// Joining refuses a malformed fingerprint, an announced address that is this computer, and a host whose
/// certificate does not make the code's tag: before anything is sent.
fn refuses_bad_pins_and_wrong_hosts(
    window: &WebviewWindow<MockRuntime>,
    room_code: &lanban_core::room_code::RoomCode,
    address: &str,
    pin: &str,
) {
    let code = room_code.to_string();
    let bad = invoke(
        window,
        "join_board",
        json!({"roomCode": code, "memberName": "Grace", "address": address, "fingerprint": "nope",
               "discovered": false}),
    );
    assert_eq!(bad.unwrap_err()["field"], "fingerprint");
    // An address found by discovery is never this computer, and never a host whose certificate does not
    // make the code's tag: refused before anything is sent (192.0.2.1 is a documentation address).
    let here = invoke(
        window,
        "join_board",
        json!({"roomCode": code, "memberName": "Grace", "address": address, "fingerprint": pin,
               "discovered": true}),
    );
    assert_eq!(here.unwrap_err()["code"], "wrong_host");
    let code_tag = room_code.tag();
    let impostor = (0u32..)
        .map(|i| lanban_core::fingerprint::Fingerprint::of_der(&i.to_be_bytes()))
        .find(|f| f.tag() != code_tag)
        .unwrap();
    let elsewhere = invoke(
        window,
        "join_board",
        json!({"roomCode": code, "memberName": "Grace", "address": "192.0.2.1:7420",
               "fingerprint": impostor.to_string(), "discovered": true}),
    );
    let refused = elsewhere.unwrap_err();
    assert_eq!(refused["code"], "wrong_host", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains(code_tag.as_str())
    );
}

#[test]
fn a_joined_hosts_fingerprint_is_pinned_and_remembered_across_restarts() {
    let host = TlsHost::start(tempfile::tempdir().unwrap(), "127.0.0.1:0".parse().unwrap());
    let pin = host.server().fingerprint().expect("TLS").to_string();
    let address = host.server().addr.to_string();
    let created = host.runtime.block_on(async {
        lanban_client::Api::new(&host.server().url())
            .unwrap()
            .with_token(&host.server().host_token)
            .create_board("Pinned", "Ada")
            .await
            .unwrap()
    });
    let code = created.room_code.to_string();
    let board = created.board.id.to_string();
    // Her recent entry: the board on the host with this certificate.
    let key = json!({"board_id": board, "host": pin});

    // Grace joins over HTTPS with the fingerprint she confirmed; her app remembers it.
    let dir = tempfile::tempdir().unwrap();
    {
        let (_app, window) = app(dir.path());
        refuses_bad_pins_and_wrong_hosts(&window, &created.room_code, &address, &pin);
        let joined = ok(
            &window,
            "join_board",
            json!({"roomCode": code, "memberName": "Grace", "address": address, "fingerprint": pin,
                   "discovered": false}),
        );
        assert_eq!(joined["snapshot"]["board"]["name"], "Pinned");
        assert_eq!(joined["key"], key);
        ok(&window, "leave_board", json!({}));
    }
    let stored = std::fs::read_to_string(dir.path().join("recent.json")).unwrap();
    assert!(
        stored.contains(&pin),
        "the pin is kept with the board: {stored}"
    );

    // The app restarts: the board reopens over HTTPS with the remembered pin, without asking.
    let (restarted, window) = app(dir.path());
    let reopened = ok(&window, "open_recent", json!({"key": key}));
    assert_eq!(reopened["me"]["name"], "Grace");
    ok(&window, "leave_board", json!({}));

    // The host comes back with another certificate. The board still opens, from this computer's copy, and the
    // session refuses the impostor (nothing is sent to it); the remembered pin is never replaced, however the app
    // is asked.
    let host = host.restart(true);
    let impostor = host.server().fingerprint().unwrap().to_string();
    assert_ne!(impostor, pin);
    let reopened = ok(
        &window,
        "open_recent",
        json!({"key": key, "fingerprint": impostor}),
    );
    assert_eq!(reopened["snapshot"]["board"]["name"], "Pinned");
    ok(&window, "leave_board", json!({}));
    let stored = std::fs::read_to_string(dir.path().join("recent.json")).unwrap();
    assert!(
        stored.contains(&pin) && !stored.contains(&impostor),
        "{stored}"
    );

    // Without a copy, the app asks the host itself: refused.
    drop((restarted, window));
    for file in [
        "replicas.sqlite",
        "replicas.sqlite-wal",
        "replicas.sqlite-shm",
    ] {
        let _ = std::fs::remove_file(dir.path().join(file));
    }
    let (_app, window) = app(dir.path());
    let refused = invoke(
        &window,
        "open_recent",
        json!({"key": key, "fingerprint": impostor}),
    );
    assert_eq!(refused.unwrap_err()["code"], "identity_changed");
    drop(host);
}
