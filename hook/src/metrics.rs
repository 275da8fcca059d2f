//! Prometheus metrics. Every label value is a fixed string, never a value
//! from a payload, so series stay bounded.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds of the latency histogram, in seconds: 0.25 ms to 3 s,
/// Okta's hook timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HookLabels {
    grant: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event_type: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuthLabels {
    endpoint: &'static str,
    reason: &'static str,
}

/// Metric handles of the service and the registry that exposes them.
pub struct Metrics {
    registry: Registry,
    token_hook_calls: Family<HookLabels, Counter>,
    token_hook_latency: Histogram,
    sessions_api_calls: Family<ResultLabels, Counter>,
    events: Family<EventLabels, Counter>,
    auth_failures: Family<AuthLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("session_hook");

        let token_hook_calls = Family::<HookLabels, Counter>::default();
        registry.register(
            "token_hook_calls",
            "Token inline hook calls by grant class and outcome",
            token_hook_calls.clone(),
        );

        let token_hook_latency = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "token_hook_duration_seconds",
            "Time from receiving a token inline hook call to sending the response",
            token_hook_latency.clone(),
        );

        let sessions_api_calls = Family::<ResultLabels, Counter>::default();
        registry.register(
            "sessions_api_calls",
            "Okta Sessions API calls by result",
            sessions_api_calls.clone(),
        );

        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "event_hook_events",
            "Event hook events by type and result",
            events.clone(),
        );

        let auth_failures = Family::<AuthLabels, Counter>::default();
        registry.register(
            "auth_failures",
            "Rejected calls by endpoint and reason",
            auth_failures.clone(),
        );

        Self {
            registry,
            token_hook_calls,
            token_hook_latency,
            sessions_api_calls,
            events,
            auth_failures,
        }
    }

    /// Counts one token hook call and records its latency.
    pub fn token_hook_call(&self, grant: &'static str, outcome: &'static str, seconds: f64) {
        self.token_hook_calls
            .get_or_create(&HookLabels { grant, outcome })
            .inc();
        self.token_hook_latency.observe(seconds);
    }

    /// Counts one Sessions API call.
    pub fn sessions_api_call(&self, result: &'static str) {
        self.sessions_api_calls
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    /// Counts one event hook event.
    pub fn event(&self, event_type: &'static str, result: &'static str) {
        self.events
            .get_or_create(&EventLabels { event_type, result })
            .inc();
    }

    /// Counts one rejected call.
    pub fn auth_failure(&self, endpoint: &'static str, reason: &'static str) {
        self.auth_failures
            .get_or_create(&AuthLabels { endpoint, reason })
            .inc();
    }

    /// Encodes every metric in the Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
