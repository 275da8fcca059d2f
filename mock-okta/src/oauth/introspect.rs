//! `/v1/introspect` (RFC 7662), with client authentication as Okta
//! requires; a public client sends its `client_id` in the body or query.
//!
//! A token is active while it verifies, has not expired and has not been
//! revoked. Like Okta, ending the Okta session (logout) does not make the
//! session's tokens inactive: only expiry or `/v1/revoke` does.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::client_auth;
use super::jwt::{string_claim, time_claim};
use super::params::Params;
use super::presented::{self, Presented};
use super::{Reject, find_server};
use crate::clock::epoch_seconds;
use crate::error::OAuthError;
use crate::state::{MockOkta, RefreshTokenRecord, SharedState};

/// `POST /oauth2/{authServerId}/v1/introspect`
pub async fn introspect(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let server = find_server(&state, &server_id)?;
    match respond(&state, &server.id, request).await {
        Ok(response) => Ok(response),
        Err(error) => {
            tracing::info!(
                server = %server.id,
                error = error.error,
                description = %error.description,
                "introspection rejected"
            );
            Err(Reject::from(error))
        }
    }
}

async fn respond(
    state: &MockOkta,
    server_id: &str,
    request: Request,
) -> Result<Response, OAuthError> {
    let headers = request.headers().clone();
    let query = Params::from_query(request.uri().query())?;
    let params = Params::from_form(request).await?;
    let client = client_auth::authenticate(state, &headers, &params, query.get("client_id"))?;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("The `token` parameter is required."))?;
    presented::check_hint(
        params.get("token_type_hint"),
        &["access_token", "id_token", "refresh_token"],
    )?;

    let now = state.clock.now();
    let now_seconds = epoch_seconds(now);
    let not_expired = |claims: &Map<String, Value>| {
        time_claim(claims, "exp").is_some_and(|exp| exp > now_seconds)
    };
    let (body, jti) = match presented::identify(state, server_id, token, now) {
        Presented::Access {
            claims,
            record: Some(record),
        } if !record.revoked && not_expired(&claims) => (access_body(&claims), record.jti),
        Presented::Id { claims } if not_expired(&claims) => {
            let jti = string_claim(&claims, "jti").unwrap_or_default().to_owned();
            (id_body(&claims), jti)
        }
        Presented::Refresh { record } if !record.revoked && record.expires_at > now => {
            (refresh_body(state, &record), record.jti.clone())
        }
        _ => (json!({ "active": false }), String::new()),
    };
    tracing::info!(
        server = %server_id,
        client = %client.client.client_id,
        active = body["active"].as_bool().unwrap_or(false),
        jti = %jti,
        "token introspected"
    );

    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Builds Okta's response for an active access token: its claims in RFC
/// 7662 names.
fn access_body(claims: &Map<String, Value>) -> Value {
    let scope = claims
        .get("scp")
        .and_then(Value::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let mut body = json!({
        "active": true,
        "token_type": "Bearer",
        "scope": scope,
        "client_id": claims.get("cid"),
        "exp": claims.get("exp"),
        "iat": claims.get("iat"),
        "sub": claims.get("sub"),
        "aud": claims.get("aud"),
        "iss": claims.get("iss"),
        "jti": claims.get("jti"),
    });
    // Only user tokens name a user; a client_credentials token's `sub` is
    // the client.
    if let Some(uid) = claims.get("uid") {
        body["uid"] = uid.clone();
        body["username"] = claims.get("sub").cloned().unwrap_or(Value::Null);
    }
    body
}

fn id_body(claims: &Map<String, Value>) -> Value {
    json!({
        "active": true,
        "client_id": claims.get("aud"),
        "exp": claims.get("exp"),
        "iat": claims.get("iat"),
        "sub": claims.get("sub"),
        "aud": claims.get("aud"),
        "iss": claims.get("iss"),
        "jti": claims.get("jti"),
    })
}

/// Okta's response for an active refresh token, where `sub` and `username` are the
/// user's login.
fn refresh_body(state: &MockOkta, record: &RefreshTokenRecord) -> Value {
    let login = state
        .user_by_id(&record.user_id)
        .map_or(record.user_id.as_str(), |user| user.login.as_str());
    json!({
        "active": true,
        "token_type": "Bearer",
        "scope": record.scopes.join(" "),
        "client_id": record.client_id,
        "username": login,
        "exp": epoch_seconds(record.expires_at),
        "sub": login,
    })
}
