//! `GET` and `POST /okta/event-hooks`.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::body::{EVENT_HOOK_BODY_LIMIT, Rejection, read_limited};
use crate::wire::{EventHookDelivery, parse_json};

/// Header of Okta's one-time verification request.
const CHALLENGE_HEADER: &str = "x-okta-verification-challenge";

/// Answers Okta's one-time verification: echoes the challenge header as
/// `{"verification": "<value>"}`.
pub async fn verify(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(rejection) = authenticate(&state, &headers).await {
        return rejection.into_response();
    }

    let Some(challenge) = headers
        .get(CHALLENGE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        tracing::warn!("event hook verification without X-Okta-Verification-Challenge");
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "error": "invalid_request",
                "message": "header X-Okta-Verification-Challenge is missing; only Okta's verification request is expected here",
            })),
        )
            .into_response();
    };

    tracing::info!("event hook verification completed");
    Json(json!({ "verification": challenge })).into_response()
}

/// Applies one event hook delivery. A store failure returns `500`, so
/// Okta retries the delivery once.
pub async fn deliver(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(rejection) = authenticate(&state, &headers).await {
        return rejection.into_response();
    }

    let delivery = match read_limited(&headers, body, EVENT_HOOK_BODY_LIMIT).await {
        Ok(bytes) => parse_json::<EventHookDelivery>(&bytes).map_err(Rejection::InvalidBody),
        Err(rejection) => Err(rejection),
    };
    let delivery = match delivery {
        Ok(delivery) => delivery,
        Err(rejection) => {
            tracing::warn!(endpoint = "event_hook", ?rejection, "delivery rejected");
            return rejection.into_response();
        }
    };

    let now = chrono::Utc::now().timestamp();
    match state.events.process(&delivery, now).await {
        Ok(summary) => {
            tracing::info!(
                event_id = delivery.event_id.as_deref().unwrap_or("-"),
                applied = summary.applied,
                duplicates = summary.duplicates,
                ignored = summary.ignored,
                "event hook delivery processed"
            );
            Json(summary).into_response()
        }
        Err(error) => {
            tracing::error!(%error, event_id = delivery.event_id.as_deref().unwrap_or("-"), "event hook delivery failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "store_failure", "message": "revocations could not be stored; Okta retries"})),
            )
                .into_response()
        }
    }
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(), Rejection> {
    state.event_auth.authenticate(headers).await.map_err(|error| {
        tracing::warn!(endpoint = "event_hook", reason = error.label(), %error, "call rejected: not authenticated");
        state.metrics.auth_failure("event_hook", error.label());
        Rejection::Unauthenticated
    })
}
