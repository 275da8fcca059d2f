//! Which path revoked a token: read from the back end's guard metrics.
//!
//! The session guard counts event hook events it applied
//! (`session_guard_event_hook_events_total{outcome="applied"}`) and Sessions
//! API calls that found the session gone
//! (`session_guard_okta_session_calls_total{outcome="not_found"}`). A
//! snapshot is taken just before the step that ends the session and again
//! after the first rejected replay:
//!
//! - a new `not_found` call means the guard called Okta and got 404, so
//!   the Sessions API check caught the replay;
//! - otherwise a new applied event means the session was already marked
//!   ended by Okta's event hook push, so no call to Okta was needed;
//! - neither (or no `/metrics`) is reported as unknown.
//!
//! The counters are process-wide: other traffic to the same back end in
//! that window can blur the attribution.

use std::fmt;

use serde::Serialize;

use crate::api::Api;

const EVENTS_APPLIED: &str = r#"session_guard_event_hook_events_total{outcome="applied"}"#;
const SESSIONS_NOT_FOUND: &str = r#"session_guard_okta_session_calls_total{outcome="not_found"}"#;

/// The counters that tell the revocation paths apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Event hook events the guard applied.
    pub events_applied: u64,
    /// Sessions API calls that returned 404.
    pub sessions_not_found: u64,
}

impl Snapshot {
    /// Reads the counters from `/metrics`; `None` when the back end serves
    /// none. A counter family that has no sample yet counts as 0.
    pub async fn read(api: &Api) -> Option<Snapshot> {
        let text = api.metrics_text().await?;
        Some(Snapshot::parse(&text))
    }

    /// Parses OpenMetrics or Prometheus text.
    pub fn parse(text: &str) -> Snapshot {
        Snapshot {
            events_applied: sample(text, EVENTS_APPLIED),
            sessions_not_found: sample(text, SESSIONS_NOT_FOUND),
        }
    }
}

fn sample(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|line| {
            let value = line.strip_prefix(series)?.trim();
            // Counters may carry a timestamp or exemplar after the value.
            let value = value.split_whitespace().next()?;
            value.parse::<f64>().ok()
        })
        // Counter values are whole numbers that fit in u64.
        .map_or(0, |value| value as u64)
}

/// The path that made the back end reject a replayed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaughtBy {
    /// Okta's event hook had already reported the session ended.
    EventHookPush,
    /// The back end called Okta's Sessions API and got 404.
    SessionsApiCheck,
    /// The metrics do not tell: not served, or neither counter moved.
    Unknown,
}

impl CaughtBy {
    /// Compares the snapshots taken before the session ended and after the
    /// first rejection.
    pub fn attribute(before: Option<Snapshot>, after: Option<Snapshot>) -> CaughtBy {
        let (Some(before), Some(after)) = (before, after) else {
            return CaughtBy::Unknown;
        };
        if after.sessions_not_found > before.sessions_not_found {
            CaughtBy::SessionsApiCheck
        } else if after.events_applied > before.events_applied {
            CaughtBy::EventHookPush
        } else {
            CaughtBy::Unknown
        }
    }
}

impl fmt::Display for CaughtBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaughtBy::EventHookPush => "event hook push",
            CaughtBy::SessionsApiCheck => "Sessions API check",
            CaughtBy::Unknown => "unknown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# TYPE session_guard_event_hook_events counter
session_guard_event_hook_events_total{outcome=\"applied\"} 3
session_guard_event_hook_events_total{outcome=\"duplicate\"} 9
session_guard_okta_session_calls_total{outcome=\"found\"} 7
session_guard_okta_session_calls_total{outcome=\"not_found\"} 2
";

    #[test]
    fn parse_reads_counters() {
        let snapshot = Snapshot::parse(TEXT);

        assert_eq!(snapshot.events_applied, 3);
        assert_eq!(snapshot.sessions_not_found, 2);
    }

    #[test]
    fn parse_missing_is_zero() {
        assert_eq!(Snapshot::parse("# EOF\n"), Snapshot::default());
    }

    #[test]
    fn attribute_prefers_sessions_api() {
        let before = Snapshot::default();
        let after = Snapshot {
            events_applied: 1,
            sessions_not_found: 1,
        };

        let path = CaughtBy::attribute(Some(before), Some(after));

        assert_eq!(path, CaughtBy::SessionsApiCheck);
    }

    #[test]
    fn attribute_event_push() {
        let after = Snapshot {
            events_applied: 1,
            sessions_not_found: 0,
        };

        let path = CaughtBy::attribute(Some(Snapshot::default()), Some(after));

        assert_eq!(path, CaughtBy::EventHookPush);
    }

    #[test]
    fn attribute_without_metrics() {
        let path = CaughtBy::attribute(None, Some(Snapshot::default()));

        assert_eq!(path, CaughtBy::Unknown);
    }
}
