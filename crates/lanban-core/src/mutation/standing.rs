//! A card edit drawn on the card as the host would make it, and how a queued edit stands against the card as the
//! board has it now (send it, already applied, or collides with a teammate's change).

use serde::Serialize;

use super::Standing;
use crate::api::UpdateCard;
use crate::model::Card;
use crate::time::Timestamp;

/// Shows an edit on a card as the host would make it (the fields it sets; moves are left to the host's ordering).
pub fn patch_card(card: &mut Card, patch: &UpdateCard) {
    if let Some(Some(title)) = &patch.title {
        card.title.clone_from(title);
    }
    if let Some(description) = &patch.description {
        card.description = description.clone().unwrap_or_default();
    }
    if let Some(labels) = &patch.labels {
        card.labels = labels.clone().unwrap_or_default();
    }
    if let Some(assignees) = &patch.assignee_ids {
        card.assignee_ids = assignees.clone().unwrap_or_default();
    }
    if let Some(due) = &patch.due_date {
        card.due_date.clone_from(due);
    }
    if let Some(Some(column)) = patch.column_id {
        card.column_id = column;
    }
    if let Some(archived) = patch.archived {
        card.archived_at = archived.then(Timestamp::now);
    }
    if let Some(trashed) = patch.trashed {
        card.trashed_at = trashed.then(Timestamp::now);
    }
}

/// How a card edit made on `base` stands against `now`, the card as the board has it.
pub fn standing(patch: &UpdateCard, base: &Card, now: &Card) -> Standing {
    let fields = fields(patch, now);
    if fields.iter().all(|f| f.mine_equals_now) && !moves(patch) {
        return Standing::Applied;
    }
    let theirs_changed = fields.iter().any(|f| f.base_differs(base, now));
    let moved_meanwhile =
        moves(patch) && (now.column_id != base.column_id || now.position != base.position);
    if theirs_changed || moved_meanwhile {
        Standing::Collides
    } else {
        Standing::Send
    }
}

/// Whether the edit moves the card.
fn moves(patch: &UpdateCard) -> bool {
    patch.column_id.is_some() || patch.before.is_some() || patch.after.is_some()
}

/// One field an edit sets: whether the board already has the edit's value, and how to read the field.
struct Field {
    mine_equals_now: bool,
    read: fn(&Card) -> String,
}

impl Field {
    fn base_differs(&self, base: &Card, now: &Card) -> bool {
        (self.read)(base) != (self.read)(now)
    }
}

/// The fields `patch` sets, compared as their JSON text (absent and `null` alike for optional fields).
fn fields(patch: &UpdateCard, now: &Card) -> Vec<Field> {
    fn text<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }
    let mut fields = Vec::new();
    let mut add = |set: Option<String>, read: fn(&Card) -> String| {
        if let Some(mine) = set {
            fields.push(Field {
                mine_equals_now: mine == read(now),
                read,
            });
        }
    };
    add(patch.title.as_ref().map(text), |c| text(&Some(&c.title)));
    add(patch.description.as_ref().map(text), |c| {
        text(&Some(&c.description))
    });
    add(patch.labels.as_ref().map(text), |c| text(&Some(&c.labels)));
    add(
        patch
            .assignee_ids
            .as_ref()
            .map(|a| text(&Some(a.clone().unwrap_or_default()))),
        |c| text(&Some(&c.assignee_ids)),
    );
    add(patch.due_date.as_ref().map(text), |c| text(&c.due_date));
    add(patch.archived.as_ref().map(text), |c| {
        text(&c.archived_at.is_some())
    });
    add(patch.trashed.as_ref().map(text), |c| {
        text(&c.trashed_at.is_some())
    });
    fields
}
