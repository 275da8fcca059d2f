//! Decision on one token inline hook call.
//!
//! Okta fails open: on a timeout, a non-`200` response or an invalid patch
//! it issues the token unmodified. Only Okta's error object stops a token,
//! so every case where the hook cannot vouch for the session ends in
//! [`Decision::Deny`].

mod grant;
mod refresh;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::DateTime;

pub use grant::{Grant, GrantClass, classify};

use crate::config::{Config, OtherGrantPolicy, UnknownJtiPolicy};
use crate::metrics::Metrics;
use crate::secret::fingerprint;
use crate::sessions_api::{SessionState, SessionsApi};
use crate::store::{RefreshLink, RefreshStore, RevocationStore, SessionRef, StoreError};
use crate::wire::{HookSession, TokenHookRequest};

/// Answer to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Add the session claim with this session id.
    Stamp {
        /// Okta session id.
        session_id: String,
    },
    /// Change nothing: Okta issues the token as it is.
    NoClaim,
    /// Answer Okta's error object: Okta issues no token.
    Deny(Denial),
}

/// Why a call is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The Okta session has ended (Sessions API `404` or an event hook).
    SessionEnded,
    /// The session could not be checked (Okta `429`, `5xx`, timeout, store
    /// failure).
    Unverifiable,
    /// The refresh token was never linked to a session.
    UnknownRefreshToken,
    /// A session grant without `data.context.session`.
    NoSession,
    /// A grant with a user but no session, under policy `error`.
    SessionlessGrant,
    /// The internal deadline passed.
    DeadlineExceeded,
}

impl Denial {
    /// Returns the `errorSummary` Okta passes to the client as
    /// `error_description`. It names no session, user or token.
    pub fn summary(self) -> &'static str {
        match self {
            Self::SessionEnded => "The Okta session of this token has ended. Sign in again.",
            Self::Unverifiable => {
                "The Okta session of this token could not be verified. Try again later."
            }
            Self::UnknownRefreshToken => {
                "This refresh token is not linked to an Okta session. Sign in again."
            }
            Self::NoSession => "The token request carries no Okta session. Sign in again.",
            Self::SessionlessGrant => {
                "This grant type has no Okta session and cannot receive session-linked tokens."
            }
            Self::DeadlineExceeded => "The Okta session could not be verified in time. Try again.",
        }
    }

    /// Returns the outcome label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Self::SessionEnded => "denied_session_ended",
            Self::Unverifiable => "denied_unverifiable",
            Self::UnknownRefreshToken => "denied_unknown_refresh_token",
            Self::NoSession => "denied_no_session",
            Self::SessionlessGrant => "denied_sessionless_grant",
            Self::DeadlineExceeded => "denied_deadline",
        }
    }
}

impl Decision {
    /// Returns the outcome label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Stamp { .. } => "stamped",
            Self::NoClaim => "no_claim",
            Self::Deny(denial) => denial.label(),
        }
    }
}

/// Settings of the decision, taken from [`Config`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// Grants that carry a session.
    pub session_grants: HashSet<String>,
    /// Grants with a user and no session.
    pub other_user_grants: OtherGrantPolicy,
    /// Refresh tokens never linked.
    pub unknown_jti: UnknownJtiPolicy,
    /// Seconds a link lives after its last use.
    pub link_ttl_seconds: i64,
}

impl Policy {
    /// Extracts the policy from a validated configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            session_grants: config.claims.session_grants.iter().cloned().collect(),
            other_user_grants: config.claims.other_user_grants,
            unknown_jti: config.refresh.unknown_jti,
            link_ttl_seconds: i64::try_from(config.refresh.ttl_seconds).unwrap_or(i64::MAX),
        }
    }
}

/// Decides token inline hook calls from the stores and the Sessions API.
pub struct SessionLinker {
    policy: Policy,
    links: Arc<dyn RefreshStore>,
    revocations: Arc<dyn RevocationStore>,
    sessions: SessionsApi,
    metrics: Arc<Metrics>,
}

impl SessionLinker {
    /// Builds a linker.
    pub fn new(
        policy: Policy,
        links: Arc<dyn RefreshStore>,
        revocations: Arc<dyn RevocationStore>,
        sessions: SessionsApi,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            policy,
            links,
            revocations,
            sessions,
            metrics,
        }
    }

    /// Deletes expired links and revocations; returns how many.
    ///
    /// # Errors
    /// The first store failure.
    pub async fn purge(&self, now: i64) -> Result<u64, StoreError> {
        let links = self.links.purge_expired_links(now).await?;
        let revocations = self.revocations.purge_expired_revocations(now).await?;
        Ok(links + revocations)
    }

    /// Returns the grant of `request`.
    pub fn grant(&self, request: &TokenHookRequest) -> Grant {
        classify(
            &request.data.context.protocol.request,
            &self.policy.session_grants,
        )
    }

    /// Decides one call at Unix time `now`.
    pub async fn decide(&self, request: &TokenHookRequest, grant: Grant, now: i64) -> Decision {
        match grant.class {
            GrantClass::NoUser => Decision::NoClaim,
            GrantClass::OtherUser => match self.policy.other_user_grants {
                OtherGrantPolicy::Error => Decision::Deny(Denial::SessionlessGrant),
                OtherGrantPolicy::NoClaim => Decision::NoClaim,
            },
            GrantClass::Session => self.decide_session_grant(request, now).await,
            GrantClass::Refresh => self.decide_refresh(request, now).await,
        }
    }

    /// Stamps the session of the request and links its refresh token.
    ///
    /// Okta has just authenticated this session, so only event hook
    /// revocations are checked, not the Sessions API.
    async fn decide_session_grant(&self, request: &TokenHookRequest, now: i64) -> Decision {
        let context = &request.data.context;
        let Some(session) = &context.session else {
            return Decision::Deny(Denial::NoSession);
        };
        let user_id = session
            .user_id
            .clone()
            .or_else(|| context.user.as_ref().map(|user| user.id.clone()));
        let link = self.new_link(session, user_id, now);

        if let Err(denial) = self.check_revocations(&link, now).await {
            return Decision::Deny(denial);
        }

        if let Some(refresh) = &request.data.refresh_token {
            if let Err(error) = self
                .links
                .link(vec![refresh.jti.clone()], link.clone())
                .await
            {
                tracing::error!(%error, jti = %refresh.jti, "refresh token link not stored");
                return Decision::Deny(Denial::Unverifiable);
            }
            tracing::debug!(jti = %refresh.jti, session = %fingerprint(link.session_id.as_bytes()), "refresh token linked");
        }

        Decision::Stamp {
            session_id: link.session_id,
        }
    }

    fn new_link(&self, session: &HookSession, user_id: Option<String>, now: i64) -> RefreshLink {
        // The linking time is never before the real creation time, so it
        // is a safe stand-in when Okta omits `createdAt`.
        let created_at_ms = session
            .created_at
            .as_deref()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map_or(now.saturating_mul(1000), |time| time.timestamp_millis());

        RefreshLink {
            session_id: session.id.clone(),
            user_id,
            session_created_at_ms: created_at_ms,
            linked_at: now,
            expires_at: now.saturating_add(self.policy.link_ttl_seconds),
        }
    }

    /// Fails when an event hook reported the session ended.
    async fn check_revocations(&self, link: &RefreshLink, now: i64) -> Result<(), Denial> {
        let session = SessionRef {
            session_id: &link.session_id,
            user_id: link.user_id.as_deref(),
            created_at_ms: link.session_created_at_ms,
        };
        match self.revocations.is_ended(session, now).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(Denial::SessionEnded),
            Err(error) => {
                tracing::error!(%error, "revocation lookup failed");
                Err(Denial::Unverifiable)
            }
        }
    }

    /// Checks the session of `link` with event hook revocations, then the
    /// Sessions API. A `404` is remembered as a revocation.
    async fn verify_live(&self, link: &RefreshLink, now: i64) -> Result<(), Denial> {
        self.check_revocations(link, now).await?;

        let session = fingerprint(link.session_id.as_bytes());
        match self.sessions.check(&link.session_id).await {
            Ok(SessionState::Active { user_id }) => {
                self.metrics.sessions_api_call("active");
                let mismatch = matches!((&link.user_id, &user_id), (Some(linked), Some(current)) if linked != current);
                if mismatch {
                    tracing::error!(%session, "Sessions API returned another user for the linked session");
                    return Err(Denial::Unverifiable);
                }
                Ok(())
            }
            Ok(SessionState::Ended) => {
                self.metrics.sessions_api_call("ended");
                tracing::info!(%session, "Okta session has ended (Sessions API 404)");
                let expires_at = now.saturating_add(self.policy.link_ttl_seconds);
                if let Err(error) = self
                    .revocations
                    .end_session(&link.session_id, now, expires_at)
                    .await
                {
                    tracing::warn!(%error, %session, "ended session not recorded");
                }
                Err(Denial::SessionEnded)
            }
            Err(error) => {
                self.metrics.sessions_api_call(error.label());
                tracing::warn!(%error, %session, "cannot vouch for the Okta session");
                Err(Denial::Unverifiable)
            }
        }
    }
}
