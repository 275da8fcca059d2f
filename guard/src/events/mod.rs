//! Push revocation: a receiver for Okta event hooks.
//!
//! `user.session.end` ends one session, whose id is in
//! `debugContext.debugData.EndedSessionId`. The guard never uses
//! `authenticationContext.externalSessionId`, because that is the actor's
//! session, which for an admin action is the admin's. The user-wide types below end every session of the
//! target user that was authenticated before the event. Applying an event
//! twice, or an older event after a newer one, changes nothing.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

mod dedupe;
mod payload;

use dedupe::Deduper;
pub use payload::EVENT_HOOK_TYPE;
use payload::{Delivery, LogEvent};

use crate::config::{ConfigError, EventHookConfig};
use crate::guard::Guard;
use crate::http::rejection::problem;
use crate::secret::Secret;
use crate::session::SessionId;

/// Default path of the receiver.
pub const EVENT_HOOK_PATH: &str = "/okta/event-hooks";

/// Header of Okta's one-time verification request.
pub const VERIFICATION_HEADER: &str = "x-okta-verification-challenge";

/// Event types that end one session.
pub const SESSION_END_EVENTS: &[&str] = &["user.session.end"];

/// Event types that end every session of the target user.
pub const USER_WIDE_EVENTS: &[&str] = &[
    "user.session.clear",
    "user.authentication.universal_logout",
    "user.lifecycle.suspend",
    "user.lifecycle.deactivate",
    "user.account.lock",
];

struct EventHookState {
    guard: Guard,
    secret: Secret,
    header: http::HeaderName,
    deduper: Deduper,
}

/// Counts returned to Okta (which ignores the body) and to tests.
#[derive(Debug, Default, Serialize)]
struct DeliverySummary {
    received: usize,
    applied: usize,
    duplicates: usize,
    ignored: usize,
}

impl Guard {
    /// Returns the event hook receiver at [`EVENT_HOOK_PATH`]: `GET` responds
    /// to Okta's verification challenge, `POST` applies deliveries.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] when the configuration has no `event_hooks`.
    pub fn event_hook_router(&self) -> Result<Router, ConfigError> {
        let config: &EventHookConfig =
            self.inner
                .config
                .event_hooks
                .as_ref()
                .ok_or(ConfigError::Invalid {
                    setting: "event_hooks",
                    value: "absent".to_owned(),
                    fix: "add an [event_hooks] section with the hook's secret",
                })?;
        let header = http::HeaderName::from_bytes(config.header.as_bytes()).map_err(|_| {
            ConfigError::Invalid {
                setting: "event_hooks.header",
                value: config.header.clone(),
                fix: "use a valid HTTP header name",
            }
        })?;
        let state = Arc::new(EventHookState {
            guard: self.clone(),
            secret: config.secret.clone(),
            header,
            deduper: Deduper::new(config.dedupe_capacity),
        });
        Ok(Router::new()
            .route(EVENT_HOOK_PATH, get(verify).post(receive))
            .with_state(state))
    }
}

/// Responds to Okta's one-time verification request by echoing the challenge.
///
/// NOTE: Okta's documents do not say whether this request carries the
/// configured auth header, so it is not required here; a present but wrong
/// header is still rejected. Echoing the challenge reveals nothing.
async fn verify(State(state): State<Arc<EventHookState>>, headers: HeaderMap) -> Response {
    if headers.contains_key(&state.header) && !authenticated(&state, &headers) {
        return unauthorized();
    }
    let Some(challenge) = headers
        .get(VERIFICATION_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the X-Okta-Verification-Challenge header is missing",
        );
    };
    tracing::info!("responded to Okta event hook verification");
    Json(serde_json::json!({ "verification": challenge })).into_response()
}

async fn receive(
    State(state): State<Arc<EventHookState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !authenticated(&state, &headers) {
        tracing::warn!("event hook delivery with a missing or wrong secret");
        state.guard.inner.metrics.record_event("unauthorized");
        return unauthorized();
    }

    let delivery: Delivery = match serde_json::from_slice(&body) {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::warn!(%error, "event hook delivery does not parse");
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("the body is not an Okta event hook delivery: {error}"),
            );
        }
    };
    if delivery.event_type != EVENT_HOOK_TYPE {
        tracing::warn!(event_type = %delivery.event_type, "unexpected event hook delivery type");
        return problem(
            StatusCode::BAD_REQUEST,
            &format!("eventType must be {EVENT_HOOK_TYPE}"),
        );
    }

    let now = SystemTime::now();
    let mut summary = DeliverySummary {
        received: delivery.data.events.len(),
        ..Default::default()
    };
    for event in &delivery.data.events {
        if let Some(uuid) = event.uuid.as_deref()
            && !state.deduper.first_delivery(uuid)
        {
            tracing::debug!(uuid, event_type = %event.event_type, "duplicate event skipped");
            state.guard.inner.metrics.record_event("duplicate");
            summary.duplicates += 1;
            continue;
        }
        if apply(&state.guard, event, now) {
            state.guard.inner.metrics.record_event("applied");
            summary.applied += 1;
        } else {
            state.guard.inner.metrics.record_event("ignored");
            summary.ignored += 1;
        }
    }
    tracing::info!(
        event_id = delivery.event_id.as_deref().unwrap_or("-"),
        received = summary.received,
        applied = summary.applied,
        duplicates = summary.duplicates,
        ignored = summary.ignored,
        "event hook delivery processed"
    );
    Json(summary).into_response()
}

/// Applies one event; returns whether it was a revocation the guard acted on.
fn apply(guard: &Guard, event: &LogEvent, now: SystemTime) -> bool {
    let event_type = event.event_type.as_str();
    // Without a publication time, "now" is later than the real event, so it
    // refuses at least every token the real time would.
    let at = event.published.map_or(now, SystemTime::from);

    if SESSION_END_EVENTS.contains(&event_type) {
        let Some(raw) = event.ended_session_id() else {
            tracing::warn!(uuid = ?event.uuid, event_type, "session end event without debugData.EndedSessionId; ignored");
            return false;
        };
        return match SessionId::parse(raw) {
            Ok(id) => {
                let changed = guard.end_session(&id, now);
                tracing::info!(uuid = ?event.uuid, event_type, session_ref = %id.reference(), changed, "session ended by event hook");
                true
            }
            Err(error) => {
                tracing::warn!(uuid = ?event.uuid, event_type, %error, "session end event with an invalid session id; ignored");
                false
            }
        };
    }

    if USER_WIDE_EVENTS.contains(&event_type) {
        let Some(user_id) = event.target_user_id() else {
            tracing::warn!(uuid = ?event.uuid, event_type, "user-wide event without a User target; ignored");
            return false;
        };
        let ended = guard.revoke_user(user_id, at, now);
        tracing::info!(uuid = ?event.uuid, event_type, user_id, cached_sessions_ended = ended, "user sessions ended by event hook");
        return true;
    }

    tracing::debug!(uuid = ?event.uuid, event_type, "event type not used for revocation");
    false
}

fn authenticated(state: &EventHookState, headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(&state.header).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => state.secret.matches(value.as_bytes()),
        _ => false,
    }
}

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "the event hook secret is missing or wrong",
    )
}
