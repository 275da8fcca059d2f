//! Secret values and the fingerprints that stand in for them in logs.

use std::fmt;

use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string (shared header secret, Okta API token).
///
/// `Debug` is redacted and there is no `PartialEq`: compare with
/// [`Secret::matches`], which runs in constant time.
#[derive(Clone, Default)]
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

    /// Returns true when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares `presented` with the secret in constant time.
    ///
    /// Both sides are hashed first so the comparison time depends on
    /// neither the content nor the length of either value.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let actual = Sha256::digest(presented);
        expected.ct_eq(&actual).into()
    }

    /// Returns the log-safe fingerprint of the secret.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.0.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Returns the first 8 hex characters of the SHA-256 of `value`.
///
/// Logs carry this in place of session ids, tokens and secrets: it links
/// log lines about one value without revealing it.
pub fn fingerprint(value: &[u8]) -> String {
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
    fn matches_equal_value() {
        assert!(Secret::new("s3cret").matches(b"s3cret"));
    }

    #[test]
    fn matches_rejects_other_value() {
        assert!(!Secret::new("s3cret").matches(b"s3cret "));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("s3cret")), "Secret(<redacted>)");
    }

    #[test]
    fn fingerprint_is_8_hex_chars() {
        // SHA-256("abc") starts with ba7816bf.
        assert_eq!(fingerprint(b"abc"), "ba7816bf");
    }
}
