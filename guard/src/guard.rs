//! The guard: one decision per request, combining token verification, the
//! deny list and the Okta session check.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

mod bearer;
mod build;
mod log;

use crate::Reason;
pub use crate::authorized::{Authorized, Policy, Requirement};
use crate::config::{ConfigError, GuardConfig};
use crate::decision_cache::{CachedSession, CachedToken, DecisionCache, DecisionEntry, TokenKey};
use crate::deny::DenyList;
use crate::epoch::RevocationEpoch;
use crate::http::rejection::{Rejection, ResponseStyle};
use crate::metrics::{CacheOutcome, CacheTier, GuardMetrics};
use crate::secret::short_fingerprint;
use crate::session::SessionId;
use crate::session::oracle::{SessionOracle, SessionPass, TokenFacts};
use crate::token::{AccessTokenClaims, TokenError, TokenVerifier};
use log::{DecisionContext, log_rejection};

/// Hard upper bound on the `Authorization` value hashed for the decision
/// cache, in bytes; the verifier applies its own (smaller) token limit.
const MAX_CREDENTIAL_LEN: usize = 64 * 1024;

/// A rejection and until when it may be reused (`None`: not at all).
type Reusable<T> = (T, Option<SystemTime>);

/// Failure to build a [`Guard`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// A configuration value is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Decides requests. Cheap to clone; clones share caches and state.
#[derive(Clone)]
pub struct Guard {
    pub(crate) inner: Arc<GuardInner>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("session_claim", &self.inner.config.session_claim)
            .finish_non_exhaustive()
    }
}

pub(crate) struct GuardInner {
    pub(crate) config: GuardConfig,
    verifier: TokenVerifier,
    pub(crate) oracle: SessionOracle,
    pub(crate) deny_list: Option<Arc<DenyList>>,
    decisions: DecisionCache,
    epoch: RevocationEpoch,
    pub(crate) metrics: GuardMetrics,
    pub(crate) style: ResponseStyle,
}

impl Guard {
    /// Returns the guard's metrics.
    pub fn metrics(&self) -> &GuardMetrics {
        &self.inner.metrics
    }

    /// Returns the deny list, when configured.
    pub fn deny_list(&self) -> Option<&DenyList> {
        self.inner.deny_list.as_deref()
    }

    /// Returns the number of sessions currently cached.
    pub fn cached_sessions(&self) -> usize {
        self.inner.oracle.cached_sessions()
    }

    /// Returns the verdict TTL in force at `now` (longer than configured
    /// while Okta's rate budget is low).
    pub fn effective_ttl(&self, now: SystemTime) -> Duration {
        self.inner.oracle.effective_ttl(now)
    }

    /// Decides a request from its headers at the current time.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] that renders as the response to send.
    pub async fn authorize_headers(
        &self,
        headers: &HeaderMap,
        policy: Policy,
    ) -> Result<Authorized, Rejection> {
        self.decide_headers(headers, policy, &[], None).await
    }

    /// Decides a request from its headers at the current time against a
    /// route [`Requirement`] (policy and route scopes).
    ///
    /// # Errors
    ///
    /// As [`Guard::authorize_headers`]; a missing route scope is 403
    /// `insufficient_scope`.
    pub async fn authorize_headers_for(
        &self,
        headers: &HeaderMap,
        requirement: &Requirement,
    ) -> Result<Authorized, Rejection> {
        self.decide_headers(headers, requirement.policy(), requirement.scopes(), None)
            .await
    }

    /// Decides whether bearer `token` passes `policy` at `now`.
    ///
    /// The caches and the rate budget take `now` as the current time, so
    /// pass `SystemTime::now()` outside tests: a time far in the future
    /// makes verdicts look fresh for longer.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] with the reason, a client-safe description and,
    /// for 503, a `Retry-After`.
    pub async fn authorize(
        &self,
        token: &str,
        policy: Policy,
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        self.decide_token(token, policy, &[], now, None).await
    }

    /// Decides whether bearer `token` meets `requirement` at `now`; see
    /// [`Guard::authorize`] about `now`.
    ///
    /// # Errors
    ///
    /// As [`Guard::authorize`].
    pub async fn authorize_for(
        &self,
        token: &str,
        requirement: &Requirement,
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        self.decide_token(token, requirement.policy(), requirement.scopes(), now, None)
            .await
    }

    /// Returns a rejection rendered in this guard's style (realm, problem
    /// type base), for a handler that rejects a request itself, for
    /// example with [`Reason::InsufficientScope`] for a scope that depends
    /// on the request body. The guard's metrics do not count it.
    pub fn rejection(&self, reason: Reason, detail: impl Into<String>) -> Rejection {
        Rejection::new(reason, detail, &self.inner.style)
    }

    /// Decides a request from its headers: the entry point of the layer,
    /// the extractors and forward auth. `route` only labels the log line.
    pub(crate) async fn decide_headers(
        &self,
        headers: &HeaderMap,
        policy: Policy,
        scopes: &[String],
        route: Option<&str>,
    ) -> Result<Authorized, Rejection> {
        let context = DecisionContext { policy, route };
        match self.bearer_token(headers) {
            Ok(token) => {
                self.decide_token(token, policy, scopes, SystemTime::now(), route)
                    .await
            }
            Err(rejection) => self.finish(Err(rejection), &context, None),
        }
    }

    async fn decide_token(
        &self,
        token: &str,
        policy: Policy,
        scopes: &[String],
        now: SystemTime,
        route: Option<&str>,
    ) -> Result<Authorized, Rejection> {
        let context = DecisionContext { policy, route };
        let decision = self.decide_unrecorded(token, policy, scopes, now).await;
        self.finish(decision, &context, Some(token))
    }

    async fn decide_unrecorded(
        &self,
        token: &str,
        policy: Policy,
        scopes: &[String],
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        let inner = &*self.inner;
        if token.len() > MAX_CREDENTIAL_LEN {
            return Err(self.reject(Reason::TokenTooLarge, "the access token is too large", None));
        }

        let key = inner.decisions.key_of(token);
        // Read the epoch before any state: a revocation that lands after
        // this read makes whatever is cached below stale, never the reverse.
        let epoch = inner.epoch.current();
        if let Some(entry) = inner.decisions.get(&key, epoch, now)
            && let Some(decision) = self.decide_cached(&entry, policy, now)
        {
            inner
                .metrics
                .record_cache(CacheTier::Decision, CacheOutcome::Hit);
            let authorized = decision?;
            if let Some(rejection) = self.missing_route_scopes(authorized.claims(), scopes) {
                return Err(rejection);
            }
            return Ok(authorized);
        }
        inner
            .metrics
            .record_cache(CacheTier::Decision, CacheOutcome::Miss);

        // Boxed so that the future of `authorize` stays small: the fast
        // path above would otherwise move the slow path's whole state.
        Box::pin(self.decide(token, key, epoch, policy, scopes, now)).await
    }

    /// Counts the decision and logs a rejection: the one log line per
    /// rejected request, so callers need not log it again.
    fn finish(
        &self,
        decision: Result<Authorized, Rejection>,
        context: &DecisionContext<'_>,
        token: Option<&str>,
    ) -> Result<Authorized, Rejection> {
        let reason = decision
            .as_ref()
            .map_or_else(Rejection::reason, |_| Reason::Allowed);
        self.inner.metrics.record_decision(reason);
        if let Err(rejection) = &decision {
            log_rejection(rejection, context, token);
        }
        decision
    }

    /// Returns the 403 for a token that lacks one of the route's `scopes`.
    fn missing_route_scopes(
        &self,
        claims: &AccessTokenClaims,
        scopes: &[String],
    ) -> Option<Rejection> {
        let missing: Vec<&str> = scopes
            .iter()
            .filter(|scope| !claims.has_scope(scope))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return None;
        }
        let detail = format!(
            "the access token lacks the scope {} that this route requires; request it when signing in",
            missing.join(" ")
        );
        Some(
            self.reject(Reason::InsufficientScope, &detail, None)
                .with_scope(scopes.join(" ")),
        )
    }

    /// Decides from a cached entry, or returns `None` when the entry
    /// cannot decide this policy (for example a token-only entry asked
    /// for a live session, or a session verdict past its deadline).
    fn decide_cached(
        &self,
        entry: &DecisionEntry,
        policy: Policy,
        now: SystemTime,
    ) -> Option<Result<Authorized, Rejection>> {
        let token = match &entry.token {
            CachedToken::Rejected { reason, detail } => {
                return Some(Err(self.reject(*reason, detail, None)));
            }
            CachedToken::Verified(token) => token,
        };
        match policy {
            Policy::TokenOnly => Some(Ok(Authorized {
                token: token.clone(),
                session: None,
                policy,
            })),
            Policy::LiveSession => match entry.session.as_ref()? {
                CachedSession::Alive { info, until, link } if now < *until && link.is_intact() => {
                    Some(Ok(Authorized {
                        token: token.clone(),
                        session: Some(info.clone()),
                        policy,
                    }))
                }
                CachedSession::Rejected {
                    reason,
                    detail,
                    until,
                } if now < *until => Some(Err(self.reject(*reason, detail, None))),
                _ => None,
            },
        }
    }

    async fn decide(
        &self,
        token: &str,
        key: TokenKey,
        epoch: u64,
        policy: Policy,
        scopes: &[String],
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        let inner = &*self.inner;
        let verified = match inner.verifier.verify(token, now).await {
            Ok(verified) => Arc::new(verified),
            Err(error) => {
                tracing::debug!(token = %short_fingerprint(token.as_bytes()), %error, "token verification failed");
                let rejection = self.reject(error.reason(), &error.description(), None);
                return Err(match error {
                    TokenError::InsufficientScope { missing } => {
                        rejection.with_scope(missing.join(" "))
                    }
                    _ => rejection,
                });
            }
        };
        let claims = verified.claims();
        let token_until = UNIX_EPOCH + Duration::from_secs(claims.exp);

        if let Some(deny_list) = &inner.deny_list
            && let Some(jti) = claims.jti.as_deref()
            && let Some(entry) = deny_list.lookup(jti, now)
        {
            tracing::warn!(token = %verified.fingerprint(), jti, deny_reason = %entry.reason, "denied token presented");
            let detail = "the access token has been revoked; sign in again";
            inner.decisions.insert(
                key,
                DecisionEntry {
                    epoch,
                    token_until,
                    token: CachedToken::Rejected {
                        reason: Reason::TokenDenied,
                        detail: detail.into(),
                    },
                    session: None,
                },
                now,
            );
            return Err(self.reject(Reason::TokenDenied, detail, None));
        }

        let mut entry = DecisionEntry {
            epoch,
            token_until,
            token: CachedToken::Verified(verified.clone()),
            session: None,
        };
        if let Some(rejection) = self.missing_route_scopes(claims, scopes) {
            // The verified token is still worth caching for other routes.
            inner.decisions.insert(key, entry, now);
            return Err(rejection);
        }
        if policy == Policy::TokenOnly {
            inner.decisions.insert(key, entry, now);
            return Ok(Authorized {
                token: verified,
                session: None,
                policy,
            });
        }

        let outcome = self.check_session(claims, token_until, now).await;
        let result = match outcome {
            Ok(pass) => {
                entry.session = pass.reusable_until.map(|until| CachedSession::Alive {
                    info: pass.info.clone(),
                    until: until.min(token_until),
                    link: pass.link.clone(),
                });
                Ok(Authorized {
                    token: verified.clone(),
                    session: Some(pass.info),
                    policy,
                })
            }
            Err((rejection, until)) => {
                entry.session = until.map(|until| CachedSession::Rejected {
                    reason: rejection.reason(),
                    detail: rejection.detail().into(),
                    until: until.min(token_until),
                });
                Err(rejection)
            }
        };
        if entry.session.is_some() {
            inner.decisions.insert(key, entry, now);
        }
        if result.is_ok() {
            tracing::debug!(token = %verified.fingerprint(), "request allowed with a live session");
        }
        result
    }

    /// Checks the session named by the token. On success returns the pass
    /// (session, reuse deadline, link); on failure the rejection and until
    /// when it may be reused.
    async fn check_session(
        &self,
        claims: &AccessTokenClaims,
        token_until: SystemTime,
        now: SystemTime,
    ) -> Result<SessionPass, Reusable<Rejection>> {
        let inner = &*self.inner;
        let claim = inner.config.session_claim.as_str();

        let Some(raw_id) = claims.string_claim(claim) else {
            // Okta issues the token unmodified when the inline hook fails,
            // so a missing claim is expected in practice and must fail closed.
            let detail = format!(
                "the access token has no {claim} claim, so it is not bound to an Okta session"
            );
            return Err((
                self.reject(Reason::NotSessionBound, &detail, None),
                Some(token_until),
            ));
        };
        let session_id = SessionId::parse(raw_id).map_err(|error| {
            let detail = format!("the {claim} claim is not a valid Okta session id: {error}");
            (
                self.reject(Reason::InvalidClaims, &detail, None),
                Some(token_until),
            )
        })?;
        let Some(user_id) = claims.uid.as_deref() else {
            let detail =
                "the access token has no uid claim, so its session cannot be matched to a user";
            return Err((
                self.reject(Reason::InvalidClaims, detail, None),
                Some(token_until),
            ));
        };

        let facts = TokenFacts {
            user_id,
            expires_at: token_until,
            authenticated_at: UNIX_EPOCH
                + Duration::from_secs(claims.auth_time.unwrap_or(claims.iat)),
        };
        match inner.oracle.check(&session_id, facts, now).await {
            Ok(pass) => Ok(pass),
            Err(failure) => Err((
                self.reject(failure.reason, &failure.detail, failure.retry_after),
                failure.reusable_until,
            )),
        }
    }

    pub(crate) fn reject(
        &self,
        reason: Reason,
        detail: &str,
        retry_after: Option<Duration>,
    ) -> Rejection {
        Rejection::new(reason, detail, &self.inner.style).with_retry_after(retry_after)
    }

    /// Applies the end of session `id` (from an event hook).
    pub(crate) fn end_session(&self, id: &SessionId, now: SystemTime) -> bool {
        self.inner.oracle.end_session(id, now)
    }

    /// Applies a user-wide end of sessions at `at` (from an event hook).
    pub(crate) fn revoke_user(&self, user_id: &str, at: SystemTime, now: SystemTime) -> usize {
        self.inner.oracle.revoke_user(user_id, at, now)
    }
}
