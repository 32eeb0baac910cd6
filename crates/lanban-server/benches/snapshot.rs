//! Criterion benchmark of loading a board snapshot: a 5,000-card board (10 columns) written through the real
//! server, then read back from SQLite the way `GET /api/boards/{board}` does, and encoded to JSON.
//! Run with `cargo bench -p lanban-server --bench snapshot`; quote medians.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::stream::{self, StreamExt};
use lanban_client::Api;
use lanban_core::api::{CreateCard, CreateColumn};
use lanban_core::ids::BoardId;
use lanban_server::store::{open_migrated, rows};
use lanban_server::{Config, RunningServer};

const CARDS: usize = 5_000;
const COLUMNS: usize = 10;

/// Writes the board through a server in this process; returns its id.
fn build_board(dir: &std::path::Path) -> BoardId {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the setup");
    runtime.block_on(async {
        let bind = "127.0.0.1:0".parse().expect("an address");
        let server = RunningServer::start(Config::new(dir), bind)
            .await
            .expect("the server starts");
        let host = Api::new(&server.url())
            .expect("a client")
            .with_token(server.host_token.clone());
        let created = host.create_board("Bench", "Host").await.expect("a board");
        let member = host.with_token(created.token.clone());
        let mut columns = Vec::new();
        for c in 0..COLUMNS {
            let column = member
                .create_column(
                    created.board.id,
                    &CreateColumn {
                        title: format!("Column {c}"),
                        ..Default::default()
                    },
                )
                .await
                .expect("a column");
            columns.push(column.id);
        }
        let written: Vec<()> = stream::iter(0..CARDS)
            .map(|i| {
                let (member, column) = (member.clone(), columns[i % COLUMNS]);
                async move {
                    let card = CreateCard {
                        title: format!("Card {i}: write the launch plan"),
                        description: Some("# Plan\n\n- first\n- second\n".into()),
                        due_date: Some("2026-12-01".into()),
                        ..Default::default()
                    };
                    member.create_card(column, &card).await.expect("a card");
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        assert_eq!(written.len(), CARDS);
        server.stop().await.expect("the server stops");
        created.board.id
    })
}

fn snapshot(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let board = build_board(dir.path());
    let conn = open_migrated(dir.path()).expect("the database opens");
    let loaded = rows::snapshot(&conn, board)
        .expect("a snapshot")
        .expect("the board");
    assert_eq!(loaded.cards.len(), CARDS);

    let mut group = c.benchmark_group("snapshot");
    group.sample_size(20);
    group.bench_function("load a 5,000-card board from SQLite", |b| {
        b.iter(|| rows::snapshot(black_box(&conn), board).expect("a snapshot"))
    });
    group.bench_function("encode it as JSON", |b| {
        b.iter(|| serde_json::to_string(black_box(&loaded)).expect("it encodes"))
    });
    group.finish();
}

criterion_group!(benches, snapshot);
criterion_main!(benches);
