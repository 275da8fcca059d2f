//! `/v1/userinfo` (OpenID Connect Core section 5.3): the user's claims for
//! a bearer access token that has `openid`, filtered by its other scopes.
//!
//! A missing, malformed, expired or revoked token gets 401 `invalid_token`
//! and a token without `openid` gets 403 `insufficient_scope`, each with a
//! `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3). Like
//! introspection, userinfo does not look at the Okta session.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::jwt::{self, string_claim, time_claim};
use super::{Reject, claims, find_server, scopes};
use crate::clock::epoch_seconds;
use crate::error::OAuthError;
use crate::sessions::display_name;
use crate::state::{MockOkta, SharedState};

/// `GET` or `POST /oauth2/{authServerId}/v1/userinfo`
pub async fn userinfo(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Reject> {
    let server = find_server(&state, &server_id)?;
    match claims(&state, &server.id, &headers) {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(error) => {
            tracing::info!(
                server = %server.id,
                error = error.error,
                description = %error.description,
                "userinfo rejected"
            );
            Err(Reject::from(error))
        }
    }
}

fn claims(state: &MockOkta, server_id: &str, headers: &HeaderMap) -> Result<Value, OAuthError> {
    let token = bearer_token(headers)?;
    let now = state.clock.now();
    let invalid = || OAuthError::invalid_token("The access token is invalid.");

    let token_claims = jwt::verify(state, server_id, token, now).map_err(|error| {
        tracing::debug!(%error, "userinfo bearer token does not verify");
        invalid()
    })?;
    let jti = string_claim(&token_claims, "jti").unwrap_or_default();
    let record = state
        .store()
        .access_tokens
        .get(jti)
        .cloned()
        .ok_or_else(invalid)?;
    let expired = time_claim(&token_claims, "exp").is_none_or(|exp| exp <= epoch_seconds(now));
    if record.revoked || expired {
        return Err(invalid());
    }

    let granted: Vec<String> = token_claims
        .get("scp")
        .and_then(Value::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let user = record
        .user_id
        .as_deref()
        .and_then(|id| state.user_by_id(id))
        .filter(|_| scopes::contains(&granted, scopes::OPENID))
        .ok_or_else(|| {
            OAuthError::insufficient_scope(
                "The access token must provide access to at least one of these scopes - openid",
            )
        })?;

    let mut body = json!({ "sub": user.id });
    if scopes::contains(&granted, scopes::PROFILE) {
        body["name"] = json!(display_name(user));
        body["given_name"] = json!(user.first_name);
        body["family_name"] = json!(user.last_name);
        body["preferred_username"] = json!(user.login);
    }
    if scopes::contains(&granted, scopes::EMAIL) {
        body["email"] = json!(claims::email(user));
        body["email_verified"] = json!(true);
    }
    tracing::debug!(server = %server_id, jti = %jti, user = %user.id, "userinfo served");
    Ok(body)
}

/// Reads `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer_token(headers: &HeaderMap) -> Result<&str, OAuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            OAuthError::invalid_token(
                "The access token is missing; send it as 'Authorization: Bearer <token>'.",
            )
        })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(OAuthError::invalid_token(
            "The Authorization header must use the Bearer scheme.",
        )),
    }
}
