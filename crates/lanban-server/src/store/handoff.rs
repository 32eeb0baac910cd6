//! Moving a board to another member's computer: the host offers it to a member (`board.handoff_offered`); that
//! member accepts with their server's fingerprint and addresses, which in one transaction appends `board.moved`,
//! swaps the two members' roles, marks the board moved here (`boards.moved_to`: every later change is refused) and
//! answers the board's package, which the member's server imports (`store::package`).

use lanban_core::api::AcceptHandoff;
use lanban_core::event::{BoardMoved, Change, HandoffOffered};
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::{Board, Role};
use lanban_core::validate;
use rusqlite::Connection;

use crate::store::access::{self, Actor};
use crate::store::portable::{self, BoardExport};
use crate::store::{Error, Result, Tx, rows};

/// Offers the board to `member_id` (host only), a current member other than the host, or withdraws the offer
/// (`None`). Answers the board with its new `handoff_to`.
pub fn offer_handoff(tx: &mut Tx<'_>, actor: &Actor, member_id: Option<MemberId>) -> Result<Board> {
    actor.require_host("offer the board to another member")?;
    if let Some(id) = member_id {
        let member = rows::find_member(tx, actor.board_id, id)?
            .ok_or_else(|| Error::invalid("member_id", "must be a current member of this board"))?;
        if member.role == Role::Host {
            return Err(Error::invalid(
                "member_id",
                "must be a member other than the board's host",
            ));
        }
    }
    set_handoff(tx, actor, member_id)?;
    rows::find_board(tx, actor.board_id)?.ok_or(Error::NotFound("board"))
}

/// Records the offer (or its withdrawal) and emits `board.handoff_offered`.
pub fn set_handoff(tx: &mut Tx<'_>, actor: &Actor, member_id: Option<MemberId>) -> Result<()> {
    tx.prepare_cached("UPDATE boards SET handoff_to = ?1 WHERE id = ?2")?
        .execute(rusqlite::params![
            member_id.map(|m| m.to_string()),
            actor.board_id.to_string()
        ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::HandoffOffered(HandoffOffered { member_id }),
    )?;
    Ok(())
}

/// The accepting member takes the board over: only the member it was offered to, with a valid fingerprint and
/// 1–8 addresses. Appends `board.moved`, makes the member the host and the host a member, clears the offer,
/// marks the board moved, and answers its package (with `board.moved` as its last event).
///
/// On a board that has moved already, the same acceptance sent again by the same member (its answer was lost)
/// answers the package again and changes nothing; anything else is [`Error::BoardMoved`].
pub fn accept_handoff(tx: &mut Tx<'_>, actor: &Actor, body: &AcceptHandoff) -> Result<BoardExport> {
    let board_id = actor.board_id;
    let accepted = accepted(body);
    if let Some(moved) = access::moved_to(tx, board_id)? {
        return match accepted {
            Ok((fingerprint, addresses))
                if moved.host == actor.member_id
                    && moved.fingerprint == fingerprint
                    && moved.addresses == addresses =>
            {
                package(tx, board_id)
            }
            _ => Err(Error::BoardMoved),
        };
    }
    let board = rows::find_board(tx, board_id)?.ok_or(Error::NotFound("board"))?;
    if board.handoff_to != Some(actor.member_id) {
        return Err(Error::NotOfferedHandoff);
    }
    let (fingerprint, addresses) = accepted?;
    let previous = access::board_host(tx, board_id)?.ok_or(Error::NotFound("board"))?;
    let moved = BoardMoved {
        fingerprint,
        addresses,
        host: actor.member_id,
        previous_host: previous.id,
    };
    for (member, role) in [(previous.id, Role::Member), (actor.member_id, Role::Host)] {
        tx.prepare_cached("UPDATE members SET role = ?1 WHERE id = ?2")?
            .execute([role.as_str(), member.to_string().as_str()])?;
    }
    tx.prepare_cached("UPDATE boards SET handoff_to = NULL, moved_to = ?1 WHERE id = ?2")?
        .execute([serde_json::to_string(&moved)?, board_id.to_string()])?;
    tx.emit(board_id, actor.member_id, Change::BoardMoved(moved))?;
    package(tx, board_id)
}

/// The fingerprint and addresses of an acceptance, checked.
fn accepted(body: &AcceptHandoff) -> Result<(Fingerprint, Vec<String>)> {
    let fingerprint =
        body.fingerprint
            .parse()
            .map_err(|e: lanban_core::fingerprint::BadFingerprint| {
                Error::invalid("fingerprint", e.to_string())
            })?;
    let addresses = validate::socket_addresses("addresses", &body.addresses)?;
    Ok((fingerprint, addresses))
}

/// Everything the board's new host needs to serve it: the board's export with its members' token hashes.
fn package(conn: &Connection, board: BoardId) -> Result<BoardExport> {
    portable::read_export(conn, board, true)?.ok_or(Error::NotFound("board"))
}
