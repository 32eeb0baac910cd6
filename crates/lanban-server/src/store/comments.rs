//! Comment mutations: write (with an id the client chose, or a new one), edit (the author only), delete (the author
//! or the board's host, leaving a tombstone). A comment goes with its card: deleting the card deletes its comments
//! (the foreign key), and `card.deleted` tells every mirror to drop them.

use lanban_core::event::{Change, Deleted};
use lanban_core::ids::{BoardId, CardId, CommentId};
use lanban_core::model::{Comment, Role};
use lanban_core::time::Timestamp;
use rusqlite::Connection;

use crate::store::access::Actor;
use crate::store::cards::live_card;
use crate::store::ids::{self, Claim, Created, Item};
use crate::store::{Error, Result, Tx, limits, rows};

/// The board a comment is on, or was on if it was deleted; not found if there never was such a comment (or its
/// card was deleted, which took it along).
pub fn board_of(conn: &Connection, id: CommentId) -> Result<BoardId> {
    match rows::find_comment(conn, id)? {
        Some(comment) => Ok(comment.board_id),
        None => ids::buried_on(conn, Item::Comment(id))?.ok_or(Error::NotFound("comment")),
    }
}

/// The live comment `id` of the actor's board; gone if it was deleted.
fn live_comment(conn: &Connection, actor: &Actor, id: CommentId) -> Result<Comment> {
    match rows::find_comment(conn, id)? {
        Some(comment) if comment.board_id == actor.board_id => Ok(comment),
        Some(_) => Err(Error::NotFound("comment")),
        None => Err(ids::absent(conn, Item::Comment(id))?),
    }
}

/// Writes a comment `body` (validated) on `card_id`, a card of the actor's board (gone if it was deleted), with
/// the id the client chose if it sent one. An id this member already wrote a comment with here is the same create
/// again, answered with the comment as it is now, before anything else is checked.
pub fn create_comment(
    tx: &mut Tx<'_>,
    actor: &Actor,
    card_id: CardId,
    id: Option<CommentId>,
    body: String,
) -> Result<Created<Comment>> {
    let id = match id {
        None => CommentId::new(),
        Some(id) => match ids::claim(tx, actor, Item::Comment(id))? {
            Claim::Replayed => return Ok(Created::AlreadyThere(live_comment(tx, actor, id)?)),
            Claim::Free => id,
        },
    };
    let card = live_card(tx, card_id)?;
    if card.board_id != actor.board_id {
        return Err(Error::NotFound("card"));
    }
    limits::one_more_comment(tx, card_id)?;
    let now = Timestamp::now();
    let comment = Comment {
        id,
        board_id: actor.board_id,
        card_id,
        author_id: actor.member_id,
        body,
        created_at: now.clone(),
        updated_at: now,
    };
    rows::insert_comment(tx, &comment)?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CommentCreated(comment.clone()),
    )?;
    Ok(Created::New(comment))
}

/// Replaces a comment's body (validated); only its author may. The same body again changes nothing (no event).
pub fn update_comment(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: CommentId,
    body: String,
) -> Result<Comment> {
    let mut comment = live_comment(tx, actor, id)?;
    if comment.author_id != actor.member_id {
        return Err(Error::NotAuthor { action: "edit it" });
    }
    if comment.body == body {
        return Ok(comment);
    }
    comment.body = body;
    comment.updated_at = Timestamp::now();
    tx.prepare_cached("UPDATE comments SET body = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(rusqlite::params![
            id.to_string(),
            comment.body,
            comment.updated_at.as_str()
        ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CommentUpdated(comment.clone()),
    )?;
    Ok(comment)
}

/// Deletes a comment, leaving a tombstone; its author or the board's host may.
pub fn delete_comment(tx: &mut Tx<'_>, actor: &Actor, id: CommentId) -> Result<()> {
    let comment = live_comment(tx, actor, id)?;
    if comment.author_id != actor.member_id && actor.role != Role::Host {
        return Err(Error::NotAuthor {
            action: "delete it (or the board's host)",
        });
    }
    tx.prepare_cached("DELETE FROM comments WHERE id = ?1")?
        .execute([id.to_string()])?;
    ids::bury(tx, actor.board_id, Item::Comment(id), &Timestamp::now())?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::CommentDeleted(Deleted { id }),
    )?;
    Ok(())
}
