//! A board whose host is gone for good, hosted here from a member's copy (docs/protocol.md §6.21, §15.2): the board
//! is made again from the copy's log by the rules every mirror applies, checked like any imported package
//! ([`package::check`]), and inserted under the same ids and seq with that member as its host. Only their token
//! works here; the others join again with the room code, which is this server's from the start.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lanban_core::api::{RehostBoard, Snapshot};
use lanban_core::event::{BoardRehosted, Change, Event, ServerMessage};
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{CardId, ChecklistId, ColumnId, ItemId, MemberId};
use lanban_core::model::{MEMBER_COLORS, Member, Role};
use lanban_core::time::Timestamp;

use crate::auth::TokenHash;
use crate::store::ids::{Item, Tombstone};
use crate::store::package;
use crate::store::portable::{
    BoardExport, EXPORT_FORMAT, EXPORT_VERSION, ExportedMember, ExportedToken,
};
use crate::store::{Error, Result, Tx, log, rows};

/// Hosts the board of `body` on this server (whose certificate has `fingerprint`), in the job's transaction, with
/// `body.member_id` as its host: event `board.rehosted`, then `room_code.rotated` (the code becomes this
/// server's). Answers the board as hosted here.
pub fn rehost(tx: &mut Tx<'_>, fingerprint: Fingerprint, body: &RehostBoard) -> Result<Snapshot> {
    if body.format != RehostBoard::FORMAT || body.version != RehostBoard::VERSION {
        return Err(Error::invalid(
            "format",
            format!(
                "must be {:?} version {}",
                RehostBoard::FORMAT,
                RehostBoard::VERSION
            ),
        ));
    }
    let (export, previous_host) = package_of(body)?;
    let (board, member) = (export.snapshot.board.id, body.member_id);
    let rehosted = Change::BoardRehosted(BoardRehosted {
        host: member,
        previous_host,
    });
    package::import_then(tx, fingerprint, &export, Some((member, rehosted)))?;
    // What `board.rehosted` says: the member hosts the board, the previous host is a member, no offer stands.
    tx.prepare_cached(
        "UPDATE members SET role = CASE WHEN id = ?2 THEN 'host' ELSE 'member' END
         WHERE board_id = ?1 AND id IN (?2, ?3)",
    )?
    .execute(rusqlite::params![
        board.to_string(),
        member.to_string(),
        previous_host.to_string()
    ])?;
    tx.prepare_cached("UPDATE boards SET handoff_to = NULL, rehosted_at = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![
            board.to_string(),
            Timestamp::now().as_str()
        ])?;
    rows::snapshot(tx, board)?.ok_or(Error::NotFound("board"))
}

/// The package the copy makes (the board exactly as its log leaves it; `board.rehosted` makes the member its host
/// right after), and who hosted the board before.
fn package_of(body: &RehostBoard) -> Result<(BoardExport, MemberId)> {
    let snapshot = log::replay(body.base.as_ref(), &body.events)?;
    let member = body.member_id;
    let previous = (snapshot.members.iter())
        .find(|m| m.role == Role::Host)
        .map(|m| m.id)
        .ok_or_else(|| Error::invalid("events", "leave the board without a host member"))?;
    if !snapshot.members.iter().any(|m| m.id == member) {
        return Err(Error::invalid("member_id", "must be a current member"));
    }
    if member == previous {
        return Err(Error::invalid(
            "member_id",
            "is the board's host already: a host's board is on its own server",
        ));
    }
    let members = members_of(body.base.as_ref(), &body.events, &snapshot);
    let tombstones = tombstones_of(&body.events, &snapshot);
    let token = ExportedToken {
        member_id: member,
        sha256: token_hash(&body.token_sha256)?,
    };
    let events = (body.events.iter())
        .map(|e| serde_json::value::to_raw_value(&ServerMessage::Event(e.clone())))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid("events", e.to_string()))?;
    let export = BoardExport {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        snapshot,
        members,
        base: body.base.clone(),
        events,
        tombstones,
        tokens: vec![token],
    };
    Ok((export, previous))
}

/// Every member the base and the log name, in joining order, each as the board has them now (current ones) or
/// with when they were removed. A member removed before a compacted log's base is known only as the author of a
/// card: they come back as "Former member", removed when the base was made.
fn members_of(
    base: Option<&Snapshot>,
    events: &[Event],
    snapshot: &Snapshot,
) -> Vec<ExportedMember> {
    let mut members: Vec<ExportedMember> = (base.iter().flat_map(|b| b.members.iter()))
        .map(|member| ExportedMember {
            member: member.clone(),
            removed_at: None,
        })
        .collect();
    let mut removed: HashMap<MemberId, Timestamp> = HashMap::new();
    for event in events {
        match &event.change {
            Change::MemberJoined(member) => members.push(ExportedMember {
                member: member.clone(),
                removed_at: None,
            }),
            Change::MemberRemoved(gone) => {
                removed.insert(gone.id, event.at.clone());
            }
            _ => {}
        }
    }
    for exported in &mut members {
        match snapshot.members.iter().find(|m| m.id == exported.member.id) {
            Some(current) => exported.member = current.clone(),
            None => exported.removed_at = removed.get(&exported.member.id).cloned(),
        }
    }
    if let Some(base) = base {
        // The base's moment: the last change it includes, as far as the board says.
        let at = base.board.updated_at.clone();
        for card in base.cards.iter().chain(&snapshot.cards) {
            if !members.iter().any(|m| m.member.id == card.created_by) {
                members.insert(
                    0,
                    ExportedMember {
                        member: Member {
                            id: card.created_by,
                            board_id: base.board.id,
                            name: "Former member".into(),
                            color: MEMBER_COLORS[0].into(),
                            role: Role::Member,
                            joined_at: base.board.created_at.clone(),
                        },
                        removed_at: Some(at.clone()),
                    },
                );
            }
        }
    }
    members
}

/// What the log deleted, as the host that wrote it buried them: cards and columns (a column's cards with it),
/// comments, checklists, and checklist items (an item leaves its checklist only by being deleted), so that a change
/// queued for one of them is `gone` here too.
fn tombstones_of(events: &[Event], snapshot: &Snapshot) -> Vec<Tombstone> {
    let mut column_of: HashMap<CardId, ColumnId> = HashMap::new();
    let mut items_of: HashMap<ChecklistId, Vec<ItemId>> = HashMap::new();
    let mut deleted: Vec<Tombstone> = Vec::new();
    for event in events {
        let at = &event.at;
        match &event.change {
            Change::CardCreated(card) | Change::CardUpdated(card) => {
                column_of.insert(card.id, card.column_id);
            }
            Change::CommentDeleted(gone) => deleted.push(tombstone(Item::Comment(gone.id), at)),
            Change::ChecklistCreated(list) | Change::ChecklistUpdated(list) => {
                let now: Vec<ItemId> = list.items.iter().map(|i| i.id).collect();
                if let Some(before) = items_of.insert(list.id, now) {
                    for item in before
                        .iter()
                        .filter(|i| list.items.iter().all(|n| n.id != **i))
                    {
                        deleted.push(tombstone(Item::ChecklistItem(*item), at));
                    }
                }
            }
            Change::ChecklistDeleted(gone) => {
                items_of.remove(&gone.id);
                deleted.push(tombstone(Item::Checklist(gone.id), at));
            }
            Change::CardDeleted(gone) => {
                column_of.remove(&gone.id);
                deleted.push(tombstone(Item::Card(gone.id), at));
            }
            Change::ColumnDeleted(gone) => {
                let cards: Vec<CardId> = (column_of.iter())
                    .filter(|(_, column)| **column == gone.id)
                    .map(|(card, _)| *card)
                    .collect();
                for card in cards {
                    column_of.remove(&card);
                    deleted.push(tombstone(Item::Card(card), at));
                }
                deleted.push(tombstone(Item::Column(gone.id), at));
            }
            _ => {}
        }
    }
    let live = |item: &Item| match item {
        Item::Card(id) => snapshot.cards.iter().any(|c| c.id == *id),
        Item::Column(id) => snapshot.columns.iter().any(|c| c.id == *id),
        Item::Comment(id) => snapshot.comments.iter().any(|c| c.id == *id),
        Item::Checklist(id) => snapshot.checklists.iter().any(|c| c.id == *id),
        Item::ChecklistItem(id) => {
            (snapshot.checklists.iter()).any(|c| c.items.iter().any(|i| i.id == *id))
        }
    };
    let mut seen = std::collections::HashSet::new();
    deleted.retain(|t| !live(&t.item) && seen.insert(t.item));
    deleted
}

fn tombstone(item: Item, at: &Timestamp) -> Tombstone {
    Tombstone {
        item,
        deleted_at: at.clone(),
    }
}

fn token_hash(text: &str) -> Result<TokenHash> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            Error::invalid(
                "token_sha256",
                "must be a SHA-256: 43 characters of base64url",
            )
        })?;
    Ok(TokenHash(bytes))
}
