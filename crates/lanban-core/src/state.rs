//! The board mirror: a [`Snapshot`] kept current by applying events in seq order.
//!
//! The server answers `GET /api/boards/{board}` with a snapshot, and every client (the sync client, the desktop
//! app's store, tests) applies the room's events to it with [`Snapshot::apply`], so all of them agree on what a
//! board looks like after event N.

use std::collections::HashMap;

use crate::api::Snapshot;
use crate::event::{Change, Event};
use crate::ids::ColumnId;
use crate::model::Card;

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
            Change::CardCreated(card) | Change::CardUpdated(card) => {
                self.cards.retain(|c| c.id != card.id);
                let order = self.column_order();
                let key = card_key(&order, card);
                let at = self.cards.partition_point(|c| card_key(&order, c) < key);
                self.cards.insert(at, card.clone());
            }
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

    fn column_order(&self) -> HashMap<ColumnId, usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect()
    }

    fn sort_cards(&mut self) {
        let order = self.column_order();
        self.cards
            .sort_by(|a, b| card_key(&order, a).cmp(&card_key(&order, b)));
    }
}

/// Where a card sorts in a snapshot: by its column's place, then by its position in the column.
fn card_key<'a>(order: &HashMap<ColumnId, usize>, card: &'a Card) -> (usize, &'a str) {
    (
        order.get(&card.column_id).copied().unwrap_or(usize::MAX),
        card.position.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Deleted;
    use crate::ids::{BoardId, CardId, MemberId};
    use crate::model::{Board, Column};
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
}
