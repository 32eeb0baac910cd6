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
        Self(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        ))
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
}
