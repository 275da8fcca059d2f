//! Proof Key for Code Exchange (RFC 7636), `S256` only as Okta supports.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The only `code_challenge_method` Okta accepts; `plain` is rejected.
pub const S256: &str = "S256";

/// RFC 7636 section 4.1: 43 to 128 characters for a verifier; an S256
/// challenge is always 43 (32 bytes in unpadded base64url).
const VERIFIER_LENGTH: std::ops::RangeInclusive<usize> = 43..=128;
const S256_CHALLENGE_LENGTH: usize = 43;

/// Checks an authorize request's `code_challenge` and method.
///
/// # Errors
/// A message for `invalid_request` naming the bad value and the fix.
pub fn check_challenge(challenge: &str, method: Option<&str>) -> Result<(), String> {
    match method {
        None => {
            return Err(format!(
                "'code_challenge_method' is required with 'code_challenge'; use {S256}."
            ));
        }
        Some(S256) => {}
        Some(other) => {
            return Err(format!(
                "The PKCE code challenge method '{other}' is not supported; use {S256}."
            ));
        }
    }
    let well_formed = challenge.len() == S256_CHALLENGE_LENGTH
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "The PKCE code challenge must be the {S256_CHALLENGE_LENGTH}-character base64url SHA-256 of the code verifier."
        ))
    }
}

/// Tells whether `verifier` is well formed: 43 to 128 unreserved characters.
pub fn verifier_well_formed(verifier: &str) -> bool {
    VERIFIER_LENGTH.contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Tells whether `BASE64URL(SHA256(verifier))` equals `challenge`, in
/// constant time.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_example_verifies() {
        assert!(verify_s256(VERIFIER, CHALLENGE));
    }

    #[test]
    fn plain_method_rejected() {
        assert!(check_challenge(CHALLENGE, Some("plain")).is_err());
    }

    #[test]
    fn short_verifier_malformed() {
        assert!(!verifier_well_formed("abc"));
    }
}
