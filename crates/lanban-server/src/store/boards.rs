//! Board-level mutations: create, join, rename, rotate the room code, remove a member (handing a board over is in
//! `handoff`).

use lanban_core::api::{BoardCreated, Joined};
use lanban_core::event::{Change, Deleted, RoomCodeRotated};
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::{Board, Card, MEMBER_COLORS, Member, Role};
use lanban_core::room_code::{HostTag, RoomCode};
use lanban_core::time::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::auth::{TokenHash, new_token};
use crate::store::access::{self, Actor};
use crate::store::rows::{self, Entity};
use crate::store::{Error, Result, Tx, handoff, limits};

/// A room code of this host (starting with its tag) that no board uses yet.
pub(crate) fn fresh_room_code(tx: &Connection, tag: HostTag) -> Result<RoomCode> {
    for _ in 0..16 {
        let code = RoomCode::generate_for(tag).map_err(|e| Error::Internal(e.to_string()))?;
        let taken: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM boards WHERE room_code = ?1)")?
            .query_row([code.canonical()], |r| r.get(0))?;
        if !taken {
            return Ok(code);
        }
    }
    Err(Error::Internal("no free room code after 16 tries".into()))
}

/// Adds a member with a fresh token; returns the member and the token.
fn add_member(
    tx: &mut Tx<'_>,
    board_id: BoardId,
    name: String,
    role: Role,
) -> Result<(Member, String)> {
    let count: usize = tx
        .prepare_cached("SELECT COUNT(*) FROM members WHERE board_id = ?1")?
        .query_row([board_id.to_string()], |r| r.get(0))?;
    let member = Member {
        id: MemberId::new(),
        board_id,
        name,
        color: MEMBER_COLORS[count % MEMBER_COLORS.len()].to_owned(),
        role,
        joined_at: Timestamp::now(),
    };
    rows::insert_member(tx, &member, None)?;
    let token = mint_token(tx, member.id)?;
    Ok((member, token))
}

/// Gives a member a new token (their other tokens keep working) and answers it; only its hash is stored. `None`
/// for a member who is not current (removed, or unknown).
pub fn mint_token_for_current(tx: &mut Tx<'_>, member: MemberId) -> Result<Option<String>> {
    let current: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1 AND removed_at IS NULL)",
        )?
        .query_row([member.to_string()], |r| r.get(0))?;
    if !current {
        return Ok(None);
    }
    mint_token(tx, member).map(Some)
}

fn mint_token(tx: &mut Tx<'_>, member: MemberId) -> Result<String> {
    let token = new_token().map_err(|e| Error::Internal(format!("random source: {e}")))?;
    tx.prepare_cached("INSERT INTO tokens (hash, member_id) VALUES (?1, ?2)")?
        .execute(rusqlite::params![
            TokenHash::of(&token).0.as_slice(),
            member.to_string()
        ])?;
    Ok(token)
}

/// Creates a board with its host member: events `board.created` (seq 1) and `member.joined` (seq 2).
pub fn create_board(
    tx: &mut Tx<'_>,
    tag: HostTag,
    name: String,
    member_name: String,
) -> Result<BoardCreated> {
    let now = Timestamp::now();
    let board = Board {
        id: BoardId::new(),
        name,
        room_code: fresh_room_code(tx, tag)?,
        created_at: now.clone(),
        updated_at: now,
        handoff_to: None,
        labels: vec![],
    };
    rows::insert_board(tx, &board, 0)?;
    let (member, token) = add_member(tx, board.id, member_name, Role::Host)?;
    tx.emit(board.id, member.id, Change::BoardCreated(board.clone()))?;
    tx.emit(board.id, member.id, Change::MemberJoined(member.clone()))?;
    Ok(BoardCreated {
        room_code: board.room_code.clone(),
        board,
        member,
        token,
    })
}

/// Joins the board with this code as a new member; `None` if no board has it.
pub fn join_board(
    tx: &mut Tx<'_>,
    code: &RoomCode,
    member_name: String,
    admit: impl FnOnce(BoardId) -> Result<()>,
) -> Result<Option<Joined>> {
    let board = tx
        .prepare_cached(&format!(
            "SELECT {} FROM boards WHERE room_code = ?1",
            Board::COLUMNS
        ))?
        .query_row([code.canonical()], Board::from_row)
        .optional()?;
    let Some(board) = board else {
        return Ok(None);
    };
    // A moved board's code leads to where it went, not to a new member here.
    access::refuse_moved(tx, board.id)?;
    limits::one_more_member(tx, board.id)?;
    admit(board.id)?;
    let (member, token) = add_member(tx, board.id, member_name, Role::Member)?;
    tx.emit(board.id, member.id, Change::MemberJoined(member.clone()))?;
    Ok(Some(Joined {
        board,
        member,
        token,
    }))
}

/// Renames the board.
pub fn rename_board(tx: &mut Tx<'_>, actor: &Actor, name: String) -> Result<Board> {
    let now = Timestamp::now();
    tx.prepare_cached("UPDATE boards SET name = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![
            name,
            now.as_str(),
            actor.board_id.to_string()
        ])?;
    let board = rows::find_board(tx, actor.board_id)?.ok_or(Error::NotFound("board"))?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::BoardUpdated(board.clone()),
    )?;
    Ok(board)
}

/// Gives the board a new room code (host only); the old one joins no one from now on.
pub fn rotate_room_code(tx: &mut Tx<'_>, tag: HostTag, actor: &Actor) -> Result<RoomCode> {
    actor.require_host("rotate the room code")?;
    let code = fresh_room_code(tx, tag)?;
    // `updated_at` is left alone: the event carries only the code, and every mirror must end up equal.
    tx.prepare_cached("UPDATE boards SET room_code = ?1 WHERE id = ?2")?
        .execute(rusqlite::params![
            code.canonical(),
            actor.board_id.to_string()
        ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::RoomCodeRotated(RoomCodeRotated {
            room_code: code.clone(),
        }),
    )?;
    Ok(code)
}

/// Removes a member (host only): their cards are unassigned (one `card.updated` each), their token dies,
/// `member.removed` closes their sockets, and the room code they knew is replaced (`room_code.rotated`), so they
/// cannot join again with it.
pub fn remove_member(
    tx: &mut Tx<'_>,
    tag: HostTag,
    actor: &Actor,
    member_id: MemberId,
) -> Result<()> {
    actor.require_host("remove members")?;
    let member =
        rows::find_member(tx, actor.board_id, member_id)?.ok_or(Error::NotFound("member"))?;
    if member.role == Role::Host {
        return Err(Error::invalid(
            "member",
            "the board's host cannot be removed",
        ));
    }
    let now = Timestamp::now();
    // Each card they were assigned loses them (one card.updated each, before member.removed).
    let assigned: Vec<Card> = tx
        .prepare_cached(&format!(
            "SELECT {} FROM columns JOIN cards ON cards.column_id = columns.id
             WHERE columns.board_id = ?1
               AND EXISTS (SELECT 1 FROM json_each(cards.assignees) WHERE json_each.value = ?2)
             ORDER BY cards.id",
            Card::COLUMNS
        ))?
        .query_map(
            [actor.board_id.to_string(), member_id.to_string()],
            Card::from_row,
        )?
        .collect::<Result<_, _>>()?;
    for mut card in assigned {
        card.assignee_ids.retain(|m| *m != member_id);
        card.version += 1;
        card.updated_at = now.clone();
        rows::save_card(tx, &card, false)?;
        tx.emit(actor.board_id, actor.member_id, Change::CardUpdated(card))?;
    }
    // An offer to host the board dies with the member it was made to.
    let board = rows::find_board(tx, actor.board_id)?.ok_or(Error::NotFound("board"))?;
    if board.handoff_to == Some(member_id) {
        handoff::set_handoff(tx, actor, None)?;
    }
    tx.prepare_cached("UPDATE members SET removed_at = ?1 WHERE id = ?2")?
        .execute(rusqlite::params![now.as_str(), member_id.to_string()])?;
    tx.prepare_cached("DELETE FROM tokens WHERE member_id = ?1")?
        .execute([member_id.to_string()])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::MemberRemoved(Deleted { id: member_id }),
    )?;
    rotate_room_code(tx, tag, actor)?;
    Ok(())
}
