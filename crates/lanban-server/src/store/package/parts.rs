//! A package's comments and checklists, checked like any input.

use std::collections::HashSet;

use lanban_core::validate;

use super::{People, kept, moment, on_board, position};
use crate::store::portable::BoardExport;
use crate::store::{Error, Result};

/// Comments are on the package's cards, by members the board ever had, written the way the server keeps them.
pub(super) fn check_comments(export: &BoardExport, people: &People) -> Result<()> {
    let cards: HashSet<_> = export.snapshot.cards.iter().map(|c| c.id).collect();
    let mut ids = HashSet::new();
    for (i, comment) in export.snapshot.comments.iter().enumerate() {
        let field = format!("snapshot.comments[{i}]");
        on_board(
            format!("{field}.board_id"),
            comment.board_id,
            export.snapshot.board.id,
        )?;
        if !ids.insert(comment.id) {
            return Err(Error::invalid(format!("{field}.id"), "appears twice"));
        }
        if !cards.contains(&comment.card_id) {
            return Err(Error::invalid(
                format!("{field}.card_id"),
                "must be a card of the package",
            ));
        }
        if !people.all.contains(&comment.author_id) {
            return Err(Error::invalid(
                format!("{field}.author_id"),
                "must be a member of the package",
            ));
        }
        kept(&format!("{field}.body"), &comment.body, validate::comment)?;
        moment(&format!("{field}.created_at"), &comment.created_at)?;
        moment(&format!("{field}.updated_at"), &comment.updated_at)?;
    }
    Ok(())
}

/// Checklists are on the package's cards, at distinct positions on each card, their items at distinct positions,
/// every text written the way the server keeps it; ids appear once.
pub(super) fn check_checklists(export: &BoardExport) -> Result<()> {
    let cards: HashSet<_> = export.snapshot.cards.iter().map(|c| c.id).collect();
    let (mut ids, mut places) = (HashSet::new(), HashSet::new());
    for (i, list) in export.snapshot.checklists.iter().enumerate() {
        let field = format!("snapshot.checklists[{i}]");
        on_board(
            format!("{field}.board_id"),
            list.board_id,
            export.snapshot.board.id,
        )?;
        if !ids.insert(list.id.to_string()) {
            return Err(Error::invalid(format!("{field}.id"), "appears twice"));
        }
        if !cards.contains(&list.card_id) {
            return Err(Error::invalid(
                format!("{field}.card_id"),
                "must be a card of the package",
            ));
        }
        kept(&format!("{field}.title"), &list.title, validate::title)?;
        position(&format!("{field}.position"), &list.position)?;
        if !places.insert((list.card_id.to_string(), list.position.clone())) {
            return Err(Error::invalid(
                format!("{field}.position"),
                "is another checklist's on its card",
            ));
        }
        let mut spots = HashSet::new();
        for (j, item) in list.items.iter().enumerate() {
            let field = format!("{field}.items[{j}]");
            if !ids.insert(item.id.to_string()) {
                return Err(Error::invalid(format!("{field}.id"), "appears twice"));
            }
            kept(&format!("{field}.text"), &item.text, validate::item_text)?;
            position(&format!("{field}.position"), &item.position)?;
            if !spots.insert(item.position.as_str()) {
                return Err(Error::invalid(
                    format!("{field}.position"),
                    "is another item's on its checklist",
                ));
            }
        }
    }
    Ok(())
}
