//! Card mutations: create (with an id the client chose, or a new one), edit and/or move (with optimistic version
//! checks), archive, move to the trash and restore, delete for good (leaving a tombstone).

use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::model::{Card, Column, Label};
use lanban_core::time::Timestamp;
use rusqlite::Connection;

use crate::store::access::Actor;
use crate::store::columns::{live, shelve};
use crate::store::ids::{self, Claim, Created, Item};
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Error, Result, Tx, labels, limits, rows};

/// A validated new card.
#[derive(Debug, Clone)]
pub struct NewCard {
    /// The id the client chose (a UUIDv7), if it chose one.
    pub id: Option<CardId>,
    pub title: String,
    pub description: String,
    pub labels: Vec<Label>,
    pub assignee_ids: Vec<MemberId>,
    pub due_date: Option<String>,
    pub placement: Placement,
}

/// A validated card edit: `None` leaves a field alone; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CardEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Vec<Label>>,
    pub assignee_ids: Option<Vec<MemberId>>,
    pub due_date: Option<Option<String>>,
    pub column_id: Option<ColumnId>,
    pub placement: Option<Placement>,
    pub version: Option<u64>,
    /// Archive (`true`) or take out of the archive (`false`).
    pub archived: Option<bool>,
    /// Move to the trash (`true`) or restore (`false`).
    pub trashed: Option<bool>,
}

impl CardEdit {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.labels.is_none()
            && self.assignee_ids.is_none()
            && self.due_date.is_none()
            && self.column_id.is_none()
            && self.placement.is_none()
            && self.archived.is_none()
            && self.trashed.is_none()
    }
}

/// The board a card is on, or was on if it was deleted (so that only that board's members learn it is gone); not
/// found if there never was such a card.
pub fn board_of(conn: &Connection, id: CardId) -> Result<BoardId> {
    match rows::board_of_card(conn, id)? {
        Some(board) => Ok(board),
        None => ids::buried_on(conn, Item::Card(id))?.ok_or(Error::NotFound("card")),
    }
}

/// The live card `id`; gone if it was deleted.
pub(crate) fn live_card(conn: &Connection, id: CardId) -> Result<Card> {
    match rows::find_card(conn, id)? {
        Some(card) => Ok(card),
        None => Err(ids::absent(conn, Item::Card(id))?),
    }
}

fn check_assignees(tx: &Tx<'_>, board: BoardId, assignees: &[MemberId]) -> Result<()> {
    for (i, id) in assignees.iter().enumerate() {
        if rows::find_member(tx, board, *id)?.is_none() {
            return Err(Error::invalid(
                format!("assignee_ids[{i}]"),
                "must be a current member of this board",
            ));
        }
    }
    Ok(())
}

/// Adds a card to `column_id` (a column of the actor's board; gone if it was deleted), with the id the client
/// chose if it sent one. An id this member already created a card with here is the same create again, answered
/// with the card as it is now (wherever it moved), before anything else is checked: what changed since on the
/// board (a removed assignee, a deleted neighbour) does not fail a create that was applied.
/// `column` is what the change found under `column_id` before it knew its board (read once per change).
pub fn create_card(
    tx: &mut Tx<'_>,
    actor: &Actor,
    column_id: ColumnId,
    column: Option<Column>,
    new: NewCard,
) -> Result<Created<Card>> {
    let id = match new.id {
        None => CardId::new(),
        Some(id) => match ids::claim(tx, actor, Item::Card(id))? {
            Claim::Replayed => return Ok(Created::AlreadyThere(live_card(tx, id)?)),
            Claim::Free => id,
        },
    };
    live(tx, actor, column_id, column)?;
    check_assignees(tx, actor.board_id, &new.assignee_ids)?;
    let column = column_id.to_string();
    let position = place(
        tx,
        Siblings::Cards { column_id: &column },
        None,
        &new.placement,
    )?;
    let labels = labels::of_board(tx, actor.board_id, new.labels)?;
    // The board's limits come after the field rules (docs/protocol.md §2.6); what `place` may have written goes
    // with the change's savepoint if they refuse it.
    limits::one_more_card(tx, actor.board_id)?;
    limits::description(tx, actor.board_id, None, new.description.len())?;
    let now = Timestamp::now();
    let card = Card {
        id,
        board_id: actor.board_id,
        column_id,
        title: new.title,
        description: new.description,
        labels,
        assignee_ids: new.assignee_ids,
        due_date: new.due_date,
        position,
        version: 1,
        created_by: actor.member_id,
        created_at: now.clone(),
        updated_at: now,
        archived_at: None,
        trashed_at: None,
    };
    rows::save_card(tx, &card, true)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardCreated(card.clone()),
    )?;
    Ok(Created::New(card))
}

/// Edits and/or moves a card. A stale `version` changes nothing and is a conflict carrying the current card;
/// an edit that changes nothing answers the card as it is.
pub fn update_card(tx: &mut Tx<'_>, actor: &Actor, id: CardId, mut edit: CardEdit) -> Result<Card> {
    let mut card = live_card(tx, id)?;
    if let Some(version) = edit.version
        && version != card.version
    {
        return Err(Error::VersionConflict {
            current: Box::new(card),
        });
    }
    if edit.is_empty() {
        return Ok(card);
    }
    let before = card.clone();
    if let Some(assignees) = edit.assignee_ids.take() {
        check_assignees(tx, actor.board_id, &assignees)?;
        card.assignee_ids = assignees;
    }
    if let Some(column_id) = edit.column_id {
        let column = rows::find_column(tx, column_id)?;
        match column {
            Some(c) if c.board_id == actor.board_id && c.is_live() => {}
            Some(c) if c.board_id == actor.board_id => {
                return Err(Error::invalid(
                    "column_id",
                    "must be a column on the board, not archived or in the trash",
                ));
            }
            _ => {
                return Err(Error::invalid(
                    "column_id",
                    "must be a column of this board",
                ));
            }
        }
    }
    let now = Timestamp::now();
    let was_live = card.is_live();
    if let Some(archived) = edit.archived {
        card.archived_at = shelve(card.archived_at.take(), archived, &now);
    }
    if let Some(trashed) = edit.trashed {
        card.trashed_at = shelve(card.trashed_at.take(), trashed, &now);
    }
    // A card back on the board whose column is not (archived, in the trash) goes to the end of the first column that
    // is, unless the edit says where.

    if !was_live && card.is_live() && edit.column_id.is_none() {
        let home = rows::find_column(tx, card.column_id)?;
        if home.is_none_or(|c| !c.is_live()) {
            let first = rows::first_live_column(tx, actor.board_id)?.ok_or_else(|| {
                Error::invalid(
                    "column_id",
                    "the card's column is archived or in the trash, and the board has no other column",
                )
            })?;
            edit.column_id = Some(first);
            edit.placement = Some(Placement::default());
        }
    }
    let target = edit.column_id.unwrap_or(card.column_id);
    if target != card.column_id || edit.placement.is_some() {
        let column = target.to_string();
        let moving = id.to_string();
        card.position = place(
            tx,
            Siblings::Cards { column_id: &column },
            Some(&moving),
            &edit.placement.unwrap_or_default(),
        )?;
        card.column_id = target;
    }
    if let Some(title) = edit.title {
        card.title = title;
    }
    if let Some(labels) = edit.labels {
        card.labels = labels::of_board(tx, actor.board_id, labels)?;
    }
    // The board's limit comes after the field rules (docs/protocol.md §2.6).
    if let Some(description) = edit.description {
        if description.len() > card.description.len() {
            limits::description(tx, actor.board_id, Some(id), description.len())?;
        }
        card.description = description;
    }
    if let Some(due_date) = edit.due_date {
        card.due_date = due_date;
    }
    if card == before {
        return Ok(card);
    }
    card.version += 1;
    card.updated_at = now;
    rows::save_card(tx, &card, false)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardUpdated(card.clone()),
    )?;
    Ok(card)
}

/// Moves a card to the trash (`DELETE`); one already there stays as it is.
pub fn trash_card(tx: &mut Tx<'_>, actor: &Actor, id: CardId) -> Result<()> {
    let edit = CardEdit {
        trashed: Some(true),
        ..CardEdit::default()
    };
    update_card(tx, actor, id, edit).map(drop)
}

/// Deletes a card for good, leaving a tombstone (the trash emptied by its host, or by age).
pub fn purge_card(tx: &mut Tx<'_>, actor: &Actor, id: CardId) -> Result<()> {
    let deleted = tx
        .prepare_cached("DELETE FROM cards WHERE id = ?1 AND board_id = ?2")?
        .execute([id.to_string(), actor.board_id.to_string()])?;
    if deleted == 0 {
        return Err(ids::absent(tx, Item::Card(id))?);
    }
    ids::bury(tx, actor.board_id, Item::Card(id), &Timestamp::now())?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CardDeleted(Deleted { id }),
    )?;
    Ok(())
}
