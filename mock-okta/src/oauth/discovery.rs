//! Published metadata: the OpenID Connect discovery document, the OAuth
//! 2.0 authorization server metadata (RFC 8414) and the JWKS.
//!
//! Field names follow Okta's `OidcMetadata` and `OAuthMetadata` schemas.
//! The emulator advertises only what it serves: no `registration_endpoint`,
//! device authorization, PAR or request objects, and only the `code`
//! response type.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::params::Params;
use super::{Reject, find_server};
use crate::error::{OktaError, OktaErrorBody};
use crate::ids;
use crate::state::{MockOkta, SharedState};

const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

/// `GET /oauth2/{authServerId}/.well-known/openid-configuration`
pub async fn openid_configuration(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Reject> {
    let mut document = metadata(&state, &server_id, query.as_deref())?;
    let issuer = state.issuer(&server_id);
    document["userinfo_endpoint"] = json!(format!("{issuer}/v1/userinfo"));
    document["id_token_signing_alg_values_supported"] = json!(["RS256"]);
    document["claims_supported"] = json!([
        "iss",
        "ver",
        "sub",
        "aud",
        "iat",
        "exp",
        "jti",
        "auth_time",
        "amr",
        "idp",
        "nonce",
        "name",
        "preferred_username",
        "given_name",
        "family_name",
        "email",
        "email_verified",
        "at_hash"
    ]);
    Ok(Json(document).into_response())
}

/// `GET /oauth2/{authServerId}/.well-known/oauth-authorization-server`
pub async fn oauth_authorization_server(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Reject> {
    let mut document = metadata(&state, &server_id, query.as_deref())?;
    document["claims_supported"] = json!([
        "ver",
        "jti",
        "iss",
        "aud",
        "iat",
        "exp",
        "cid",
        "uid",
        "scp",
        "sub",
        "auth_time"
    ]);
    Ok(Json(document).into_response())
}

/// `GET /oauth2/{authServerId}/v1/keys`: the published keys at the
/// emulator's current time (active, next, and retired keys still within
/// their overlap), with `Cache-Control: max-age` from the server's
/// `jwks_max_age_seconds`.
pub async fn keys(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
) -> Result<Response, Reject> {
    let server = find_server(&state, &server_id)?;
    let now = state.clock.now();
    let keys = {
        let mut rings = state.key_rings();
        match rings.get_mut(&server.id) {
            Some(ring) => {
                ring.prune(now);
                ring.jwks(now)
            }
            None => Vec::new(),
        }
    };
    tracing::debug!(server = %server.id, keys = keys.len(), "JWKS served");

    let mut response = Json(json!({ "keys": keys })).into_response();
    let cache_control = format!("max-age={}, must-revalidate", server.jwks_max_age_seconds);
    if let Ok(value) = HeaderValue::from_str(&cache_control) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

/// Builds the fields both metadata documents share.
fn metadata(state: &MockOkta, server_id: &str, query: Option<&str>) -> Result<Value, Reject> {
    let server = find_server(state, server_id)?;
    check_client_id(state, query)?;

    let issuer = state.issuer(&server.id);
    Ok(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/v1/authorize"),
        "token_endpoint": format!("{issuer}/v1/token"),
        "jwks_uri": format!("{issuer}/v1/keys"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "scopes_supported": server.scopes,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "introspection_endpoint": format!("{issuer}/v1/introspect"),
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint": format!("{issuer}/v1/revoke"),
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "end_session_endpoint": format!("{issuer}/v1/logout"),
        "request_parameter_supported": false,
    }))
}

/// Rejects an unknown `client_id` query parameter with a 400 in Okta's
/// Management API error format, as Okta does.
fn check_client_id(state: &MockOkta, query: Option<&str>) -> Result<(), Reject> {
    let params = Params::from_query(query).map_err(|error| {
        Reject::from(OktaError {
            status: StatusCode::BAD_REQUEST,
            body: error_body("E0000001", format!("Api validation failed: {error}")),
        })
    })?;
    match params.get("client_id") {
        Some(client_id) if state.client(client_id).is_none() => {
            tracing::info!(client = %client_id, "discovery for an unknown client_id");
            Err(Reject::from(OktaError {
                status: StatusCode::BAD_REQUEST,
                body: error_body(
                    "invalid_client",
                    "Invalid value for `client_id` parameter".to_owned(),
                ),
            }))
        }
        _ => Ok(()),
    }
}

fn error_body(code: &'static str, summary: String) -> OktaErrorBody {
    OktaErrorBody {
        error_code: code,
        error_summary: summary,
        error_link: code,
        error_id: ids::error_id(),
        error_causes: Vec::new(),
    }
}
