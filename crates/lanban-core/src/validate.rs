//! The limits on everything a person types, shared by the server (which enforces them) and clients (which can
//! check before sending). Lengths count Unicode scalar values.

use std::fmt;

/// Longest board, member or label name.
pub const MAX_NAME: usize = 60;
/// Longest column or card title.
pub const MAX_TITLE: usize = 200;
/// Longest card description.
pub const MAX_DESCRIPTION: usize = 20_000;
/// Characters in a comment.
pub const MAX_COMMENT: usize = 5_000;
/// Characters in a checklist item.
pub const MAX_ITEM: usize = 500;
/// Most labels on one card.
pub const MAX_LABELS: usize = 20;
/// Most labels a board defines.
pub const MAX_BOARD_LABELS: usize = 100;
/// Most members assigned to one card.
pub const MAX_ASSIGNEES: usize = 20;
/// Largest request body the server reads, in bytes (a body of exactly this size is accepted).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest board package `POST /api/boards/import` reads, in bytes: a board of 2,000 cards with a long history
/// is a few MiB.
pub const MAX_PACKAGE_BYTES: usize = 64 * 1024 * 1024;
/// Most addresses a handoff names for the new host.
pub const MAX_ADDRESSES: usize = 8;

/// How large one board may grow, so that a member with a valid token cannot fill the host's disk
/// (docs/protocol.md §2.6). Past one of these a change is `409 limit_reached`.
pub mod limits {
    /// A server's limits per board; [`BoardLimits::DEFAULT`] holds the documented ones.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct BoardLimits {
        pub members: u64,
        pub columns: u64,
        pub cards: u64,
        pub description_bytes: u64,
    }

    impl BoardLimits {
        /// The documented limits.
        pub const DEFAULT: BoardLimits = BoardLimits {
            members: MEMBERS,
            columns: COLUMNS,
            cards: CARDS,
            description_bytes: DESCRIPTION_BYTES,
        };
    }

    impl Default for BoardLimits {
        fn default() -> Self {
            Self::DEFAULT
        }
    }

    /// Current members of a board.
    pub const MEMBERS: u64 = 100;
    /// Columns of a board.
    pub const COLUMNS: u64 = 100;
    /// Cards on a board (deleted ones do not count).
    pub const CARDS: u64 = 10_000;
    /// The descriptions of a board's cards together, in bytes (UTF-8).
    pub const DESCRIPTION_BYTES: u64 = 32 * 1024 * 1024;
    /// Comments on one card.
    pub const COMMENTS_PER_CARD: u64 = 500;
    /// Checklists on one card.
    pub const CHECKLISTS_PER_CARD: u64 = 20;
    /// Items on one checklist.
    pub const ITEMS_PER_CHECKLIST: u64 = 100;
    /// Joins of one board in any 60 s (more are `429 rate_limited`).
    pub const JOINS_PER_MINUTE: usize = 20;
    /// Changes one member (or the host credential) makes in any 60 s, on every board together (more are
    /// `429 rate_limited`; a replayed change does not count).
    pub const CHANGES_PER_MINUTE: usize = 6000;
}

/// A value a person sent that breaks a rule: which field, and why, in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The JSON field at fault, e.g. `title` or `labels[2].color`.
    pub field: String,
    /// A human sentence saying what is wrong.
    pub message: String,
}

impl ValidationError {
    /// An error on `field`.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// Trims a single-line text and checks it holds 1..=`max` characters and no control characters.
pub fn single_line(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must be a single line without control characters",
        ));
    }
    let len = trimmed.chars().count();
    if len == 0 {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if len > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A board, member or label name.
pub fn name(field: &str, value: &str) -> Result<String, ValidationError> {
    single_line(field, value, MAX_NAME)
}

/// A column, card or checklist title.
pub fn title(field: &str, value: &str) -> Result<String, ValidationError> {
    single_line(field, value, MAX_TITLE)
}

/// A checklist item's text: one line, 1 to [`MAX_ITEM`] characters once trimmed.
pub fn item_text(field: &str, value: &str) -> Result<String, ValidationError> {
    single_line(field, value, MAX_ITEM)
}

/// A card description: Markdown, kept exactly as typed (not trimmed), at most [`MAX_DESCRIPTION`] characters.
/// Line breaks and tabs are text; other control characters (NUL, escape codes) are refused.
pub fn description(field: &str, value: &str) -> Result<String, ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    let len = value.chars().count();
    if len > MAX_DESCRIPTION {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_DESCRIPTION} characters (got {len})"),
        ));
    }
    Ok(value.to_owned())
}

/// A comment: Markdown, kept as typed but for surrounding blank lines and spaces, 1 to [`MAX_COMMENT`]
/// characters with something besides whitespace; line breaks and tabs are text, other control characters are
/// refused.
pub fn comment(field: &str, value: &str) -> Result<String, ValidationError> {
    let body = value.trim();
    if body.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    let len = body.chars().count();
    if len > MAX_COMMENT {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_COMMENT} characters (got {len})"),
        ));
    }
    Ok(body.to_owned())
}

/// A colour as `#rrggbb`; returned in lower case.
pub fn color(field: &str, value: &str) -> Result<String, ValidationError> {
    let bytes = value.as_bytes();
    if bytes.len() == 7 && bytes[0] == b'#' && bytes[1..].iter().all(u8::is_ascii_hexdigit) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(ValidationError::new(
            field,
            "must be a colour written #rrggbb",
        ))
    }
}

/// A calendar date written `YYYY-MM-DD` that exists.
pub fn due_date(field: &str, value: &str) -> Result<String, ValidationError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let well_formed = value.len() == 10 && time::Date::parse(value, &format).is_ok();
    if well_formed {
        Ok(value.to_owned())
    } else {
        Err(ValidationError::new(
            field,
            "must be a date written YYYY-MM-DD",
        ))
    }
}

/// An id a client chose for something it creates: a UUIDv7, like every id the server makes, so ids keep sorting
/// by creation time.
pub fn client_id(field: &str, id: uuid::Uuid) -> Result<uuid::Uuid, ValidationError> {
    if id.get_version_num() == 7 {
        Ok(id)
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "must be a UUIDv7 (this is version {})",
                id.get_version_num()
            ),
        ))
    }
}

/// The addresses a new host listens at: 1..=[`MAX_ADDRESSES`] socket addresses (`ip:port`), none unspecified,
/// multicast or with port 0; returned in their canonical text.
pub fn socket_addresses(field: &str, values: &[String]) -> Result<Vec<String>, ValidationError> {
    if values.is_empty() || values.len() > MAX_ADDRESSES {
        return Err(ValidationError::new(
            field,
            format!(
                "must list 1 to {MAX_ADDRESSES} addresses (got {})",
                values.len()
            ),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let at = format!("{field}[{i}]");
            let addr: std::net::SocketAddr = value
                .trim()
                .parse()
                .map_err(|_| ValidationError::new(&at, "must be an address written ip:port"))?;
            if addr.port() == 0 || addr.ip().is_unspecified() || addr.ip().is_multicast() {
                return Err(ValidationError::new(
                    &at,
                    "must be an address a computer can be reached at",
                ));
            }
            Ok(addr.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(result: Result<String, ValidationError>, expected: Result<&str, &str>) {
        match (result, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(err), Err(field)) => assert_eq!(err.field, field),
            (got, want) => panic!("got {got:?}, wanted {want:?}"),
        }
    }

    #[test]
    fn single_line_text() {
        check(title("title", "  Ship it \t"), Ok("Ship it"));
        check(title("title", "   "), Err("title"));
        check(title("title", "a\nb"), Err("title"));
        check(title("title", "a\u{7}b"), Err("title"));
        check(title("title", &"é".repeat(200)), Ok(&"é".repeat(200)));
        check(title("title", &"é".repeat(201)), Err("title"));
        check(name("name", &"x".repeat(61)), Err("name"));
        check(
            name("name", "'; DROP TABLE cards; --"),
            Ok("'; DROP TABLE cards; --"),
        );
    }

    #[test]
    fn descriptions_keep_their_whitespace() {
        check(
            description("d", "  # Plan\n\n- a\r\n\t- b  "),
            Ok("  # Plan\n\n- a\r\n\t- b  "),
        );
        check(description("d", "nul\0"), Err("d"));
        check(
            description("d", &"x".repeat(MAX_DESCRIPTION)),
            Ok(&"x".repeat(MAX_DESCRIPTION)),
        );
        check(description("d", &"x".repeat(MAX_DESCRIPTION + 1)), Err("d"));
    }

    #[test]
    fn colours_and_dates() {
        check(color("c", "#A1b2C3"), Ok("#a1b2c3"));
        check(color("c", "a1b2c3"), Err("c"));
        check(color("c", "#a1b2c"), Err("c"));
        check(color("c", "#ééé"), Err("c"));
        check(due_date("d", "2026-02-28"), Ok("2026-02-28"));
        check(due_date("d", "2026-02-30"), Err("d"));
        check(due_date("d", "2026-2-3"), Err("d"));
        check(due_date("d", "+2026-02-03"), Err("d"));
    }

    #[test]
    fn client_ids_are_version_7() {
        let v7 = uuid::Uuid::now_v7();
        assert_eq!(client_id("id", v7), Ok(v7));
        for other in [
            uuid::Uuid::nil(),
            uuid::Uuid::max(),
            uuid::Uuid::from_u128(0x0190f0e0_0000_4000_8000_000000000000),
        ] {
            assert_eq!(
                client_id("id", other).map_err(|e| e.field),
                Err("id".into())
            );
        }
    }

    #[test]
    fn handoff_addresses() {
        let ok = |values: &[&str]| {
            socket_addresses(
                "addresses",
                &values.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            ok(&["192.168.1.20:7420", " [fe80::1]:7420 "]),
            Ok(vec!["192.168.1.20:7420".into(), "[fe80::1]:7420".into()])
        );
        let field = |values: &[&str]| ok(values).map_err(|e| e.field);
        assert_eq!(field(&[]), Err("addresses".into()));
        assert_eq!(field(&["10.0.0.1:1"; 9]), Err("addresses".into()));
        assert_eq!(
            field(&["10.0.0.1:1", "10.0.0.1"]),
            Err("addresses[1]".into())
        );
        assert_eq!(field(&["0.0.0.0:7420"]), Err("addresses[0]".into()));
        assert_eq!(field(&["10.0.0.1:0"]), Err("addresses[0]".into()));
        assert_eq!(field(&["224.0.0.251:5353"]), Err("addresses[0]".into()));
        assert_eq!(field(&["host.local:7420"]), Err("addresses[0]".into()));
    }
}
