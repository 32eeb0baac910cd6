//! Room events and the WebSocket protocol.
//!
//! Every committed change to a board becomes one [`Event`] with the board's next sequence number. On the
//! socket and in `/events` an event travels as
//! `{"type":"event","seq":N,"kind":"card.updated","actor":member_id,"at":RFC3339,"data":…}`.

use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;
use crate::ids::{BoardId, CardId, ChecklistId, ColumnId, CommentId, MemberId};
use crate::model::{Board, Card, Checklist, Column, Comment, Member};
use crate::room_code::RoomCode;
use crate::time::Timestamp;

/// The payload of a delete or removal: just the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Deleted<Id> {
    pub id: Id,
}

/// The payload of `room_code.rotated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RoomCodeRotated {
    pub room_code: RoomCode,
}

/// The payload of `board.handoff_offered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HandoffOffered {
    /// The member the host offered the board to, or null: the offer is withdrawn.
    pub member_id: Option<MemberId>,
}

/// The payload of `board.moved`: the board is hosted on another computer from now on. It is the last event of the
/// board's log on the server it left; every member's app follows it there (docs/protocol.md §15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardMoved {
    /// The new host's certificate fingerprint (base64url SHA-256): members pin it without asking, since this
    /// event reached them over the channel already pinned to the old host.
    #[schema(value_type = String)]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub fingerprint: Fingerprint,
    /// Where the new host listens, `ip:port` each, tried in order (1–8).
    pub addresses: Vec<String>,
    /// The member who hosts the board now (the one who accepted the handoff); their role is `host`.
    pub host: MemberId,
    /// The member who hosted it until now; their role is `member`.
    pub previous_host: MemberId,
}

/// The payload of `board.rehosted`: the board's host was gone, and a member hosts it from their own copy on their
/// computer from now on (docs/protocol.md §15.2). The first event the new host adds to the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BoardRehosted {
    /// The member who hosts the board now; their role is `host`.
    pub host: MemberId,
    /// The member who hosted it until their computer was gone; their role is `member`.
    pub previous_host: MemberId,
}

/// What changed: the event's `kind` and its `data` (the whole entity after the change, or its id for deletes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "data")]
pub enum Change {
    /// Always seq 1.
    #[serde(rename = "board.created")]
    BoardCreated(Board),
    #[serde(rename = "board.updated")]
    BoardUpdated(Board),
    #[serde(rename = "room_code.rotated")]
    RoomCodeRotated(RoomCodeRotated),
    /// The host offered the board to a member, or withdrew the offer.
    #[serde(rename = "board.handoff_offered")]
    HandoffOffered(HandoffOffered),
    /// The board moved to another computer; the last event on the server it left.
    #[serde(rename = "board.moved")]
    BoardMoved(BoardMoved),
    /// A member hosts the board from their copy, its previous host gone; the first event on the new host.
    #[serde(rename = "board.rehosted")]
    BoardRehosted(BoardRehosted),
    #[serde(rename = "column.created")]
    ColumnCreated(Column),
    #[serde(rename = "column.updated")]
    ColumnUpdated(Column),
    /// The column's cards are deleted with it.
    #[serde(rename = "column.deleted")]
    ColumnDeleted(Deleted<ColumnId>),
    #[serde(rename = "card.created")]
    CardCreated(Card),
    #[serde(rename = "card.updated")]
    CardUpdated(Card),
    #[serde(rename = "card.deleted")]
    CardDeleted(Deleted<CardId>),
    #[serde(rename = "comment.created")]
    CommentCreated(Comment),
    /// Its body was edited.
    #[serde(rename = "comment.updated")]
    CommentUpdated(Comment),
    #[serde(rename = "comment.deleted")]
    CommentDeleted(Deleted<CommentId>),
    #[serde(rename = "checklist.created")]
    ChecklistCreated(Checklist),
    /// Renamed, moved, or one of its items added, edited, ticked, moved or deleted: the whole checklist after.
    #[serde(rename = "checklist.updated")]
    ChecklistUpdated(Checklist),
    #[serde(rename = "checklist.deleted")]
    ChecklistDeleted(Deleted<ChecklistId>),
    /// The host member's own join is seq 2.
    #[serde(rename = "member.joined")]
    MemberJoined(Member),
    #[serde(rename = "member.removed")]
    MemberRemoved(Deleted<MemberId>),
}

/// The protocol of a server that does not say (version 1 did not).
fn protocol_one() -> u32 {
    1
}

impl Change {
    /// The event kind as written on the wire, e.g. `card.updated`.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::BoardCreated(_) => "board.created",
            Change::BoardUpdated(_) => "board.updated",
            Change::RoomCodeRotated(_) => "room_code.rotated",
            Change::HandoffOffered(_) => "board.handoff_offered",
            Change::BoardMoved(_) => "board.moved",
            Change::BoardRehosted(_) => "board.rehosted",
            Change::ColumnCreated(_) => "column.created",
            Change::ColumnUpdated(_) => "column.updated",
            Change::ColumnDeleted(_) => "column.deleted",
            Change::CardCreated(_) => "card.created",
            Change::CardUpdated(_) => "card.updated",
            Change::CardDeleted(_) => "card.deleted",
            Change::CommentCreated(_) => "comment.created",
            Change::CommentUpdated(_) => "comment.updated",
            Change::CommentDeleted(_) => "comment.deleted",
            Change::ChecklistCreated(_) => "checklist.created",
            Change::ChecklistUpdated(_) => "checklist.updated",
            Change::ChecklistDeleted(_) => "checklist.deleted",
            Change::MemberJoined(_) => "member.joined",
            Change::MemberRemoved(_) => "member.removed",
        }
    }
}

/// One committed change to a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Event {
    /// The board's sequence number for this event: 1, 2, 3… with no gaps.
    pub seq: u64,
    /// The member who made the change (for the host credential, the board's host member).
    pub actor: MemberId,
    /// When the change was committed.
    pub at: Timestamp,
    #[serde(flatten)]
    pub change: Change,
}

/// One member's presence: they have at least one open socket, and maybe a card open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PresenceEntry {
    pub member_id: MemberId,
    pub viewing_card: Option<CardId>,
}

/// A message from the server on a board's WebSocket.
#[allow(
    clippy::large_enum_variant,
    reason = "messages are decoded one at a time and moved once; boxing would only add an allocation"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every socket: `seq` is the board's seq at subscription; every event after it follows.
    Hello {
        board_id: BoardId,
        member_id: MemberId,
        seq: u64,
        /// The protocol version the server speaks ([`crate::PROTOCOL_VERSION`]); absent from servers of
        /// version 1.
        #[serde(default = "protocol_one")]
        protocol: u32,
    },
    /// A committed change.
    Event(Event),
    /// Who is connected and what they view; sent to everyone whenever it changes.
    Presence { members: Vec<PresenceEntry> },
    /// The server could not keep this socket up to date: take a new snapshot (the board is at `seq`).
    Resync { seq: u64 },
}

/// A message from a client on a board's WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// The card this client has open, or null. Required: a message without it is refused (docs/protocol.md §9.4),
    /// where serde would otherwise read a missing `Option` as null.
    Presence {
        #[serde(deserialize_with = "Option::deserialize")]
        #[schema(required = true)]
        viewing_card: Option<CardId>,
    },
}

/// Serialises a list of events with their `"type":"event"` tag, as `/events` lists them.
pub mod tagged_events {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Event;

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Tagged<E> {
        Event(E),
    }

    /// Writes each event as `{"type":"event",…}`.
    pub fn serialize<S: Serializer>(events: &[Event], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(events.iter().map(Tagged::Event))
    }

    /// Reads events written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Event>, D::Error> {
        let tagged = Vec::<Tagged<Event>>::deserialize(deserializer)?;
        Ok(tagged.into_iter().map(|Tagged::Event(e)| e).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_envelope_matches_the_wire_contract() {
        let actor = MemberId::new();
        let card = CardId::new();
        let event = Event {
            seq: 7,
            actor,
            at: Timestamp::now(),
            change: Change::CardDeleted(Deleted { id: card }),
        };
        let json = serde_json::to_value(ServerMessage::Event(event.clone())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "event", "seq": 7, "kind": "card.deleted", "actor": actor.to_string(),
                "at": event.at.as_str(), "data": {"id": card.to_string()}
            })
        );
        let back: ServerMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, ServerMessage::Event(event));
    }

    #[test]
    fn handoff_events_match_the_wire_contract() {
        let (bea, ann) = (MemberId::new(), MemberId::new());
        let offered = Change::HandoffOffered(HandoffOffered { member_id: None });
        assert_eq!(
            serde_json::to_value(&offered).unwrap(),
            serde_json::json!({"kind": "board.handoff_offered", "data": {"member_id": null}})
        );
        let fingerprint = Fingerprint::of_der(b"abc");
        let moved = Change::BoardMoved(BoardMoved {
            fingerprint,
            addresses: vec!["192.168.1.20:7420".into()],
            host: bea,
            previous_host: ann,
        });
        let json = serde_json::to_value(&moved).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "board.moved", "data": {
                "fingerprint": "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
                "addresses": ["192.168.1.20:7420"], "host": bea.to_string(), "previous_host": ann.to_string(),
            }})
        );
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), moved);
        assert_eq!(moved.kind(), "board.moved");
    }

    #[test]
    fn client_messages_are_strict() {
        let ok: ClientMessage =
            serde_json::from_str(r#"{"type":"presence","viewing_card":null}"#).unwrap();
        assert_eq!(ok, ClientMessage::Presence { viewing_card: None });
        for bad in [
            r#"{"type":"presence","viewing_card":null,"x":1}"#,
            r#"{"type":"shout"}"#,
            r#"{"viewing_card":null}"#,
            r#"{"type":"presence"}"#,
            r#"{"type":"presence","viewing_card":"not-a-uuid"}"#,
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }
}

/// WebSocket close codes the server uses, and what each tells the client to do.
pub mod close_code {
    /// The server is shutting down: reconnect later with `since`.
    pub const GOING_AWAY: u16 = 1001;
    /// A binary frame: the protocol is text only.
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A frame that is not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A message that is not a valid client message.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A message larger than 64 KiB.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server failed; reconnect with `since`.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The member was removed from the board: do not reconnect.
    pub const MEMBER_REMOVED: u16 = 4001;
    /// The socket fell behind (or `since` was ahead of the board): a `resync` was sent; take a snapshot.
    pub const RESYNC: u16 = 4002;
    /// The peer stopped answering pings.
    pub const IDLE: u16 = 4003;
}
