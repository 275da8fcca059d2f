//! The JWKS cache: TTL from `Cache-Control` within bounds, one coalesced
//! and rate-limited refetch for an unknown `kid`, and the last good keys
//! kept through an outage for a bounded time.
//!
//! All times come from the caller's `now`, the same clock as token expiry,
//! so tests can move time forward without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use url::Url;

use super::error::JwksError;
use super::fetch::{FetchedKeys, Fetcher};
use super::key_set::{KeySet, VerificationKey};
use super::stats::{Counters, JwksStats};

/// How long keys live and how often they may be fetched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CachePolicy {
    pub(crate) min_ttl: Duration,
    pub(crate) max_ttl: Duration,
    pub(crate) refetch_min_interval: Duration,
    pub(crate) max_stale: Duration,
}

/// The reason a key lookup failed.
#[derive(Debug)]
pub(crate) enum LookupError {
    /// The key set, fresh or just refetched, has no usable key with this `kid`.
    UnknownKey,
    /// No usable key set: the last fetch failed and no cached keys may be used.
    Unavailable(Arc<JwksError>),
}

/// One fetched key set and its lifetime.
struct Snapshot {
    keys: KeySet,
    fresh_until: SystemTime,
    stale_until: SystemTime,
}

/// The cause of a fetch attempt, for logs and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// No keys yet, or their TTL ran out.
    Expired,
    /// A token named a `kid` the fresh key set lacks.
    UnknownKid,
    /// An explicit request through `TokenVerifier::fetch_keys`.
    Requested,
}

type Outcome = Result<Arc<Snapshot>, Arc<JwksError>>;

/// The most recent fetch attempt.
struct Attempt {
    at: SystemTime,
    outcome: Outcome,
}

/// State that only the task holding the fetch lock reads or writes.
struct FetchState {
    /// The JWKS URL: configured, or learned from discovery.
    jwks_uri: Option<Url>,
    last_attempt: Option<Attempt>,
}

pub(crate) struct JwksCache {
    issuer: Url,
    /// True when `jwks_uri` came from the configuration rather than discovery.
    explicit_jwks_uri: bool,
    policy: CachePolicy,
    fetcher: Fetcher,
    counters: Arc<Counters>,
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Completed fetch attempts. A task reads it before looking at the cache
    /// and again once it holds the fetch lock. A change means another task
    /// fetched in between, so it shares that outcome instead of fetching.
    completed_attempts: AtomicU64,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl JwksCache {
    pub(crate) fn new(
        issuer: Url,
        jwks_uri: Option<Url>,
        policy: CachePolicy,
        fetcher: Fetcher,
    ) -> Self {
        JwksCache {
            issuer,
            explicit_jwks_uri: jwks_uri.is_some(),
            policy,
            counters: Arc::clone(&fetcher.counters),
            fetcher,
            current: RwLock::new(None),
            completed_attempts: AtomicU64::new(0),
            fetch: tokio::sync::Mutex::new(FetchState {
                jwks_uri,
                last_attempt: None,
            }),
        }
    }

    pub(crate) fn stats(&self) -> JwksStats {
        let cached_keys = self.current().map_or(0, |snapshot| snapshot.keys.len());
        self.counters.snapshot(cached_keys)
    }

    /// Returns the key named `kid`, fetching the JWKS when the cache is
    /// empty, expired, or lacks `kid`.
    pub(crate) async fn key(
        &self,
        kid: &str,
        now: SystemTime,
    ) -> Result<Arc<VerificationKey>, LookupError> {
        // Read the attempt count before the cache: see `completed_attempts`.
        let observed = self.completed_attempts.load(Ordering::Acquire);
        let cached = self.current();

        if let Some(snapshot) = cached.as_ref().filter(|s| now < s.fresh_until) {
            if let Some(key) = snapshot.keys.get(kid) {
                Counters::increment(&self.counters.cache_hits);
                return Ok(key);
            }

            // Keys are published before Okta signs with them, so a new
            // `kid` usually means a rotation this cache has not seen yet.
            return match self.refresh(observed, now, Trigger::UnknownKid).await {
                Ok(refreshed) => refreshed.keys.get(kid).ok_or(LookupError::UnknownKey),
                Err(error) => Err(LookupError::Unavailable(error)),
            };
        }

        match self.refresh(observed, now, Trigger::Expired).await {
            Ok(refreshed) => refreshed.keys.get(kid).ok_or(LookupError::UnknownKey),
            Err(error) => self.stale_key(kid, now, error),
        }
    }

    /// Fetches the JWKS unless the rate limit prevents it, and returns the
    /// outcome of the latest attempt.
    pub(crate) async fn fetch_now(&self, now: SystemTime) -> Result<usize, Arc<JwksError>> {
        let observed = self.completed_attempts.load(Ordering::Acquire);
        let snapshot = self.refresh(observed, now, Trigger::Requested).await?;
        Ok(snapshot.keys.len())
    }

    /// Serves an expired key set after a failed refresh, for at most
    /// `max_stale` past its TTL.
    fn stale_key(
        &self,
        kid: &str,
        now: SystemTime,
        error: Arc<JwksError>,
    ) -> Result<Arc<VerificationKey>, LookupError> {
        let Some(stale) = self.current().filter(|s| now < s.stale_until) else {
            return Err(LookupError::Unavailable(error));
        };

        // An unknown `kid` cannot be distinguished from a key published
        // during the outage, so it is an availability failure here.
        let key = stale
            .keys
            .get(kid)
            .ok_or_else(|| LookupError::Unavailable(Arc::clone(&error)))?;

        Counters::increment(&self.counters.stale_uses);
        tracing::debug!(kid, error = %error, "using expired JWKS keys while the JWKS is unavailable");
        Ok(key)
    }

    /// Runs one fetch attempt, or shares the outcome of another one.
    ///
    /// Callers queue on the fetch lock, so concurrent callers wait for a
    /// single request. Once a caller holds the lock it fetches only if no
    /// attempt completed since it read `observed` and the previous attempt
    /// is at least `refetch_min_interval` old.
    async fn refresh(&self, observed: u64, now: SystemTime, trigger: Trigger) -> Outcome {
        let mut state = self.fetch.lock().await;

        if let Some(last) = &state.last_attempt {
            if self.completed_attempts.load(Ordering::Acquire) != observed {
                return last.outcome.clone();
            }

            // A clock that went backwards reads as zero elapsed time: no fetch.
            let elapsed = now.duration_since(last.at).unwrap_or(Duration::ZERO);
            if elapsed < self.policy.refetch_min_interval {
                Counters::increment(&self.counters.rate_limited);
                tracing::debug!(
                    ?trigger,
                    since_last_attempt_ms = elapsed.as_millis(),
                    "JWKS fetch skipped: previous attempt too recent"
                );
                return last.outcome.clone();
            }
        }

        if trigger == Trigger::UnknownKid {
            Counters::increment(&self.counters.unknown_kid_refetches);
        }
        tracing::debug!(?trigger, issuer = %self.issuer, "fetching JWKS");

        let outcome = match self.fetch_keys(&mut state).await {
            Ok(fetched) => {
                let snapshot = Arc::new(self.snapshot_of(fetched, now));
                *self.current.write().unwrap_or_else(PoisonError::into_inner) =
                    Some(Arc::clone(&snapshot));
                Ok(snapshot)
            }
            Err(error) => {
                Counters::increment(&self.counters.fetch_failures);
                tracing::warn!(?trigger, issuer = %self.issuer, error = %error, "JWKS fetch failed");
                Err(Arc::new(error))
            }
        };

        state.last_attempt = Some(Attempt {
            at: now,
            outcome: outcome.clone(),
        });
        // Published after the snapshot, so a task that reads the new count
        // also reads the new keys.
        self.completed_attempts.fetch_add(1, Ordering::Release);

        outcome
    }

    async fn fetch_keys(&self, state: &mut FetchState) -> Result<FetchedKeys, JwksError> {
        let jwks_uri = match &state.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.fetcher.discover(&self.issuer).await?;
                tracing::info!(issuer = %self.issuer, jwks_uri = %uri, "discovered JWKS URL");
                state.jwks_uri = Some(uri.clone());
                uri
            }
        };

        let result = self.fetcher.keys(&jwks_uri).await;

        // A discovered URL may have moved: discover again on the next attempt.
        if result.is_err() && !self.explicit_jwks_uri {
            state.jwks_uri = None;
        }

        if let Ok(fetched) = &result {
            tracing::info!(
                jwks_uri = %jwks_uri,
                keys = fetched.keys.len(),
                max_age_secs = fetched.max_age.map(|age| age.as_secs()),
                "fetched JWKS"
            );
        }

        result
    }

    fn snapshot_of(&self, fetched: FetchedKeys, now: SystemTime) -> Snapshot {
        let ttl = fetched
            .max_age
            .unwrap_or(self.policy.min_ttl)
            .clamp(self.policy.min_ttl, self.policy.max_ttl);
        let fresh_until = add_or_unchanged(now, ttl);

        Snapshot {
            keys: fetched.keys,
            fresh_until,
            stale_until: add_or_unchanged(fresh_until, self.policy.max_stale),
        }
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Adds without panicking, because `SystemTime + Duration` panics on
/// overflow and `now` comes from the caller. On overflow, which only an
/// absurd clock causes, `time` comes back unchanged: the keys then count as
/// expired at once, which fails closed.
fn add_or_unchanged(time: SystemTime, duration: Duration) -> SystemTime {
    time.checked_add(duration).unwrap_or(time)
}
