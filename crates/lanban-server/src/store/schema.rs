//! The schema: the numbered migrations of `/migrations`, embedded and run in order, and the check that a database
//! holds exactly what they make.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::store::StoreError;

/// The numbered files of `/migrations`, in order. Append only.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../../../migrations/0001_init.sql"),
    ),
    (
        "0002_client_ids.sql",
        include_str!("../../../../migrations/0002_client_ids.sql"),
    ),
    (
        "0003_handoff.sql",
        include_str!("../../../../migrations/0003_handoff.sql"),
    ),
    (
        "0004_rehosted.sql",
        include_str!("../../../../migrations/0004_rehosted.sql"),
    ),
    (
        "0005_log_base.sql",
        include_str!("../../../../migrations/0005_log_base.sql"),
    ),
    (
        "0006_comments.sql",
        include_str!("../../../../migrations/0006_comments.sql"),
    ),
    (
        "0007_checklists.sql",
        include_str!("../../../../migrations/0007_checklists.sql"),
    ),
    (
        "0008_archive_trash.sql",
        include_str!("../../../../migrations/0008_archive_trash.sql"),
    ),
    (
        "0009_assignees.sql",
        include_str!("../../../../migrations/0009_assignees.sql"),
    ),
    (
        "0010_board_labels.sql",
        include_str!("../../../../migrations/0010_board_labels.sql"),
    ),
    (
        "0011_idempotency_in_key_order.sql",
        include_str!("../../../../migrations/0011_idempotency_in_key_order.sql"),
    ),
    (
        "0012_card_count.sql",
        include_str!("../../../../migrations/0012_card_count.sql"),
    ),
    (
        "0013_description_bytes.sql",
        include_str!("../../../../migrations/0013_description_bytes.sql"),
    ),
    (
        "0014_cards_through_columns.sql",
        include_str!("../../../../migrations/0014_cards_through_columns.sql"),
    ),
    (
        "0015_logs_appended.sql",
        include_str!("../../../../migrations/0015_logs_appended.sql"),
    ),
];

/// The schema objects (type, name and SQL) the migrations make, SQLite's own left out.
fn schema_of(conn: &Connection) -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
    conn.prepare(
        "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// Refuses a database whose schema is not exactly what the migrations make on an empty one: no trigger, view,
/// table, index or column of anyone else's (a database file someone put in the data directory is input too).
pub(super) fn check_schema(conn: &Connection) -> Result<(), StoreError> {
    let mut fresh = Connection::open_in_memory()?;
    migrations().to_latest(&mut fresh)?;
    let (expected, found) = (schema_of(&fresh)?, schema_of(conn)?);
    if let Some(extra) = found.iter().find(|object| !expected.contains(object)) {
        return Err(StoreError::UnexpectedSchema(format!(
            "{} {} is not part of Lanban's schema",
            extra.0, extra.1
        )));
    }
    if let Some(missing) = expected.iter().find(|object| !found.contains(object)) {
        return Err(StoreError::UnexpectedSchema(format!(
            "{} {} is missing or altered",
            missing.0, missing.1
        )));
    }
    Ok(())
}

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|(_, sql)| M::up(sql)).collect())
}

#[cfg(test)]
mod tests;
