//! Board histories for testing the mirror's rules: random steps and the changes they make (the rules written
//! plainly are in `reference.rs`). The property test replays random histories against [`Snapshot::apply`]; the
//! fixture test writes seeded ones, with the state after each step, for the UI's TypeScript mirror to replay.

use proptest::prelude::*;
use uuid::Uuid;

use crate::api::Snapshot;
use crate::event::{
    BoardMoved, BoardRehosted, Change, Deleted, Event, HandoffOffered, RoomCodeRotated,
};
use crate::fingerprint::Fingerprint;
use crate::ids::{BoardId, CardId, ChecklistId, ColumnId, CommentId, ItemId, MemberId};
use crate::model::{Board, Card, Checklist, ChecklistItem, Column, Comment, Label, Member, Role};
use crate::time::Timestamp;

/// One step of a history. Columns, cards, members and positions come from small pools, so steps often touch the
/// same card or column and cards often share a position.
#[derive(Debug, Clone)]
pub enum Step {
    PutColumn {
        column: usize,
        position: usize,
    },
    DeleteColumn {
        column: usize,
    },
    /// `column` may be the pool's last column, which no step creates: the card's column is unknown. `created`
    /// asks for a `card.created`, which the step sends only if the card is not in the mirror (it may have been
    /// deleted); otherwise it sends a `card.updated`, as a server would.
    PutCard {
        card: usize,
        column: usize,
        position: usize,
        created: bool,
        assignee: Option<usize>,
    },
    DeleteCard {
        card: usize,
    },
    JoinMember {
        member: usize,
    },
    RemoveMember {
        member: usize,
    },
    RenameBoard,
    RotateCode {
        code: usize,
    },
    /// `board.handoff_offered` to a member of the pool (who may not be in the mirror), or withdrawn.
    OfferHandoff {
        member: Option<usize>,
    },
    /// `board.moved` to `host`; the pool's other member is the previous host.
    MoveHost {
        host: usize,
    },
    Rehost {
        host: usize,
    },
    /// Comment `comment` of the pool is always on the pool's card `comment % CARDS`. `created` asks for a
    /// `comment.created`, sent only if the comment is not in the mirror; otherwise a `comment.updated`.
    PutComment {
        comment: usize,
        created: bool,
    },
    DeleteComment {
        comment: usize,
    },
    /// Checklist `checklist` of the pool is always on card `checklist % CARDS`; its `items` items are ticked up to
    /// `done`. `created` as for comments.
    PutChecklist {
        checklist: usize,
        position: usize,
        items: usize,
        done: usize,
        created: bool,
    },
    DeleteChecklist {
        checklist: usize,
    },
}

pub const POSITIONS: [&str; 4] = ["a0", "a1", "a2", "a3"];
const CODES: [&str; 3] = ["7KQ2-M9XD", "AB3C-DE4F", "ZZ99-0000"];
/// Labels the histories' boards define and cards carry.
static LABELS: std::sync::LazyLock<[Label; 2]> = std::sync::LazyLock::new(|| {
    [
        Label {
            name: "bug".into(),
            color: "#ef4444".into(),
        },
        Label {
            name: "ux".into(),
            color: "#3b82f6".into(),
        },
    ]
});
const COLUMNS: usize = 4;
const CARDS: usize = 8;
const MEMBERS: usize = 2;
const COMMENTS: usize = 4;
const CHECKLISTS: usize = 3;

/// A random step, weighted towards card changes as on a real board.
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..COLUMNS - 1, 0..POSITIONS.len())
            .prop_map(|(column, position)| Step::PutColumn { column, position }),
        1 => (0..COLUMNS - 1).prop_map(|column| Step::DeleteColumn { column }),
        8 => (0..CARDS, 0..COLUMNS, 0..POSITIONS.len(), any::<bool>(), proptest::option::of(0..MEMBERS))
            .prop_map(|(card, column, position, created, assignee)| Step::PutCard {
                card, column, position, created, assignee,
            }),
        1 => (0..CARDS).prop_map(|card| Step::DeleteCard { card }),
        1 => (0..MEMBERS).prop_map(|member| Step::JoinMember { member }),
        1 => (0..MEMBERS).prop_map(|member| Step::RemoveMember { member }),
        1 => Just(Step::RenameBoard),
        1 => (0..CODES.len()).prop_map(|code| Step::RotateCode { code }),
        1 => proptest::option::of(0..MEMBERS).prop_map(|member| Step::OfferHandoff { member }),
        1 => (0..MEMBERS).prop_map(|host| Step::MoveHost { host }),
        1 => (0..MEMBERS).prop_map(|host| Step::Rehost { host }),
        2 => (0..COMMENTS, any::<bool>())
            .prop_map(|(comment, created)| Step::PutComment { comment, created }),
        1 => (0..COMMENTS).prop_map(|comment| Step::DeleteComment { comment }),
        2 => (0..CHECKLISTS, 0..POSITIONS.len(), 0..4usize, 0..4usize, any::<bool>())
            .prop_map(|(checklist, position, items, done, created)| Step::PutChecklist {
                checklist, position, items, done, created,
            }),
        1 => (0..CHECKLISTS).prop_map(|checklist| Step::DeleteChecklist { checklist }),
    ]
}

/// A small deterministic generator (xorshift64*), so that seeded histories are the same on every machine and
/// with every version of proptest.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    /// A step drawn with the same weights as [`step`].
    pub fn step(&mut self) -> Step {
        match self.below(25) {
            0..=1 => Step::PutColumn {
                column: self.below(COLUMNS - 1),
                position: self.below(POSITIONS.len()),
            },
            2 => Step::DeleteColumn {
                column: self.below(COLUMNS - 1),
            },
            3..=10 => Step::PutCard {
                card: self.below(CARDS),
                column: self.below(COLUMNS),
                position: self.below(POSITIONS.len()),
                created: self.below(2) == 0,
                assignee: match self.below(3) {
                    0 => None,
                    m => Some(m - 1),
                },
            },
            11 => Step::DeleteCard {
                card: self.below(CARDS),
            },
            12 => Step::JoinMember {
                member: self.below(MEMBERS),
            },
            13 => Step::RemoveMember {
                member: self.below(MEMBERS),
            },
            14 => Step::RenameBoard,
            15 => Step::RotateCode {
                code: self.below(CODES.len()),
            },
            16 => Step::OfferHandoff {
                member: match self.below(3) {
                    0 => None,
                    m => Some(m - 1),
                },
            },
            17 => Step::MoveHost {
                host: self.below(MEMBERS),
            },
            18 => Step::Rehost {
                host: self.below(MEMBERS),
            },
            19..=20 => Step::PutComment {
                comment: self.below(COMMENTS),
                created: self.below(2) == 0,
            },
            21 => Step::DeleteComment {
                comment: self.below(COMMENTS),
            },
            22..=23 => Step::PutChecklist {
                checklist: self.below(CHECKLISTS),
                position: self.below(POSITIONS.len()),
                items: self.below(4),
                done: self.below(4),
                created: self.below(2) == 0,
            },
            _ => Step::DeleteChecklist {
                checklist: self.below(CHECKLISTS),
            },
        }
    }
}

/// The ids and the clock one history draws from.
pub struct Pools {
    pub board: BoardId,
    pub columns: Vec<ColumnId>,
    pub cards: Vec<CardId>,
    pub members: Vec<MemberId>,
    pub comments: Vec<CommentId>,
    pub checklists: Vec<ChecklistId>,
    pub at: Timestamp,
}

impl Pools {
    /// Fresh random ids.
    pub fn random() -> Self {
        Pools {
            board: BoardId::new(),
            columns: (0..COLUMNS).map(|_| ColumnId::new()).collect(),
            cards: (0..CARDS).map(|_| CardId::new()).collect(),
            members: (0..MEMBERS).map(|_| MemberId::new()).collect(),
            comments: (0..COMMENTS).map(|_| CommentId::new()).collect(),
            checklists: (0..CHECKLISTS).map(|_| ChecklistId::new()).collect(),
            at: Timestamp::now(),
        }
    }

    /// Ids numbered from `history`, the same on every run; each id's last four hex digits are its kind and index.
    pub fn numbered(history: u64) -> Self {
        let id = |kind: u128, n: usize| {
            Uuid::from_u128(u128::from(history) << 16 | kind << 8 | n as u128)
        };
        Pools {
            board: BoardId(id(0, 0)),
            columns: (0..COLUMNS).map(|n| ColumnId(id(1, n))).collect(),
            cards: (0..CARDS).map(|n| CardId(id(2, n))).collect(),
            members: (0..MEMBERS).map(|n| MemberId(id(3, n))).collect(),
            comments: (0..COMMENTS).map(|n| CommentId(id(4, n))).collect(),
            checklists: (0..CHECKLISTS).map(|n| ChecklistId(id(5, n))).collect(),
            at: Timestamp::parse("2026-12-01T09:00:00.000Z").unwrap_or_else(Timestamp::now),
        }
    }

    /// The board before its first event.
    pub fn empty(&self) -> Snapshot {
        Snapshot {
            board: Board {
                id: self.board,
                name: "Launch".into(),
                room_code: CODES[0].parse().unwrap(),
                created_at: self.at.clone(),
                updated_at: self.at.clone(),
                handoff_to: None,
                labels: vec![],
            },
            columns: vec![],
            cards: vec![],
            comments: vec![],
            checklists: vec![],
            members: vec![],
            seq: 0,
        }
    }

    /// Event `seq` of a history, made by the first member.
    pub fn event(&self, seq: u64, change: Change) -> Event {
        Event {
            seq,
            actor: self.members[0],
            at: self.at.clone(),
            change,
        }
    }

    /// The change a step makes to `state`; `n` numbers the step so that every write is distinguishable.
    pub fn change(&self, state: &Snapshot, step: &Step, n: usize) -> Change {
        match *step {
            Step::PutColumn { column, position } => Change::ColumnUpdated(Column {
                id: self.columns[column],
                board_id: state.board.id,
                title: format!("Column {n}"),
                position: POSITIONS[position].into(),
                archived_at: (n % 9 == 4).then(|| self.at.clone()),
                trashed_at: (n % 11 == 6).then(|| self.at.clone()),
            }),
            Step::DeleteColumn { column } => Change::ColumnDeleted(Deleted {
                id: self.columns[column],
            }),
            Step::PutCard {
                card,
                column,
                position,
                created,
                assignee,
            } => {
                let card = Card {
                    id: self.cards[card],
                    board_id: state.board.id,
                    column_id: self.columns[column],
                    title: format!("Card {n}"),
                    description: String::new(),
                    labels: LABELS[..n % 3].to_vec(),
                    // One member, or (every third step) two.
                    assignee_ids: assignee
                        .map(|m| {
                            let mut ids = vec![self.members[m]];
                            let other = self.members[(m + 1) % MEMBERS];
                            if n.is_multiple_of(3) && other != ids[0] {
                                ids.push(other);
                            }
                            ids
                        })
                        .unwrap_or_default(),
                    due_date: None,
                    position: POSITIONS[position].into(),
                    version: n as u64,
                    created_by: self.members[0],
                    created_at: self.at.clone(),
                    updated_at: self.at.clone(),
                    archived_at: (n % 7 == 3).then(|| self.at.clone()),
                    trashed_at: (n % 5 == 2).then(|| self.at.clone()),
                };
                if created && state.cards.iter().all(|c| c.id != card.id) {
                    Change::CardCreated(card)
                } else {
                    Change::CardUpdated(card)
                }
            }
            Step::DeleteCard { card } => Change::CardDeleted(Deleted {
                id: self.cards[card],
            }),
            Step::JoinMember { member } => Change::MemberJoined(Member {
                id: self.members[member],
                board_id: state.board.id,
                name: format!("Member {n}"),
                color: "#3b82f6".into(),
                role: Role::Member,
                joined_at: self.at.clone(),
            }),
            Step::RemoveMember { member } => Change::MemberRemoved(Deleted {
                id: self.members[member],
            }),
            Step::RenameBoard => Change::BoardUpdated(Board {
                name: format!("Board {n}"),
                // The board's labels change with it now and then (a label defined, renamed or removed).
                labels: LABELS[..n % (LABELS.len() + 1)].to_vec(),
                ..state.board.clone()
            }),
            Step::RotateCode { code } => Change::RoomCodeRotated(RoomCodeRotated {
                room_code: CODES[code].parse().unwrap(),
            }),
            Step::OfferHandoff { member } => Change::HandoffOffered(HandoffOffered {
                member_id: member.map(|m| self.members[m]),
            }),
            Step::MoveHost { host } => Change::BoardMoved(BoardMoved {
                fingerprint: Fingerprint::of_der(format!("host {n}").as_bytes()),
                addresses: vec![format!("192.168.1.{}:7420", n % 250 + 1)],
                host: self.members[host],
                previous_host: self.members[(host + 1) % MEMBERS],
            }),
            Step::Rehost { host } => Change::BoardRehosted(BoardRehosted {
                host: self.members[host],
                previous_host: self.members[(host + 1) % MEMBERS],
            }),
            Step::PutComment { comment, created } => {
                let comment = Comment {
                    id: self.comments[comment],
                    board_id: state.board.id,
                    card_id: self.cards[comment % CARDS],
                    author_id: self.members[comment % MEMBERS],
                    body: format!("Comment {n}"),
                    created_at: self.at.clone(),
                    updated_at: self.at.clone(),
                };
                if created && state.comments.iter().all(|c| c.id != comment.id) {
                    Change::CommentCreated(comment)
                } else {
                    Change::CommentUpdated(comment)
                }
            }
            Step::DeleteComment { comment } => Change::CommentDeleted(Deleted {
                id: self.comments[comment],
            }),
            Step::PutChecklist {
                checklist,
                position,
                items,
                done,
                created,
            } => {
                let id = self.checklists[checklist];
                let checklist = Checklist {
                    id,
                    board_id: state.board.id,
                    card_id: self.cards[checklist % CARDS],
                    title: format!("Checklist {n}"),
                    position: POSITIONS[position].into(),
                    items: (0..items)
                        .map(|i| ChecklistItem {
                            id: ItemId(Uuid::from_u128(id.0.as_u128() ^ (i as u128 + 1))),
                            text: format!("Item {n}.{i}"),
                            done: i < done,
                            position: POSITIONS[i].into(),
                        })
                        .collect(),
                };
                if created && state.checklists.iter().all(|c| c.id != checklist.id) {
                    Change::ChecklistCreated(checklist)
                } else {
                    Change::ChecklistUpdated(checklist)
                }
            }
            Step::DeleteChecklist { checklist } => Change::ChecklistDeleted(Deleted {
                id: self.checklists[checklist],
            }),
        }
    }
}
