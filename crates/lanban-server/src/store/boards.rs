//! Board-level mutations: create, join, rename, rotate the room code, remove a member.

use axum::http::StatusCode;
use lanban_core::api::{BoardCreated, Joined, RoomCodeBody};
use lanban_core::event::{Change, Deleted, RoomCodeRotated};
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::{Board, MEMBER_COLORS, Member, Role};
use lanban_core::room_code::{HostTag, RoomCode};
use lanban_core::time::Timestamp;
use rusqlite::OptionalExtension;

use crate::auth::{TokenHash, new_token};
use crate::error::{ApiError, ApiResult};
use crate::response::Reply;
use crate::store::access::Actor;
use crate::store::{Tx, rows};

/// A room code of this host (starting with its tag) that no board uses yet.
fn fresh_room_code(tx: &Tx<'_>, tag: HostTag) -> ApiResult<RoomCode> {
    for _ in 0..16 {
        let code = RoomCode::generate_for(tag).map_err(|e| ApiError::Internal(e.to_string()))?;
        let taken: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM boards WHERE room_code = ?1)")?
            .query_row([code.canonical()], |r| r.get(0))?;
        if !taken {
            return Ok(code);
        }
    }
    Err(ApiError::Internal(
        "no free room code after 16 tries".into(),
    ))
}

/// Adds a member with a fresh token; returns the member and the token.
fn add_member(
    tx: &mut Tx<'_>,
    board_id: BoardId,
    name: String,
    role: Role,
) -> ApiResult<(Member, String)> {
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
    tx.prepare_cached(
        "INSERT INTO members (id, board_id, name, color, role, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        member.id.to_string(),
        board_id.to_string(),
        member.name,
        member.color,
        role.as_str(),
        member.joined_at.as_str()
    ])?;
    let token = new_token()?;
    tx.prepare_cached("INSERT INTO tokens (hash, member_id) VALUES (?1, ?2)")?
        .execute(rusqlite::params![
            TokenHash::of(&token).0.as_slice(),
            member.id.to_string()
        ])?;
    Ok((member, token))
}

/// Creates a board with its host member: events `board.created` (seq 1) and `member.joined` (seq 2).
pub fn create_board(
    tx: &mut Tx<'_>,
    tag: HostTag,
    name: String,
    member_name: String,
) -> ApiResult<Reply> {
    let now = Timestamp::now();
    let board = Board {
        id: BoardId::new(),
        name,
        room_code: fresh_room_code(tx, tag)?,
        created_at: now.clone(),
        updated_at: now,
    };
    tx.prepare_cached(
        "INSERT INTO boards (id, name, room_code, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        board.id.to_string(),
        board.name,
        board.room_code.canonical(),
        board.created_at.as_str(),
        board.updated_at.as_str()
    ])?;
    let (member, token) = add_member(tx, board.id, member_name, Role::Host)?;
    tx.emit(board.id, member.id, Change::BoardCreated(board.clone()))?;
    tx.emit(board.id, member.id, Change::MemberJoined(member.clone()))?;
    Reply::json(
        StatusCode::CREATED,
        &BoardCreated {
            room_code: board.room_code.clone(),
            board,
            member,
            token,
        },
    )
}

/// Joins the board with this code as a new member; `None` if no board has it.
pub fn join_board(
    tx: &mut Tx<'_>,
    code: &RoomCode,
    member_name: String,
) -> ApiResult<Option<Reply>> {
    let board = tx
        .prepare_cached(&format!(
            "SELECT {} FROM boards WHERE room_code = ?1",
            rows::BOARD_FIELDS
        ))?
        .query_row([code.canonical()], rows::board)
        .optional()?;
    let Some(board) = board else {
        return Ok(None);
    };
    let (member, token) = add_member(tx, board.id, member_name, Role::Member)?;
    tx.emit(board.id, member.id, Change::MemberJoined(member.clone()))?;
    Reply::json(
        StatusCode::OK,
        &Joined {
            board,
            member,
            token,
        },
    )
    .map(Some)
}

fn load_board(tx: &Tx<'_>, id: BoardId) -> ApiResult<Board> {
    rows::find_board(tx, id)?.ok_or_else(|| ApiError::not_found("board"))
}

/// Renames the board.
pub fn rename_board(tx: &mut Tx<'_>, actor: &Actor, name: String) -> ApiResult<Reply> {
    let now = Timestamp::now();
    tx.prepare_cached("UPDATE boards SET name = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![
            name,
            now.as_str(),
            actor.board_id.to_string()
        ])?;
    let board = load_board(tx, actor.board_id)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::BoardUpdated(board.clone()),
    )?;
    Reply::json(StatusCode::OK, &board)
}

/// Gives the board a new room code; the old one joins no one from now on.
pub fn rotate_room_code(tx: &mut Tx<'_>, tag: HostTag, actor: &Actor) -> ApiResult<Reply> {
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
    Reply::json(StatusCode::OK, &RoomCodeBody { room_code: code })
}

/// Removes a member: their cards are unassigned (one `card.updated` each), their token dies, and
/// `member.removed` closes their sockets.
pub fn remove_member(tx: &mut Tx<'_>, actor: &Actor, member_id: MemberId) -> ApiResult<Reply> {
    actor.require_host("remove members")?;
    let member = rows::find_member(tx, actor.board_id, member_id)?
        .ok_or_else(|| ApiError::not_found("member"))?;
    if member.role == Role::Host {
        return Err(ApiError::invalid(
            "member",
            "the board's host cannot be removed",
        ));
    }
    let now = Timestamp::now();
    let assigned: Vec<String> = tx
        .prepare_cached("SELECT id FROM cards WHERE assignee_id = ?1 ORDER BY id")?
        .query_map([member_id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for card_id in assigned {
        let card = tx
            .prepare_cached(&format!(
                "UPDATE cards SET assignee_id = NULL, version = version + 1, updated_at = ?1
                 WHERE id = ?2 RETURNING {}",
                rows::CARD_FIELDS
            ))?
            .query_row(rusqlite::params![now.as_str(), card_id], rows::card)?;
        tx.emit(actor.board_id, actor.member_id, Change::CardUpdated(card))?;
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
    Ok(Reply::no_content())
}
