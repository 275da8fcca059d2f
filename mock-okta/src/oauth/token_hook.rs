//! The token inline hook step of [`super::mint`]: sends the token request
//! to the server's hook and returns the draft it patched.
//!
//! Which session the hook request carries follows the grant:
//! `authorization_code` sends the sign-in's session; `refresh_token` sends
//! what the server's `refresh_hook_session` setting chooses, because Okta
//! does not document it; `client_credentials` sends none.
//!
//! On refresh grants `data.context.protocol.OriginalGrant.refresh_token.jti`
//! is the presented refresh token and `data.refresh_token.jti` the one in
//! the response (a new one when the client rotates).

use serde_json::json;

use super::mint::{GrantType, MintRequest};
use crate::config::RefreshHookSession;
use crate::error::OAuthError;
use crate::hooks::inline::{HookSession, TokenHookRequest};
use crate::hooks::inline_patch::TokenDraft;
use crate::state::{MockOkta, Session};

/// Runs the server's token inline hook, if any, over `draft`.
///
/// # Errors
/// `server_error` with the hook's `errorSummary` when the hook returned an
/// `error` object: then no token is issued.
pub async fn run(
    state: &MockOkta,
    request: &MintRequest<'_>,
    draft: TokenDraft,
    refresh_jti: Option<&str>,
) -> Result<TokenDraft, OAuthError> {
    let mut protocol_request = request.protocol_request.clone();
    protocol_request.insert("client_id".into(), json!(request.client.client_id));
    protocol_request.insert("grant_type".into(), json!(request.grant_type.as_str()));

    let hook_request = TokenHookRequest {
        auth_server_id: request.server.id.clone(),
        grant_type: request.grant_type.as_str().to_owned(),
        http_method: request.context.http_method.clone(),
        http_url: request.context.http_url.clone(),
        ip_address: request.context.ip_address.clone(),
        protocol_request,
        original_grant: request
            .presented_refresh_jti
            .as_ref()
            .map(|jti| json!({ "refresh_token": { "jti": jti } })),
        client_id: request.client.client_id.clone(),
        user_id: request.user.map(|user| user.id.clone()),
        session: hook_session(state, request).map(|session| to_hook_session(state, session)),
        scopes: request.scopes.clone(),
        refresh_token_jti: refresh_jti.map(str::to_owned),
    };

    state
        .run_token_inline_hook(&hook_request, draft)
        .await
        .map_err(|summary| {
            tracing::info!(
                server = %request.server.id,
                client = %request.client.client_id,
                grant_type = request.grant_type.as_str(),
                "token inline hook denied the tokens"
            );
            OAuthError::server_error(summary)
        })
}

/// Picks the session block of the hook request.
fn hook_session(state: &MockOkta, request: &MintRequest<'_>) -> Option<Session> {
    match request.grant_type {
        GrantType::AuthorizationCode => request.session.clone(),
        GrantType::ClientCredentials => None,
        GrantType::RefreshToken => match request.server.refresh_hook_session {
            RefreshHookSession::Absent => None,
            RefreshHookSession::Present => request.session.clone(),
            RefreshHookSession::OtherSession => {
                other_live_session(state, request.session_id.as_deref())
            }
        },
    }
}

/// Returns the most recently active live session other than `excluded`,
/// standing in for "whatever session the browser has now".
fn other_live_session(state: &MockOkta, excluded: Option<&str>) -> Option<Session> {
    let now = state.clock.now();
    let idle = state.idle_timeout();
    state
        .store()
        .sessions
        .values()
        .filter(|session| Some(session.id.as_str()) != excluded)
        .filter(|session| session.expires_at(idle) > now)
        .max_by_key(|session| session.last_activity)
        .cloned()
}

fn to_hook_session(state: &MockOkta, session: Session) -> HookSession {
    HookSession {
        expires_at: session.expires_at(state.idle_timeout()),
        id: session.id,
        user_id: session.user_id,
        login: session.login,
        created_at: session.created_at,
        last_password_verification: session.last_password_verification,
        idp_id: session.idp_id,
    }
}
