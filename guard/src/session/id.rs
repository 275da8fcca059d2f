//! Validated Okta session ids.
//!
//! The id comes from a token claim, and a valid signature only proves that
//! Okta (or a misbehaving inline hook) put it there. It becomes a path
//! segment of a Sessions API URL, so it is checked before any URL is built.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// Maximum accepted length of a session id, in bytes. Classic ids are 25
/// characters (`102` and 22 base62 characters); Identity Engine ids
/// (`idx…`) are longer, but nowhere near this bound.
pub const MAX_SESSION_ID_LEN: usize = 128;

/// An Okta session id made only of `[A-Za-z0-9_-]`, 1 to
/// [`MAX_SESSION_ID_LEN`] bytes long.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(Arc<str>);

/// Reason a string is not a usable session id.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionIdError {
    /// The id is the empty string.
    #[error("session id is empty")]
    Empty,
    /// The id is longer than [`MAX_SESSION_ID_LEN`].
    #[error("session id is {len} bytes long, more than the maximum of {MAX_SESSION_ID_LEN}")]
    TooLong {
        /// Length of the rejected id, in bytes.
        len: usize,
    },
    /// The id contains a byte outside `[A-Za-z0-9_-]`.
    #[error(
        "session id contains {byte:#04x} at byte {position}; only A-Z, a-z, 0-9, '_' and '-' are allowed"
    )]
    InvalidCharacter {
        /// The first rejected byte.
        byte: u8,
        /// Its offset in the id.
        position: usize,
    },
}

impl SessionId {
    /// Parses a session id, rejecting anything that could change the meaning
    /// of a URL path (`/`, `.`, `%`, `?`, `#`, whitespace, non-ASCII).
    ///
    /// # Errors
    ///
    /// [`SessionIdError`] names the first rule the value breaks.
    pub fn parse(value: &str) -> Result<Self, SessionIdError> {
        if value.is_empty() {
            return Err(SessionIdError::Empty);
        }
        if value.len() > MAX_SESSION_ID_LEN {
            return Err(SessionIdError::TooLong { len: value.len() });
        }
        let invalid = value
            .bytes()
            .enumerate()
            .find(|(_, byte)| !(byte.is_ascii_alphanumeric() || *byte == b'_' || *byte == b'-'));
        if let Some((position, byte)) = invalid {
            return Err(SessionIdError::InvalidCharacter { byte, position });
        }
        Ok(Self(Arc::from(value)))
    }

    /// Returns the id as sent to Okta.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns a reference to the session for logs and upstream headers: the
    /// first 16 hex characters of SHA-256 of the id. It correlates requests
    /// of one session but cannot be used against Okta.
    pub fn reference(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Bytes this id owns on the heap (the shared string and its two
    /// reference counts), for the per-session memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.len() + 2 * std::mem::size_of::<usize>()
    }
}

/// A session id must not be logged: in Okta it identifies the browser
/// session. `Debug` therefore prints only its reference.
impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId(ref {})", self.reference())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_classic_id() {
        assert!(SessionId::parse("102abcdefghijKLMNOPQ0123456").is_ok());
    }

    #[test]
    fn parse_accepts_identity_engine_id() {
        assert!(SessionId::parse("idx1a2B3c4D5e6F7g8H9i0J_k-L").is_ok());
    }

    #[test]
    fn parse_rejects_empty() {
        assert_eq!(SessionId::parse(""), Err(SessionIdError::Empty));
    }

    #[test]
    fn parse_rejects_path_traversal() {
        assert!(matches!(
            SessionId::parse("../users/me"),
            Err(SessionIdError::InvalidCharacter {
                byte: b'.',
                position: 0
            })
        ));
    }

    #[test]
    fn parse_rejects_each_url_delimiter() {
        for candidate in ["a/b", "a%2F", "a?x", "a#x", "a b", "a\u{e9}", "a.b", "a\nb"] {
            assert!(
                SessionId::parse(candidate).is_err(),
                "{candidate:?} was accepted"
            );
        }
    }

    #[test]
    fn parse_rejects_overlong() {
        let long = "a".repeat(MAX_SESSION_ID_LEN + 1);
        assert_eq!(
            SessionId::parse(&long),
            Err(SessionIdError::TooLong {
                len: MAX_SESSION_ID_LEN + 1
            })
        );
    }

    #[test]
    fn debug_hides_the_id() {
        let id = SessionId::parse("102abcdefghijKLMNOPQ0123456").expect("valid id");
        assert!(!format!("{id:?}").contains("102abc"));
    }

    #[test]
    fn parse_accepts_maximum_length() {
        assert!(SessionId::parse(&"a".repeat(MAX_SESSION_ID_LEN)).is_ok());
    }
}
