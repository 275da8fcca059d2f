//! The session oracle: decides whether the Okta session behind a token is
//! alive, from the cache when it can and from Okta when it must.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use super::cache::{
    AliveSession, EndedBy, Flight, FlightResult, Known, Probe, Record, SessionCache, SessionLink,
};
use super::rate_limit::{RateBudget, StretchRule};
use super::sessions_api::{Lookup, LookupError, SessionsApi};
use super::{SessionId, SessionInfo, SessionStatus};
use crate::Reason;
use crate::config::{GuardConfig, OutageMode};
use crate::epoch::RevocationEpoch;
use crate::metrics::{CacheOutcome, CacheTier, GuardMetrics};

/// The token facts a session decision needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenFacts<'a> {
    /// The token's `uid`.
    pub user_id: &'a str,
    /// The token's `exp`.
    pub expires_at: SystemTime,
    /// The token's `auth_time`, or `iat` when it has none.
    pub authenticated_at: SystemTime,
}

/// A live session, and until when that verdict may be reused.
#[derive(Debug, Clone)]
pub(crate) struct SessionPass {
    pub info: Arc<SessionInfo>,
    /// `None` when the verdict must not be reused (served stale).
    pub reusable_until: Option<SystemTime>,
    /// Broken when the session ends or leaves the cache.
    pub link: SessionLink,
}

/// A rejection from the session side.
#[derive(Debug, Clone)]
pub(crate) struct SessionFailure {
    pub reason: Reason,
    pub detail: String,
    pub retry_after: Option<Duration>,
    /// Until when this rejection may be reused for the same token.
    pub reusable_until: Option<SystemTime>,
}

impl SessionFailure {
    fn new(reason: Reason, detail: String) -> Self {
        Self {
            reason,
            detail,
            retry_after: None,
            reusable_until: None,
        }
    }
}

pub(crate) struct SessionOracle {
    api: SessionsApi,
    cache: SessionCache,
    budget: RateBudget,
    accepted: Vec<SessionStatus>,
    outage_mode: OutageMode,
    stale_grace: Duration,
    retry_after: Duration,
    max_token_lifetime: Duration,
    /// Bumped by every revocation, so decisions cached before it are
    /// recognisably out of date.
    epoch: RevocationEpoch,
    metrics: GuardMetrics,
}

impl SessionOracle {
    pub(crate) fn new(
        api: SessionsApi,
        config: &GuardConfig,
        epoch: RevocationEpoch,
        metrics: GuardMetrics,
    ) -> Self {
        let rule = StretchRule {
            base: config.verdict_ttl(),
            max_staleness: Duration::from_secs(config.session.max_staleness_secs),
            stretch_below: config.session.stretch_below,
        };
        Self {
            api,
            cache: SessionCache::new(config.session.max_sessions),
            budget: RateBudget::new(rule),
            accepted: config.session.accepted_statuses.clone(),
            outage_mode: config.outage.mode,
            stale_grace: Duration::from_secs(config.outage.stale_grace_secs),
            retry_after: Duration::from_secs(config.outage.retry_after_secs),
            max_token_lifetime: Duration::from_secs(config.session.max_token_lifetime_secs),
            epoch,
            metrics,
        }
    }

    /// Returns the verdict TTL in force now (stretched when the rate
    /// budget is low).
    pub(crate) fn effective_ttl(&self, now: SystemTime) -> Duration {
        self.budget.effective_ttl(now)
    }

    pub(crate) fn cached_sessions(&self) -> usize {
        self.cache.len()
    }

    /// Decides whether session `id` is alive for a token with `token` facts.
    pub(crate) async fn check(
        &self,
        id: &SessionId,
        token: TokenFacts<'_>,
        now: SystemTime,
    ) -> Result<SessionPass, SessionFailure> {
        // `auth_time` has whole-second precision, so only a token
        // authenticated in an earlier second than the revocation is
        // certainly older. One from the same second is decided below by the
        // session's millisecond `createdAt`, as a sign-in may follow an
        // admin's "clear sessions" within the same second.
        if let Some(revocation) = self.cache.user_revocation(token.user_id, now)
            && token.authenticated_at + Duration::from_secs(1) <= revocation.at
        {
            let mut failure = SessionFailure::new(
                Reason::SessionEnded,
                format!(
                    "every session of the user was ended at {}; sign in again",
                    rfc3339(revocation.at)
                ),
            );
            failure.reusable_until = Some(token.expires_at);
            return Err(failure);
        }

        let ttl = self.budget.effective_ttl(now);
        let is_fresh = |record: &Record| match &record.known {
            Known::Ended(_) => true,
            // An alive verdict is reused for at most min(TTL, the session's
            // `expiresAt`, the token's `exp`): a token accepted within the
            // verifier's leeway after `exp` makes the guard ask Okta again.
            Known::Alive(alive) => {
                now < record.checked_at + ttl
                    && now < token.expires_at
                    && alive.expires_at.is_none_or(|expires| now < expires)
            }
        };

        let record = match self.cache.probe(id, now, is_fresh) {
            Probe::Record(record) => {
                self.metrics
                    .record_cache(CacheTier::Session, CacheOutcome::Hit);
                record
            }
            Probe::Flight(flight, previous) => {
                self.metrics
                    .record_cache(CacheTier::Session, CacheOutcome::Miss);
                let result = flight
                    .get_or_init(|| self.lookup(id, &flight, token, now))
                    .await
                    .clone();
                match result {
                    Ok(record) => record,
                    Err(error) => {
                        return self.on_lookup_failure(id, &error, previous, token, now, ttl);
                    }
                }
            }
        };
        self.judge(id, &record, token, now, ttl, false)
    }

    async fn lookup(
        &self,
        id: &SessionId,
        flight: &Arc<Flight>,
        token: TokenFacts<'_>,
        now: SystemTime,
    ) -> FlightResult {
        if self.budget.try_acquire(now).is_err() {
            // The budget Okta announced is spent, counting calls still in
            // flight: a call now would get 429.
            self.cache.abandon(id, flight);
            return Err(LookupError::RateLimited {
                rate_limit: self.budget.latest(),
            });
        }

        let response = match self.api.get(id, now).await {
            Ok(response) => response,
            Err(error) => {
                if let LookupError::RateLimited { rate_limit } = &error {
                    let until = rate_limit
                        .map(|snapshot| snapshot.reset_at)
                        .filter(|reset| *reset > now)
                        .unwrap_or(now + self.retry_after);
                    self.budget.record_rejection(*rate_limit, until);
                }
                self.cache.abandon(id, flight);
                return Err(error);
            }
        };

        if let Some(snapshot) = response.rate_limit {
            self.budget.record(snapshot);
            self.metrics
                .record_rate_limit(snapshot.limit, snapshot.remaining);
        }

        let record = match response.lookup {
            Lookup::Found(session) => {
                let alive = AliveSession {
                    user_id: session.user_id.into_boxed_str(),
                    status: session.status,
                    created_at: session.created_at.map(SystemTime::from),
                    expires_at: session.expires_at.map(SystemTime::from),
                };
                // Kept long enough to serve stale within the grace, and no
                // longer than the session itself.
                let horizon = now + self.budget.max_staleness() + self.stale_grace;
                let keep_until = alive
                    .expires_at
                    .map_or(horizon, |expires| expires.min(horizon))
                    .max(now);
                Record {
                    known: Known::Alive(Arc::new(alive)),
                    checked_at: now,
                    keep_until,
                    link: SessionLink::default(),
                }
            }
            Lookup::NotFound => {
                tracing::info!(session_ref = %id.reference(), "Okta reports the session ended (404)");
                // Sessions do not come back: keep the verdict while the
                // token that revealed it can still be presented.
                Record {
                    known: Known::Ended(EndedBy::OktaNotFound),
                    checked_at: now,
                    keep_until: token.expires_at.max(now),
                    link: SessionLink::default(),
                }
            }
        };
        Ok(self.cache.complete(id, flight, record))
    }

    fn on_lookup_failure(
        &self,
        id: &SessionId,
        error: &LookupError,
        previous: Option<Record>,
        token: TokenFacts<'_>,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<SessionPass, SessionFailure> {
        if self.outage_mode == OutageMode::ServeStale
            && let Some(record) = previous
            && let Known::Alive(_) = record.known
            && now < record.checked_at + ttl + self.stale_grace
        {
            self.metrics
                .record_cache(CacheTier::Session, CacheOutcome::Stale);
            tracing::warn!(session_ref = %id.reference(), %error, checked_at = %rfc3339(record.checked_at), "serving a stale session verdict");
            return self.judge(id, &record, token, now, ttl, true);
        }

        let (reason, retry_after, detail) = match error {
            LookupError::RateLimited { .. } => {
                let retry_at = self
                    .budget
                    .blocked_until(now)
                    .unwrap_or(now + self.retry_after);
                (
                    Reason::OktaRateLimited,
                    whole_seconds(retry_at.duration_since(now).unwrap_or(self.retry_after)),
                    "Okta's rate limit for session checks is exhausted; retry later".to_owned(),
                )
            }
            LookupError::Unavailable(_) => (
                Reason::OktaUnavailable,
                self.retry_after,
                "the session could not be checked with Okta; retry later".to_owned(),
            ),
        };
        tracing::warn!(session_ref = %id.reference(), %error, retry_after_s = retry_after.as_secs(), "session check failed, failing closed");
        Err(SessionFailure {
            reason,
            detail,
            retry_after: Some(retry_after),
            reusable_until: None,
        })
    }

    fn judge(
        &self,
        id: &SessionId,
        record: &Record,
        token: TokenFacts<'_>,
        now: SystemTime,
        ttl: Duration,
        stale: bool,
    ) -> Result<SessionPass, SessionFailure> {
        let alive = match &record.known {
            Known::Ended(by) => {
                self.cache.extend_ended(id, token.expires_at);
                let detail = match by {
                    EndedBy::OktaNotFound => "the Okta session has ended; sign in again",
                    EndedBy::SessionEvent => "the Okta session was ended (logout); sign in again",
                    EndedBy::UserEvent => "every session of the user was ended; sign in again",
                };
                let mut failure = SessionFailure::new(Reason::SessionEnded, detail.to_owned());
                failure.reusable_until = Some(token.expires_at);
                return Err(failure);
            }
            Known::Alive(alive) => alive,
        };

        if *alive.user_id != *token.user_id {
            tracing::warn!(session_ref = %id.reference(), session_user = %alive.user_id, token_user = %token.user_id, "session belongs to another user");
            let mut failure = SessionFailure::new(
                Reason::SessionUserMismatch,
                "the session named by the token belongs to a different user".to_owned(),
            );
            failure.reusable_until = Some(token.expires_at);
            return Err(failure);
        }
        if !self.accepted.contains(&alive.status) {
            let mut failure = SessionFailure::new(
                Reason::SessionNotActive,
                format!(
                    "the Okta session's status is {}; complete sign-in first",
                    alive.status.as_str()
                ),
            );
            failure.reusable_until = Some(record.checked_at + ttl);
            return Err(failure);
        }
        if let Some(expires) = alive.expires_at
            && expires <= now
        {
            let mut failure = SessionFailure::new(
                Reason::SessionEnded,
                format!(
                    "the Okta session expired at {}; sign in again",
                    rfc3339(expires)
                ),
            );
            failure.reusable_until = Some(token.expires_at);
            return Err(failure);
        }

        let fresh_until = record.checked_at + ttl;
        let reusable_until = alive
            .expires_at
            .map_or(fresh_until, |expires| expires.min(fresh_until));
        Ok(SessionPass {
            info: Arc::new(SessionInfo {
                id: id.clone(),
                user_id: alive.user_id.to_string(),
                status: alive.status,
                expires_at: alive.expires_at,
                checked_at: record.checked_at,
                stale,
            }),
            reusable_until: (!stale).then_some(reusable_until),
            link: record.link.clone(),
        })
    }

    /// Applies the end of one session reported by an event hook.
    pub(crate) fn end_session(&self, id: &SessionId, now: SystemTime) -> bool {
        let changed = self.cache.end_session(
            id,
            EndedBy::SessionEvent,
            now,
            now + self.max_token_lifetime,
        );
        // No epoch bump: the session's link breaks, which retires exactly
        // the cached decisions that relied on this session.
        changed
    }

    /// Applies a user-wide end of sessions reported by an event hook at `at`.
    /// The epoch is bumped because cached decisions for tokens
    /// authenticated before `at` must go, whatever session they name.
    pub(crate) fn revoke_user(&self, user_id: &str, at: SystemTime, now: SystemTime) -> usize {
        let ended = self
            .cache
            .revoke_user(user_id, at, now, at.max(now) + self.max_token_lifetime);
        self.epoch.bump();
        ended
    }
}

/// Rounds up to whole seconds, at least one (the unit of `Retry-After`).
fn whole_seconds(delay: Duration) -> Duration {
    let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    Duration::from_secs(seconds.max(1))
}

pub(crate) fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
