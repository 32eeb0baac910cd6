//! Fractional-index ordering keys (the scheme of David Greenspan's "Implementing Fractional Indexing").
//!
//! A key is an integer part (a head character that fixes its length, then base-62 digits) followed by a
//! fraction that never ends in `0`. Keys compare bytewise, there is always a key between two different keys,
//! and appending at either end only grows a key logarithmically. Moving an item writes one key, so two
//! concurrent moves can never corrupt the order of anything else.

/// Base-62 digits in ASCII order, so bytewise comparison is numeric comparison.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The key of the first item in an empty list.
const INTEGER_ZERO: &str = "a0";
/// The smallest integer part; nothing can be placed before a key that starts with it and has no fraction.
const SMALLEST_INTEGER: &str = "A00000000000000000000000000";

/// Why no key could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// `before` is not strictly greater than `after`.
    #[error("the keys {0:?} and {1:?} are not in order")]
    NotInOrder(String, String),
    /// A key is not of this scheme's form.
    #[error("{0:?} is not a valid ordering key")]
    Invalid(String),
    /// The key space at one end is exhausted (only after about 10^47 appends).
    #[error("no ordering key is left at this end")]
    Exhausted,
}

fn digit(b: u8) -> Option<usize> {
    DIGITS.iter().position(|&d| d == b)
}

fn integer_length(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some(usize::from(head - b'a') + 2),
        b'A'..=b'Z' => Some(usize::from(b'Z' - head) + 2),
        _ => None,
    }
}

/// Checks that `key` is of this scheme's form.
pub fn validate(key: &str) -> Result<(), OrderError> {
    let invalid = || OrderError::Invalid(key.to_owned());
    let bytes = key.as_bytes();
    let head = *bytes.first().ok_or_else(invalid)?;
    let len = integer_length(head).ok_or_else(invalid)?;
    if bytes.len() < len || key == SMALLEST_INTEGER {
        return Err(invalid());
    }
    if bytes[1..].iter().any(|&b| digit(b).is_none()) {
        return Err(invalid());
    }
    if bytes.len() > len && bytes.last() == Some(&b'0') {
        return Err(invalid());
    }
    Ok(())
}

fn integer_part(key: &str) -> Result<&str, OrderError> {
    let len = key
        .as_bytes()
        .first()
        .and_then(|&h| integer_length(h))
        .filter(|&len| len <= key.len())
        .ok_or_else(|| OrderError::Invalid(key.to_owned()))?;
    Ok(&key[..len])
}

/// A fraction strictly between fractions `a` and `b` (`None` meaning 1); `a < b`, neither ends in `0`.
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        // Skip the common prefix (a is padded with zeros).
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(b'0') == b[n] {
            n += 1;
        }
        if n > 0 {
            let mut out = b[..n].to_vec();
            out.extend(midpoint(a.get(n..).unwrap_or(&[]), Some(&b[n..])));
            return out;
        }
    }
    let digit_a = a.first().and_then(|&d| digit(d)).unwrap_or(0);
    let digit_b = b
        .and_then(|b| b.first())
        .and_then(|&d| digit(d))
        .unwrap_or(DIGITS.len());
    if digit_b - digit_a > 1 {
        vec![DIGITS[(digit_a + digit_b) / 2]]
    } else if let Some(b) = b.filter(|b| b.len() > 1) {
        vec![b[0]]
    } else {
        let mut out = vec![DIGITS[digit_a]];
        out.extend(midpoint(a.get(1..).unwrap_or(&[]), None));
        out
    }
}

/// The integer part one above (`up`) or one below `x`; `None` past either end of the key space.
fn step_integer(x: &str, up: bool) -> Option<String> {
    let bytes = x.as_bytes();
    let mut digits: Vec<u8> = bytes[1..].to_vec();
    // Counting up, a top digit wraps to the bottom one and carries; counting down, the reverse.
    let (wrap_from, wrap_to) = if up {
        (DIGITS.len() - 1, 0)
    } else {
        (0, DIGITS.len() - 1)
    };
    let mut carry = true;
    for d in digits.iter_mut().rev() {
        let value = digit(*d)?;
        if value == wrap_from {
            *d = DIGITS[wrap_to];
        } else {
            *d = DIGITS[if up { value + 1 } else { value - 1 }];
            carry = false;
            break;
        }
    }
    let mut head = bytes[0];
    if carry {
        match (head, up) {
            (b'Z', true) => return Some(INTEGER_ZERO.to_owned()),
            (b'a', false) => return Some(format!("Z{}", DIGITS[DIGITS.len() - 1] as char)),
            (b'z', true) | (b'A', false) => return None,
            _ => {}
        }
        head = if up { head + 1 } else { head - 1 };
        // Heads a–z stand for 2–27 integer characters and A–Z for the same counted down, so the new head
        // takes one digit more or one fewer.
        let longer = if up { head > b'a' } else { head < b'Z' };
        if longer {
            digits.push(DIGITS[wrap_to]);
        } else {
            digits.pop();
        }
    }
    let mut out = vec![head];
    out.extend(digits);
    String::from_utf8(out).ok()
}

fn increment_integer(x: &str) -> Option<String> {
    step_integer(x, true)
}

fn decrement_integer(x: &str) -> Option<String> {
    step_integer(x, false)
}

fn join(integer: &str, fraction: Vec<u8>) -> String {
    // Fractions are made of DIGITS only, so this is ASCII.
    let mut out = integer.to_owned();
    out.extend(fraction.into_iter().map(char::from));
    out
}

/// A key strictly between `after` and `before`: `None` for `after` means "at the start", `None` for
/// `before` means "at the end", and both `None` gives the first key of an empty list.
pub fn key_between(after: Option<&str>, before: Option<&str>) -> Result<String, OrderError> {
    if let Some(a) = after {
        validate(a)?;
    }
    if let Some(b) = before {
        validate(b)?;
    }
    match (after, before) {
        (Some(a), Some(b)) if a >= b => Err(OrderError::NotInOrder(a.to_owned(), b.to_owned())),
        (None, None) => Ok(INTEGER_ZERO.to_owned()),
        (None, Some(b)) => {
            let ib = integer_part(b)?;
            let fb = &b.as_bytes()[ib.len()..];
            if ib == SMALLEST_INTEGER {
                return Ok(join(ib, midpoint(&[], Some(fb))));
            }
            if ib.len() < b.len() {
                return Ok(ib.to_owned());
            }
            decrement_integer(ib).ok_or(OrderError::Exhausted)
        }
        (Some(a), None) => {
            let ia = integer_part(a)?;
            let fa = &a.as_bytes()[ia.len()..];
            match increment_integer(ia) {
                Some(i) => Ok(i),
                None => Ok(join(ia, midpoint(fa, None))),
            }
        }
        (Some(a), Some(b)) => {
            let ia = integer_part(a)?;
            let fa = &a.as_bytes()[ia.len()..];
            let ib = integer_part(b)?;
            let fb = &b.as_bytes()[ib.len()..];
            if ia == ib {
                return Ok(join(ia, midpoint(fa, Some(fb))));
            }
            let i = increment_integer(ia).ok_or(OrderError::Exhausted)?;
            if i.as_str() < b {
                Ok(i)
            } else {
                Ok(join(ia, midpoint(fa, None)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_keys() {
        let cases: &[(Option<&str>, Option<&str>, &str)] = &[
            (None, None, "a0"),
            (Some("a0"), None, "a1"),
            (Some("a1"), None, "a2"),
            (None, Some("a0"), "Zz"),
            (Some("a0"), Some("a1"), "a0V"),
            (Some("a1"), Some("a2"), "a1V"),
            (Some("a0V"), Some("a1"), "a0k"),
            (Some("Zz"), Some("a0"), "ZzV"),
            (Some("az"), None, "b00"),
            (Some("Zz"), Some("a01"), "a0"),
            (None, Some("a0V"), "a0"),
            (Some("b125"), Some("b129"), "b127"),
            (Some("a0"), Some("a0V"), "a0F"),
        ];
        for &(a, b, want) in cases {
            assert_eq!(key_between(a, b).unwrap(), want, "between {a:?} and {b:?}");
        }
    }

    #[test]
    fn refuses_bad_input() {
        assert!(matches!(
            key_between(Some("a1"), Some("a0")),
            Err(OrderError::NotInOrder(..))
        ));
        assert!(matches!(
            key_between(Some("a1"), Some("a1")),
            Err(OrderError::NotInOrder(..))
        ));
        assert!(matches!(
            key_between(Some(""), None),
            Err(OrderError::Invalid(_))
        ));
        assert!(matches!(
            key_between(Some("a10"), None),
            Err(OrderError::Invalid(_))
        ));
        assert!(matches!(
            key_between(Some("a!"), None),
            Err(OrderError::Invalid(_))
        ));
        assert!(matches!(
            key_between(Some("b1"), None),
            Err(OrderError::Invalid(_))
        ));
    }

    #[test]
    fn appending_ten_thousand_keeps_keys_short() {
        let mut last = key_between(None, None).unwrap();
        for _ in 0..10_000 {
            let next = key_between(Some(&last), None).unwrap();
            assert!(next > last);
            last = next;
        }
        assert!(last.len() <= 4, "{last}");
        let mut first = "a0".to_owned();
        for _ in 0..10_000 {
            let next = key_between(None, Some(&first)).unwrap();
            assert!(next < first);
            first = next;
        }
        assert!(first.len() <= 4, "{first}");
    }

    proptest! {
        /// Inserting anywhere, any number of times, always yields a valid key strictly between its neighbours.
        #[test]
        fn random_inserts_keep_a_strict_order(slots in proptest::collection::vec(0usize..1000, 1..300)) {
            let mut keys: Vec<String> = Vec::new();
            for slot in slots {
                let at = slot % (keys.len() + 1);
                let after = at.checked_sub(1).map(|i| keys[i].as_str());
                let before = keys.get(at).map(String::as_str);
                let key = key_between(after, before).unwrap();
                prop_assert!(validate(&key).is_ok(), "{key}");
                if let Some(a) = after { prop_assert!(a < key.as_str()); }
                if let Some(b) = before { prop_assert!(key.as_str() < b); }
                keys.insert(at, key);
            }
        }
    }
}
