//! The changes a member makes to a board's content, as a client keeps them until the host has answered (the
//! outbox): each knows its request (method, path, exact body) and how to tell whether it collides with what a
//! teammate changed meanwhile.

use serde::{Deserialize, Serialize};

use crate::api::{
    CreateCard, CreateChecklist, CreateColumn, CreateComment, CreateItem, Snapshot, UpdateBoard,
    UpdateCard, UpdateChecklist, UpdateColumn, UpdateComment, UpdateItem, UpdateLabel,
};
use crate::ids::{BoardId, CardId, ChecklistId, ColumnId, CommentId, ItemId};
use crate::model::{Card, Label};

mod standing;
pub use standing::{patch_card, standing};

/// A change to a board that any member may make. Creates carry the id the client chose, so later changes can
/// name what they create before the host has answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    RenameBoard {
        board: BoardId,
        name: String,
    },
    CreateColumn {
        board: BoardId,
        column: CreateColumn,
    },
    UpdateColumn {
        column: ColumnId,
        patch: UpdateColumn,
    },
    DeleteColumn {
        column: ColumnId,
    },
    CreateCard {
        column: ColumnId,
        card: CreateCard,
    },
    /// `base`: the card as the person saw it when they made the change, which tells a teammate's change to the
    /// same field (a collision) from one to other fields (merged without asking).
    UpdateCard {
        card: CardId,
        patch: Box<UpdateCard>,
        base: Option<Box<Card>>,
    },
    DeleteCard {
        card: CardId,
    },
    CreateComment {
        card: CardId,
        comment: CreateComment,
    },
    UpdateComment {
        comment: CommentId,
        patch: UpdateComment,
    },
    DeleteComment {
        comment: CommentId,
    },
    CreateChecklist {
        card: CardId,
        checklist: CreateChecklist,
    },
    UpdateChecklist {
        checklist: ChecklistId,
        patch: UpdateChecklist,
    },
    DeleteChecklist {
        checklist: ChecklistId,
    },
    CreateItem {
        checklist: ChecklistId,
        item: CreateItem,
    },
    UpdateItem {
        checklist: ChecklistId,
        item: ItemId,
        patch: UpdateItem,
    },
    DeleteItem {
        checklist: ChecklistId,
        item: ItemId,
    },
    /// Deletes for good every card and column in the board's trash (host only).
    EmptyTrash {
        board: BoardId,
    },
    /// Defines a label on the board.
    CreateLabel {
        board: BoardId,
        label: Label,
    },
    /// Renames and/or recolours the board's label `name` (on every card too).
    UpdateLabel {
        board: BoardId,
        name: String,
        patch: UpdateLabel,
    },
    /// Removes the board's label `name` (from every card too).
    DeleteLabel {
        board: BoardId,
        name: String,
    },
}

/// An HTTP request as it is kept and sent: the exact bytes, so a resend is the same request (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Vec<u8>>,
}

/// How a queued card edit stands against the card as the board has it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Send it: nobody else changed what it changes.
    Send,
    /// The board already shows it (the edit was applied and its answer lost): nothing to send.
    Applied,
    /// A teammate changed a field it changes (or moved the card it moves): ask the person.
    Collides,
}

impl Mutation {
    /// The request that makes this change.
    pub fn request(&self) -> Result<Request, serde_json::Error> {
        let (method, path, body) = match self {
            Mutation::RenameBoard { board, name } => {
                let body = UpdateBoard { name: name.clone() };
                (
                    "PATCH",
                    format!("/api/boards/{board}"),
                    Some(serde_json::to_vec(&body)?),
                )
            }
            Mutation::CreateColumn { board, column } => (
                "POST",
                format!("/api/boards/{board}/columns"),
                Some(serde_json::to_vec(column)?),
            ),
            Mutation::UpdateColumn { column, patch } => (
                "PATCH",
                format!("/api/columns/{column}"),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteColumn { column } => ("DELETE", format!("/api/columns/{column}"), None),
            Mutation::CreateCard { column, card } => (
                "POST",
                format!("/api/columns/{column}/cards"),
                Some(serde_json::to_vec(card)?),
            ),
            Mutation::UpdateCard { card, patch, .. } => (
                "PATCH",
                format!("/api/cards/{card}"),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteCard { card } => ("DELETE", format!("/api/cards/{card}"), None),
            Mutation::CreateComment { card, comment } => (
                "POST",
                format!("/api/cards/{card}/comments"),
                Some(serde_json::to_vec(comment)?),
            ),
            Mutation::UpdateComment { comment, patch } => (
                "PATCH",
                format!("/api/comments/{comment}"),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteComment { comment } => {
                ("DELETE", format!("/api/comments/{comment}"), None)
            }
            Mutation::CreateChecklist { card, checklist } => (
                "POST",
                format!("/api/cards/{card}/checklists"),
                Some(serde_json::to_vec(checklist)?),
            ),
            Mutation::UpdateChecklist { checklist, patch } => (
                "PATCH",
                format!("/api/checklists/{checklist}"),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteChecklist { checklist } => {
                ("DELETE", format!("/api/checklists/{checklist}"), None)
            }
            Mutation::CreateItem { checklist, item } => (
                "POST",
                format!("/api/checklists/{checklist}/items"),
                Some(serde_json::to_vec(item)?),
            ),
            Mutation::UpdateItem {
                checklist,
                item,
                patch,
            } => (
                "PATCH",
                format!("/api/checklists/{checklist}/items/{item}"),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteItem { checklist, item } => (
                "DELETE",
                format!("/api/checklists/{checklist}/items/{item}"),
                None,
            ),
            Mutation::EmptyTrash { board } => {
                ("DELETE", format!("/api/boards/{board}/trash"), None)
            }
            Mutation::CreateLabel { board, label } => (
                "POST",
                format!("/api/boards/{board}/labels"),
                Some(serde_json::to_vec(label)?),
            ),
            Mutation::UpdateLabel { board, name, patch } => (
                "PATCH",
                format!("/api/boards/{board}/labels/{}", path_segment(name)),
                Some(serde_json::to_vec(patch)?),
            ),
            Mutation::DeleteLabel { board, name } => (
                "DELETE",
                format!("/api/boards/{board}/labels/{}", path_segment(name)),
                None,
            ),
        };
        Ok(Request { method, path, body })
    }

    /// A delete: done once its target is gone, whoever deleted it.
    pub fn is_delete(&self) -> bool {
        matches!(
            self,
            Mutation::DeleteColumn { .. }
                | Mutation::DeleteCard { .. }
                | Mutation::DeleteComment { .. }
                | Mutation::DeleteChecklist { .. }
                | Mutation::DeleteItem { .. }
                | Mutation::DeleteLabel { .. }
        )
    }

    /// A create: sent again, it is the same create (the host answers 200, or 410 once it was deleted).
    pub fn is_create(&self) -> bool {
        matches!(
            self,
            Mutation::CreateColumn { .. }
                | Mutation::CreateCard { .. }
                | Mutation::CreateComment { .. }
                | Mutation::CreateChecklist { .. }
                | Mutation::CreateItem { .. }
        )
    }

    /// A refused change made again on top of `board` as it is now: a card edit against the card as it is (so it no
    /// longer collides), moves without neighbours that may be gone, creates with a fresh id (in the first column on
    /// the board if theirs was deleted, archived or put in the trash).
    pub fn on_top(self, board: &Snapshot) -> Mutation {
        match self {
            Mutation::UpdateCard {
                card, mut patch, ..
            } => {
                patch.before = None;
                patch.after = None;
                if let Some(Some(column)) = patch.column_id
                    && !board.columns.iter().any(|c| c.id == column && c.is_live())
                {
                    patch.column_id = None;
                }
                Mutation::UpdateCard {
                    card,
                    patch,
                    base: None,
                }
            }
            Mutation::UpdateColumn { column, mut patch } => {
                patch.before = None;
                patch.after = None;
                Mutation::UpdateColumn { column, patch }
            }
            Mutation::CreateCard { column, mut card } => {
                card.id = Some(CardId::new());
                card.before = None;
                card.after = None;
                let column = if board.columns.iter().any(|c| c.id == column && c.is_live()) {
                    column
                } else {
                    let mut live = board.columns.iter().filter(|c| c.is_live());
                    live.next().map_or(column, |c| c.id)
                };
                Mutation::CreateCard { column, card }
            }
            Mutation::CreateColumn {
                board: id,
                mut column,
            } => {
                column.id = Some(ColumnId::new());
                column.before = None;
                column.after = None;
                Mutation::CreateColumn { board: id, column }
            }
            Mutation::CreateComment { card, mut comment } => {
                comment.id = Some(CommentId::new());
                Mutation::CreateComment { card, comment }
            }
            Mutation::CreateChecklist {
                card,
                mut checklist,
            } => {
                checklist.id = Some(ChecklistId::new());
                Mutation::CreateChecklist { card, checklist }
            }
            Mutation::UpdateChecklist {
                checklist,
                mut patch,
            } => {
                patch.before = None;
                patch.after = None;
                Mutation::UpdateChecklist { checklist, patch }
            }
            Mutation::CreateItem {
                checklist,
                mut item,
            } => {
                item.id = Some(ItemId::new());
                item.before = None;
                item.after = None;
                Mutation::CreateItem { checklist, item }
            }
            Mutation::UpdateItem {
                checklist,
                item,
                mut patch,
            } => {
                patch.before = None;
                patch.after = None;
                Mutation::UpdateItem {
                    checklist,
                    item,
                    patch,
                }
            }
            other => other,
        }
    }

    /// The card this change is about, if any (for the "not yet synced" mark).
    pub fn card(&self) -> Option<CardId> {
        match self {
            Mutation::CreateCard { card, .. } => card.id,
            Mutation::UpdateCard { card, .. } | Mutation::DeleteCard { card } => Some(*card),
            _ => None,
        }
    }
}

/// `text` as one URL path segment: every byte but the unreserved ones (RFC 3986) percent-encoded.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;
    use crate::time::Timestamp;

    fn card(title: &str, due: Option<&str>) -> Card {
        Card {
            id: CardId(uuid::Uuid::from_u128(1)),
            board_id: BoardId(uuid::Uuid::from_u128(2)),
            column_id: ColumnId(uuid::Uuid::from_u128(3)),
            title: title.into(),
            description: String::new(),
            labels: vec![],
            assignee_ids: vec![],
            due_date: due.map(str::to_owned),
            position: "a0".into(),
            version: 1,
            created_by: MemberId(uuid::Uuid::from_u128(4)),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            archived_at: None,
            trashed_at: None,
        }
    }

    fn retitle(title: &str) -> UpdateCard {
        UpdateCard {
            title: Some(Some(title.into())),
            ..Default::default()
        }
    }

    #[test]
    fn a_card_edit_stands_against_the_board_as_it_is_now() {
        let base = card("Plan", None);
        // Nobody else touched the title: send.
        let now = card("Plan", Some("2026-12-24"));
        assert_eq!(standing(&retitle("Plan v2"), &base, &now), Standing::Send);
        // The board already shows my title: it was applied, its answer lost.
        let now = card("Plan v2", None);
        assert_eq!(
            standing(&retitle("Plan v2"), &base, &now),
            Standing::Applied
        );
        // A teammate retitled it meanwhile: ask.
        let now = card("Plan (final)", None);
        assert_eq!(
            standing(&retitle("Plan v2"), &base, &now),
            Standing::Collides
        );
        // Clearing a due date a teammate set meanwhile collides; clearing it when nobody changed it does not.
        let clear = UpdateCard {
            due_date: Some(None),
            ..Default::default()
        };
        let dated = card("Plan", Some("2026-12-24"));
        assert_eq!(standing(&clear, &base, &dated), Standing::Collides);
        assert_eq!(standing(&clear, &dated, &dated), Standing::Send);
        // A move collides with a teammate's move, not with a retitle.
        let to_done = UpdateCard {
            column_id: Some(Some(ColumnId(uuid::Uuid::from_u128(9)))),
            ..Default::default()
        };
        assert_eq!(
            standing(&to_done, &base, &card("Other", None)),
            Standing::Send
        );
        let mut moved = base.clone();
        moved.position = "a5".into();
        assert_eq!(standing(&to_done, &base, &moved), Standing::Collides);
    }

    #[test]
    fn requests_carry_the_exact_body_and_path() {
        let column = ColumnId(uuid::Uuid::from_u128(3));
        let create = Mutation::CreateCard {
            column,
            card: CreateCard {
                id: Some(CardId(uuid::Uuid::from_u128(7))),
                title: "Write".into(),
                ..Default::default()
            },
        };
        let request = create.request().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/api/columns/{column}/cards"));
        assert_eq!(
            request.body.unwrap(),
            br#"{"id":"00000000-0000-0000-0000-000000000007","title":"Write"}"#
        );
        let delete = Mutation::DeleteCard {
            card: CardId(uuid::Uuid::from_u128(7)),
        };
        assert_eq!(delete.request().unwrap().body, None);
        assert!(delete.is_delete() && create.is_create());
        // A mutation travels as tagged JSON (the outbox keeps it so).
        let json = serde_json::to_value(&delete).unwrap();
        assert_eq!(json["kind"], "delete_card");
        // A label's name travels in the path, encoded.
        let rename = Mutation::DeleteLabel {
            board: BoardId(uuid::Uuid::from_u128(2)),
            name: "Needs review / ünï".into(),
        };
        assert!(
            rename
                .request()
                .unwrap()
                .path
                .ends_with("/labels/Needs%20review%20%2F%20%C3%BCn%C3%AF")
        );
    }
}
