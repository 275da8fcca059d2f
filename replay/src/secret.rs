//! Secrets (passwords, API tokens, access tokens) kept out of `Debug`
//! output and logs. Their SHA-256 fingerprint is shown instead.

use std::fmt;

use sha2::{Digest, Sha256};

/// A secret string. `Debug` prints its fingerprint only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns the first 8 hex characters of the value's SHA-256.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(sha256:{})", self.fingerprint())
    }
}

/// Returns the first 8 hex characters of the SHA-256 of `value`, a name for
/// a token or session id that cannot be used in its place.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_value() {
        let secret = Secret::new("Demo-Passw0rd!");

        let shown = format!("{secret:?}");

        assert!(!shown.contains("Demo-Passw0rd!"), "{shown}");
    }

    #[test]
    fn fingerprint_is_8_hex() {
        let print = fingerprint("anything");

        assert_eq!(print.len(), 8);
        assert!(print.chars().all(|c| c.is_ascii_hexdigit()), "{print}");
    }
}
