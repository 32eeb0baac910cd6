//! What the replica tests build: a board, its events, outbox requests, and a replica in a temporary directory.

use lanban_client::replica::{OutboxRequest, Replica};
use lanban_core::api::Snapshot;
use lanban_core::event::{Change, Deleted, Event};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Board, Card, Column, Member, Role};
use lanban_core::time::Timestamp;
use reqwest::Method;
use uuid::Uuid;

/// A board and the ids its events use.
pub struct Fixture {
    pub board: BoardId,
    pub column: ColumnId,
    pub card: CardId,
    pub member: MemberId,
    pub at: Timestamp,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            board: BoardId::new(),
            column: ColumnId::new(),
            card: CardId::new(),
            member: MemberId::new(),
            at: time("2026-12-01T09:00:00.000Z"),
        }
    }

    /// The board as a host answers it right after it was created: the board and its host member, at seq 2.
    pub fn snapshot(&self, name: &str) -> Snapshot {
        Snapshot {
            board: Board {
                id: self.board,
                name: name.into(),
                room_code: "7KQ2-M9XD".parse().unwrap(),
                created_at: self.at.clone(),
                updated_at: self.at.clone(),
                handoff_to: None,
                labels: vec![],
            },
            columns: vec![],
            cards: vec![],
            comments: vec![],
            checklists: vec![],
            members: vec![Member {
                id: self.member,
                board_id: self.board,
                name: "Ada".into(),
                color: "#3b82f6".into(),
                role: Role::Host,
                joined_at: self.at.clone(),
            }],
            seq: 2,
        }
    }

    pub fn event(&self, seq: u64, change: Change) -> Event {
        Event {
            seq,
            actor: self.member,
            at: self.at.clone(),
            change,
        }
    }

    pub fn column_created(&self, seq: u64) -> Event {
        self.event(
            seq,
            Change::ColumnCreated(Column {
                id: self.column,
                board_id: self.board,
                title: "To do".into(),
                position: "a0".into(),
                archived_at: None,
                trashed_at: None,
            }),
        )
    }

    pub fn card_put(&self, seq: u64, title: &str, version: u64) -> Event {
        let card = Card {
            id: self.card,
            board_id: self.board,
            column_id: self.column,
            title: title.into(),
            description: String::new(),
            labels: vec![],
            assignee_ids: vec![],
            due_date: None,
            position: "a0".into(),
            version,
            created_by: self.member,
            created_at: self.at.clone(),
            updated_at: self.at.clone(),
            archived_at: None,
            trashed_at: None,
        };
        let change = if version == 1 {
            Change::CardCreated(card)
        } else {
            Change::CardUpdated(card)
        };
        self.event(seq, change)
    }

    pub fn card_deleted(&self, seq: u64) -> Event {
        self.event(seq, Change::CardDeleted(Deleted { id: self.card }))
    }
}

pub fn time(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn request(path: &str, body: serde_json::Value) -> OutboxRequest {
    OutboxRequest {
        idempotency_key: Uuid::now_v7(),
        method: Method::PATCH,
        path: path.into(),
        body: Some(serde_json::to_vec(&body).unwrap()),
        creates: None,
        mutation: None,
    }
}

pub fn open(dir: &tempfile::TempDir) -> Replica {
    Replica::open(dir.path().join("replica.sqlite")).unwrap()
}

/// `snapshot` with `events` applied by `lanban-core` alone, for comparison with what the replica stored.
pub fn applied(mut snapshot: Snapshot, events: &[Event]) -> Snapshot {
    for event in events {
        snapshot.apply(event).unwrap();
    }
    snapshot
}
