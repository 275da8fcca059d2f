//! Shared secrets (API tokens, hook secrets, admin secrets) kept out of logs.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string: redacted in `Debug`, compared in constant time, and
/// deliberately without `PartialEq` so that it cannot be compared with `==`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns whether `candidate` equals the secret.
    ///
    /// Both sides are hashed with SHA-256 first and the digests compared
    /// with `subtle`, so neither the content nor the length of the secret
    /// leaks through timing.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let presented = Sha256::digest(candidate);
        expected.ct_eq(&presented).into()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Returns the first 8 hex characters of SHA-256 of `value`: enough to
/// correlate log lines, useless for replaying the value.
pub(crate) fn short_fingerprint(value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_matches_equal_value() {
        assert!(Secret::new("demo-event-hook-secret").matches(b"demo-event-hook-secret"));
    }

    #[test]
    fn secret_rejects_prefix() {
        assert!(!Secret::new("demo-event-hook-secret").matches(b"demo-event-hook"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let rendered = format!("{:?}", Secret::new("hunter2"));
        assert!(!rendered.contains("hunter2"));
    }

    #[test]
    fn fingerprint_is_eight_hex_chars() {
        assert_eq!(short_fingerprint(b"abc"), "ba7816bf");
    }
}
