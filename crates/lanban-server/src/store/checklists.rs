//! Checklist mutations: a checklist on a card (with an id the client chose, or a new one), renamed or moved among
//! the card's checklists, deleted; its items added, edited, ticked, moved and deleted. Any member may. Every change
//! answers, and its event carries, the whole checklist after it. A checklist goes with its card (the foreign key;
//! `card.deleted` tells mirrors), its items with it.

use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, CardId, ChecklistId, ItemId};
use lanban_core::model::{Checklist, ChecklistItem};
use lanban_core::time::Timestamp;
use lanban_core::validate::limits::{CHECKLISTS_PER_CARD, ITEMS_PER_CHECKLIST};
use rusqlite::Connection;

use crate::store::access::Actor;
use crate::store::cards::live_card;
use crate::store::ids::{self, Claim, Created, Item};
use crate::store::order::{Placement, Siblings, place};
use crate::store::{Error, Result, Tx, limits, rows};

/// A validated checklist edit: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ChecklistEdit {
    pub title: Option<String>,
    pub placement: Option<Placement>,
}

/// A validated item edit: `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ItemEdit {
    pub text: Option<String>,
    pub done: Option<bool>,
    pub placement: Option<Placement>,
}

/// The board a checklist is on, or was on if it was deleted; not found if there never was one (or its card was
/// deleted, which took it along).
pub fn board_of(conn: &Connection, id: ChecklistId) -> Result<BoardId> {
    let board = conn
        .prepare_cached("SELECT board_id FROM checklists WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get::<_, String>(0))
        .ok();
    match board {
        Some(board) => board
            .parse()
            .map_err(|e| Error::Internal(format!("checklist board id {board:?}: {e}"))),
        None => ids::buried_on(conn, Item::Checklist(id))?.ok_or(Error::NotFound("checklist")),
    }
}

/// The live checklist `id` of the actor's board; gone if it was deleted.
fn live(conn: &Connection, actor: &Actor, id: ChecklistId) -> Result<Checklist> {
    match rows::find_checklist(conn, id)? {
        Some(list) if list.board_id == actor.board_id => Ok(list),
        Some(_) => Err(Error::NotFound("checklist")),
        None => Err(ids::absent(conn, Item::Checklist(id))?),
    }
}

/// The checklist as it is now, with its event: every change to a checklist or its items tells the room.
fn changed(tx: &mut Tx<'_>, actor: &Actor, id: ChecklistId) -> Result<Checklist> {
    let list = rows::find_checklist(tx, id)?.ok_or(Error::NotFound("checklist"))?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ChecklistUpdated(list.clone()),
    )?;
    Ok(list)
}

/// Adds a checklist `title` (validated), last on `card_id`, a card of the actor's board (gone if it was deleted).
/// An id this member already made a checklist with here is the same create again: the checklist as it is now.
pub fn create_checklist(
    tx: &mut Tx<'_>,
    actor: &Actor,
    card_id: CardId,
    id: Option<ChecklistId>,
    title: String,
) -> Result<Created<Checklist>> {
    let id = match id {
        None => ChecklistId::new(),
        Some(id) => match ids::claim(tx, actor, Item::Checklist(id))? {
            Claim::Replayed => return Ok(Created::AlreadyThere(live(tx, actor, id)?)),
            Claim::Free => id,
        },
    };
    let card = live_card(tx, card_id)?;
    if card.board_id != actor.board_id {
        return Err(Error::NotFound("card"));
    }
    let card_text = card_id.to_string();
    limits::one_more(
        tx,
        "SELECT COUNT(*) FROM checklists WHERE card_id = ?1",
        &card_text,
        CHECKLISTS_PER_CARD,
        "checklists on a card",
    )?;
    let position = place(
        tx,
        Siblings::Checklists {
            card_id: &card_text,
        },
        None,
        &Placement::default(),
    )?;
    let list = Checklist {
        id,
        board_id: actor.board_id,
        card_id,
        title,
        position,
        items: Vec::new(),
    };
    rows::insert_checklist(tx, &list, actor.member_id)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ChecklistCreated(list.clone()),
    )?;
    Ok(Created::New(list))
}

/// Renames and/or moves a checklist among its card's checklists; an edit that changes nothing answers it as it is.
pub fn update_checklist(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ChecklistId,
    edit: ChecklistEdit,
) -> Result<Checklist> {
    let list = live(tx, actor, id)?;
    let title = edit.title.filter(|t| *t != list.title);
    let position = match &edit.placement {
        Some(placement) => {
            let card = list.card_id.to_string();
            let key = place(
                tx,
                Siblings::Checklists { card_id: &card },
                Some(&id.to_string()),
                placement,
            )?;
            (key != list.position).then_some(key)
        }
        None => None,
    };
    if title.is_none() && position.is_none() {
        return Ok(list);
    }
    tx.prepare_cached(
        "UPDATE checklists SET title = COALESCE(?2, title), position = COALESCE(?3, position) WHERE id = ?1",
    )?
    .execute(rusqlite::params![id.to_string(), title, position])?;
    changed(tx, actor, id)
}

/// Deletes a checklist and its items, leaving a tombstone.
pub fn delete_checklist(tx: &mut Tx<'_>, actor: &Actor, id: ChecklistId) -> Result<()> {
    live(tx, actor, id)?;
    tx.prepare_cached("DELETE FROM checklists WHERE id = ?1")?
        .execute([id.to_string()])?;
    ids::bury(tx, actor.board_id, Item::Checklist(id), &Timestamp::now())?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::ChecklistDeleted(Deleted { id }),
    )?;
    Ok(())
}

/// Adds an item `text` (validated) to a checklist at `placement` (neither anchor: last). An id this member already
/// made an item with is the same create again: the checklist as it is now, no event.
pub fn create_item(
    tx: &mut Tx<'_>,
    actor: &Actor,
    checklist: ChecklistId,
    id: Option<ItemId>,
    text: String,
    placement: Placement,
) -> Result<Created<Checklist>> {
    let id = match id {
        None => ItemId::new(),
        Some(id) => match ids::claim(tx, actor, Item::ChecklistItem(id))? {
            Claim::Replayed => return Ok(Created::AlreadyThere(live(tx, actor, checklist)?)),
            Claim::Free => id,
        },
    };
    live(tx, actor, checklist)?;
    let list_text = checklist.to_string();
    let position = place(
        tx,
        Siblings::Items {
            checklist_id: &list_text,
        },
        None,
        &placement,
    )?;
    // After the field rules, as every limit (docs/protocol.md §2.6).
    limits::one_more(
        tx,
        "SELECT COUNT(*) FROM checklist_items WHERE checklist_id = ?1",
        &list_text,
        ITEMS_PER_CHECKLIST,
        "items on a checklist",
    )?;
    let item = ChecklistItem {
        id,
        text,
        done: false,
        position,
    };
    rows::insert_item(tx, checklist, &item, actor.member_id)?;
    changed(tx, actor, checklist).map(Created::New)
}

/// Edits, ticks or unticks, and/or moves an item of a checklist; an edit that changes nothing answers the
/// checklist as it is, with no event.
pub fn update_item(
    tx: &mut Tx<'_>,
    actor: &Actor,
    checklist: ChecklistId,
    id: ItemId,
    edit: ItemEdit,
) -> Result<Checklist> {
    let list = live(tx, actor, checklist)?;
    let Some(item) = list.items.iter().find(|i| i.id == id) else {
        return Err(item_absent(tx, id)?);
    };
    let text = edit.text.filter(|t| *t != item.text);
    let done = edit.done.filter(|d| *d != item.done);
    let position = match &edit.placement {
        Some(placement) => {
            let list_text = checklist.to_string();
            let key = place(
                tx,
                Siblings::Items {
                    checklist_id: &list_text,
                },
                Some(&id.to_string()),
                placement,
            )?;
            (key != item.position).then_some(key)
        }
        None => None,
    };
    if text.is_none() && done.is_none() && position.is_none() {
        return Ok(list);
    }
    tx.prepare_cached(
        "UPDATE checklist_items SET text = COALESCE(?2, text), done = COALESCE(?3, done),
         position = COALESCE(?4, position) WHERE id = ?1",
    )?
    .execute(rusqlite::params![id.to_string(), text, done, position])?;
    changed(tx, actor, checklist)
}

/// Deletes an item of a checklist, leaving a tombstone.
pub fn delete_item(
    tx: &mut Tx<'_>,
    actor: &Actor,
    checklist: ChecklistId,
    id: ItemId,
) -> Result<Checklist> {
    let list = live(tx, actor, checklist)?;
    if list.items.iter().all(|i| i.id != id) {
        return Err(item_absent(tx, id)?);
    }
    tx.prepare_cached("DELETE FROM checklist_items WHERE id = ?1")?
        .execute([id.to_string()])?;
    ids::bury(
        tx,
        actor.board_id,
        Item::ChecklistItem(id),
        &Timestamp::now(),
    )?;
    changed(tx, actor, checklist)
}

/// Why an item is not on its checklist: deleted (gone), or never there.
fn item_absent(conn: &Connection, id: ItemId) -> Result<Error> {
    ids::absent(conn, Item::ChecklistItem(id))
}
