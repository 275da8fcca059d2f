//! The one log line per rejected request.
//!
//! The guard logs every rejection itself, cached or not, with the route
//! when the HTTP integration has one, so services built on it should not
//! log rejections again. Client errors (401, 403) are `info`; a 503, where
//! Okta or the JWKS could not be reached, is `warn` with its `Retry-After`.

use std::fmt;

use super::Policy;
use crate::http::rejection::Rejection;
use crate::secret::short_fingerprint;

/// Target of the rejection log line, for filtering it separately.
const TARGET: &str = "session_guard::decision";

/// Origin of a decision request, for the log line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecisionContext<'a> {
    pub(crate) policy: Policy,
    /// The matched route template (never the raw path), or for forward
    /// auth the original URI the proxy forwarded.
    pub(crate) route: Option<&'a str>,
}

/// Displays a token as the first 8 hex characters of its SHA-256, or `-`
/// when the request had none. Hashed only when the line is written.
struct TokenRef<'a>(Option<&'a str>);

impl fmt::Display for TokenRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(token) => f.write_str(&short_fingerprint(token.as_bytes())),
            None => f.write_str("-"),
        }
    }
}

pub(crate) fn log_rejection(
    rejection: &Rejection,
    context: &DecisionContext<'_>,
    token: Option<&str>,
) {
    let route = context.route.unwrap_or("-");
    let policy = context.policy.as_str();
    let reason = rejection.reason().code();
    let status = rejection.status().as_u16();
    if rejection.status().is_server_error() {
        let retry_after_s = rejection.retry_after().map(|delay| delay.as_secs());
        tracing::warn!(
            target: TARGET,
            route,
            policy,
            reason,
            status,
            retry_after_s,
            token = %TokenRef(token),
            "request rejected: the guard could not reach Okta"
        );
    } else {
        tracing::info!(
            target: TARGET,
            route,
            policy,
            reason,
            status,
            token = %TokenRef(token),
            "request rejected"
        );
    }
}
