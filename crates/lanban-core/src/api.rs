//! Bodies of the HTTP API: what clients send, what the server answers, and the error shape.
//!
//! Every request body rejects unknown fields. In a `PATCH`, an absent field is left alone and `null` clears a
//! nullable field; see [`Patch`].

use serde::{Deserialize, Deserializer, Serialize};

mod checklists;
mod comments;
mod errors;
mod labels;
mod number;
pub use checklists::{CreateChecklist, CreateItem, UpdateChecklist, UpdateItem};
pub use comments::{CreateComment, UpdateComment};
pub use errors::{ErrorBody, ErrorCode, ErrorDetail};
pub use labels::UpdateLabel;
pub use number::patch_whole;

use crate::event::Event;
use crate::ids::{CardId, ColumnId, MemberId};
use crate::model::{Board, Card, Checklist, Column, Comment, Label, Member};
use crate::room_code::RoomCode;

/// A field of a `PATCH` body: absent (`None`), `null` (`Some(None)`) or a value (`Some(Some(v))`).
pub type Patch<T> = Option<Option<T>>;

/// Deserialises a [`Patch`] so that `null` and absence stay distinct (use with `#[serde(default)]`).
pub fn patch<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// The wire protocol version it speaks ([`crate::PROTOCOL_VERSION`]).
    pub protocol: u32,
}

/// `POST /api/boards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct CreateBoard {
    /// The board's name, 1–60 characters.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// The host member's display name, 1–60 characters.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub member_name: String,
}

/// The answer to `POST /api/boards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardCreated {
    pub board: Board,
    /// The board's host member.
    pub member: Member,
    /// The host member's token: keep it secret, send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub room_code: RoomCode,
}

/// `POST /api/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct JoinBoard {
    /// The code, in any case, with or without the dash (12 characters, or an older code's 8; O is read as 0, I
    /// and L as 1; dashes and spaces anywhere are ignored).
    #[schema(pattern = r"^[ -]*([0-9A-TV-Za-tv-z][ -]*){8}(([0-9A-TV-Za-tv-z][ -]*){4})?$")]
    pub room_code: String,
    /// The new member's display name, 1–60 characters.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub member_name: String,
}

/// The answer to `POST /api/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Joined {
    pub board: Board,
    pub member: Member,
    /// The new member's token.
    pub token: String,
}

/// `PATCH /api/boards/{board}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct UpdateBoard {
    /// 1–60 characters.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
}

/// The answer to `POST /api/boards/{board}/room-code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RoomCodeBody {
    pub room_code: RoomCode,
}

/// `POST /api/boards/{board}/handoff`: the host offers the board to a member, or withdraws the offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct OfferHandoff {
    /// A current member other than the host; `null` withdraws the offer. Required.
    #[serde(deserialize_with = "nullable")]
    #[schema(required = true)]
    pub member_id: Option<MemberId>,
}

/// Deserialises a nullable field that must be present (`null` is a value, absence an error).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// `POST /api/boards/{board}/handoff/accept`: the member the board was offered to takes it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct AcceptHandoff {
    /// The certificate fingerprint of the accepting member's server (43 characters of base64url).
    pub fingerprint: String,
    /// Where that server listens: 1–8 socket addresses, `ip:port` each (`[v6]:port` for IPv6).
    pub addresses: Vec<String>,
}

/// `POST /api/boards/rehost`: a member's complete copy of a board whose host is gone for good, to be hosted by this
/// server from now on, with that member as its host (docs/protocol.md §6.21, §15.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RehostBoard {
    /// Always `lanban-copy`.
    #[schema(pattern = "^lanban-copy$")]
    pub format: String,
    /// Always 1.
    #[schema(minimum = 1, maximum = 1)]
    pub version: u32,
    /// The board as it was where the copy's log starts, when the host had compacted its log (the host's
    /// `GET /api/boards/{board}/log-base`); absent when the log is whole from seq 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Snapshot>,
    /// The board's log as the member's copy holds it: seq 1 (`board.created`), or the one after `base.seq`, to
    /// the copy's seq, with no gap. The board is made from `base` and these events alone, by the rules every
    /// mirror applies them with.
    #[serde(with = "crate::event::tagged_events")]
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Event>,
    /// The member who hosts the board from now on: a current member other than its host.
    pub member_id: MemberId,
    /// The SHA-256 of that member's token, base64url without padding (43 characters), so that their token opens
    /// the board here. Only theirs: the other members' tokens are not known to the copy.
    pub token_sha256: String,
}

impl RehostBoard {
    /// The value of `format`.
    pub const FORMAT: &'static str = "lanban-copy";
    /// The value of `version`.
    pub const VERSION: u32 = 1;

    /// The body that hosts the board `base` and `events` make with `member_id`, whose token is `token`, as the
    /// host.
    pub fn new(
        base: Option<Snapshot>,
        events: Vec<Event>,
        member_id: MemberId,
        token: &str,
    ) -> RehostBoard {
        use base64::Engine;
        use sha2::Digest;
        let hash = sha2::Sha256::digest(token.as_bytes());
        RehostBoard {
            format: Self::FORMAT.into(),
            version: Self::VERSION,
            base,
            events,
            member_id,
            token_sha256: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash),
        }
    }
}

/// `POST /api/boards/{board}/columns`. `before`/`after` name neighbouring columns; neither puts it last.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct CreateColumn {
    /// The new column's id, chosen by the client (a UUIDv7) so that changes queued before the create is answered
    /// can name it; sent again, it is the same create. Absent: the server chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")]
    pub id: Option<ColumnId>,
    /// 1–200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// Place the column just before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<ColumnId>,
    /// Place the column just after this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<ColumnId>,
}

/// `PATCH /api/columns/{column}`: rename and/or move.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct UpdateColumn {
    /// `null` is refused: a column always has a title.
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>, optional))]
    pub title: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<ColumnId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<ColumnId>,
    /// `true` archives it (hidden from the board with its cards), `false` takes it out of the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// `true` moves it to the trash with its cards (as `DELETE` does), `false` restores it with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed: Option<bool>,
}

/// `POST /api/columns/{column}/cards`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct CreateCard {
    /// The new card's id, chosen by the client (a UUIDv7) so that changes queued before the create is answered
    /// can name it; sent again, it is the same create. Absent: the server chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")]
    pub id: Option<CardId>,
    /// 1–200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// Markdown, at most 20,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// At most 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub labels: Option<Vec<Label>>,
    /// Current members of the board, at most 20 (a member named twice counts once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub assignee_ids: Option<Vec<MemberId>>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// Place the card just before this card of the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<CardId>,
    /// Place the card just after this card of the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<CardId>,
}

/// `PATCH /api/cards/{card}`: edit fields and/or move (to another column with `column_id`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct UpdateCard {
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>, optional))]
    pub title: Patch<String>,
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 20000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>, optional))]
    pub description: Patch<String>,
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<Label>>, max_items = 20)]
    #[cfg_attr(feature = "specta", specta(type = Option<Vec<Label>>, optional))]
    pub labels: Patch<Vec<Label>>,
    /// Everyone assigned to the card after the edit (current members, at most 20; a member named twice counts
    /// once); `[]` or `null` unassigns everyone.
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<MemberId>>, max_items = 20)]
    #[cfg_attr(feature = "specta", specta(type = Option<Vec<MemberId>>, optional))]
    pub assignee_ids: Patch<Vec<MemberId>>,
    /// `null` clears the due date.
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Date, nullable)]
    #[cfg_attr(feature = "specta", specta(type = Option<String>, optional))]
    pub due_date: Patch<String>,
    /// Move the card to this column of the same board.
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = String, format = Uuid)]
    #[cfg_attr(feature = "specta", specta(type = Option<ColumnId>, optional))]
    pub column_id: Patch<ColumnId>,
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Uuid)]
    #[cfg_attr(feature = "specta", specta(type = Option<CardId>, optional))]
    pub before: Patch<CardId>,
    #[serde(
        default,
        deserialize_with = "patch",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Uuid)]
    #[cfg_attr(feature = "specta", specta(type = Option<CardId>, optional))]
    pub after: Patch<CardId>,
    /// If set and not the card's current version, nothing changes and the answer is 409 `version_conflict`.
    #[serde(
        default,
        deserialize_with = "patch_whole",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<u64>, minimum = 1)]
    #[cfg_attr(feature = "specta", specta(type = Option<u64>, optional))]
    pub version: Patch<u64>,
    /// `true` archives the card (hidden from the board), `false` takes it out of the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// `true` moves the card to the trash (as `DELETE` does), `false` restores it. A card restored (or taken out of
    /// the archive) whose column is archived or in the trash goes to the end of the board's first column on the
    /// board, unless the edit names a `column_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed: Option<bool>,
}

/// `GET /api/boards/{board}`: the whole board at `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Snapshot {
    pub board: Board,
    /// Ordered by position.
    pub columns: Vec<Column>,
    /// Column by column in column order, each column's cards by position.
    pub cards: Vec<Card>,
    /// Current members, in joining order.
    pub members: Vec<Member>,
    /// The comments on the cards, oldest first (absent from a snapshot made before comments: none).
    #[serde(default)]
    pub comments: Vec<Comment>,
    /// The checklists on the cards, card by card (by card id), each card's by position (absent from a snapshot
    /// made before checklists: none).
    #[serde(default)]
    pub checklists: Vec<Checklist>,
    /// The seq of the last event this snapshot includes.
    pub seq: u64,
}

/// `GET /api/boards/{board}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EventsPage {
    /// Events with seq > `since`, ascending, at most `limit`; each has `"type":"event"`.
    #[serde(with = "crate::event::tagged_events")]
    pub events: Vec<Event>,
    /// The board's current seq.
    pub seq: u64,
}

/// `GET /api/boards/{board}/log-base`: where the board's log starts (docs/protocol.md §6.22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogBase {
    /// The log holds the events after this seq; 0 when it is whole from seq 1.
    pub seq: u64,
    /// The board as it was at `seq`, or null when `seq` is 0.
    pub snapshot: Option<Snapshot>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_null_from_absent() {
        let body: UpdateCard =
            serde_json::from_str(r#"{"assignee_ids":null,"due_date":"2026-01-02"}"#).unwrap();
        assert_eq!(body.assignee_ids, Some(None));
        assert_eq!(body.due_date, Some(Some("2026-01-02".into())));
        assert_eq!(body.title, None);
        assert!(serde_json::from_str::<UpdateCard>(r#"{"colour":"red"}"#).is_err());
        let back = serde_json::to_value(&body).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"assignee_ids": null, "due_date": "2026-01-02"})
        );
    }

    #[test]
    fn a_handoff_offer_names_a_member_or_null_but_never_nothing() {
        let member = MemberId::new();
        let offer: OfferHandoff =
            serde_json::from_value(serde_json::json!({"member_id": member.to_string()})).unwrap();
        assert_eq!(offer.member_id, Some(member));
        let withdrawn: OfferHandoff = serde_json::from_str(r#"{"member_id":null}"#).unwrap();
        assert_eq!(withdrawn.member_id, None);
        assert_eq!(
            serde_json::to_string(&withdrawn).unwrap(),
            r#"{"member_id":null}"#
        );
        assert!(serde_json::from_str::<OfferHandoff>("{}").is_err());
        assert_eq!(ErrorCode::BoardMoved.status(), 409);
    }
}
