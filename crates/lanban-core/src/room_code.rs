//! Room codes: 12 Crockford base32 characters, shown as `XXXX-XXXX-XXXX`. The first two are the host's tag
//! ([`HostTag`], derived from its certificate), so a code alone names the computer that serves it; the other ten
//! (50 bits) come from the operating system's CSPRNG. Codes made before codes grew have 8 characters
//! (`XXXX-XXXX`, 30 secret bits) and still work until their board's code is rotated. Typing is forgiving: any
//! case, with or without the dashes or spaces, and O/I/L read as 0/1/1.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Crockford's base32 alphabet (no I, L, O or U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code, without the dashes.
pub const CODE_LEN: usize = 12;
/// Characters in a code made before codes grew (still accepted).
pub const OLD_CODE_LEN: usize = 8;

/// Characters at the start of a room code that name its host.
pub const TAG_LEN: usize = 2;

/// Two Crockford base32 characters that start every room code a host gives out, so that a code alone says which
/// host on the LAN to ask (and the code is sent to no other). Derived from the host's certificate fingerprint, so
/// it is stable across restarts; two hosts share a tag with probability 1/1024, which the joining app resolves by
/// asking which one is meant.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostTag([u8; TAG_LEN]);

impl HostTag {
    /// The tag for 10 bits of an identity (the high bits of `bits`).
    pub fn from_bits(bits: u16) -> HostTag {
        HostTag([
            ALPHABET[usize::from(bits >> 11 & 31)],
            ALPHABET[usize::from(bits >> 6 & 31)],
        ])
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl FromStr for HostTag {
    type Err = RoomCodeError;

    /// Reads a tag, as forgiving as a room code ("7k" is "7K").
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        read_chars(text).map(HostTag)
    }
}

impl fmt::Display for HostTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HostTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostTag({self})")
    }
}

/// Exactly `N` typed characters in canonical form, dashes and whitespace anywhere ignored.
fn read_chars<const N: usize>(text: &str) -> Result<[u8; N], RoomCodeError> {
    let (out, len) = read_up_to::<N>(text)?;
    if len == N {
        Ok(out)
    } else {
        Err(RoomCodeError::Length)
    }
}

/// At most `N` typed characters in canonical form (dashes and whitespace anywhere ignored), and how many.
fn read_up_to<const N: usize>(text: &str) -> Result<([u8; N], usize), RoomCodeError> {
    let mut out = [0u8; N];
    let mut len = 0;
    for c in text.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let canonical = canonical_char(c)?;
        if len == N {
            return Err(RoomCodeError::Length);
        }
        out[len] = canonical;
        len += 1;
    }
    Ok((out, len))
}

/// One typed character in canonical form: upper case, O as 0, I and L as 1; an error if outside the alphabet.
fn canonical_char(c: char) -> Result<u8, RoomCodeError> {
    let canonical = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    if canonical.is_ascii() && ALPHABET.contains(&(canonical as u8)) {
        Ok(canonical as u8)
    } else {
        Err(RoomCodeError::Character(c))
    }
}

/// A well-formed room code, held in its canonical form (12 upper-case characters, or 8 for an older code; no
/// dash).
#[derive(Clone, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(value_type = String, example = "7KQ2-M9XD-4HRT")]
#[cfg_attr(feature = "specta", derive(specta::Type), specta(type = String))]
pub struct RoomCode(Chars);

/// A code's characters: the first `len` of `chars`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Chars {
    chars: [u8; CODE_LEN],
    len: usize,
}

/// Text that cannot be a room code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomCodeError {
    /// Not 12 (or, for an older code, 8) characters once dashes and spaces are removed.
    #[error("a room code has 12 characters, like 7KQ2-M9XD-4HRT")]
    Length,
    /// A character outside Crockford's base32 alphabet.
    #[error("'{0}' cannot appear in a room code")]
    Character(char),
    /// The operating system's random source failed.
    #[error("the system random source failed: {0}")]
    Random(String),
}

impl RoomCode {
    /// A fresh random code (60 bits of entropy), naming no host.
    pub fn generate() -> Result<Self, RoomCodeError> {
        let mut random = [0u8; CODE_LEN];
        getrandom::fill(&mut random).map_err(|e| RoomCodeError::Random(e.to_string()))?;
        Ok(Self(Chars {
            chars: random.map(|b| ALPHABET[usize::from(b & 31)]),
            len: CODE_LEN,
        }))
    }

    /// A fresh code of this host: its tag, then 10 random characters (50 bits of entropy).
    pub fn generate_for(tag: HostTag) -> Result<Self, RoomCodeError> {
        let mut code = Self::generate()?;
        code.0.chars[..TAG_LEN].copy_from_slice(&tag.0);
        Ok(code)
    }

    /// The first characters, which name the host if the code was made by [`RoomCode::generate_for`].
    pub fn tag(&self) -> HostTag {
        HostTag([self.0.chars[0], self.0.chars[1]])
    }

    /// The canonical form, `7KQ2M9XD4HRT` (or `7KQ2M9XD` for an older code), as stored.
    pub fn canonical(&self) -> &str {
        // The bytes are always ASCII from ALPHABET.
        std::str::from_utf8(&self.0.chars[..self.0.len]).unwrap_or_default()
    }
}

impl FromStr for RoomCode {
    type Err = RoomCodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match read_up_to::<CODE_LEN>(text)? {
            (chars, len @ (CODE_LEN | OLD_CODE_LEN)) => Ok(Self(Chars { chars, len })),
            _ => Err(RoomCodeError::Length),
        }
    }
}

impl fmt::Display for RoomCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.canonical();
        for (i, group) in text.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            // Groups of ASCII bytes from ALPHABET.
            f.write_str(std::str::from_utf8(group).unwrap_or_default())?;
        }
        Ok(())
    }
}

impl fmt::Debug for RoomCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoomCode({self})")
    }
}

impl Serialize for RoomCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RoomCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_displayed_with_dashes_and_parse_back() {
        for _ in 0..100 {
            let code = RoomCode::generate().unwrap();
            let shown = code.to_string();
            assert_eq!(shown.len(), 14);
            assert_eq!((&shown[4..5], &shown[9..10]), ("-", "-"));
            assert_eq!(shown.parse::<RoomCode>().unwrap(), code);
            assert_eq!(shown.to_lowercase().parse::<RoomCode>().unwrap(), code);
            assert_eq!(code.canonical().parse::<RoomCode>().unwrap(), code);
        }
    }

    #[test]
    fn typing_is_forgiving_but_strict_about_the_alphabet() {
        let code: RoomCode = "7kq2-m9xd".parse().unwrap();
        assert_eq!(code.to_string(), "7KQ2-M9XD");
        assert_eq!(" 7KQ2 M9XD ".parse::<RoomCode>().unwrap(), code);
        let confusable: RoomCode = "OIL0-1234".parse().unwrap();
        assert_eq!(confusable.to_string(), "0110-1234");
        assert_eq!("7KQ2-M9X".parse::<RoomCode>(), Err(RoomCodeError::Length));
        assert_eq!("7KQ2-M9XDD".parse::<RoomCode>(), Err(RoomCodeError::Length));
        assert_eq!(
            "7KQ2-M9XD-4HR".parse::<RoomCode>(),
            Err(RoomCodeError::Length)
        );
        assert_eq!(
            "7KQ2-M9XD-4HRTT".parse::<RoomCode>(),
            Err(RoomCodeError::Length)
        );
        // Today's codes have 12 characters; an older board's 8-character code still reads.
        let long: RoomCode = "7kq2 m9xd 4hrt".parse().unwrap();
        assert_eq!(long.to_string(), "7KQ2-M9XD-4HRT");
        assert_eq!(long.canonical(), "7KQ2M9XD4HRT");
        assert_ne!(long, code);
        assert_eq!(
            "7KQ2-M9XU".parse::<RoomCode>(),
            Err(RoomCodeError::Character('U'))
        );
        assert_eq!(
            "7KQ2-M9X!".parse::<RoomCode>(),
            Err(RoomCodeError::Character('!'))
        );
        assert_eq!(
            "7KQ2-M9Xé".parse::<RoomCode>(),
            Err(RoomCodeError::Character('é'))
        );
    }

    #[test]
    // The literals are grouped as the tag reads them: 5 bits, 5 bits, then 6 ignored.
    #[allow(clippy::unusual_byte_groupings)]
    fn a_hosts_codes_start_with_its_tag() {
        let tag: HostTag = "7k".parse().unwrap();
        assert_eq!(tag.as_str(), "7K");
        for _ in 0..100 {
            let code = RoomCode::generate_for(tag).unwrap();
            assert!(code.to_string().starts_with("7K"), "{code}");
            assert_eq!(code.tag(), tag);
        }
        assert_eq!(HostTag::from_bits(0).as_str(), "00");
        assert_eq!(HostTag::from_bits(0xffff).as_str(), "ZZ");
        // The low 6 bits do not matter: 10 bits make the tag.
        assert_eq!(
            HostTag::from_bits(0b00001_00010_000000),
            HostTag::from_bits(0b00001_00010_111111)
        );
        assert_eq!(HostTag::from_bits(0b00001_00010_000000).as_str(), "12");
        assert_eq!("7".parse::<HostTag>(), Err(RoomCodeError::Length));
        assert_eq!("7KQ".parse::<HostTag>(), Err(RoomCodeError::Length));
        assert_eq!("7U".parse::<HostTag>(), Err(RoomCodeError::Character('U')));
    }

    #[test]
    fn json_form_is_the_displayed_form() {
        let code: RoomCode = "7KQ2M9XD".parse().unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"7KQ2-M9XD\"");
        let code: RoomCode = "7KQ2M9XD4HRT".parse().unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"7KQ2-M9XD-4HRT\"");
        assert!(serde_json::from_str::<RoomCode>("\"nope\"").is_err());
    }
}
