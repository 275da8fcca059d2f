//! Verification of the JWTs this emulator issued, for `/v1/introspect`,
//! `/v1/revoke`, `/v1/userinfo` and the `id_token_hint` of `/v1/logout`.
//!
//! A token verifies when it is a compact RS256 JWS whose `kid` is in the
//! server's published key set at `now` and whose `iss` is the server's
//! issuer. Expiry is the caller's decision: logout accepts expired hints.

use std::time::SystemTime;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::state::MockOkta;

/// A reason a presented JWT is not one of this server's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("not a compact JWS of three base64url parts with JSON header and claims")]
    Malformed,
    #[error("alg {0:?} is not RS256")]
    Algorithm(String),
    #[error("kid {0:?} is not in the server's published keys")]
    UnknownKey(String),
    #[error("signature does not verify")]
    Signature,
    #[error("iss {0:?} is not this authorization server")]
    Issuer(String),
}

/// Verifies `token` against authorization server `server_id` and returns
/// its claims.
///
/// # Errors
/// [`JwtError`] naming the first check that failed.
pub fn verify(
    state: &MockOkta,
    server_id: &str,
    token: &str,
    now: SystemTime,
) -> Result<Map<String, Value>, JwtError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    if payload.contains('.') {
        return Err(JwtError::Malformed);
    }
    let header = decode_json(header)?;
    let claims = decode_json(payload)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;

    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if alg != "RS256" {
        return Err(JwtError::Algorithm(alg.to_owned()));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let jwk = state
        .key_rings()
        .get(server_id)
        .and_then(|ring| ring.jwks(now).into_iter().find(|key| key.kid == kid))
        .ok_or_else(|| JwtError::UnknownKey(kid.to_owned()))?;

    let public_key = RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD
            .decode(&jwk.n)
            .map_err(|_| JwtError::Signature)?,
        e: URL_SAFE_NO_PAD
            .decode(&jwk.e)
            .map_err(|_| JwtError::Signature)?,
    };
    public_key
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &signature,
        )
        .map_err(|_| JwtError::Signature)?;

    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if issuer != state.issuer(server_id) {
        return Err(JwtError::Issuer(issuer.to_owned()));
    }
    Ok(claims)
}

/// Returns a string claim.
pub fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Returns a NumericDate claim in seconds since the Unix epoch.
pub fn time_claim(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

fn decode_json(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}
