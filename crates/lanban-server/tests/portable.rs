//! Backups and portability: an online backup taken while the server runs restores to the same boards, and a
//! board exported to JSON imports into another server and exports again identically.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;

use common::process::{Server, free_port, wait_healthy};
use lanban_client::Api;
use lanban_core::api::{CreateCard, CreateColumn, ErrorCode, UpdateCard};
use lanban_core::ids::{CardId, ColumnId};
use lanban_core::model::Label;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_restore_and_exports_round_trip() {
    let original = tempfile::tempdir().unwrap();
    let common::process::Launched {
        server,
        url,
        host,
        host_token,
        ..
    } = common::process::launch(original.path()).await;

    // A board with a bit of everything: columns, cards with labels, an assignee, a due date, a removed member.
    let board = host.create_board("Portable", "Pat").await.unwrap();
    let id = board.board.id;
    let todo = host
        .create_column(
            id,
            &CreateColumn {
                title: "Todo".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let done = host
        .create_column(
            id,
            &CreateColumn {
                title: "Done".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let guest = Api::new(&url)
        .unwrap()
        .join(&board.room_code.to_string(), "Guest")
        .await
        .unwrap();
    let leaver = Api::new(&url)
        .unwrap()
        .join(&board.room_code.to_string(), "Leaver")
        .await
        .unwrap();
    for i in 0..20 {
        let card = host
            .create_card(
                if i % 2 == 0 { todo.id } else { done.id },
                &CreateCard {
                    title: format!("Task {i} — ünïcode ✓"),
                    description: Some(format!("# Notes\n\n- item {i}\n")),
                    labels: Some(vec![Label {
                        name: "ops".into(),
                        color: "#10b981".into(),
                    }]),
                    assignee_id: Some(guest.member.id),
                    due_date: Some("2026-12-24".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if i % 5 == 0 {
            host.update_card(
                card.id,
                &UpdateCard {
                    title: Some(Some(format!("Edited {i}"))),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
    }
    host.remove_member(id, leaver.member.id).await.unwrap();
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
    let card = host.create_card(todo.id, &short_lived).await.unwrap();
    host.delete_card(card.id).await.unwrap();
    // The host has offered the board to the guest: the offer travels with it.
    let offered = reqwest::Client::new()
        .post(format!("{url}/api/boards/{id}/handoff"))
        .bearer_auth(&host_token)
        .json(&serde_json::json!({"member_id": guest.member.id}))
        .send()
        .await
        .unwrap();
    assert!(offered.status().is_success());
    let before = host.snapshot(id).await.unwrap();
    assert_eq!(before.board.handoff_to, Some(guest.member.id));

    // A backup taken while the server runs restores to the same board.
    let backup_file = original.path().join("backup.sqlite");
    cli(
        &["backup"],
        original.path(),
        &["--out", backup_file.to_str().unwrap()],
    );
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup_file, restored.path().join("lanban.sqlite")).unwrap();
    std::fs::copy(
        original.path().join("host-token"),
        restored.path().join("host-token"),
    )
    .unwrap();
    let restored_port = free_port();
    let restored_url = format!("http://127.0.0.1:{restored_port}");
    let restored_server = Server::start(restored.path(), restored_port);
    wait_healthy(&restored_url).await;
    let restored_host = Api::new(&restored_url).unwrap().with_token(&host_token);
    assert_eq!(restored_host.snapshot(id).await.unwrap(), before);
    assert_eq!(
        restored_host.events(id, 0, None).await.unwrap(),
        host.events(id, 0, None).await.unwrap()
    );
    restored_server.kill();

    // Export, import into another data directory, export again: the same document.
    let first = original.path().join("board.json");
    cli(
        &["export"],
        original.path(),
        &["--board", &id.to_string(), "--out", first.to_str().unwrap()],
    );
    server.kill();
    let other = tempfile::tempdir().unwrap();
    cli(
        &["import"],
        other.path(),
        &["--file", first.to_str().unwrap()],
    );
    let second = other.path().join("again.json");
    cli(
        &["export"],
        other.path(),
        &[
            "--board",
            &id.to_string(),
            "--out",
            second.to_str().unwrap(),
        ],
    );
    let first_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    let second_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&second).unwrap()).unwrap();
    assert_eq!(first_json, second_json);
    assert_eq!(
        first_json["events"].as_array().unwrap().len() as u64,
        before.seq
    );
    assert_eq!(first_json["tombstones"].as_array().unwrap().len(), 1);
    assert!(first.metadata().unwrap().len() > 1000);
    assert!(
        !std::fs::read_to_string(&first)
            .unwrap()
            .contains(&guest.token),
        "tokens are never exported"
    );

    // The imported board serves: same snapshot, the host credential opens it, and its seq continues.
    let other_port = free_port();
    let other_url = format!("http://127.0.0.1:{other_port}");
    let other_server = Server::start(other.path(), other_port);
    wait_healthy(&other_url).await;
    let other_token = std::fs::read_to_string(other.path().join("host-token"))
        .unwrap()
        .trim()
        .to_owned();
    let other_host = Api::new(&other_url).unwrap().with_token(&other_token);
    assert_eq!(other_host.snapshot(id).await.unwrap(), before);
    let added = other_host
        .create_column(
            id,
            &CreateColumn {
                title: "Later".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Creates sent again to the board's new server apply once there too: the column as it is, the deleted card
    // gone.
    let again = other_host.create_column(id, &named_column).await.unwrap();
    assert_eq!(Some(again.id), named_column.id);
    let gone = other_host
        .create_card(todo.id, &short_lived)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::Gone));
    let page = other_host.events(id, before.seq, None).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].seq, before.seq + 1);
    assert_eq!(added.title, "Later");
    // Importing the same board twice is refused.
    let output = Command::new(env!("CARGO_BIN_EXE_lanban-server"))
        .args(["import", "--data"])
        .arg(other.path())
        .args(["--file", first.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    other_server.kill();
}
