//! Session revocations from Okta event hook deliveries.
//!
//! Okta delivers at least once, possibly late and out of order, so events
//! are deduplicated by `uuid` and every effect is idempotent: recording an
//! ended session twice, or an older user-wide cutoff after a newer one,
//! changes nothing.

use std::sync::Arc;

use chrono::DateTime;
use serde::Serialize;

use crate::metrics::Metrics;
use crate::secret::fingerprint;
use crate::store::{RevocationStore, StoreError};
use crate::wire::{EventHookDelivery, LogEvent};

/// What one event type ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    /// One session: `user.session.end`.
    SessionEnd,
    /// Every session of the target user.
    UserWide {
        /// Use the actor when no target is a user (lockouts after failed
        /// sign-ins are acted by the locked user).
        actor_fallback: bool,
    },
}

fn kind_of(event_type: &str) -> Option<(EventKind, &'static str)> {
    let kind = match event_type {
        "user.session.end" => (EventKind::SessionEnd, "user.session.end"),
        "user.session.clear" => (
            EventKind::UserWide {
                actor_fallback: false,
            },
            "user.session.clear",
        ),
        "user.authentication.universal_logout" => (
            EventKind::UserWide {
                actor_fallback: false,
            },
            "user.authentication.universal_logout",
        ),
        "user.lifecycle.suspend" => (
            EventKind::UserWide {
                actor_fallback: false,
            },
            "user.lifecycle.suspend",
        ),
        "user.lifecycle.deactivate" => (
            EventKind::UserWide {
                actor_fallback: false,
            },
            "user.lifecycle.deactivate",
        ),
        "user.account.lock" => (
            EventKind::UserWide {
                actor_fallback: true,
            },
            "user.account.lock",
        ),
        _ => return None,
    };
    Some(kind)
}

/// Counts of one delivery, returned to the caller as JSON.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeliverySummary {
    /// Events that recorded a revocation.
    pub applied: u32,
    /// Events already processed.
    pub duplicates: u32,
    /// Events of other types, or lacking the session or user they end.
    pub ignored: u32,
}

/// Applies event hook deliveries to the revocation store.
pub struct EventProcessor {
    revocations: Arc<dyn RevocationStore>,
    metrics: Arc<Metrics>,
    revocation_ttl_seconds: i64,
    dedupe_ttl_seconds: i64,
}

impl EventProcessor {
    /// Builds a processor. Revocations are kept `revocation_ttl_seconds`
    /// (the refresh link lifetime, so no link outlives its revocation) and
    /// event ids `dedupe_ttl_seconds`.
    pub fn new(
        revocations: Arc<dyn RevocationStore>,
        metrics: Arc<Metrics>,
        revocation_ttl_seconds: i64,
        dedupe_ttl_seconds: i64,
    ) -> Self {
        Self {
            revocations,
            metrics,
            revocation_ttl_seconds,
            dedupe_ttl_seconds,
        }
    }

    /// Applies every event of `delivery` at Unix time `now`.
    ///
    /// # Errors
    /// The first store failure; the caller returns `500` so Okta retries,
    /// and events applied before it are deduplicated on the retry.
    pub async fn process(
        &self,
        delivery: &EventHookDelivery,
        now: i64,
    ) -> Result<DeliverySummary, StoreError> {
        let mut summary = DeliverySummary::default();

        for event in &delivery.data.events {
            let Some((kind, label)) = kind_of(&event.event_type) else {
                self.metrics.event("other", "ignored");
                summary.ignored += 1;
                continue;
            };

            if self.revocations.event_seen(&event.uuid, now).await? {
                tracing::debug!(uuid = %event.uuid, event_type = label, "duplicate event dropped");
                self.metrics.event(label, "duplicate");
                summary.duplicates += 1;
                continue;
            }

            let applied = self.apply(event, kind, label, now).await?;
            // Remembered only after the effect is stored, so a failed
            // store write is retried on Okta's redelivery.
            self.revocations
                .remember_event(&event.uuid, now.saturating_add(self.dedupe_ttl_seconds))
                .await?;

            if applied {
                self.metrics.event(label, "applied");
                summary.applied += 1;
            } else {
                self.metrics.event(label, "ignored");
                summary.ignored += 1;
            }
        }
        Ok(summary)
    }

    async fn apply(
        &self,
        event: &LogEvent,
        kind: EventKind,
        label: &'static str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let expires_at = now.saturating_add(self.revocation_ttl_seconds);
        // Okta's publication time; the receipt time when it is missing.
        let ended_at_ms = event
            .published
            .as_deref()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map_or(now.saturating_mul(1000), |time| time.timestamp_millis());

        match kind {
            EventKind::SessionEnd => {
                let Some(session_id) = ended_session_id(event) else {
                    tracing::warn!(uuid = %event.uuid, event_type = label, "event names no ended session; ignored");
                    return Ok(false);
                };
                self.revocations
                    .end_session(&session_id, ended_at_ms, expires_at)
                    .await?;
                tracing::info!(
                    uuid = %event.uuid,
                    event_type = label,
                    session = %fingerprint(session_id.as_bytes()),
                    "session end recorded"
                );
            }
            EventKind::UserWide { actor_fallback } => {
                let Some(user_id) = affected_user(event, actor_fallback) else {
                    tracing::warn!(uuid = %event.uuid, event_type = label, "event names no user; ignored");
                    return Ok(false);
                };
                self.revocations
                    .end_user_sessions(&user_id, ended_at_ms, expires_at)
                    .await?;
                tracing::info!(uuid = %event.uuid, event_type = label, user = %user_id, "end of all user sessions recorded");
            }
        }
        Ok(true)
    }
}

/// Returns `debugContext.debugData.EndedSessionId`, else the actor's
/// session from `authenticationContext.externalSessionId` (for
/// `user.session.end` the actor ends their own session).
fn ended_session_id(event: &LogEvent) -> Option<String> {
    let from_debug = event
        .debug_context
        .as_ref()
        .and_then(|context| context.debug_data.as_ref())
        .and_then(|data| data.get("EndedSessionId"))
        .and_then(|value| value.as_str())
        .filter(|id| !id.is_empty());
    let from_actor = event
        .authentication_context
        .as_ref()
        .and_then(|context| context.external_session_id.as_deref())
        .filter(|id| !id.is_empty() && *id != "unknown");

    from_debug.or(from_actor).map(str::to_owned)
}

/// Returns the id of the first target of type `User`, else the actor when
/// `actor_fallback` is set and the actor is a user.
fn affected_user(event: &LogEvent, actor_fallback: bool) -> Option<String> {
    let target = event
        .target
        .iter()
        .flatten()
        .find(|target| target.kind.as_deref() == Some("User"))
        .and_then(|target| target.id.clone());
    if target.is_some() || !actor_fallback {
        return target;
    }

    event
        .actor
        .as_ref()
        .filter(|actor| actor.kind.as_deref() == Some("User"))
        .and_then(|actor| actor.id.clone())
}
