//! Route requirements ([`Policy`]) and the proof that a request met them
//! ([`Authorized`]).

use std::sync::Arc;

use serde::Deserialize;

use crate::session::SessionInfo;
use crate::token::{AccessTokenClaims, VerifiedToken};

/// Requirement of a route.
///
/// Serialized as `session` or `token`, the names forward auth uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Policy {
    /// A valid token whose Okta session is alive (the default).
    #[serde(rename = "session", alias = "live_session")]
    LiveSession,
    /// A valid token that is not on the deny list; the session is not
    /// checked and Okta is not called.
    #[serde(rename = "token", alias = "token_only")]
    TokenOnly,
}

impl Policy {
    /// Returns the policy's name as used in forward-auth paths.
    pub const fn as_str(self) -> &'static str {
        match self {
            Policy::LiveSession => "session",
            Policy::TokenOnly => "token",
        }
    }
}

/// Proof that a request passed the guard: the verified token and, under
/// [`Policy::LiveSession`], the live Okta session. Only the guard builds it.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub(crate) token: Arc<VerifiedToken>,
    pub(crate) session: Option<Arc<SessionInfo>>,
    pub(crate) policy: Policy,
}

impl Authorized {
    /// Returns the verified claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        self.token.claims()
    }

    /// Returns the verified token.
    pub fn token(&self) -> &VerifiedToken {
        &self.token
    }

    /// Returns the live session (always `Some` under [`Policy::LiveSession`]).
    pub fn session(&self) -> Option<&SessionInfo> {
        self.session.as_deref()
    }

    /// Returns the policy the request was checked against.
    pub fn policy(&self) -> Policy {
        self.policy
    }
}
