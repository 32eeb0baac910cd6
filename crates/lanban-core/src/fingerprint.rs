//! A server's identity on the network: the SHA-256 of its TLS certificate (DER). Clients pin it, from an invite
//! link or on first use, and refuse a server that presents any other certificate. Written as base64url without
//! padding (43 characters), like tokens.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The SHA-256 of a certificate's DER encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

/// Why a text is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a certificate fingerprint is 43 characters of base64url (a SHA-256)")]
pub struct BadFingerprint;

impl Fingerprint {
    /// The fingerprint of a certificate in DER form.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint's first 66 bits as six words of the BIP-39 English list (11 bits each), for two people to
    /// compare aloud or at a glance: "ladder wisdom crane oval tiny mercy". Forging a certificate whose words
    /// match takes about 2^66 attempts.
    pub fn words(&self) -> [&'static str; PHRASE_WORDS] {
        let list = bip39::Language::English.word_list();
        let bits = u128::from_be_bytes(self.0[..16].try_into().unwrap_or([0; 16]));
        std::array::from_fn(|i| list[((bits >> (128 - 11 * (i + 1))) & 0x7ff) as usize])
    }

    /// The tag that starts this host's room codes: the fingerprint's first 10 bits.
    pub fn tag(&self) -> crate::room_code::HostTag {
        crate::room_code::HostTag::from_bits(u16::from_be_bytes([self.0[0], self.0[1]]))
    }

    /// [`Fingerprint::words`] separated by spaces.
    pub fn phrase(&self) -> String {
        self.words().join(" ")
    }
}

/// Words in a fingerprint's phrase.
pub const PHRASE_WORDS: usize = 6;

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 43 {
            return Err(BadFingerprint);
        }
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| BadFingerprint)?;
        bytes
            .try_into()
            .map(Fingerprint)
            .map_err(|_| BadFingerprint)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_the_sha256_of_the_der_in_base64url() {
        let fp = Fingerprint::of_der(b"abc");
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
        assert_eq!(
            fp.to_string(),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        assert_eq!(fp.to_string().parse::<Fingerprint>(), Ok(fp));
        assert_eq!(serde_json::to_string(&fp).unwrap(), format!("\"{fp}\""));
    }

    #[test]
    fn the_phrase_reads_the_first_66_bits_as_words() {
        let fp = Fingerprint::of_der(b"abc");
        // ba78 16bf 8f01 …: the first 11 bits are 10111010011 = 1491, the next 11 are 11000000101 = 1541.
        let words = fp.words();
        let list = bip39::Language::English.word_list();
        assert_eq!(words[0], list[1491]);
        assert_eq!(words[1], list[1541]);
        assert_eq!(fp.phrase().split(' ').count(), PHRASE_WORDS);
        assert_ne!(Fingerprint::of_der(b"abd").phrase(), fp.phrase());
    }

    #[test]
    fn other_texts_are_refused() {
        for bad in [
            "",
            "abc",
            &"A".repeat(42),
            &"A".repeat(44),
            &format!("{}=", "A".repeat(42)),
            &"+".repeat(43),
        ] {
            assert_eq!(bad.parse::<Fingerprint>(), Err(BadFingerprint), "{bad:?}");
        }
    }
}
