//! Board labels: a board defines its labels (name and colour, in order; names unique ignoring case), and a card
//! carries only these, each with the board's colour. Renaming or recolouring a label changes it on every card that
//! carries it, removing it takes it off them: `board.updated` first, then a `card.updated` for each card (in card id
//! order). Boards made before board labels get their set gathered from their cards ([`gather`]).

use lanban_core::event::Change;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::model::{Board, Card, Label, Role};
use lanban_core::time::Timestamp;
use lanban_core::validate::MAX_BOARD_LABELS;

use crate::store::access::{Actor, board_host};
use crate::store::rows::{self, Entity};
use crate::store::{Error, Result, Tx};

/// Whether two label names are the same label (names are compared ignoring case).
fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn board_of(tx: &Tx<'_>, actor: &Actor) -> Result<Board> {
    rows::find_board(tx, actor.board_id)?.ok_or(Error::NotFound("board"))
}

fn save(tx: &mut Tx<'_>, actor: &Actor, board: &mut Board) -> Result<()> {
    board.updated_at = Timestamp::now();
    let labels = serde_json::to_string(&board.labels)?;
    tx.prepare_cached("UPDATE boards SET labels = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![
            labels,
            board.updated_at.as_str(),
            board.id.to_string()
        ])?;
    tx.emit(
        actor.board_id,
        actor.member_id,
        Change::BoardUpdated(board.clone()),
    )?;
    Ok(())
}

/// Adds a label (validated) at the end of the board's set. A label of that name (ignoring case) already there is
/// the same label again: answered with the board as it is, no event.
pub fn create(tx: &mut Tx<'_>, actor: &Actor, label: Label) -> Result<Board> {
    let mut board = board_of(tx, actor)?;
    if board.labels.iter().any(|l| same(&l.name, &label.name)) {
        return Ok(board);
    }
    if board.labels.len() >= MAX_BOARD_LABELS {
        return Err(Error::LimitReached(format!(
            "a board has at most {MAX_BOARD_LABELS} labels"
        )));
    }
    board.labels.push(label);
    save(tx, actor, &mut board)?;
    Ok(board)
}

/// Renames and/or recolours the label `name` (validated values), on every card carrying it too.
pub fn update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    name: &str,
    new_name: Option<String>,
    color: Option<String>,
) -> Result<Board> {
    let mut board = board_of(tx, actor)?;
    let at = board
        .labels
        .iter()
        .position(|l| same(&l.name, name))
        .ok_or(Error::NotFound("label"))?;
    let old = board.labels[at].clone();
    let mut label = old.clone();
    if let Some(new_name) = new_name {
        if board
            .labels
            .iter()
            .enumerate()
            .any(|(i, l)| i != at && same(&l.name, &new_name))
        {
            return Err(Error::invalid(
                "name",
                "another label of this board has this name",
            ));
        }
        label.name = new_name;
    }
    if let Some(color) = color {
        label.color = color;
    }
    if label == old {
        return Ok(board);
    }
    board.labels[at] = label.clone();
    save(tx, actor, &mut board)?;
    on_cards(tx, actor, &old.name, |labels| {
        for l in labels.iter_mut().filter(|l| same(&l.name, &old.name)) {
            *l = label.clone();
        }
    })?;
    Ok(board)
}

/// Removes the label `name` from the board and from every card carrying it.
pub fn delete(tx: &mut Tx<'_>, actor: &Actor, name: &str) -> Result<Board> {
    let mut board = board_of(tx, actor)?;
    let at = board
        .labels
        .iter()
        .position(|l| same(&l.name, name))
        .ok_or(Error::NotFound("label"))?;
    let old = board.labels.remove(at);
    save(tx, actor, &mut board)?;
    on_cards(tx, actor, &old.name, |labels| {
        labels.retain(|l| !same(&l.name, &old.name));
    })?;
    Ok(board)
}

/// Applies `change` to the labels of every card of the actor's board carrying the label `name`, each with its
/// `card.updated`.
fn on_cards(
    tx: &mut Tx<'_>,
    actor: &Actor,
    name: &str,
    change: impl Fn(&mut Vec<Label>),
) -> Result<()> {
    // Names are compared here rather than in SQL, whose lower() knows only ASCII.
    let carrying: Vec<Card> = tx
        .prepare_cached(&format!(
            "SELECT {} FROM columns JOIN cards ON cards.column_id = columns.id
             WHERE columns.board_id = ?1 AND cards.labels <> '[]' ORDER BY cards.id",
            Card::COLUMNS
        ))?
        .query_map([actor.board_id.to_string()], Card::from_row)?
        .filter(|card| {
            card.as_ref()
                .map_or(true, |c| c.labels.iter().any(|l| same(&l.name, name)))
        })
        .collect::<rusqlite::Result<_>>()?;
    let now = Timestamp::now();
    for mut card in carrying {
        change(&mut card.labels);
        card.version += 1;
        card.updated_at = now.clone();
        rows::save_card(tx, &card, false)?;
        tx.emit(actor.board_id, actor.member_id, Change::CardUpdated(card))?;
    }
    Ok(())
}

/// The labels a card may carry, as the board defines them (its name and colour): each must be one of the board's
/// (ignoring case), named once.
pub fn of_board(tx: &Tx<'_>, board: BoardId, labels: Vec<Label>) -> Result<Vec<Label>> {
    if labels.is_empty() {
        return Ok(labels);
    }
    let defined = rows::find_board(tx, board)?
        .ok_or(Error::NotFound("board"))?
        .labels;
    let mut out: Vec<Label> = Vec::with_capacity(labels.len());
    for (i, label) in labels.iter().enumerate() {
        let found = defined
            .iter()
            .find(|l| same(&l.name, &label.name))
            .ok_or_else(|| {
                Error::invalid(
                    format!("labels[{i}].name"),
                    "must be one of the board's labels",
                )
            })?;
        if !out.iter().any(|l| same(&l.name, &found.name)) {
            out.push(found.clone());
        }
    }
    Ok(out)
}

/// Gathers the labels the cards of `board` carry that its set lacks into the set (first come first, each with the
/// colour of the card that carried it first), with a `board.updated` by its host member if any were missing; marks
/// the board gathered. For boards made before board labels, and boards imported from such a server. The event is
/// `by` that member if given, else by the board's host member.
pub fn gather(tx: &mut Tx<'_>, board: BoardId, by: Option<MemberId>) -> Result<()> {
    let Some(mut found) = rows::find_board(tx, board)? else {
        return Ok(());
    };
    let carried: Vec<String> = tx
        .prepare_cached(
            "SELECT cards.labels FROM columns JOIN cards ON cards.column_id = columns.id
             WHERE columns.board_id = ?1 ORDER BY cards.created_at, cards.id",
        )?
        .query_map([board.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let before = found.labels.len();
    for text in carried {
        let labels: Vec<Label> = serde_json::from_str(&text)?;
        for label in labels {
            if found.labels.len() < MAX_BOARD_LABELS
                && !found.labels.iter().any(|l| same(&l.name, &label.name))
            {
                found.labels.push(label);
            }
        }
    }
    tx.prepare_cached("UPDATE boards SET labels_gathered = 1 WHERE id = ?1")?
        .execute([board.to_string()])?;
    if found.labels.len() == before {
        return Ok(());
    }
    let member_id = match by {
        Some(member) => member,
        None => match board_host(tx, board)? {
            Some(host) => host.id,
            None => return Ok(()),
        },
    };
    let actor = Actor {
        board_id: board,
        member_id,
        role: Role::Host,
    };
    save(tx, &actor, &mut found)
}

/// Gathers the labels of every board hosted here that has not had them gathered yet (see [`gather`]).
pub fn gather_all(tx: &mut Tx<'_>) -> Result<()> {
    let boards: Vec<String> = tx
        .prepare_cached("SELECT id FROM boards WHERE labels_gathered = 0 AND moved_to IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in boards {
        if let Ok(board) = id.parse::<BoardId>() {
            gather(tx, board, None)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::migrations;

    const BOARD: &str = "019aee11-2222-7333-8444-000000000001";
    const HOST: &str = "019aee11-2222-7333-8444-000000000002";

    #[test]
    fn a_board_made_before_board_labels_gets_its_cards_labels_with_an_event() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrations().to_version(&mut conn, 9).unwrap();
        let t = "2026-12-01T09:00:00.000Z";
        let later = "2026-12-02T09:00:00.000Z";
        conn.execute_batch(&format!(
            "INSERT INTO boards (id, name, room_code, seq, created_at, updated_at)
                 VALUES ('{BOARD}', 'Launch', '7KQ2M9XD', 5, '{t}', '{t}');
             INSERT INTO members (id, board_id, name, color, role, joined_at)
                 VALUES ('{HOST}', '{BOARD}', 'Hana', '#3b82f6', 'host', '{t}');
             INSERT INTO columns (id, board_id, title, position)
                 VALUES ('019aee11-2222-7333-8444-000000000003', '{BOARD}', 'Todo', 'a0');
             INSERT INTO cards (id, board_id, column_id, title, description, labels, due_date, position, version,
                                created_by, created_at, updated_at)
             VALUES ('019aee11-2222-7333-8444-000000000005', '{BOARD}', '019aee11-2222-7333-8444-000000000003',
                     'Later', '', '[{{\"name\":\"UX\",\"color\":\"#000000\"}},{{\"name\":\"ops\",\"color\":\"#10b981\"}}]',
                     NULL, 'a1', 1, '{HOST}', '{later}', '{later}'),
                    ('019aee11-2222-7333-8444-000000000004', '{BOARD}', '019aee11-2222-7333-8444-000000000003',
                     'First', '', '[{{\"name\":\"ux\",\"color\":\"#3b82f6\"}},{{\"name\":\"bug\",\"color\":\"#ef4444\"}}]',
                     NULL, 'a0', 1, '{HOST}', '{t}', '{t}');"
        ))
        .unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let txn = conn.transaction().unwrap();
        let mut tx = Tx {
            conn: &txn,
            limits: lanban_core::validate::limits::BoardLimits::DEFAULT,
            rooms: Vec::new(),
            events: Vec::new(),
        };
        gather_all(&mut tx).unwrap();
        // First come first: the older card's labels with its colours, then what the later one adds.
        let board = rows::find_board(&tx, BOARD.parse().unwrap())
            .unwrap()
            .unwrap();
        let names: Vec<String> = board
            .labels
            .iter()
            .map(|l| format!("{}{}", l.name, l.color))
            .collect();
        assert_eq!(names, ["ux#3b82f6", "bug#ef4444", "ops#10b981"]);
        // Logged as the board's next event, by its host.
        assert_eq!(tx.events.len(), 1);
        let json: String = tx
            .query_row("SELECT json FROM events WHERE seq = 6", [], |r| r.get(0))
            .unwrap();
        let event: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (event["kind"].as_str(), event["actor"].as_str()),
            (Some("board.updated"), Some(HOST))
        );
        assert_eq!(event["data"]["labels"][2]["name"], "ops");
        // Gathered once.
        gather_all(&mut tx).unwrap();
        assert_eq!(tx.events.len(), 1);
    }
}
