//! PKCE (RFC 7636) with the S256 method, and the random values of an
//! authorization request.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Random bytes behind each verifier, `state` and `nonce`: 32 bytes give
/// a 43-character verifier, the minimum RFC 7636 section 4.1 allows, with
/// 256 bits of entropy.
pub const RANDOM_BYTES: usize = 32;

/// Encodes random bytes as base64url without padding, which is a valid
/// `code_verifier` (unreserved characters only) and a valid `state`.
pub fn encode_random(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Derives the S256 `code_challenge`: `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_rfc7636_appendix_b() {
        // The verifier and challenge of RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_rfc7636_appendix_b_octets() {
        // Appendix B's 32 octets encode to its verifier.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(
            encode_random(&octets),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn verifier_length_minimum() {
        assert_eq!(encode_random(&[0u8; RANDOM_BYTES]).len(), 43);
    }
}
