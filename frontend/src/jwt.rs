//! Decoding of compact JWS tokens (RFC 7515 section 7.1) for display and
//! for ID token verification. Decoding checks the shape only; the
//! signature is checked by [`crate::oidc::id_token`] for ID tokens, and by
//! the back end for access tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A JSON object: a JOSE header or a claims set.
pub type JsonObject = Map<String, Value>;

/// A compact JWS split into its parts, the signature not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: JsonObject,
    /// The claims set.
    pub claims: JsonObject,
    /// `BASE64URL(header) "." BASE64URL(payload)`, the bytes that were signed.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// A token that is not a compact JWS with JSON header and claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token does not have three dot-separated parts.
    #[error(
        "the token has {0} dot-separated parts; a compact JWS has 3 (header.payload.signature)"
    )]
    Parts(usize),

    /// A part is not base64url without padding.
    #[error("the token's {part} is not base64url: {reason}")]
    Base64 {
        /// `header`, `payload` or `signature`.
        part: &'static str,
        /// The decoder's message.
        reason: String,
    },

    /// The header or payload is not a JSON object.
    #[error("the token's {part} is not a JSON object: {reason}")]
    Json {
        /// `header` or `payload`.
        part: &'static str,
        /// The parser's message.
        reason: String,
    },
}

/// Splits and decodes a compact JWS.
///
/// # Errors
/// [`JwtError`] naming the part at fault.
pub fn decode(token: &str) -> Result<DecodedJwt, JwtError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(JwtError::Parts(parts.len()));
    };

    let header_json = decode_object("header", header)?;
    let claims = decode_object("payload", payload)?;
    let signature_bytes = decode_base64("signature", signature)?;

    Ok(DecodedJwt {
        header: header_json,
        claims,
        signing_input: format!("{header}.{payload}"),
        signature: signature_bytes,
    })
}

/// Returns a short fingerprint of a token for logs and the screen: the
/// first 8 hex digits of its SHA-256, which identifies it without
/// revealing it.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Returns a string claim.
pub fn string_claim<'a>(claims: &'a JsonObject, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Returns a NumericDate claim in seconds since the Unix epoch; fractions
/// are truncated (RFC 7519 section 2 allows them).
pub fn time_claim(claims: &JsonObject, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|seconds| seconds as i64))
}

fn decode_base64(part: &'static str, text: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|error| JwtError::Base64 {
            part,
            reason: error.to_string(),
        })
}

fn decode_object(part: &'static str, text: &str) -> Result<JsonObject, JwtError> {
    let bytes = decode_base64(part, text)?;
    serde_json::from_slice(&bytes).map_err(|error| JwtError::Json {
        part,
        reason: error.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Builds an unsigned-looking compact JWS with the given header and
    /// claims and the signature bytes `sig`.
    pub(crate) fn compact(header: &Value, claims: &Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(b"sig")
        )
    }

    #[test]
    fn decode_header_and_claims() {
        let token = compact(
            &json!({"alg": "RS256", "kid": "k1"}),
            &json!({"sub": "00u1", "exp": 1_700_000_000, "okta_sid": "102abc"}),
        );
        let decoded = decode(&token).unwrap();
        assert_eq!(string_claim(&decoded.header, "kid"), Some("k1"));
        assert_eq!(string_claim(&decoded.claims, "okta_sid"), Some("102abc"));
        assert_eq!(time_claim(&decoded.claims, "exp"), Some(1_700_000_000));
        assert_eq!(decoded.signature, b"sig");
    }

    #[test]
    fn decode_signing_input() {
        let token = compact(&json!({"alg": "RS256"}), &json!({}));
        let decoded = decode(&token).unwrap();
        let (input, _) = token.rsplit_once('.').unwrap();
        assert_eq!(decoded.signing_input, input);
    }

    #[test]
    fn decode_two_parts() {
        assert_eq!(decode("a.b"), Err(JwtError::Parts(2)));
    }

    #[test]
    fn decode_opaque_token() {
        assert_eq!(decode("00Tabcdef"), Err(JwtError::Parts(1)));
    }

    #[test]
    fn decode_bad_base64() {
        let error = decode("e30.*.c2ln").unwrap_err();
        assert!(matches!(
            error,
            JwtError::Base64 {
                part: "payload",
                ..
            }
        ));
    }

    #[test]
    fn decode_payload_not_object() {
        let token = format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode("[1]"));
        let error = decode(&token).unwrap_err();
        assert!(matches!(
            error,
            JwtError::Json {
                part: "payload",
                ..
            }
        ));
    }

    #[test]
    fn time_claim_fraction() {
        let claims = json!({"exp": 1_700_000_000.75})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(time_claim(&claims, "exp"), Some(1_700_000_000));
    }

    #[test]
    fn fingerprint_length() {
        assert_eq!(fingerprint("abc"), "ba7816bf");
    }
}
