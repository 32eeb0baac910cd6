//! The mirror's rules written plainly, for the property test to hold [`Snapshot::apply`] to.

use std::collections::HashMap;

use crate::api::Snapshot;
use crate::event::{BoardMoved, BoardRehosted, Change};
use crate::ids::{CardId, ColumnId, MemberId};
use crate::model::{Card, Member, Role};

/// The mirror's rules written plainly rather than fast: a card event removes the id and inserts the card before
/// the first card not below it, and a column event re-sorts every card. `apply` must always agree with this.
///
/// A `card.created` must carry an id the mirror does not hold, as in the server's streams; the histories keep to
/// that, and this checks they do.
pub fn reference_apply(state: &mut Snapshot, change: &Change) {
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
        Change::BoardCreated(board) | Change::BoardUpdated(board) => state.board = board.clone(),
        Change::RoomCodeRotated(rotated) => state.board.room_code = rotated.room_code.clone(),
        Change::HandoffOffered(offer) => state.board.handoff_to = offer.member_id,
        Change::BoardMoved(BoardMoved {
            host,
            previous_host,
            ..
        })
        | Change::BoardRehosted(BoardRehosted {
            host,
            previous_host,
        }) => {
            state.board.handoff_to = None;
            state.members = (state.members.iter())
                .map(|m| new_role(m, *host, *previous_host))
                .collect();
        }
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
            let cards: Vec<CardId> = state.cards.iter().map(|c| c.id).collect();
            state.comments.retain(|c| cards.contains(&c.card_id));
            state.checklists.retain(|c| cards.contains(&c.card_id));
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
        Change::CardDeleted(deleted) => {
            state.cards.retain(|c| c.id != deleted.id);
            state.comments.retain(|c| c.card_id != deleted.id);
            state.checklists.retain(|c| c.card_id != deleted.id);
        }
        Change::CommentCreated(comment) | Change::CommentUpdated(comment) => {
            let kept = state.comments.iter().position(|c| c.id == comment.id);
            match kept {
                Some(i) => state.comments[i] = comment.clone(),
                None => state.comments.push(comment.clone()),
            }
        }
        Change::CommentDeleted(deleted) => state.comments.retain(|c| c.id != deleted.id),
        Change::ChecklistCreated(checklist) | Change::ChecklistUpdated(checklist) => {
            state.checklists.retain(|c| c.id != checklist.id);
            state.checklists.push(checklist.clone());
            state
                .checklists
                .sort_by_key(|c| (c.card_id.to_string(), c.position.clone()));
        }
        Change::ChecklistDeleted(deleted) => state.checklists.retain(|c| c.id != deleted.id),
        Change::MemberJoined(member) => {
            state.members.retain(|m| m.id != member.id);
            state.members.push(member.clone());
        }
        Change::MemberRemoved(removed) => {
            state.members.retain(|m| m.id != removed.id);
            for card in &mut state.cards {
                card.assignee_ids.retain(|m| *m != removed.id);
            }
        }
    }
}

/// A member after `board.moved` or `board.rehosted`: the new host is `host`, the previous one `member`, anyone
/// else as they were.
fn new_role(member: &Member, host: MemberId, previous_host: MemberId) -> Member {
    let role = if member.id == host {
        Role::Host
    } else if member.id == previous_host {
        Role::Member
    } else {
        member.role
    };
    Member {
        role,
        ..member.clone()
    }
}
