//! RFC 3339 UTC timestamps with millisecond precision, kept as their text so they serialise as-is and sort bytewise.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A moment in UTC, written like `2026-11-26T11:07:30.123Z`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = DateTime)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Timestamp(String);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// The given moment, converted to UTC and cut to milliseconds.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        match u16::try_from(at.year()) {
            // Every change stamps a few of these: written digit by digit, not through `format!` (whose machinery
            // was nearly a tenth of a card creation job's instructions; docs/performance.md, session 19).
            Ok(year) if year <= 9999 => {
                let mut text = String::with_capacity(24);
                push_digits(&mut text, year, 4);
                text.push('-');
                push_digits(&mut text, u16::from(u8::from(at.month())), 2);
                text.push('-');
                push_digits(&mut text, u16::from(at.day()), 2);
                text.push('T');
                push_digits(&mut text, u16::from(at.hour()), 2);
                text.push(':');
                push_digits(&mut text, u16::from(at.minute()), 2);
                text.push(':');
                push_digits(&mut text, u16::from(at.second()), 2);
                text.push('.');
                push_digits(&mut text, at.millisecond(), 3);
                text.push('Z');
                Self(text)
            }
            _ => Self(formatted(at)),
        }
    }

    /// Parses any RFC 3339 time (as stored by this crate or sent by a peer).
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }

    /// The moment as a `time` value.
    pub fn to_datetime(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.0, &Rfc3339).ok()
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The moment (already in UTC) written through `format!`: the general way, for years outside 0–9999.
fn formatted(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Appends the last `width` decimal digits of `value`, zero-padded (`value` has at most `width` digits).
fn push_digits(text: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u16.pow(place)) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let at = OffsetDateTime::parse("2026-11-26T12:07:30.123456+01:00", &Rfc3339).unwrap();
        assert_eq!(
            Timestamp::from_datetime(at).as_str(),
            "2026-11-26T11:07:30.123Z"
        );
        let now = Timestamp::now();
        assert_eq!(Timestamp::parse(now.as_str()), Some(now));
    }

    #[test]
    fn writes_every_field_as_the_rfc_3339_formatter_would() {
        let mut at = OffsetDateTime::parse("0001-01-01T00:00:00Z", &Rfc3339).unwrap();
        let end = OffsetDateTime::parse("9999-12-31T23:59:59.999Z", &Rfc3339).unwrap();
        // Steps that are prime numbers of milliseconds visit every digit of every field over the years.
        let step = time::Duration::milliseconds(2_147_483_647 + 997);
        let mut seen = 0;
        loop {
            let written = Timestamp::from_datetime(at);
            assert_eq!(written.as_str(), formatted(at));
            assert_eq!(Timestamp::parse(written.as_str()), Some(written));
            seen += 1;
            match at.checked_add(step) {
                Some(next) if next <= end => at = next,
                _ => break,
            }
        }
        assert!(seen > 100_000, "{seen} moments checked");
        let last = Timestamp::from_datetime(end);
        assert_eq!(last.as_str(), "9999-12-31T23:59:59.999Z");
    }
}
