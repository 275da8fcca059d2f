//! Counters of the JWKS cache, for metrics.

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters, updated with relaxed atomics: each is an independent
/// tally, so no ordering between them is needed.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) discovery_requests: AtomicU64,
    pub(crate) jwks_requests: AtomicU64,
    pub(crate) fetch_failures: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) unknown_kid_refetches: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) stale_uses: AtomicU64,
}

impl Counters {
    pub(crate) fn increment(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, cached_keys: usize) -> JwksStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);

        JwksStats {
            discovery_requests: read(&self.discovery_requests),
            jwks_requests: read(&self.jwks_requests),
            fetch_failures: read(&self.fetch_failures),
            cache_hits: read(&self.cache_hits),
            unknown_kid_refetches: read(&self.unknown_kid_refetches),
            rate_limited: read(&self.rate_limited),
            stale_uses: read(&self.stale_uses),
            cached_keys,
        }
    }
}

/// A point-in-time copy of the JWKS cache counters, returned by
/// [`TokenVerifier::jwks_stats`](crate::token::TokenVerifier::jwks_stats).
///
/// Every field but `cached_keys` only grows, so it maps onto a Prometheus
/// counter. `cached_keys` is a gauge.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwksStats {
    /// HTTP requests for a discovery document.
    pub discovery_requests: u64,
    /// HTTP requests for the JWKS.
    pub jwks_requests: u64,
    /// Refresh attempts that failed (discovery or JWKS, any cause).
    pub fetch_failures: u64,
    /// Key lookups served from fresh cached keys without a request.
    pub cache_hits: u64,
    /// Refetches started because a token named a `kid` the cache lacked.
    pub unknown_kid_refetches: u64,
    /// Refetches skipped because the previous attempt was too recent.
    pub rate_limited: u64,
    /// Key lookups served from expired keys because a refresh failed.
    pub stale_uses: u64,
    /// Usable keys in the current key set.
    pub cached_keys: usize,
}
