//! The board mirror: a [`Snapshot`] kept current by applying events in seq order.
//!
//! The server answers `GET /api/boards/{board}` with a snapshot, and every client (the sync client, the desktop
//! app's store, tests) applies the room's events to it with [`Snapshot::apply`], so all of them agree on what a
//! board looks like after event N.

use crate::api::Snapshot;
use crate::event::{Change, Event};
use crate::ids::ColumnId;
use crate::model::{Card, Column};

/// The mirror every client keeps: a snapshot plus the events applied since.
pub type BoardState = Snapshot;

/// What [`Snapshot::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The event was the next one and is now part of the state.
    Applied,
    /// The event was already applied (its seq is not above the state's); nothing changed.
    Duplicate,
}

/// An event that cannot be applied yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// Events between the state's seq and this one are missing: fetch them (or a snapshot) first.
    #[error("missed events: the mirror is at seq {have} and received seq {got}")]
    Gap {
        /// The state's seq.
        have: u64,
        /// The event's seq.
        got: u64,
    },
}

impl Snapshot {
    /// Applies the next event; duplicates are ignored and a gap is refused, leaving the state unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<Applied, ApplyError> {
        if event.seq <= self.seq {
            return Ok(Applied::Duplicate);
        }
        if event.seq != self.seq + 1 {
            return Err(ApplyError::Gap {
                have: self.seq,
                got: event.seq,
            });
        }
        match &event.change {
            Change::BoardCreated(board) | Change::BoardUpdated(board) => self.board = board.clone(),
            Change::RoomCodeRotated(rotated) => self.board.room_code = rotated.room_code.clone(),
            Change::ColumnCreated(column) | Change::ColumnUpdated(column) => {
                self.columns.retain(|c| c.id != column.id);
                let at = self
                    .columns
                    .partition_point(|c| c.position.as_str() < column.position.as_str());
                self.columns.insert(at, column.clone());
                self.sort_cards();
            }
            Change::ColumnDeleted(deleted) => {
                self.columns.retain(|c| c.id != deleted.id);
                self.cards.retain(|c| c.column_id != deleted.id);
            }
            Change::CardCreated(card) => self.put_card(card, OldCopy::AtItsKey),
            Change::CardUpdated(card) => self.put_card(card, OldCopy::Anywhere),
            Change::CardDeleted(deleted) => self.cards.retain(|c| c.id != deleted.id),
            Change::MemberJoined(member) => {
                self.members.retain(|m| m.id != member.id);
                self.members.push(member.clone());
            }
            Change::MemberRemoved(removed) => {
                self.members.retain(|m| m.id != removed.id);
                for card in &mut self.cards {
                    if card.assignee_id == Some(removed.id) {
                        card.assignee_id = None;
                    }
                }
            }
        }
        self.seq = event.seq;
        Ok(Applied::Applied)
    }

    /// The cards of one column, in order.
    pub fn cards_in(&self, column: ColumnId) -> impl Iterator<Item = &Card> {
        self.cards.iter().filter(move |c| c.column_id == column)
    }

    /// Puts a created or updated card in its place, replacing the card with its id if `look` finds one.
    ///
    /// The new card goes before the first card that does not sort below it, so among cards with equal keys the
    /// latest written comes first. Because `apply` keeps `cards` sorted by [`card_key`] and card ids unique, a
    /// binary search finds that place, and rotating the cards between the old and the new place moves the card
    /// there without removing it from and re-inserting it into the whole `Vec`: an edit that keeps the card's place
    /// moves no card at all, and a move within a column shifts only the cards it passes.
    fn put_card(&mut self, card: &Card, look: OldCopy) {
        let columns = &self.columns;
        let key = card_key(columns, card);
        // How many cards sort below the new key, counting the card's old copy if it is one of them.
        let below = self.cards.partition_point(|c| card_key(columns, c) < key);
        // An edit usually keeps the key, so look among the cards with this key first; that costs only the ties.
        let old = self.cards[below..]
            .iter()
            .take_while(|c| card_key(columns, c) == key)
            .position(|c| c.id == card.id)
            .map(|i| below + i);
        let old = match look {
            // A move takes a scan of every id.
            OldCopy::Anywhere => old.or_else(|| self.cards.iter().position(|c| c.id == card.id)),
            OldCopy::AtItsKey => old,
        };
        match old {
            None => self.cards.insert(below, card.clone()),
            Some(old) => {
                // The card's place once its old copy is out of the way; the cards in between shift by one.
                let at = if old < below { below - 1 } else { below };
                if at < old {
                    self.cards[at..=old].rotate_right(1);
                } else {
                    self.cards[old..=at].rotate_left(1);
                }
                self.cards[at] = card.clone();
            }
        }
    }

    /// Re-sorts every card after a column event, which may change the columns' order (such events are rare). The
    /// sort is stable, so cards with equal keys keep their order.
    fn sort_cards(&mut self) {
        let columns = &self.columns;
        self.cards
            .sort_by(|a, b| card_key(columns, a).cmp(&card_key(columns, b)));
    }
}

/// Where [`Snapshot::put_card`] looks for an older copy of the card it puts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OldCopy {
    /// Only among the cards with the new card's key, for `card.created`. The server creates a card id exactly once
    /// (a fresh UUIDv7) and a client applies each seq once, so a created card's id is not in the mirror; a create
    /// of an id the mirror already holds elsewhere is not a stream the server produces, and skipping the scan of
    /// every id keeps a catch-up of many creates from going quadratic. A literal repeat at the same key is still
    /// replaced, since the check costs only the ties.
    AtItsKey,
    /// Anywhere in the mirror, for `card.updated`: an update may move the card to another column or position.
    Anywhere,
}

/// Where a card sorts in a snapshot: by its column's place among the columns (cards of a column the mirror does not
/// know go last), then by its position in the column.
///
/// The column's place is found by a scan rather than a map: a board has a handful of columns, so scanning them is
/// cheaper than building a map for every card event.
fn card_key<'a>(columns: &[Column], card: &'a Card) -> (usize, &'a str) {
    let column = columns.iter().position(|c| c.id == card.column_id);
    (column.unwrap_or(usize::MAX), card.position.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::event::Deleted;
    use crate::ids::{BoardId, CardId, MemberId};
    use crate::model::{Board, Member, Role};
    use crate::time::Timestamp;

    fn empty() -> Snapshot {
        let board = Board {
            id: BoardId::new(),
            name: "Launch".into(),
            room_code: "7KQ2-M9XD".parse().unwrap(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        };
        Snapshot {
            board,
            columns: vec![],
            cards: vec![],
            members: vec![],
            seq: 0,
        }
    }

    fn event(seq: u64, change: Change) -> Event {
        Event {
            seq,
            actor: MemberId::new(),
            at: Timestamp::now(),
            change,
        }
    }

    fn column(state: &Snapshot, title: &str, position: &str) -> Column {
        Column {
            id: ColumnId::new(),
            board_id: state.board.id,
            title: title.into(),
            position: position.into(),
        }
    }

    fn card(state: &Snapshot, column: &Column, title: &str, position: &str) -> Card {
        Card {
            id: CardId::new(),
            board_id: state.board.id,
            column_id: column.id,
            title: title.into(),
            description: String::new(),
            labels: vec![],
            assignee_id: None,
            due_date: None,
            position: position.into(),
            version: 1,
            created_by: MemberId::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    fn titles(state: &Snapshot) -> Vec<&str> {
        state.cards.iter().map(|c| c.title.as_str()).collect()
    }

    #[test]
    fn events_apply_in_order_and_keep_cards_sorted_column_by_column() {
        let mut state = empty();
        let todo = column(&state, "Todo", "a1");
        let done = column(&state, "Done", "a2");
        let steps = [
            Change::ColumnCreated(done.clone()),
            Change::ColumnCreated(todo.clone()),
            Change::CardCreated(card(&state, &done, "shipped", "a0")),
            Change::CardCreated(card(&state, &todo, "write", "a1")),
            Change::CardCreated(card(&state, &todo, "plan", "a0")),
        ];
        for (i, change) in steps.into_iter().enumerate() {
            assert_eq!(
                state.apply(&event(i as u64 + 1, change)),
                Ok(Applied::Applied)
            );
        }
        assert_eq!(state.seq, 5);
        assert_eq!(titles(&state), ["plan", "write", "shipped"]);

        // Moving Done before Todo reorders the cards too.
        let mut moved = done.clone();
        moved.position = "a0".into();
        state
            .apply(&event(6, Change::ColumnUpdated(moved)))
            .unwrap();
        assert_eq!(titles(&state), ["shipped", "plan", "write"]);

        // Deleting a column takes its cards.
        state
            .apply(&event(7, Change::ColumnDeleted(Deleted { id: todo.id })))
            .unwrap();
        assert_eq!(titles(&state), ["shipped"]);
    }

    #[test]
    fn duplicates_are_ignored_and_gaps_refused() {
        let mut state = empty();
        let todo = column(&state, "Todo", "a0");
        let first = event(1, Change::ColumnCreated(todo.clone()));
        assert_eq!(state.apply(&first), Ok(Applied::Applied));
        assert_eq!(state.apply(&first), Ok(Applied::Duplicate));
        let before = state.clone();
        let late = event(3, Change::ColumnDeleted(Deleted { id: todo.id }));
        assert_eq!(state.apply(&late), Err(ApplyError::Gap { have: 1, got: 3 }));
        assert_eq!(state, before);
    }

    #[test]
    fn a_create_repeated_at_the_same_key_replaces_the_card() {
        let mut state = empty();
        let todo = column(&state, "Todo", "a0");
        let plan = card(&state, &todo, "plan", "a1");
        let mut again = plan.clone();
        again.title = "plan again".into();
        let steps = [
            Change::ColumnCreated(todo.clone()),
            Change::CardCreated(card(&state, &todo, "write", "a1")),
            Change::CardCreated(plan),
            Change::CardCreated(card(&state, &todo, "ship", "a2")),
            Change::CardCreated(again),
        ];
        for (i, change) in steps.into_iter().enumerate() {
            state.apply(&event(i as u64 + 1, change)).unwrap();
        }
        assert_eq!(titles(&state), ["plan again", "write", "ship"]);
    }

    /// The mirror's rules written plainly rather than fast: a card event removes the id and inserts the card before
    /// the first card not below it, and a column event re-sorts every card. `apply` must always agree with this.
    ///
    /// A `card.created` must carry an id the mirror does not hold, as in the server's streams; the histories below
    /// keep to that, and this checks they do.
    fn reference_apply(state: &mut Snapshot, change: &Change) {
        fn order(state: &Snapshot) -> HashMap<ColumnId, usize> {
            state
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id, i))
                .collect()
        }
        fn key<'a>(order: &HashMap<ColumnId, usize>, card: &'a Card) -> (usize, &'a str) {
            let column = order.get(&card.column_id).copied();
            (column.unwrap_or(usize::MAX), card.position.as_str())
        }
        fn put_card(state: &mut Snapshot, card: &Card) {
            state.cards.retain(|c| c.id != card.id);
            let order = order(state);
            let at = state
                .cards
                .partition_point(|c| key(&order, c) < key(&order, card));
            state.cards.insert(at, card.clone());
        }
        match change {
            Change::ColumnCreated(column) | Change::ColumnUpdated(column) => {
                state.columns.retain(|c| c.id != column.id);
                let at = state
                    .columns
                    .partition_point(|c| c.position < column.position);
                state.columns.insert(at, column.clone());
                let order = order(state);
                state
                    .cards
                    .sort_by(|a, b| key(&order, a).cmp(&key(&order, b)));
            }
            Change::ColumnDeleted(deleted) => {
                state.columns.retain(|c| c.id != deleted.id);
                state.cards.retain(|c| c.column_id != deleted.id);
            }
            Change::CardCreated(card) => {
                assert!(
                    state.cards.iter().all(|c| c.id != card.id),
                    "the history created card {} while the mirror held it",
                    card.id,
                );
                put_card(state, card);
            }
            Change::CardUpdated(card) => put_card(state, card),
            Change::CardDeleted(deleted) => state.cards.retain(|c| c.id != deleted.id),
            Change::MemberJoined(member) => {
                state.members.retain(|m| m.id != member.id);
                state.members.push(member.clone());
            }
            Change::MemberRemoved(removed) => {
                state.members.retain(|m| m.id != removed.id);
                for card in &mut state.cards {
                    if card.assignee_id == Some(removed.id) {
                        card.assignee_id = None;
                    }
                }
            }
            other => panic!("the histories below never send {other:?}"),
        }
    }

    /// One step of a random history. Columns, cards, members and positions come from small pools, so steps often
    /// touch the same card or column and cards often share a position.
    #[derive(Debug, Clone)]
    enum Step {
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
    }

    const POSITIONS: [&str; 4] = ["a0", "a1", "a2", "a3"];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            2 => (0..3usize, 0..POSITIONS.len())
                .prop_map(|(column, position)| Step::PutColumn { column, position }),
            1 => (0..3usize).prop_map(|column| Step::DeleteColumn { column }),
            8 => (0..8usize, 0..4usize, 0..POSITIONS.len(), any::<bool>(), proptest::option::of(0..2usize))
                .prop_map(|(card, column, position, created, assignee)| Step::PutCard {
                    card, column, position, created, assignee,
                }),
            1 => (0..8usize).prop_map(|card| Step::DeleteCard { card }),
            1 => (0..2usize).prop_map(|member| Step::JoinMember { member }),
            1 => (0..2usize).prop_map(|member| Step::RemoveMember { member }),
        ]
    }

    /// The ids one history draws from.
    struct Pools {
        columns: Vec<ColumnId>,
        cards: Vec<CardId>,
        members: Vec<MemberId>,
    }

    impl Pools {
        fn new() -> Self {
            Pools {
                columns: (0..4).map(|_| ColumnId::new()).collect(),
                cards: (0..8).map(|_| CardId::new()).collect(),
                members: (0..2).map(|_| MemberId::new()).collect(),
            }
        }

        /// The change a step makes to `state`; `n` numbers the step so that every write of a card is
        /// distinguishable.
        fn change(&self, state: &Snapshot, step: &Step, n: usize) -> Change {
            match *step {
                Step::PutColumn { column, position } => Change::ColumnUpdated(Column {
                    id: self.columns[column],
                    board_id: state.board.id,
                    title: format!("Column {n}"),
                    position: POSITIONS[position].into(),
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
                        labels: vec![],
                        assignee_id: assignee.map(|m| self.members[m]),
                        due_date: None,
                        position: POSITIONS[position].into(),
                        version: n as u64,
                        created_by: self.members[0],
                        created_at: Timestamp::now(),
                        updated_at: Timestamp::now(),
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
                    joined_at: Timestamp::now(),
                }),
                Step::RemoveMember { member } => Change::MemberRemoved(Deleted {
                    id: self.members[member],
                }),
            }
        }
    }

    proptest! {
        /// Whatever the history (moves, ties, ids re-created after a delete, cards of unknown columns), `apply`
        /// leaves the mirror exactly where the plain rules put it, after every step.
        #[test]
        fn apply_agrees_with_the_plain_rules(steps in proptest::collection::vec(step(), 1..200)) {
            let pools = Pools::new();
            let mut state = empty();
            let mut expected = state.clone();
            for (i, step) in steps.iter().enumerate() {
                let seq = i as u64 + 1;
                // The reference decides whether a card is new, so the history does not lean on the code under test.
                let change = pools.change(&expected, step, i);
                prop_assert_eq!(state.apply(&event(seq, change.clone())), Ok(Applied::Applied));
                reference_apply(&mut expected, &change);
                expected.seq = seq;
                prop_assert_eq!(&state, &expected, "after step {}: {:?}", i, step);
            }
        }
    }
}
