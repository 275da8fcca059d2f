//! The `authorization_code` grant (RFC 6749 section 4.1.3, RFC 7636).

use std::time::Duration;

use super::{MISMATCHED_CLIENT, require_grant};
use crate::config::AuthorizationServerConfig;
use crate::error::OAuthError;
use crate::oauth::client_auth::AuthenticatedClient;
use crate::oauth::mint::{self, GrantType, IssuedTokens, MintRequest, RefreshPlan, RequestContext};
use crate::oauth::params::Params;
use crate::oauth::{family, pkce, scopes};
use crate::state::{MockOkta, UserStatus, fingerprint};

const INVALID_CODE: &str = "The authorization code is invalid or has expired.";

/// Exchanges a code for tokens. The code is spent once every check passed;
/// presenting a spent code again revokes every token issued from it.
///
/// # Errors
/// `invalid_request` for missing or malformed parameters, `invalid_grant`
/// for an unknown, expired, spent or mismatched code or a failed PKCE
/// check, `unauthorized_client` if the client may not use this grant.
pub async fn exchange(
    state: &MockOkta,
    server: &AuthorizationServerConfig,
    client: AuthenticatedClient<'_>,
    params: &Params,
    context: RequestContext,
) -> Result<IssuedTokens, OAuthError> {
    require_grant(client.client, "authorization_code")?;
    let code = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let verifier = params.get("code_verifier");
    if verifier.is_some_and(|v| !pkce::verifier_well_formed(v)) {
        return Err(OAuthError::invalid_request(
            "The 'code_verifier' must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'.",
        ));
    }

    let now = state.clock.now();
    let record = {
        let mut store = state.store();
        let Some(record) = store.codes.get(code).cloned() else {
            return Err(OAuthError::invalid_grant(INVALID_CODE));
        };
        if record.auth_server_id != server.id {
            return Err(OAuthError::invalid_grant(INVALID_CODE));
        }
        if record.client_id != client.client.client_id {
            return Err(OAuthError::invalid_grant(MISMATCHED_CLIENT));
        }
        if record.used {
            let revoked = family::revoke(&mut store, &record.family);
            tracing::warn!(
                client = %record.client_id,
                code = %fingerprint(code),
                session = %fingerprint(&record.session_id),
                access_tokens = revoked.access_tokens,
                refresh_tokens = revoked.refresh_tokens,
                "authorization code replayed; tokens issued from it revoked"
            );
            return Err(OAuthError::invalid_grant(INVALID_CODE));
        }
        if record.expires_at <= now {
            return Err(OAuthError::invalid_grant(INVALID_CODE));
        }
        if record.redirect_uri != redirect_uri {
            return Err(OAuthError::invalid_grant(
                "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
            ));
        }
        match (&record.code_challenge, verifier) {
            (Some(challenge), Some(verifier)) => {
                if !pkce::verify_s256(verifier, challenge) {
                    return Err(OAuthError::invalid_grant("PKCE verification failed."));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::invalid_request(
                    "PKCE verification failed: the 'code_verifier' parameter is required because the authorize request sent a code_challenge.",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "'code_verifier' was sent, but the authorize request had no code_challenge.",
                ));
            }
            (None, None) => {}
        }
        if let Some(stored) = store.codes.get_mut(code) {
            stored.used = true;
        }
        record
    };

    let user = state
        .user_by_id(&record.user_id)
        .filter(|user| state.user_status(&user.id) == UserStatus::Active)
        .ok_or_else(|| {
            OAuthError::invalid_grant("The user of this authorization code is not active.")
        })?;

    let issue_refresh = scopes::contains(&record.scopes, scopes::OFFLINE_ACCESS)
        && client
            .client
            .grant_types
            .iter()
            .any(|g| g == "refresh_token");
    let refresh = if issue_refresh {
        RefreshPlan::Issue {
            expires_at: now + Duration::from_secs(server.refresh_token_lifetime_seconds),
        }
    } else {
        RefreshPlan::None
    };

    let request = MintRequest {
        context,
        protocol_request: record.protocol_request,
        server,
        client: client.client,
        grant_type: GrantType::AuthorizationCode,
        user: Some(user),
        session: state.live_session(&record.session_id),
        session_id: Some(record.session_id),
        scopes: record.scopes,
        auth_time: Some(record.auth_time),
        nonce: record.nonce,
        family: Some(record.family),
        refresh,
        presented_refresh_jti: None,
    };
    mint::mint(state, &request).await
}
