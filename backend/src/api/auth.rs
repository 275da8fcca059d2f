//! Extractors that run the guard for a route and log each rejection, and
//! the per-route scope check.

use axum::extract::{FromRequestParts, MatchedPath};
use axum::response::Response;
use http::request::Parts;
use session_guard::{Authorized, LiveSession, Rejection, TokenOnly};

use crate::app::AppState;

/// A request with a valid token whose Okta session is alive.
pub(crate) struct Live(pub(crate) Authorized);

/// A request with a valid token; the Okta session is not checked.
pub(crate) struct Token(pub(crate) Authorized);

impl FromRequestParts<AppState> for Live {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Rejection> {
        match LiveSession::from_request_parts(parts, state).await {
            Ok(LiveSession(authorized)) => Ok(Live(authorized)),
            Err(rejection) => Err(logged(parts, "live_session", rejection)),
        }
    }
}

impl FromRequestParts<AppState> for Token {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Rejection> {
        match TokenOnly::from_request_parts(parts, state).await {
            Ok(TokenOnly(authorized)) => Ok(Token(authorized)),
            Err(rejection) => Err(logged(parts, "token_only", rejection)),
        }
    }
}

fn logged(parts: &Parts, policy: &'static str, rejection: Rejection) -> Rejection {
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let reason = rejection.reason().code();
    let status = rejection.status().as_u16();
    if rejection.status().is_server_error() {
        let retry_after_s = rejection.retry_after().map(|delay| delay.as_secs());
        tracing::warn!(
            route,
            policy,
            reason,
            status,
            retry_after_s,
            "request rejected: Okta could not be asked"
        );
    } else {
        tracing::info!(route, policy, reason, status, "request rejected");
    }
    rejection
}

/// Checks that the verified token carries `scope`; returns the 403 to
/// send when it does not.
///
/// The guard applies one scope list to every route, so route-specific
/// scopes are checked here and rendered like the guard's own
/// `insufficient_scope` rejection.
pub(crate) fn missing_scope(
    state: &AppState,
    authorized: &Authorized,
    route: &str,
    scope: &str,
) -> Option<Response> {
    if authorized.claims().has_scope(scope) {
        return None;
    }
    tracing::info!(
        route,
        scope,
        token = %authorized.token().fingerprint(),
        reason = crate::problem::INSUFFICIENT_SCOPE,
        status = 403,
        "request rejected"
    );
    Some(state.problems.insufficient_scope(scope))
}
