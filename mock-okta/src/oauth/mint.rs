//! Token minting, the one place every grant's tokens are made.
//!
//! [`mint`] runs three steps:
//! 1. [`claims::draft`] builds the access token and ID token claims as JSON maps,
//!    with their lifetimes, from a [`MintRequest`];
//! 2. the server's token inline hook, if one is configured, may change the
//!    draft ([`token_hook::run`]), between building the claims and signing
//!    them, as Okta calls it;
//! 3. the claims are signed with the server's active key, the ID token gets
//!    `at_hash` of the final access token, and the tokens are recorded for
//!    `/v1/introspect`, `/v1/revoke` and `/v1/logout`.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::claims::{self, expiry};
use super::token_hook;
use crate::clock::epoch_seconds;
use crate::config::{AuthorizationServerConfig, ClientConfig, UserConfig};
use crate::error::OAuthError;
use crate::hooks::inline_patch::TokenDraft;
use crate::ids;
use crate::state::{AccessTokenRecord, MockOkta, RefreshTokenRecord, Session, Store, fingerprint};

/// The grant a token request used, as Okta names it in hook requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }
}

/// The fate of the refresh token in this response.
#[derive(Debug, Clone)]
pub enum RefreshPlan {
    /// No refresh token (no `offline_access`, or `client_credentials`).
    None,
    /// A new refresh token of the request's family, valid until `expires_at`.
    Issue { expires_at: SystemTime },
    /// The presented refresh token stays valid and is returned again
    /// (confidential clients, which Okta does not rotate by default).
    Keep { token: String, jti: String },
}

/// The HTTP request for tokens, as a token inline hook receives it
/// (`data.context.request`).
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub http_method: String,
    /// Absolute URL, for example `http://127.0.0.1:9400/oauth2/default/v1/token`.
    pub http_url: String,
    pub ip_address: Option<String>,
}

/// Everything a grant hands to [`mint`].
#[derive(Debug, Clone)]
pub struct MintRequest<'a> {
    pub context: RequestContext,
    /// The OAuth parameters a hook receives in `data.context.protocol.request`.
    pub protocol_request: Map<String, Value>,
    pub server: &'a AuthorizationServerConfig,
    pub client: &'a ClientConfig,
    pub grant_type: GrantType,
    /// The resource owner; `None` for `client_credentials`.
    pub user: Option<&'a UserConfig>,
    /// The Okta session of the sign-in, if it is still live.
    pub session: Option<Session>,
    /// Id of the sign-in's session, kept even after the session ended.
    pub session_id: Option<String>,
    /// Granted scopes, in request order.
    pub scopes: Vec<String>,
    /// When the user last entered a password, in epoch seconds.
    pub auth_time: Option<i64>,
    /// The authorize request's `nonce`, echoed in the ID token.
    pub nonce: Option<String>,
    /// Token family (see `state::RefreshTokenRecord::family`).
    pub family: Option<String>,
    pub refresh: RefreshPlan,
    /// `jti` of the refresh token presented to a `refresh_token` grant.
    pub presented_refresh_jti: Option<String>,
}

/// The signed tokens of one token response.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub access_jti: String,
    pub expires_in: u64,
    pub scope: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

impl IntoResponse for IssuedTokens {
    /// Renders Okta's token response with `Cache-Control: no-store`
    /// (RFC 6749 section 5.1).
    fn into_response(self) -> Response {
        let mut body = json!({
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "access_token": self.access_token,
            "scope": self.scope,
        });
        if let Some(id_token) = self.id_token {
            body["id_token"] = json!(id_token);
        }
        if let Some(refresh_token) = self.refresh_token {
            body["refresh_token"] = json!(refresh_token);
        }
        let mut response = Json(body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

/// Mints, signs and records the tokens for `request`.
///
/// # Errors
/// `server_error` if signing fails or the token hook refuses the tokens.
pub async fn mint(state: &MockOkta, request: &MintRequest<'_>) -> Result<IssuedTokens, OAuthError> {
    let now = state.clock.now();
    // Chosen before the hook runs so that the hook request can name it.
    let refresh_jti = match &request.refresh {
        RefreshPlan::None => None,
        RefreshPlan::Issue { .. } => Some(ids::refresh_token_jti()),
        RefreshPlan::Keep { jti, .. } => Some(jti.clone()),
    };

    let draft = claims::draft(state, request, now);
    let mut draft = token_hook::run(state, request, draft, refresh_jti.as_deref()).await?;
    let tokens = sign(state, request, &mut draft, now)?;
    record(state, request, &draft, refresh_jti, &tokens, now);

    tracing::info!(
        server = %request.server.id,
        client = %request.client.client_id,
        grant_type = request.grant_type.as_str(),
        user = request.user.map_or("-", |user| user.id.as_str()),
        session = %request.session_id.as_deref().map(fingerprint).unwrap_or_default(),
        jti = %tokens.access_jti,
        id_token = tokens.id_token.is_some(),
        refresh_token = tokens.refresh_token.is_some(),
        "tokens issued"
    );
    Ok(tokens)
}

/// Signs both tokens with the active key. `exp` is recomputed from the
/// draft's lifetimes, which a hook may have changed.
fn sign(
    state: &MockOkta,
    request: &MintRequest<'_>,
    draft: &mut TokenDraft,
    now: SystemTime,
) -> Result<IssuedTokens, OAuthError> {
    let issued_at = epoch_seconds(now);
    draft.access_claims.insert(
        "exp".into(),
        json!(expiry(issued_at, draft.access_lifetime)),
    );
    let access_jti = draft
        .access_claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();

    let rings = state.key_rings();
    let ring = rings.get(&request.server.id).ok_or_else(|| {
        tracing::error!(server = %request.server.id, "authorization server has no key ring");
        OAuthError::server_error("The authorization server has no signing key.")
    })?;
    let sign_failed = |error: crate::keys::KeyError| {
        tracing::error!(server = %request.server.id, %error, "token signing failed");
        OAuthError::server_error("Token signing failed.")
    };

    let access_token = ring.sign(&draft.access_claims).map_err(sign_failed)?;
    let id_token = match draft.identity_claims.as_mut() {
        Some(claims) => {
            claims.insert(
                "exp".into(),
                json!(expiry(issued_at, draft.identity_lifetime)),
            );
            claims.insert("at_hash".into(), json!(at_hash(&access_token)));
            Some(ring.sign(claims).map_err(sign_failed)?)
        }
        None => None,
    };
    drop(rings);

    let refresh_token = match &request.refresh {
        RefreshPlan::None => None,
        RefreshPlan::Issue { .. } => Some(ids::opaque_secret()),
        RefreshPlan::Keep { token, .. } => Some(token.clone()),
    };

    Ok(IssuedTokens {
        access_token,
        access_jti,
        expires_in: draft.access_lifetime,
        scope: request.scopes.join(" "),
        id_token,
        refresh_token,
    })
}

/// Stores what introspection, revocation and logout need, and drops
/// records that expired.
fn record(
    state: &MockOkta,
    request: &MintRequest<'_>,
    draft: &TokenDraft,
    refresh_jti: Option<String>,
    tokens: &IssuedTokens,
    now: SystemTime,
) {
    let user_id = request.user.map(|user| user.id.clone());
    let mut store = state.store();
    store
        .access_tokens
        .retain(|_, token| token.expires_at > now);
    store
        .refresh_tokens
        .retain(|_, token| token.expires_at > now);
    let Store {
        access_tokens,
        access_token_families,
        ..
    } = &mut *store;
    access_token_families.retain(|jti, _| access_tokens.contains_key(jti));

    store.access_tokens.insert(
        tokens.access_jti.clone(),
        AccessTokenRecord {
            jti: tokens.access_jti.clone(),
            client_id: request.client.client_id.clone(),
            auth_server_id: request.server.id.clone(),
            user_id: user_id.clone(),
            session_id: request.session_id.clone(),
            expires_at: now + Duration::from_secs(draft.access_lifetime),
            revoked: false,
        },
    );
    if let Some(family) = &request.family {
        store
            .access_token_families
            .insert(tokens.access_jti.clone(), family.clone());
    }

    if let (RefreshPlan::Issue { expires_at }, Some(token), Some(jti), Some(user_id)) = (
        &request.refresh,
        &tokens.refresh_token,
        refresh_jti,
        &user_id,
    ) {
        store.refresh_tokens.insert(
            token.clone(),
            RefreshTokenRecord {
                jti,
                client_id: request.client.client_id.clone(),
                auth_server_id: request.server.id.clone(),
                user_id: user_id.clone(),
                scopes: request.scopes.clone(),
                session_id: request.session_id.clone().unwrap_or_default(),
                auth_time: request.auth_time.unwrap_or_default(),
                expires_at: *expires_at,
                family: request.family.clone().unwrap_or_default(),
                revoked: false,
            },
        );
    }

    let id_jti = draft
        .identity_claims
        .as_ref()
        .and_then(|claims| claims.get("jti"))
        .and_then(Value::as_str);
    if let (Some(jti), Some(session_id)) = (id_jti, &request.session_id) {
        store
            .id_token_sessions
            .insert(jti.to_owned(), session_id.clone());
    }
}

/// OpenID Connect Core section 3.1.3.6: base64url of the left half of the
/// SHA-256 of the access token's ASCII, for RS256.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_left_half_base64url() {
        // 16 bytes encode to 22 base64url characters without padding.
        assert_eq!(at_hash("token").len(), 22);
    }
}
