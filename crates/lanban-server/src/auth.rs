//! Credentials: member tokens (random 256-bit, stored only as a SHA-256 hash) and the host credential (the
//! `host-token` file in the data directory, mode 0600), and how a request proves which one it holds.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lanban_client::private;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// The SHA-256 of a token: all the server ever stores of one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Hashes a token as presented.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a credential, not even its hash.
        f.write_str("TokenHash(..)")
    }
}

/// A fresh token: 32 bytes from the OS CSPRNG, base64url without padding (43 characters).
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Reads a random token kept in a file (the host credential, the server id), creating it (mode 0600, one line)
/// on first start.
pub fn load_or_create_token_file(path: &Path) -> io::Result<String> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let token = text.trim().to_owned();
            if token.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is empty", path.display()),
                ));
            }
            Ok(token)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let token = new_token().map_err(|e| io::Error::other(format!("random source: {e}")))?;
            let mut file =
                private::options(fs::OpenOptions::new().write(true).create_new(true)).open(path)?;
            private::restrict(path)?;
            writeln!(file, "{token}")?;
            file.sync_all()?;
            Ok(token)
        }
        Err(err) => Err(err),
    }
}

/// What the `Authorization: Bearer` header holds: the host credential or some member's token (not yet
/// looked up; the store decides whose it is, inside the transaction that uses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The server's host credential: may act on every board as its host member.
    Host,
    /// A member token, by hash.
    Member(TokenHash),
}

/// Longest `Authorization` value read; anything longer cannot be a token of ours.
const MAX_TOKEN_LEN: usize = 128;

impl FromRequestParts<AppState> for Credential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("this request needs an Authorization: Bearer <token> header")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be: Bearer <token>")
            })?;
        let hash = TokenHash::of(token);
        // Comparing hashes, not tokens, keeps the comparison's timing independent of the secret.
        if hash == state.host_hash {
            Ok(Credential::Host)
        } else {
            Ok(Credential::Member(hash))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(TokenHash::of(&a), TokenHash::of(&a));
        assert_ne!(TokenHash::of(&a), TokenHash::of(&b));
    }

    #[cfg(unix)]
    #[test]
    fn host_token_file_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("host-token");
        let first = load_or_create_token_file(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), format!("{first}\n"));
        assert_eq!(load_or_create_token_file(&path).unwrap(), first);
    }
}
