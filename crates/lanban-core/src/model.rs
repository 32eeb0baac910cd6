//! The board's entities exactly as they travel as JSON (field names are part of the wire contract).

use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::{BoardId, CardId, ChecklistId, ColumnId, CommentId, ItemId, MemberId};
use crate::room_code::RoomCode;
use crate::time::Timestamp;

/// A task board; each board is one room of live events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Board {
    pub id: BoardId,
    /// 1–60 characters.
    pub name: String,
    /// The code teammates type to join, shown as `XXXX-XXXX`.
    pub room_code: RoomCode,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The member the host offered to host the board on their computer (`board.handoff_offered`), until they
    /// accept or the host withdraws the offer; absent when there is no offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_to: Option<MemberId>,
    /// The board's labels, in order (at most 100, names unique ignoring case): a card carries only these, each
    /// with the board's colour for it. Absent from boards made before board labels: none.
    #[serde(default)]
    pub labels: Vec<Label>,
}

/// A column of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Column {
    pub id: ColumnId,
    pub board_id: BoardId,
    /// 1–200 characters.
    pub title: String,
    /// Fractional-index key; columns are ordered by comparing keys bytewise.
    pub position: String,
    /// When the column was archived: hidden from the board with its cards, kept to restore. Absent when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
    /// When the column was moved to the trash (with its cards, which come back with it); the trash is emptied
    /// after 30 days. Absent when it is not in the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<Timestamp>,
}

impl Column {
    /// Shown on the board: neither archived nor in the trash.
    pub fn is_live(&self) -> bool {
        self.archived_at.is_none() && self.trashed_at.is_none()
    }
}

/// A coloured tag on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// 1–60 characters.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// `#rrggbb`.
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    pub color: String,
}

/// A task on a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Card {
    pub id: CardId,
    pub board_id: BoardId,
    pub column_id: ColumnId,
    /// 1–200 characters.
    pub title: String,
    /// Markdown, at most 20,000 characters; empty when there is none.
    pub description: String,
    pub labels: Vec<Label>,
    /// The current members of the board assigned to the card, in the order they were assigned (at most 20); empty
    /// when nobody is. Cards made before several assignees carried `assignee_id` (one id, or null): read as a list.
    #[serde(default, alias = "assignee_id", deserialize_with = "one_or_many")]
    #[cfg_attr(feature = "specta", specta(type = Vec<MemberId>))]
    pub assignee_ids: Vec<MemberId>,
    /// `YYYY-MM-DD`, or null.
    pub due_date: Option<String>,
    /// Fractional-index key within the column.
    pub position: String,
    /// Starts at 1 and grows by one with every change to the card.
    pub version: u64,
    pub created_by: MemberId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the card was archived: hidden from the board, kept to restore. Absent when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
    /// When the card was moved to the trash; the trash is emptied after 30 days. Absent when it is not in the
    /// trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<Timestamp>,
}

/// A list of members, or the single (possibly null) `assignee_id` of cards written before several assignees.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<MemberId>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<MemberId>),
        One(Option<MemberId>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(many) => many,
        OneOrMany::One(one) => one.into_iter().collect(),
    })
}

impl Card {
    /// Neither archived nor in the trash (its column may still be).
    pub fn is_live(&self) -> bool {
        self.archived_at.is_none() && self.trashed_at.is_none()
    }
}

/// A comment on a card, by a member. Its author may edit it; its author or the board's host may delete it. It goes
/// with its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Comment {
    pub id: CommentId,
    pub board_id: BoardId,
    pub card_id: CardId,
    /// The member who wrote it (still named after they leave the board).
    pub author_id: MemberId,
    /// Markdown, 1–5,000 characters; `@Name` mentions a member by their name.
    pub body: String,
    pub created_at: Timestamp,
    /// Equal to `created_at` until the comment is edited.
    pub updated_at: Timestamp,
}

/// A named checklist on a card, with its items in order. Any member edits it; it goes with its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Checklist {
    pub id: ChecklistId,
    pub board_id: BoardId,
    pub card_id: CardId,
    /// 1–200 characters, one line.
    pub title: String,
    /// Ordering key among the card's checklists.
    pub position: String,
    /// In order; at most 100.
    pub items: Vec<ChecklistItem>,
}

/// One thing to do on a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChecklistItem {
    pub id: ItemId,
    /// 1–500 characters, one line.
    pub text: String,
    pub done: bool,
    /// Ordering key within the checklist.
    pub position: String,
}

impl Checklist {
    /// How many items are done, of how many.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.items.iter().filter(|i| i.done).count(),
            self.items.len(),
        )
    }
}

/// What a member may do on their board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the board, or took it over in a handoff (`board.moved`): may also rotate its room code, remove
    /// members and hand the board over.
    Host,
    /// Joined with the room code.
    Member,
}

impl Role {
    /// The role's wire (and storage) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Member => "member",
        }
    }
}

/// A person on one board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Member {
    pub id: MemberId,
    pub board_id: BoardId,
    /// 1–60 characters.
    pub name: String,
    /// The member's avatar colour, `#rrggbb`.
    pub color: String,
    pub role: Role,
    pub joined_at: Timestamp,
}

/// Avatar colours handed to members in turn; each reads on light and dark surfaces.
pub const MEMBER_COLORS: [&str; 10] = [
    "#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
    "#6366f1", "#84cc16",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_written_with_one_assignee_reads_as_a_list() {
        let card = |assigned: &str| {
            serde_json::json!({
                "id": "019aee11-2222-7333-8444-555566667777", "board_id": "019aee11-2222-7333-8444-555566667778",
                "column_id": "019aee11-2222-7333-8444-555566667779", "title": "Plan", "description": "", "labels": [],
                "position": "a0", "version": 1, "created_by": "019aee11-2222-7333-8444-55556666777a",
                "created_at": "2026-12-05T09:00:00.000Z", "updated_at": "2026-12-05T09:00:00.000Z",
            })
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                let (key, value) = assigned.split_once('=').unwrap();
                o.insert(key.into(), serde_json::from_str(value).unwrap());
                serde_json::Value::Object(o)
            })
            .unwrap()
        };
        let id = "019aee11-2222-7333-8444-55556666777a";
        for (written, people) in [
            (format!("assignee_id=\"{id}\""), 1),
            ("assignee_id=null".to_owned(), 0),
            (format!("assignee_ids=[\"{id}\"]"), 1),
            ("assignee_ids=[]".to_owned(), 0),
        ] {
            let read: Card = serde_json::from_value(card(&written)).unwrap();
            assert_eq!(read.assignee_ids.len(), people, "{written}");
            let again = serde_json::to_value(&read).unwrap();
            assert!(again.get("assignee_id").is_none() && again["assignee_ids"].is_array());
        }
    }
}
