//! Recognition of a token presented to `/v1/introspect` or `/v1/revoke`.
//!
//! The emulator's token formats do not overlap: access and ID tokens are
//! JWTs distinguished by their `jti` prefix (`AT.`, `ID.`), refresh tokens are
//! opaque. `token_type_hint` therefore never changes the outcome; it is
//! only validated.

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::jwt;
use crate::error::OAuthError;
use crate::state::{AccessTokenRecord, MockOkta, RefreshTokenRecord};

/// A token of this authorization server, or not.
#[derive(Debug, Clone)]
pub enum Presented {
    /// A verified access token and what the store remembers of it (`None`
    /// once the record was pruned after expiry).
    Access {
        claims: Map<String, Value>,
        record: Option<AccessTokenRecord>,
    },
    /// A verified ID token.
    Id { claims: Map<String, Value> },
    /// A refresh token of this server.
    Refresh { record: RefreshTokenRecord },
    /// Garbage, a token of another server, or a JWT that fails to verify.
    Unknown,
}

/// Checks `token_type_hint` against the types the endpoint accepts.
///
/// # Errors
/// `unsupported_token_type` for a known type the endpoint does not handle
/// (RFC 7009 section 2.2.1), `invalid_request` for an unknown value.
pub fn check_hint(hint: Option<&str>, accepted: &[&str]) -> Result<(), OAuthError> {
    let Some(hint) = hint else {
        return Ok(());
    };
    if accepted.contains(&hint) {
        return Ok(());
    }
    let known = ["access_token", "id_token", "refresh_token", "device_secret"];
    if known.contains(&hint) {
        Err(OAuthError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            format!(
                "The token_type_hint '{hint}' is not supported by this endpoint; use one of: {}.",
                accepted.join(", ")
            ),
        ))
    } else {
        Err(OAuthError::invalid_request(format!(
            "The token_type_hint '{hint}' is invalid; use one of: {}.",
            accepted.join(", ")
        )))
    }
}

/// Identifies `token` as one of `server_id`'s tokens.
pub fn identify(state: &MockOkta, server_id: &str, token: &str, now: SystemTime) -> Presented {
    if token.matches('.').count() == 2 {
        let claims = match jwt::verify(state, server_id, token, now) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::debug!(server = %server_id, %error, "presented JWT does not verify");
                return Presented::Unknown;
            }
        };
        let jti = jwt::string_claim(&claims, "jti").unwrap_or_default();
        if jti.starts_with("AT.") {
            let record = state.store().access_tokens.get(jti).cloned();
            return Presented::Access { claims, record };
        }
        if jti.starts_with("ID.") {
            return Presented::Id { claims };
        }
        return Presented::Unknown;
    }

    match state.store().refresh_tokens.get(token) {
        Some(record) if record.auth_server_id == server_id => Presented::Refresh {
            record: record.clone(),
        },
        _ => Presented::Unknown,
    }
}
