//! The `refresh_token` grant (RFC 6749 section 6).
//!
//! Public clients get a new refresh token on every use and the presented
//! one is retired (rotation). Okta's grace period for reuse is 0 seconds by
//! default, and so is the emulator's: presenting a retired or revoked token
//! revokes its whole family. Confidential
//! clients keep their refresh token, as Okta does unless rotation is
//! enabled for them.
//!
//! A rotated token keeps the family's expiry: rotation does not extend the
//! lifetime counted from the sign-in.

use super::{MISMATCHED_CLIENT, require_grant};
use crate::config::{AuthorizationServerConfig, ClientType};
use crate::error::OAuthError;
use crate::oauth::client_auth::AuthenticatedClient;
use crate::oauth::mint::{self, GrantType, IssuedTokens, MintRequest, RefreshPlan, RequestContext};
use crate::oauth::params::Params;
use crate::oauth::{family, scopes};
use crate::state::{MockOkta, UserStatus, fingerprint};

const INVALID_REFRESH: &str = "The refresh token is invalid or expired.";

/// Exchanges a refresh token for new tokens.
///
/// # Errors
/// `invalid_request` without `refresh_token`, `invalid_grant` for an
/// unknown, expired, revoked, reused or mismatched token, `invalid_scope`
/// for scopes beyond the original grant, `unauthorized_client` if the
/// client may not use this grant.
pub async fn exchange(
    state: &MockOkta,
    server: &AuthorizationServerConfig,
    client: AuthenticatedClient<'_>,
    params: &Params,
    context: RequestContext,
) -> Result<IssuedTokens, OAuthError> {
    require_grant(client.client, "refresh_token")?;
    let presented = params.require("refresh_token")?;
    let narrowed = params.get("scope").map(scopes::parse);
    let rotate = client.client.client_type == ClientType::Public;

    let now = state.clock.now();
    let (record, granted) = {
        let mut store = state.store();
        let Some(record) = store.refresh_tokens.get(presented).cloned() else {
            return Err(OAuthError::invalid_grant(INVALID_REFRESH));
        };
        if record.auth_server_id != server.id {
            return Err(OAuthError::invalid_grant(INVALID_REFRESH));
        }
        if record.client_id != client.client.client_id {
            return Err(OAuthError::invalid_grant(MISMATCHED_CLIENT));
        }
        if record.revoked {
            let revoked = family::revoke(&mut store, &record.family);
            tracing::warn!(
                client = %record.client_id,
                jti = %record.jti,
                session = %fingerprint(&record.session_id),
                access_tokens = revoked.access_tokens,
                refresh_tokens = revoked.refresh_tokens,
                "revoked or rotated-out refresh token presented; token family revoked"
            );
            return Err(OAuthError::invalid_grant(INVALID_REFRESH));
        }
        if record.expires_at <= now {
            return Err(OAuthError::invalid_grant(INVALID_REFRESH));
        }

        let granted = match narrowed {
            Some(requested) => {
                let extra: Vec<&str> = requested
                    .iter()
                    .filter(|scope| !record.scopes.contains(scope))
                    .map(String::as_str)
                    .collect();
                if !extra.is_empty() {
                    return Err(OAuthError::invalid_scope(format!(
                        "The requested scopes must be a subset of the refresh token's scopes ({}); not granted: {}.",
                        record.scopes.join(" "),
                        extra.join(" ")
                    )));
                }
                requested
            }
            None => record.scopes.clone(),
        };

        if rotate && let Some(stored) = store.refresh_tokens.get_mut(presented) {
            stored.revoked = true;
        }
        (record, granted)
    };

    let user = state
        .user_by_id(&record.user_id)
        .filter(|user| state.user_status(&user.id) == UserStatus::Active)
        .ok_or_else(|| {
            OAuthError::invalid_grant("The user of this refresh token is not active.")
        })?;

    let refresh = if rotate {
        RefreshPlan::Issue {
            expires_at: record.expires_at,
        }
    } else {
        RefreshPlan::Keep {
            token: presented.to_owned(),
            jti: record.jti.clone(),
        }
    };
    tracing::debug!(
        client = %record.client_id,
        jti = %record.jti,
        rotate,
        "refresh token accepted"
    );

    let protocol_request =
        serde_json::Map::from_iter([("scope".to_owned(), serde_json::json!(granted.join(" ")))]);
    let request = MintRequest {
        context,
        protocol_request,
        server,
        client: client.client,
        grant_type: GrantType::RefreshToken,
        user: Some(user),
        session: state.live_session(&record.session_id),
        session_id: Some(record.session_id),
        scopes: granted,
        auth_time: Some(record.auth_time),
        nonce: None,
        family: Some(record.family),
        refresh,
        presented_refresh_jti: Some(record.jti),
    };
    mint::mint(state, &request).await
}
