//! Backups and portability: an online backup taken while the server runs restores to the same boards, and a
//! board exported to JSON imports into another server and exports again identically.

#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::process::Launched;
use lanban_client::Api;
use lanban_core::api::{CreateCard, CreateColumn, ErrorCode, Joined, Snapshot, UpdateCard};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Column, Label};
use tempfile::TempDir;

fn cli(args: &[&str], data: &Path, extra: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
        .args(args)
        .arg("--data")
        .arg(data)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The board's original server: its process, data directory and host.
struct Original {
    data: TempDir,
    launched: Launched,
}

/// What the board was made with, and how it looked when it was done.
struct Made {
    id: BoardId,
    todo: ColumnId,
    guest: Joined,
    /// A column whose id the client chose.
    named_column: CreateColumn,
    /// A card whose id the client chose, deleted since: it leaves a tombstone.
    short_lived: CreateCard,
    before: Snapshot,
}

/// A board with a bit of everything: columns, cards with labels, an assignee, a due date, a removed member, ids
/// chosen by the client, a tombstone and a handoff offer.
async fn portable_board() -> (Original, Made) {
    let data = tempfile::tempdir().unwrap();
    let launched = common::process::launch(data.path()).await;
    let host = &launched.host;
    let board = host.create_board("Portable", "Pat").await.unwrap();
    let id = board.board.id;
    let todo = add_column(host, id, "Todo").await.id;
    let done = add_column(host, id, "Done").await.id;
    let code = board.room_code.to_string();
    let guest = Api::new(&launched.url).unwrap().join(&code, "Guest").await;
    let guest = guest.unwrap();
    let leaver = Api::new(&launched.url).unwrap().join(&code, "Leaver").await;
    add_cards(host, id, [todo, done], guest.member.id).await;
    host.remove_member(id, leaver.unwrap().member.id)
        .await
        .unwrap();
    // A column and a card named by the client; the card deleted, which leaves a tombstone.
    let named_column = CreateColumn {
        id: Some(ColumnId::new()),
        title: "Named".into(),
        ..Default::default()
    };
    host.create_column(id, &named_column).await.unwrap();
    let short_lived = CreateCard {
        id: Some(CardId::new()),
        title: "Short-lived".into(),
        ..Default::default()
    };
    let card = host.create_card(todo, &short_lived).await.unwrap();
    host.delete_card(card.id).await.unwrap();
    host.empty_trash(id).await.unwrap();
    offer_handoff(&launched, id, guest.member.id).await;
    let before = host.snapshot(id).await.unwrap();
    assert_eq!(before.board.handoff_to, Some(guest.member.id));
    let made = Made {
        id,
        todo,
        guest,
        named_column,
        short_lived,
        before,
    };
    (Original { data, launched }, made)
}

async fn add_column(host: &Api, board: BoardId, title: &str) -> Column {
    let column = CreateColumn {
        title: title.into(),
        ..Default::default()
    };
    host.create_column(board, &column).await.unwrap()
}

/// Twenty cards across the two columns, labelled, assigned and due; every fifth retitled.
async fn add_cards(host: &Api, board: BoardId, columns: [ColumnId; 2], assignee: MemberId) {
    let ops = Label {
        name: "ops".into(),
        color: "#10b981".into(),
    };
    host.create_label(board, &ops).await.unwrap();
    for i in 0..20 {
        let card = CreateCard {
            title: format!("Task {i} — ünïcode ✓"),
            description: Some(format!("# Notes\n\n- item {i}\n")),
            labels: Some(vec![Label {
                name: "ops".into(),
                color: "#10b981".into(),
            }]),
            assignee_ids: Some(vec![assignee]),
            due_date: Some("2026-12-24".into()),
            ..Default::default()
        };
        let card = host.create_card(columns[i % 2], &card).await.unwrap();
        if i % 5 == 0 {
            let retitle = UpdateCard {
                title: Some(Some(format!("Edited {i}"))),
                ..Default::default()
            };
            host.update_card(card.id, &retitle).await.unwrap();
        }
    }
}

/// The host offers the board to `member`: the offer travels with the board.
async fn offer_handoff(launched: &Launched, board: BoardId, member: MemberId) {
    let offered = reqwest::Client::new()
        .post(format!("{}/api/boards/{board}/handoff", launched.url))
        .bearer_auth(&launched.host_token)
        .json(&serde_json::json!({"member_id": member}))
        .send()
        .await
        .unwrap();
    assert!(offered.status().is_success());
}

/// `lanban-server export` of one board into `out`.
fn export(data: &Path, board: BoardId, out: &Path) {
    cli(
        &["export"],
        data,
        &[
            "--board",
            &board.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The board exported while its server runs, the server stopped, and the export imported into another data
/// directory.
struct Imported {
    /// The original data directory, which holds the export.
    _original: TempDir,
    /// The export.
    first: PathBuf,
    /// The data directory it was imported into.
    other: TempDir,
}

async fn export_and_import(original: Original, made: &Made) -> Imported {
    let first = original.data.path().join("board.json");
    export(original.data.path(), made.id, &first);
    original.launched.server.kill();
    let other = tempfile::tempdir().unwrap();
    cli(
        &["import"],
        other.path(),
        &["--file", first.to_str().unwrap()],
    );
    Imported {
        _original: original.data,
        first,
        other,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_runs_restores_the_same_board() {
    let (original, made) = portable_board().await;
    let data = original.data.path();
    let backup_file = data.join("backup.sqlite");
    cli(&["backup"], data, &["--out", backup_file.to_str().unwrap()]);
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup_file, restored.path().join("lanban.sqlite")).unwrap();
    std::fs::copy(data.join("host-token"), restored.path().join("host-token")).unwrap();
    let restored_server = common::process::launch(restored.path()).await;
    assert_eq!(restored_server.host_token, original.launched.host_token);
    let restored_host = &restored_server.host;
    assert_eq!(restored_host.snapshot(made.id).await.unwrap(), made.before);
    assert_eq!(
        restored_host.events(made.id, 0, None).await.unwrap(),
        original
            .launched
            .host
            .events(made.id, 0, None)
            .await
            .unwrap()
    );
    restored_server.server.kill();
    original.launched.server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_board_imports_elsewhere_and_exports_again_identically() {
    let (original, made) = portable_board().await;
    let imported = export_and_import(original, &made).await;
    let second = imported.other.path().join("again.json");
    export(imported.other.path(), made.id, &second);
    let first_json = read_json(&imported.first);
    // Exported again, the board is the same but for a room code of its new server: one more event says so.
    let mut second_json = read_json(&second);
    let events = second_json["events"].as_array_mut().unwrap();
    let rotated = events.pop().unwrap();
    assert_eq!(rotated["kind"], "room_code.rotated");
    assert_eq!(rotated["seq"], made.before.seq + 1);
    let code = rotated["data"]["room_code"].clone();
    assert_ne!(code, first_json["snapshot"]["board"]["room_code"]);
    assert_eq!(second_json["snapshot"]["board"]["room_code"], code);
    second_json["snapshot"]["board"]["room_code"] =
        first_json["snapshot"]["board"]["room_code"].clone();
    second_json["snapshot"]["seq"] = first_json["snapshot"]["seq"].clone();
    assert_eq!(first_json, second_json);
    assert_eq!(
        first_json["events"].as_array().unwrap().len() as u64,
        made.before.seq
    );
    assert_eq!(first_json["tombstones"].as_array().unwrap().len(), 1);
    assert!(imported.first.metadata().unwrap().len() > 1000);
    assert!(
        !std::fs::read_to_string(&imported.first)
            .unwrap()
            .contains(&made.guest.token),
        "tokens are never exported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_board_serves_its_host_and_its_seq_continues() {
    let (original, made) = portable_board().await;
    let imported = export_and_import(original, &made).await;
    // The imported board serves: the same board with a room code of this server (one event later), the host
    // credential opens it, and its seq continues.
    let other = common::process::launch(imported.other.path()).await;
    let other_host = &other.host;
    let served = other_host.snapshot(made.id).await.unwrap();
    assert_eq!(served.seq, made.before.seq + 1);
    assert_ne!(served.board.room_code, made.before.board.room_code);
    let mut expected = made.before.clone();
    expected.board.room_code = served.board.room_code.clone();
    expected.seq = served.seq;
    assert_eq!(served, expected);
    let added = add_column(other_host, made.id, "Later").await;
    // Creates sent again to the board's new server apply once there too: the column as it is, the deleted card
    // gone.
    let again = other_host
        .create_column(made.id, &made.named_column)
        .await
        .unwrap();
    assert_eq!(Some(again.id), made.named_column.id);
    let gone = other_host
        .create_card(made.todo, &made.short_lived)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::Gone));
    let page = other_host
        .events(made.id, made.before.seq + 1, None)
        .await
        .unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].seq, made.before.seq + 2);
    assert_eq!(added.title, "Later");
    // An import into the directory a server is serving is refused before it writes anything; with the server
    // stopped (killed: the lock goes with the process), importing the same board twice is refused as such.
    let import_again = || {
        let output = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
            .args(["import", "--data"])
            .arg(imported.other.path())
            .args(["--file", imported.first.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let refused = import_again();
    assert!(
        refused.contains("in use by a running lanban-server"),
        "{refused}"
    );
    other.server.kill();
    let refused = import_again();
    assert!(
        refused.contains(&format!("already has board {}", made.id)),
        "{refused}"
    );
}
