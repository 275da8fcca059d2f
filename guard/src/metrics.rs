//! Prometheus metrics for decisions, caches, Okta calls and event hooks.
//!
//! Counters on the decision path are resolved once at start-up and kept as
//! plain atomic handles, so the fast path pays one atomic add per metric
//! and no label hashing.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::Reason;

type Labels = [(&'static str, &'static str); 1];

/// Every reason, in the order of [`reason_slot`].
const ALL_REASONS: [Reason; 25] = [
    Reason::Allowed,
    Reason::MissingToken,
    Reason::MalformedToken,
    Reason::TokenTooLarge,
    Reason::AlgorithmNotAllowed,
    Reason::UnknownKey,
    Reason::InvalidSignature,
    Reason::TokenExpired,
    Reason::TokenNotYetValid,
    Reason::IssuedInFuture,
    Reason::IssuerMismatch,
    Reason::OrgAuthorizationServer,
    Reason::AudienceMismatch,
    Reason::ClientNotAllowed,
    Reason::InsufficientScope,
    Reason::WrongTokenType,
    Reason::InvalidClaims,
    Reason::NotSessionBound,
    Reason::SessionEnded,
    Reason::SessionUserMismatch,
    Reason::SessionNotActive,
    Reason::TokenDenied,
    Reason::OktaUnavailable,
    Reason::OktaRateLimited,
    Reason::JwksUnavailable,
];

/// Position of `reason` in [`ALL_REASONS`]. The match has no wildcard, so
/// adding a variant to [`Reason`] fails to compile until it is listed here.
const fn reason_slot(reason: Reason) -> usize {
    match reason {
        Reason::Allowed => 0,
        Reason::MissingToken => 1,
        Reason::MalformedToken => 2,
        Reason::TokenTooLarge => 3,
        Reason::AlgorithmNotAllowed => 4,
        Reason::UnknownKey => 5,
        Reason::InvalidSignature => 6,
        Reason::TokenExpired => 7,
        Reason::TokenNotYetValid => 8,
        Reason::IssuedInFuture => 9,
        Reason::IssuerMismatch => 10,
        Reason::OrgAuthorizationServer => 11,
        Reason::AudienceMismatch => 12,
        Reason::ClientNotAllowed => 13,
        Reason::InsufficientScope => 14,
        Reason::WrongTokenType => 15,
        Reason::InvalidClaims => 16,
        Reason::NotSessionBound => 17,
        Reason::SessionEnded => 18,
        Reason::SessionUserMismatch => 19,
        Reason::SessionNotActive => 20,
        Reason::TokenDenied => 21,
        Reason::OktaUnavailable => 22,
        Reason::OktaRateLimited => 23,
        Reason::JwksUnavailable => 24,
    }
}

/// Cache tier of a lookup.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CacheTier {
    /// Token fingerprint to decision.
    Decision,
    /// Session id to Okta verdict.
    Session,
}

/// Outcome of a cache read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CacheOutcome {
    Hit,
    Miss,
    /// An expired verdict served because Okta could not be asked.
    Stale,
}

/// Handles to every metric the guard records. Cloning shares them.
///
/// The guard serves them from its own registry ([`GuardMetrics::encode`],
/// `Guard::metrics_router`). A service with its own Prometheus registry
/// adds them there with [`GuardMetrics::register`] and serves one
/// exposition.
#[derive(Clone, Debug)]
pub struct GuardMetrics {
    registry: Arc<Registry>,
    decision_family: Family<Labels, Counter>,
    decisions: Arc<[Counter]>,
    cache_family: Family<CacheLabels, Counter>,
    cache: Arc<[Counter; 6]>,
    okta_calls: Family<Labels, Counter>,
    okta_latency: Histogram,
    rate_limit_remaining: Gauge,
    rate_limit_limit: Gauge,
    events: Family<Labels, Counter>,
    deny_list_entries: Gauge,
}

type CacheLabels = [(&'static str, &'static str); 2];

/// Prefix of every metric name.
const PREFIX: &str = "session_guard";

impl Default for GuardMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl GuardMetrics {
    /// Creates the metrics and registers them under the `session_guard` prefix.
    pub fn new() -> Self {
        let decision_family = Family::<Labels, Counter>::default();
        let decisions: Vec<Counter> = ALL_REASONS
            .iter()
            .map(|reason| {
                decision_family
                    .get_or_create(&[("reason", reason.code())])
                    .clone()
            })
            .collect();

        let cache_family = Family::<CacheLabels, Counter>::default();
        let cache_counter = |tier, result| {
            cache_family
                .get_or_create(&[("tier", tier), ("result", result)])
                .clone()
        };
        let cache = [
            cache_counter("decision", "hit"),
            cache_counter("decision", "miss"),
            cache_counter("decision", "stale"),
            cache_counter("session", "hit"),
            cache_counter("session", "miss"),
            cache_counter("session", "stale"),
        ];

        let mut metrics = Self {
            registry: Arc::new(Registry::default()),
            decision_family,
            decisions: decisions.into(),
            cache_family,
            cache: Arc::new(cache),
            okta_calls: Family::default(),
            // 5 ms to about 2.6 s.
            okta_latency: Histogram::new(exponential_buckets(0.005, 2.0, 10)),
            rate_limit_remaining: Gauge::default(),
            rate_limit_limit: Gauge::default(),
            events: Family::default(),
            deny_list_entries: Gauge::default(),
        };
        let mut registry = Registry::with_prefix(PREFIX);
        metrics.register_unprefixed(&mut registry);
        metrics.registry = Arc::new(registry);
        metrics
    }

    /// Adds every guard metric to `registry`, under the `session_guard`
    /// prefix, so that a service serves them with its own metrics in one
    /// exposition. The handles are shared: both registries show the same
    /// values.
    ///
    /// # Example
    ///
    /// ```
    /// use prometheus_client::registry::Registry;
    /// use session_guard::GuardMetrics;
    ///
    /// let metrics = GuardMetrics::new();
    /// let mut registry = Registry::with_prefix("my_service");
    /// metrics.register(&mut registry);
    /// let mut text = String::new();
    /// prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    /// assert!(text.contains("my_service_session_guard_decisions_total"));
    /// ```
    pub fn register(&self, registry: &mut Registry) {
        self.register_unprefixed(registry.sub_registry_with_prefix(PREFIX));
    }

    fn register_unprefixed(&self, registry: &mut Registry) {
        registry.register(
            "decisions",
            "Guard decisions by reason code",
            self.decision_family.clone(),
        );
        registry.register(
            "cache_lookups",
            "Cache lookups by tier and result",
            self.cache_family.clone(),
        );
        registry.register(
            "okta_session_calls",
            "Calls to Okta's Sessions API by outcome",
            self.okta_calls.clone(),
        );
        registry.register_with_unit(
            "okta_session_call_duration",
            "Latency of calls to Okta's Sessions API",
            prometheus_client::registry::Unit::Seconds,
            self.okta_latency.clone(),
        );
        registry.register(
            "okta_rate_limit_remaining",
            "X-Rate-Limit-Remaining of the latest Sessions API response",
            self.rate_limit_remaining.clone(),
        );
        registry.register(
            "okta_rate_limit_limit",
            "X-Rate-Limit-Limit of the latest Sessions API response",
            self.rate_limit_limit.clone(),
        );
        registry.register(
            "event_hook_events",
            "Okta event hook events by outcome",
            self.events.clone(),
        );
        registry.register(
            "deny_list_entries",
            "Token ids on the deny list",
            self.deny_list_entries.clone(),
        );
    }

    /// Renders every metric in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // `fmt::Write` for `String` never returns an error.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub(crate) fn record_decision(&self, reason: Reason) {
        if let Some(counter) = self.decisions.get(reason_slot(reason)) {
            counter.inc();
        }
    }

    /// Returns how many decisions ended with `reason` so far.
    pub fn decisions(&self, reason: Reason) -> u64 {
        self.decisions
            .get(reason_slot(reason))
            .map_or(0, Counter::get)
    }

    pub(crate) fn record_cache(&self, tier: CacheTier, outcome: CacheOutcome) {
        let base = match tier {
            CacheTier::Decision => 0,
            CacheTier::Session => 3,
        };
        let offset = match outcome {
            CacheOutcome::Hit => 0,
            CacheOutcome::Miss => 1,
            CacheOutcome::Stale => 2,
        };
        self.cache[base + offset].inc();
    }

    pub(crate) fn record_okta_call(&self, outcome: &'static str, latency: Duration) {
        self.okta_calls.get_or_create(&[("outcome", outcome)]).inc();
        self.okta_latency.observe(latency.as_secs_f64());
    }

    /// Returns how many Sessions API calls ended with `outcome`
    /// (`found`, `not_found`, `rate_limited` or `unavailable`).
    pub fn okta_calls(&self, outcome: &'static str) -> u64 {
        self.okta_calls.get_or_create(&[("outcome", outcome)]).get()
    }

    pub(crate) fn record_rate_limit(&self, limit: u32, remaining: u32) {
        self.rate_limit_limit.set(i64::from(limit));
        self.rate_limit_remaining.set(i64::from(remaining));
    }

    pub(crate) fn record_event(&self, outcome: &'static str) {
        self.events.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub(crate) fn set_deny_list_entries(&self, count: usize) {
        self.deny_list_entries
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_slots_match_table() {
        for (slot, reason) in ALL_REASONS.iter().enumerate() {
            assert_eq!(reason_slot(*reason), slot, "{reason}");
        }
    }

    #[test]
    fn register_shares_handles() {
        let metrics = GuardMetrics::new();
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        metrics.record_decision(Reason::MissingToken);

        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        assert!(text.contains(r#"session_guard_decisions_total{reason="missing_token"} 1"#));
    }

    #[test]
    fn encode_lists_decisions() {
        let metrics = GuardMetrics::new();
        metrics.record_decision(Reason::SessionEnded);
        assert!(
            metrics
                .encode()
                .contains(r#"session_guard_decisions_total{reason="session_ended"} 1"#)
        );
    }
}
