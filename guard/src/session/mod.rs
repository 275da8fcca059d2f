//! The session link: which Okta session a token belongs to, and whether
//! that session is still alive according to Okta's Sessions API.

use std::time::SystemTime;

pub(crate) mod cache;
mod footprint;
mod id;
pub(crate) mod okta_auth;
mod okta_model;
pub(crate) mod oracle;
mod rate_limit;
pub(crate) mod sessions_api;

pub use footprint::SessionFootprint;
pub use id::{MAX_SESSION_ID_LEN, SessionId, SessionIdError};
pub use okta_auth::{OktaAuthError, SESSIONS_READ_SCOPE};
pub use okta_model::{OktaErrorBody, OktaSession, SessionStatus};
pub use rate_limit::RateLimitSnapshot;

/// The Okta session behind an allowed request.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The session id from the token's session claim.
    pub id: SessionId,
    /// The session's user (equal to the token's `uid`).
    pub user_id: String,
    /// The session's status (one of the accepted ones).
    pub status: SessionStatus,
    /// The session's `expiresAt`, when Okta sent one.
    pub expires_at: Option<SystemTime>,
    /// When Okta last confirmed the session.
    pub checked_at: SystemTime,
    /// Whether this verdict was served past its TTL because Okta could not
    /// be asked (only with the `serve_stale` outage mode).
    pub stale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports the memory of one cached session; run with `--nocapture`
    /// to see the figures.
    #[test]
    fn cached_session_fits_in_512_bytes() {
        let id = SessionId::parse("102abcdefghijKLMNOPQRSTUV").expect("valid id");
        let footprint = SessionFootprint::measure(&id, "00udemo0000000000001");
        println!(
            "per cached session: {} bytes in the table + {} bytes on the heap = {} bytes",
            footprint.inline,
            footprint.heap,
            footprint.total()
        );
        assert!(footprint.total() < 512, "{footprint:?}");
    }
}
