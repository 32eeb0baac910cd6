//! A board package arriving at its new host: checked like any input ([`check`]: every row belongs to the board,
//! every text keeps the rules, the log runs from seq 1 to the board's seq, nothing clashes with this server's
//! rows), then imported in one writer job under the same ids, seq, events and token hashes ([`import`]), its room
//! code made this server's when it was another's.

use std::collections::HashSet;

use lanban_core::api::Snapshot;
use lanban_core::event::{Change, Event, RoomCodeRotated, ServerMessage};
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{BoardId, ColumnId, MemberId};
use lanban_core::model::{Card, Role};
use lanban_core::order;
use lanban_core::time::Timestamp;
use lanban_core::validate::{self, MAX_LABELS, ValidationError};
use rusqlite::Connection;

use crate::store::boards::fresh_room_code;
use crate::store::ids::Item;
use crate::store::portable::{self, BoardExport, EXPORT_FORMAT, EXPORT_VERSION};
use crate::store::{Error, Result, Tx, labels, log, rows};

mod parts;
use parts::{check_checklists, check_comments};

/// Imports a package as a new board of the server whose certificate has `fingerprint`, in the job's transaction:
/// refused if the board (or any of its ids, or a token hash) is here already, if the package is not consistent,
/// or if its log ends with a `board.moved` to another server. If its room code does not start with this server's
/// tag (or another board here has it), the board gets a fresh code right after, with a `room_code.rotated` event
/// by its host member. Answers the board as imported.
pub fn import(tx: &mut Tx<'_>, fingerprint: Fingerprint, export: &BoardExport) -> Result<Snapshot> {
    import_then(tx, fingerprint, export, None)
}

/// [`import`], with `first` (its actor, and the change) as the first event after the package's log, before the
/// room code's rotation, which is then that actor's too.
pub fn import_then(
    tx: &mut Tx<'_>,
    fingerprint: Fingerprint,
    export: &BoardExport,
    first: Option<(MemberId, Change)>,
) -> Result<Snapshot> {
    let board = export.snapshot.board.id;
    if rows::find_board(tx, board)?.is_some() {
        if !comes_back(tx, export)? {
            return Err(Error::BoardExists);
        }
        // The board moved away from here and comes back with its log carried on: the package replaces the copy
        // kept for reading (its rows go with it; the package holds them all, as they are now).
        tx.prepare_cached("DELETE FROM boards WHERE id = ?1")?
            .execute([board.to_string()])?;
    }
    check(tx, export)?;
    moved_here(export, fingerprint)?;
    let tag = fingerprint.tag();
    let code = &export.snapshot.board.room_code;
    let taken: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM boards WHERE room_code = ?1)")?
        .query_row([code.canonical()], |r| r.get(0))?;
    let rotate = code.tag() != tag || taken;
    let room_code = if rotate {
        fresh_room_code(tx, tag)?
    } else {
        code.clone()
    };
    portable::insert_board(tx, export, &room_code)?;
    tx.open_room(board, export.snapshot.seq);
    let mut host = export
        .snapshot
        .members
        .iter()
        .find(|m| m.role == Role::Host)
        .ok_or_else(|| Error::invalid("members", "must have a host member"))?
        .id;
    if let Some((actor, change)) = first {
        tx.emit(board, actor, change)?;
        host = actor;
    }
    // A board from a server before board labels: its cards' labels become its set.
    labels::gather(tx, board, Some(host))?;
    if rotate {
        let rotated = Change::RoomCodeRotated(RoomCodeRotated { room_code });
        tx.emit(board, host, rotated)?;
    }
    rows::snapshot(tx, board)?.ok_or(Error::NotFound("board"))
}

/// Whether the package is a board that moved away from this server and now comes back: this server keeps it as
/// moved, and its whole log here is the start of the package's longer log, event for event (as JSON values: a
/// client that carried the package may have written its keys in another order).
fn comes_back(conn: &Connection, export: &BoardExport) -> Result<bool> {
    let board = export.snapshot.board.id.to_string();
    let (moved, here): (bool, u64) = conn
        .prepare_cached("SELECT moved_to IS NOT NULL, seq FROM boards WHERE id = ?1")?
        .query_row([&board], |r| Ok((r.get(0)?, r.get(1)?)))?;
    // A package no longer than the log here is the board this server has, not one that went on elsewhere; and
    // one whose log starts where this server's ends, or later, cannot be checked against it (refused).
    let start = log::package_base_seq(export);
    if !moved || export.snapshot.seq <= here || start >= here {
        return Ok(false);
    }
    // The events here that the package's log also holds must be the same.
    let mut statement = conn.prepare_cached(
        "SELECT seq, json FROM events WHERE board_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = statement.query(rusqlite::params![&board, start])?;
    while let Some(row) = rows.next()? {
        let seq: u64 = row.get(0)?;
        let json: String = row.get(1)?;
        let carried = seq
            .checked_sub(start + 1)
            .and_then(|i| export.events.get(usize::try_from(i).ok()?))
            .and_then(|e| serde_json::from_str::<serde_json::Value>(e.get()).ok());
        let kept = serde_json::from_str::<serde_json::Value>(&json).ok();
        if carried.is_none() || carried != kept {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuses a package whose last event moves the board to a server with another certificate: its members would
/// follow the board there, not here.
fn moved_here(export: &BoardExport, fingerprint: Fingerprint) -> Result<()> {
    let Some(last) = export.events.last() else {
        return Ok(());
    };
    match serde_json::from_str(last.get()) {
        Ok(ServerMessage::Event(Event {
            change: Change::BoardMoved(moved),
            ..
        })) if moved.fingerprint != fingerprint => Err(Error::invalid(
            format!("events[{}]", export.events.len() - 1),
            "moves the board to another computer than this one (its fingerprint is not this server's)",
        )),
        _ => Ok(()),
    }
}

/// Checks a package before it is imported on `conn`'s server (the board itself not being here is the caller's
/// check): the first inconsistency found, named by its JSON path, as [`Error::Validation`]; an id or token hash
/// this server already has as [`Error::PackageClash`].
pub fn check(conn: &Connection, export: &BoardExport) -> Result<()> {
    if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
        return Err(Error::invalid(
            "format",
            format!("must be {EXPORT_FORMAT:?} version {EXPORT_VERSION}"),
        ));
    }
    let people = check_members(export)?;
    check_board(export, &people)?;
    let columns = check_columns(export)?;
    check_cards(export, &columns, &people)?;
    check_comments(export, &people)?;
    check_checklists(export)?;
    log::check_events(export)?;
    log::check_log_makes_snapshot(export)?;
    check_tombstones(export)?;
    check_tokens(export, &people)?;
    check_free_here(conn, export)
}

/// The members of a package: everyone ever, and those still on the board.
struct People {
    all: HashSet<MemberId>,
    current: HashSet<MemberId>,
}

/// A stored value must be exactly what the rules make of it (trimmed, lower-case colours).
fn kept(
    field: &str,
    value: &str,
    rule: fn(&str, &str) -> Result<String, ValidationError>,
) -> Result<()> {
    if rule(field, value)? == value {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "is not written the way the server keeps it",
        ))
    }
}

/// A stored time must be one this server writes (RFC 3339 UTC with milliseconds).
fn moment(field: &str, at: &Timestamp) -> Result<()> {
    if Timestamp::parse(at.as_str()).as_ref() == Some(at) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be a time written like 2026-11-26T11:07:30.123Z",
        ))
    }
}

fn on_board(field: String, id: BoardId, board: BoardId) -> Result<()> {
    if id == board {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be the board's id"))
    }
}

fn check_members(export: &BoardExport) -> Result<People> {
    let board = export.snapshot.board.id;
    let mut people = People {
        all: HashSet::new(),
        current: HashSet::new(),
    };
    let mut hosts = 0;
    for (i, exported) in export.members.iter().enumerate() {
        let (field, member) = (format!("members[{i}]"), &exported.member);
        on_board(format!("{field}.board_id"), member.board_id, board)?;
        if !people.all.insert(member.id) {
            return Err(Error::invalid(format!("{field}.id"), "appears twice"));
        }
        kept(&format!("{field}.name"), &member.name, validate::name)?;
        kept(&format!("{field}.color"), &member.color, validate::color)?;
        moment(&format!("{field}.joined_at"), &member.joined_at)?;
        match &exported.removed_at {
            Some(at) => moment(&format!("{field}.removed_at"), at)?,
            None => {
                people.current.insert(member.id);
                hosts += usize::from(member.role == Role::Host);
            }
        }
    }
    if hosts != 1 {
        return Err(Error::invalid(
            "members",
            "must have exactly one current member with the role host",
        ));
    }
    let listed: HashSet<MemberId> = export.snapshot.members.iter().map(|m| m.id).collect();
    if listed != people.current || export.snapshot.members.len() != listed.len() {
        return Err(Error::invalid(
            "snapshot.members",
            "must list exactly the current members",
        ));
    }
    Ok(people)
}

fn check_board(export: &BoardExport, people: &People) -> Result<()> {
    let board = &export.snapshot.board;
    kept("snapshot.board.name", &board.name, validate::name)?;
    moment("snapshot.board.created_at", &board.created_at)?;
    moment("snapshot.board.updated_at", &board.updated_at)?;
    if board.labels.len() > validate::MAX_BOARD_LABELS {
        return Err(Error::invalid(
            "snapshot.board.labels",
            format!("at most {} labels", validate::MAX_BOARD_LABELS),
        ));
    }
    for (i, label) in board.labels.iter().enumerate() {
        kept(
            &format!("snapshot.board.labels[{i}].name"),
            &label.name,
            validate::name,
        )?;
        kept(
            &format!("snapshot.board.labels[{i}].color"),
            &label.color,
            validate::color,
        )?;
        let name = label.name.to_lowercase();
        if board.labels[..i]
            .iter()
            .any(|l| l.name.to_lowercase() == name)
        {
            return Err(Error::invalid(
                format!("snapshot.board.labels[{i}].name"),
                "is another label's",
            ));
        }
    }
    match board.handoff_to {
        Some(id) if !people.current.contains(&id) => Err(Error::invalid(
            "snapshot.board.handoff_to",
            "must be a current member",
        )),
        _ => Ok(()),
    }
}

fn check_columns(export: &BoardExport) -> Result<HashSet<ColumnId>> {
    let mut ids = HashSet::new();
    let mut positions = HashSet::new();
    for (i, column) in export.snapshot.columns.iter().enumerate() {
        let field = format!("snapshot.columns[{i}]");
        on_board(
            format!("{field}.board_id"),
            column.board_id,
            export.snapshot.board.id,
        )?;
        if !ids.insert(column.id) {
            return Err(Error::invalid(format!("{field}.id"), "appears twice"));
        }
        kept(&format!("{field}.title"), &column.title, validate::title)?;
        position(&format!("{field}.position"), &column.position)?;
        if !positions.insert(column.position.as_str()) {
            return Err(Error::invalid(
                format!("{field}.position"),
                "is another column's",
            ));
        }
    }
    Ok(ids)
}

fn position(field: &str, key: &str) -> Result<()> {
    order::validate(key).map_err(|e| Error::invalid(field, e.to_string()))
}

fn check_cards(export: &BoardExport, columns: &HashSet<ColumnId>, people: &People) -> Result<()> {
    let mut ids = HashSet::new();
    let mut places = HashSet::new();
    for (i, card) in export.snapshot.cards.iter().enumerate() {
        let field = format!("snapshot.cards[{i}]");
        on_board(
            format!("{field}.board_id"),
            card.board_id,
            export.snapshot.board.id,
        )?;
        if !ids.insert(card.id) {
            return Err(Error::invalid(format!("{field}.id"), "appears twice"));
        }
        if !columns.contains(&card.column_id) {
            return Err(Error::invalid(
                format!("{field}.column_id"),
                "must be a column of the package",
            ));
        }
        check_card_fields(&field, card, people)?;
        if !places.insert((card.column_id, card.position.as_str())) {
            return Err(Error::invalid(
                format!("{field}.position"),
                "is another card's in its column",
            ));
        }
    }
    Ok(())
}

fn check_card_fields(field: &str, card: &Card, people: &People) -> Result<()> {
    kept(&format!("{field}.title"), &card.title, validate::title)?;
    kept(
        &format!("{field}.description"),
        &card.description,
        validate::description,
    )?;
    if card.labels.len() > MAX_LABELS {
        return Err(Error::invalid(
            format!("{field}.labels"),
            format!("at most {MAX_LABELS} labels"),
        ));
    }
    for (j, label) in card.labels.iter().enumerate() {
        kept(
            &format!("{field}.labels[{j}].name"),
            &label.name,
            validate::name,
        )?;
        kept(
            &format!("{field}.labels[{j}].color"),
            &label.color,
            validate::color,
        )?;
    }
    if card.assignee_ids.len() > validate::MAX_ASSIGNEES {
        return Err(Error::invalid(
            format!("{field}.assignee_ids"),
            format!("at most {} members", validate::MAX_ASSIGNEES),
        ));
    }
    for (j, member) in card.assignee_ids.iter().enumerate() {
        if !people.current.contains(member) || card.assignee_ids[..j].contains(member) {
            return Err(Error::invalid(
                format!("{field}.assignee_ids[{j}]"),
                "must be a current member, named once",
            ));
        }
    }
    if !people.all.contains(&card.created_by) {
        return Err(Error::invalid(
            format!("{field}.created_by"),
            "must be a member of the package",
        ));
    }
    if let Some(due) = &card.due_date {
        kept(&format!("{field}.due_date"), due, validate::due_date)?;
    }
    position(&format!("{field}.position"), &card.position)?;
    if card.version == 0 {
        return Err(Error::invalid(
            format!("{field}.version"),
            "must be at least 1",
        ));
    }
    moment(&format!("{field}.created_at"), &card.created_at)?;
    moment(&format!("{field}.updated_at"), &card.updated_at)
}

fn check_tombstones(export: &BoardExport) -> Result<()> {
    let live: HashSet<String> = (export.snapshot.columns.iter().map(|c| c.id.to_string()))
        .chain(export.snapshot.cards.iter().map(|c| c.id.to_string()))
        .chain(export.snapshot.comments.iter().map(|c| c.id.to_string()))
        .chain(export.snapshot.checklists.iter().map(|c| c.id.to_string()))
        .chain(
            (export.snapshot.checklists.iter())
                .flat_map(|c| c.items.iter().map(|i| i.id.to_string())),
        )
        .collect();
    let mut ids = HashSet::new();
    for (i, tombstone) in export.tombstones.iter().enumerate() {
        let field = format!("tombstones[{i}]");
        let id = item_id(tombstone.item);
        if live.contains(&id) || !ids.insert(id) {
            return Err(Error::invalid(
                field,
                "names a card, column or comment the package has already",
            ));
        }
        moment(&format!("{field}.deleted_at"), &tombstone.deleted_at)?;
    }
    Ok(())
}

fn item_id(item: Item) -> String {
    match item {
        Item::Card(id) => id.to_string(),
        Item::Column(id) => id.to_string(),
        Item::Comment(id) => id.to_string(),
        Item::Checklist(id) => id.to_string(),
        Item::ChecklistItem(id) => id.to_string(),
    }
}

fn check_tokens(export: &BoardExport, people: &People) -> Result<()> {
    let mut hashes = HashSet::new();
    for (i, token) in export.tokens.iter().enumerate() {
        if !people.current.contains(&token.member_id) {
            return Err(Error::invalid(
                format!("tokens[{i}].member_id"),
                "must be a current member",
            ));
        }
        if !hashes.insert(token.sha256.0) {
            return Err(Error::invalid(
                format!("tokens[{i}].sha256"),
                "appears twice",
            ));
        }
    }
    Ok(())
}

/// Refuses a package that names an id (member, column, card, tombstone) or token hash this server has already.
fn check_free_here(conn: &Connection, export: &BoardExport) -> Result<()> {
    let exists = |sql: &str, key: &dyn rusqlite::ToSql| -> Result<bool> {
        Ok(conn.prepare_cached(sql)?.query_row([key], |r| r.get(0))?)
    };
    for member in &export.members {
        if exists(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)",
            &member.member.id.to_string(),
        )? {
            return Err(Error::PackageClash("member"));
        }
    }
    let snapshot = &export.snapshot;
    let items = (snapshot.columns.iter().map(|c| c.id.to_string()))
        .chain(snapshot.cards.iter().map(|c| c.id.to_string()))
        .chain(snapshot.comments.iter().map(|c| c.id.to_string()))
        .chain(snapshot.checklists.iter().map(|c| c.id.to_string()))
        .chain((snapshot.checklists.iter()).flat_map(|c| c.items.iter().map(|i| i.id.to_string())))
        .chain(export.tombstones.iter().map(|t| item_id(t.item)));
    for id in items {
        if exists(
            "SELECT EXISTS (SELECT 1 FROM columns WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM cards WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM comments WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM checklists WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM checklist_items WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM tombstones WHERE id = ?1)",
            &id,
        )? {
            return Err(Error::PackageClash("card, column, comment or checklist"));
        }
    }
    for token in &export.tokens {
        if exists(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE hash = ?1)",
            &token.sha256.0.as_slice(),
        )? {
            return Err(Error::PackageClash("token"));
        }
    }
    Ok(())
}
