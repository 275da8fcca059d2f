//! Route requirements ([`Policy`], [`Requirement`]) and the proof that a
//! request met them ([`Authorized`]).

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

    /// Returns a requirement of this policy plus route `scopes`.
    ///
    /// # Example
    ///
    /// ```
    /// use session_guard::Policy;
    ///
    /// let write = Policy::LiveSession.with_scopes(["demo.write"]);
    /// assert_eq!(write.scopes(), ["demo.write"]);
    /// ```
    pub fn with_scopes<I, S>(self, scopes: I) -> Requirement
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Requirement::new(self).with_scopes(scopes)
    }
}

/// Requirement of one route: a [`Policy`] and the scopes its tokens must
/// carry, on top of the `token.required_scopes` every route requires.
///
/// A token without one of the route's scopes is rejected with 403
/// `insufficient_scope`, and the challenge lists the route's scopes
/// (RFC 6750 section 3). The scope check runs before the Okta session
/// check, so such a token costs no Sessions API call.
///
/// Scopes are compared exactly, as RFC 6749 section 3.3 scope tokens; a
/// value with a space can never match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    policy: Policy,
    scopes: Arc<[String]>,
}

impl Requirement {
    /// Returns a requirement of `policy` with no route scopes.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            scopes: Arc::from([]),
        }
    }

    /// Replaces the route scopes; the token must carry every one.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Returns the policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Returns the route scopes.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl From<Policy> for Requirement {
    fn from(policy: Policy) -> Self {
        Self::new(policy)
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
