//! A whole number in a JSON body, read as JSON Schema reads `"type": "integer"`: `7` and `7.0` are the same
//! integer, `7.5` is not one. A client (or a generated one) that writes its integers as floats is understood.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// The largest float that is still exact as an integer (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Deserialises a `PATCH` field holding a non-negative whole number: absent stays `None` (with
/// `#[serde(default)]`), `null` is `Some(None)`.
pub fn patch_whole<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<u64>>, D::Error> {
    deserializer.deserialize_option(MaybeWhole).map(Some)
}

struct MaybeWhole;

impl<'de> Visitor<'de> for MaybeWhole {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number from 0, or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(Whole).map(Some)
    }
}

struct Whole;

impl Visitor<'_> for Whole {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number from 0")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        Ok(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        u64::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u64, E> {
        if value.fract() == 0.0 && (0.0..=EXACT).contains(&value) {
            // Whole and exact: the cast loses nothing.
            Ok(value as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(value), &self))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(default, deserialize_with = "super::patch_whole")]
        version: Option<Option<u64>>,
    }

    fn read(json: &str) -> Result<Option<Option<u64>>, serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| b.version)
    }

    #[test]
    fn whole_numbers_are_read_as_json_schema_reads_integers() {
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"version":null}"#).unwrap(), Some(None));
        assert_eq!(read(r#"{"version":7}"#).unwrap(), Some(Some(7)));
        assert_eq!(read(r#"{"version":7.0}"#).unwrap(), Some(Some(7)));
        assert_eq!(
            read(r#"{"version":25306623154.0}"#).unwrap(),
            Some(Some(25_306_623_154))
        );
        for refused in [
            r#"{"version":7.5}"#,
            r#"{"version":-1}"#,
            r#"{"version":-1.0}"#,
            r#"{"version":1e300}"#,
            r#"{"version":"7"}"#,
            r#"{"version":true}"#,
        ] {
            assert!(read(refused).is_err(), "{refused}");
        }
    }
}
