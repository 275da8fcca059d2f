//! The proof that a token passed verification, and the token fingerprint.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::claims::AccessTokenClaims;

/// An access token whose signature and claims were verified.
///
/// Only [`TokenVerifier::verify`](super::TokenVerifier::verify) builds one:
/// the fields are private and there is no public constructor, so code that
/// takes a `VerifiedToken` cannot be handed an unchecked token.
#[derive(Clone)]
pub struct VerifiedToken {
    claims: AccessTokenClaims,
    fingerprint: TokenFingerprint,
}

impl VerifiedToken {
    pub(crate) fn new(claims: AccessTokenClaims, fingerprint: TokenFingerprint) -> Self {
        VerifiedToken {
            claims,
            fingerprint,
        }
    }

    /// Returns the verified claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        &self.claims
    }

    /// Returns the SHA-256 fingerprint of the raw token.
    pub fn fingerprint(&self) -> TokenFingerprint {
        self.fingerprint
    }

    /// Returns the token's `exp` as a time. The verifier accepted the token
    /// up to `exp` plus the configured leeway, but caches keyed by this
    /// token should expire entries at `exp`.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.claims.exp)
    }
}

impl fmt::Debug for VerifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedToken")
            .field("fingerprint", &self.fingerprint)
            .field("claims", &self.claims)
            .finish()
    }
}

/// SHA-256 of the raw token bytes.
///
/// `Display` and `Debug` print the first 8 hex digits, enough to follow a
/// token through logs without making it recoverable. The full 32 bytes,
/// from [`TokenFingerprint::as_bytes`], serve as a cache key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenFingerprint([u8; 32]);

impl TokenFingerprint {
    /// Hashes a raw token.
    pub fn of(token: &str) -> Self {
        TokenFingerprint(Sha256::digest(token.as_bytes()).into())
    }

    /// Returns the full digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for TokenFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &self.0[..4] {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TokenFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenFingerprint({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_display_is_short_prefix() {
        // SHA-256("abc") starts with ba7816bf.
        let fingerprint = TokenFingerprint::of("abc");

        assert_eq!(fingerprint.to_string(), "ba7816bf");
        assert_eq!(format!("{fingerprint:?}"), "TokenFingerprint(ba7816bf)");
        assert_eq!(fingerprint.as_bytes()[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}
