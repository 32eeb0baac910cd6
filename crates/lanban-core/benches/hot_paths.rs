//! Micro-benchmarks of the hot paths every event goes through: encoding an event once for all sockets,
//! generating ordering keys, decoding an event on a client, and applying 10,000 events to a board mirror.
//! Run with `cargo bench -p lanban-core`; quote medians.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lanban_core::api::Snapshot;
use lanban_core::event::{Change, Event, ServerMessage};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column, Label};
use lanban_core::order::key_between;
use lanban_core::time::Timestamp;

fn board() -> Snapshot {
    Snapshot {
        board: Board {
            id: BoardId::new(),
            name: "Bench".into(),
            room_code: "7KQ2-M9XD".parse().expect("a valid code"),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            handoff_to: None,
            labels: vec![],
        },
        columns: Vec::new(),
        cards: Vec::new(),
        members: Vec::new(),
        comments: Vec::new(),
        checklists: Vec::new(),
        seq: 0,
    }
}

fn card(board: BoardId, column: ColumnId, position: String) -> Card {
    Card {
        id: CardId::new(),
        board_id: board,
        column_id: column,
        title: "Write the launch plan".into(),
        description: "# Plan\n\n- first\n- second\n".into(),
        labels: vec![Label {
            name: "docs".into(),
            color: "#3b82f6".into(),
        }],
        assignee_ids: vec![],
        due_date: Some("2026-12-01".into()),
        position,
        version: 1,
        created_by: MemberId::new(),
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
        archived_at: None,
        trashed_at: None,
    }
}

/// 10,000 events on a board of 10 columns: 5,000 cards created, then 5,000 updates (moves and edits).
fn events(state: &Snapshot) -> Vec<Event> {
    let actor = MemberId::new();
    let mut events = Vec::new();
    let mut seq = 0;
    let mut next = |change: Change| {
        seq += 1;
        Event {
            seq,
            actor,
            at: Timestamp::now(),
            change,
        }
    };
    let mut columns = Vec::new();
    let mut position: Option<String> = None;
    for i in 0..10 {
        let key = key_between(position.as_deref(), None).expect("a key");
        position = Some(key.clone());
        let column = Column {
            id: ColumnId::new(),
            board_id: state.board.id,
            title: format!("Column {i}"),
            position: key,
            archived_at: None,
            trashed_at: None,
        };
        columns.push(column.clone());
        events.push(next(Change::ColumnCreated(column)));
    }
    let mut cards: Vec<Card> = Vec::new();
    let mut last_key: Vec<Option<String>> = vec![None; columns.len()];
    for i in 0..5_000 {
        let c = i % columns.len();
        let key = key_between(last_key[c].as_deref(), None).expect("a key");
        last_key[c] = Some(key.clone());
        let created = card(state.board.id, columns[c].id, key);
        cards.push(created.clone());
        events.push(next(Change::CardCreated(created)));
    }
    for i in 0..(10_000 - events.len()) {
        let mut updated = cards[(i * 7919) % cards.len()].clone();
        updated.version += 1;
        updated.title = format!("Edited {i}");
        events.push(next(Change::CardUpdated(updated)));
    }
    events
}

fn benches(c: &mut Criterion) {
    let state = board();
    let all = events(&state);
    let sample = all[20].clone();

    c.bench_function("encode one card event", |b| {
        b.iter(|| {
            serde_json::to_string(&ServerMessage::Event(black_box(sample.clone())))
                .expect("encodes")
        })
    });
    let text = serde_json::to_string(&ServerMessage::Event(sample.clone())).expect("encodes");
    c.bench_function("decode one card event", |b| {
        b.iter(|| serde_json::from_str::<ServerMessage>(black_box(&text)).expect("decodes"))
    });
    c.bench_function("key after the last of 5,000", |b| {
        let mut last = key_between(None, None).expect("a key");
        for _ in 0..5_000 {
            last = key_between(Some(&last), None).expect("a key");
        }
        b.iter(|| key_between(Some(black_box(&last)), None).expect("a key"))
    });
    c.bench_function("key between two neighbours", |b| {
        b.iter(|| key_between(Some(black_box("a0V")), Some(black_box("a0k"))).expect("a key"))
    });
    let mut group = c.benchmark_group("apply");
    group.sample_size(10);
    group.bench_function("10,000 events to a board of 5,000 cards", |b| {
        b.iter_batched(
            || state.clone(),
            |mut mirror| {
                for event in &all {
                    mirror.apply(event).expect("in order");
                }
                mirror
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(hot_paths, benches);
criterion_main!(hot_paths);
