//! How large a board may grow (`Config::board_limits`, by default `lanban_core::validate::limits`,
//! docs/protocol.md §2.6): checked inside the write
//! transaction that would pass a limit, so a member with a valid token cannot fill the host's disk. A board's cards
//! and their descriptions' bytes are counted by triggers as they come and go (`boards.card_count`,
//! `boards.description_bytes`), since they are checked for every card created or edited; the rarer counts use the
//! tables' board indexes.

use lanban_core::ids::{BoardId, CardId};
use rusqlite::OptionalExtension;

use crate::store::{Error, Result, Tx};

fn count(tx: &Tx<'_>, sql: &str, board: BoardId) -> Result<u64> {
    Ok(tx
        .prepare_cached(sql)?
        .query_row([board.to_string()], |r| r.get(0))?)
}

/// One more member would pass the board's limit of members.
pub fn one_more_member(tx: &Tx<'_>, board: BoardId) -> Result<()> {
    let members = count(
        tx,
        "SELECT COUNT(*) FROM members WHERE board_id = ?1 AND removed_at IS NULL",
        board,
    )?;
    below(members, tx.limits.members, "members")
}

/// One more column would pass the board's limit of columns.
pub fn one_more_column(tx: &Tx<'_>, board: BoardId) -> Result<()> {
    let columns = count(
        tx,
        "SELECT COUNT(*) FROM columns WHERE board_id = ?1",
        board,
    )?;
    below(columns, tx.limits.columns, "columns")
}

/// One more comment on `card` would pass the limit of comments per card.
pub fn one_more_comment(tx: &Tx<'_>, card: CardId) -> Result<()> {
    one_more(
        tx,
        "SELECT COUNT(*) FROM comments WHERE card_id = ?1",
        &card.to_string(),
        lanban_core::validate::limits::COMMENTS_PER_CARD,
        "comments on a card",
    )
}

/// One more of what `sql` counts (for `key`) would pass `limit`, named `what`.
pub fn one_more(tx: &Tx<'_>, sql: &str, key: &str, limit: u64, what: &str) -> Result<()> {
    let n: u64 = tx.prepare_cached(sql)?.query_row([key], |r| r.get(0))?;
    below(n, limit, what)
}

/// One more card would pass the board's limit of cards.
pub fn one_more_card(tx: &Tx<'_>, board: BoardId) -> Result<()> {
    // Kept by triggers (migration 0012): counting the board's cards here was a fifth of the writer's time.
    let cards = count(tx, "SELECT card_count FROM boards WHERE id = ?1", board)?;
    below(cards, tx.limits.cards, "cards")
}

/// A description of `bytes` on card `card` (`None`: a new card) would take the board's descriptions past their
/// limit.
pub fn description(tx: &Tx<'_>, board: BoardId, card: Option<CardId>, bytes: usize) -> Result<()> {
    if bytes == 0 {
        return Ok(());
    }
    // The board's total is kept by triggers (migration 0013): summing it here read every card of the board.
    let total = count(
        tx,
        "SELECT description_bytes FROM boards WHERE id = ?1",
        board,
    )?;
    let own: u64 = match card {
        Some(card) => tx
            .prepare_cached("SELECT length(CAST(description AS BLOB)) FROM cards WHERE id = ?1")?
            .query_row([card.to_string()], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
        None => 0,
    };
    let others = total.saturating_sub(own);
    let limit = tx.limits.description_bytes;
    if others + bytes as u64 > limit {
        return Err(Error::LimitReached(format!(
            "{limit} bytes of card descriptions"
        )));
    }
    Ok(())
}

fn below(now: u64, limit: u64, what: &str) -> Result<()> {
    if now >= limit {
        return Err(Error::LimitReached(format!("{limit} {what}")));
    }
    Ok(())
}
