//! The limits on everything a person types, shared by the server (which enforces them) and clients (which can
//! check before sending). Lengths count Unicode scalar values.

use std::fmt;

/// Longest board, member or label name.
pub const MAX_NAME: usize = 60;
/// Longest column or card title.
pub const MAX_TITLE: usize = 200;
/// Longest card description.
pub const MAX_DESCRIPTION: usize = 20_000;
/// Most labels on one card.
pub const MAX_LABELS: usize = 20;
/// Largest request body the server reads, in bytes (a body of exactly this size is accepted).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

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

/// A column or card title.
pub fn title(field: &str, value: &str) -> Result<String, ValidationError> {
    single_line(field, value, MAX_TITLE)
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
}
