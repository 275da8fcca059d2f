//! Okta's claim sets for access and ID tokens, before any hook or signing.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::mint::MintRequest;
use super::scopes;
use crate::clock::epoch_seconds;
use crate::config::UserConfig;
use crate::hooks::inline_patch::TokenDraft;
use crate::ids;
use crate::sessions::display_name;
use crate::state::MockOkta;

/// Okta's identity provider id for users who signed in with an Okta
/// password; the same value `MockOkta::create_session` stamps on sessions.
pub const OKTA_IDP_ID: &str = "00o1mockoktaidp00000";

/// Builds Okta's claim sets. Access token: `ver`, `jti` (`AT.…`), `iss`,
/// `aud` (the server's first audience), `iat`, `exp`, `cid`, `uid` and
/// `auth_time` (users only), `scp`, `sub` (the login, or the client id for
/// `client_credentials`). ID token: `sub` (user id), `name`, `email`,
/// `ver`, `iss`, `aud` (client id), `iat`, `exp`, `jti` (`ID.…`), `amr`,
/// `idp`, `nonce`, `preferred_username` and `auth_time`. Signing adds
/// `at_hash`.
pub fn draft(state: &MockOkta, request: &MintRequest<'_>, now: SystemTime) -> TokenDraft {
    let issuer = state.issuer(&request.server.id);
    let issued_at = epoch_seconds(now);
    let access_lifetime = request.server.access_token_lifetime_seconds;
    let id_lifetime = request.server.id_token_lifetime_seconds;

    let mut access = Map::new();
    access.insert("ver".into(), json!(1));
    access.insert("jti".into(), json!(ids::access_token_jti()));
    access.insert("iss".into(), json!(issuer));
    access.insert("aud".into(), json!(request.server.audiences.first()));
    access.insert("iat".into(), json!(issued_at));
    access.insert("exp".into(), json!(expiry(issued_at, access_lifetime)));
    access.insert("cid".into(), json!(request.client.client_id));
    match request.user {
        Some(user) => {
            access.insert("uid".into(), json!(user.id));
            access.insert("scp".into(), json!(request.scopes));
            if let Some(auth_time) = request.auth_time {
                access.insert("auth_time".into(), json!(auth_time));
            }
            access.insert("sub".into(), json!(user.login));
        }
        None => {
            access.insert("scp".into(), json!(request.scopes));
            access.insert("sub".into(), json!(request.client.client_id));
        }
    }

    let id_claims = request
        .user
        .filter(|_| scopes::contains(&request.scopes, scopes::OPENID))
        .map(|user| id_token_claims(request, user, &issuer, issued_at, id_lifetime));

    TokenDraft {
        access_claims: access,
        access_lifetime,
        identity_claims: id_claims,
        identity_lifetime: id_lifetime,
    }
}

fn id_token_claims(
    request: &MintRequest<'_>,
    user: &UserConfig,
    issuer: &str,
    issued_at: i64,
    lifetime: u64,
) -> Map<String, Value> {
    let amr = request
        .session
        .as_ref()
        .map_or_else(|| vec!["pwd".to_owned()], |session| session.amr.clone());
    let idp = request
        .session
        .as_ref()
        .map_or(OKTA_IDP_ID, |session| session.idp_id.as_str());

    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.id));
    if scopes::contains(&request.scopes, scopes::PROFILE) {
        claims.insert("name".into(), json!(display_name(user)));
    }
    if scopes::contains(&request.scopes, scopes::EMAIL) {
        claims.insert("email".into(), json!(email(user)));
    }
    claims.insert("ver".into(), json!(1));
    claims.insert("iss".into(), json!(issuer));
    claims.insert("aud".into(), json!(request.client.client_id));
    claims.insert("iat".into(), json!(issued_at));
    claims.insert("exp".into(), json!(expiry(issued_at, lifetime)));
    claims.insert("jti".into(), json!(ids::id_token_jti()));
    claims.insert("amr".into(), json!(amr));
    claims.insert("idp".into(), json!(idp));
    if let Some(nonce) = &request.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if scopes::contains(&request.scopes, scopes::PROFILE) {
        claims.insert("preferred_username".into(), json!(user.login));
    }
    if let Some(auth_time) = request.auth_time {
        claims.insert("auth_time".into(), json!(auth_time));
    }
    claims
}

/// Returns the user's email address (the login unless configured).
pub fn email(user: &UserConfig) -> &str {
    user.email.as_deref().unwrap_or(&user.login)
}

/// Returns `issued_at` plus `lifetime_seconds`, saturating.
pub fn expiry(issued_at: i64, lifetime_seconds: u64) -> i64 {
    issued_at.saturating_add(i64::try_from(lifetime_seconds).unwrap_or(i64::MAX))
}
