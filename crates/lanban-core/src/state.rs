//! The board mirror: a [`Snapshot`] kept current by applying events in seq order.
//!
//! The server answers `GET /api/boards/{board}` with a snapshot, and every client (the sync client, the desktop
//! app's store, tests) applies the room's events to it with [`Snapshot::apply`], so all of them agree on what a
//! board looks like after event N.

use crate::api::Snapshot;
use crate::event::{BoardMoved, BoardRehosted, Change, Event};
use crate::ids::ColumnId;
use crate::model::{Card, Checklist, Column, Role};

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
            Change::HandoffOffered(offer) => self.board.handoff_to = offer.member_id,
            Change::BoardMoved(BoardMoved {
                host,
                previous_host,
                ..
            })
            | Change::BoardRehosted(BoardRehosted {
                host,
                previous_host,
            }) => {
                self.board.handoff_to = None;
                for member in &mut self.members {
                    if member.id == *host {
                        member.role = Role::Host;
                    } else if member.id == *previous_host {
                        member.role = Role::Member;
                    }
                }
            }
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
                if !self.comments.is_empty() || !self.checklists.is_empty() {
                    let cards: std::collections::HashSet<_> =
                        self.cards.iter().map(|c| c.id).collect();
                    self.comments.retain(|c| cards.contains(&c.card_id));
                    self.checklists.retain(|c| cards.contains(&c.card_id));
                }
            }
            Change::CardCreated(card) => self.put_card(card, OldCopy::AtItsKey),
            Change::CardUpdated(card) => self.put_card(card, OldCopy::Anywhere),
            Change::CardDeleted(deleted) => {
                self.cards.retain(|c| c.id != deleted.id);
                self.comments.retain(|c| c.card_id != deleted.id);
                self.checklists.retain(|c| c.card_id != deleted.id);
            }
            Change::ChecklistCreated(checklist) | Change::ChecklistUpdated(checklist) => {
                self.checklists.retain(|c| c.id != checklist.id);
                let key = |c: &Checklist| (c.card_id.to_string(), c.position.clone());
                let new = key(checklist);
                let at = self.checklists.partition_point(|c| key(c) < new);
                self.checklists.insert(at, checklist.clone());
            }
            Change::ChecklistDeleted(deleted) => self.checklists.retain(|c| c.id != deleted.id),
            Change::CommentCreated(comment) | Change::CommentUpdated(comment) => {
                match self.comments.iter_mut().find(|c| c.id == comment.id) {
                    Some(kept) => *kept = comment.clone(),
                    None => self.comments.push(comment.clone()),
                }
            }
            Change::CommentDeleted(deleted) => self.comments.retain(|c| c.id != deleted.id),
            Change::MemberJoined(member) => {
                self.members.retain(|m| m.id != member.id);
                self.members.push(member.clone());
            }
            Change::MemberRemoved(removed) => {
                self.members.retain(|m| m.id != removed.id);
                for card in &mut self.cards {
                    card.assignee_ids.retain(|m| *m != removed.id);
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
mod histories;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
