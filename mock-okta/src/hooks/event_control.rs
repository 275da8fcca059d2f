//! Control API for event hooks, under `/mock/event-hooks`:
//!
//! - `GET /mock/event-hooks`: every hook with its verification status,
//!   delivered batch count and faults.
//! - `POST /mock/event-hooks/{id}/verify`: run Okta's verification now.
//! - `PUT /mock/event-hooks/{id}/faults`: set [`DeliveryFaults`] (JSON).
//! - `DELETE /mock/event-hooks/{id}/faults`: clear them.
//! - `GET /mock/event-hooks/{id}/deliveries`: delivery attempts, oldest first.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use super::event::{DeliveryFaults, EventHook};
use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/mock/event-hooks", get(list))
        .route("/mock/event-hooks/{id}/verify", post(verify))
        .route(
            "/mock/event-hooks/{id}/faults",
            put(set_faults).delete(clear_faults),
        )
        .route("/mock/event-hooks/{id}/deliveries", get(deliveries))
}

async fn list(State(state): State<SharedState>) -> Json<serde_json::Value> {
    Json(json!(state.event_hooks().statuses()))
}

async fn verify(State(state): State<SharedState>, Path(id): Path<String>) -> Response {
    let Some(hook) = find(&state, &id) else {
        return unknown_hook(&id);
    };
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    match hook.verify(&http).await {
        Ok(()) => Json(hook.status()).into_response(),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "verification_failed", "detail": error })),
        )
            .into_response(),
    }
}

async fn set_faults(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Result<Json<DeliveryFaults>, JsonRejection>,
) -> Response {
    let Some(hook) = find(&state, &id) else {
        return unknown_hook(&id);
    };
    let faults = match body {
        Ok(Json(faults)) => faults,
        Err(rejection) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "error": "invalid_faults",
                    "detail": format!("{rejection}; expected JSON with delay_ms, duplicate, drop, reorder"),
                })),
            )
                .into_response();
        }
    };
    tracing::info!(hook = %id, ?faults, "event hook faults set");
    hook.set_faults(faults);
    Json(hook.status()).into_response()
}

async fn clear_faults(State(state): State<SharedState>, Path(id): Path<String>) -> Response {
    let Some(hook) = find(&state, &id) else {
        return unknown_hook(&id);
    };
    hook.set_faults(DeliveryFaults::default());
    Json(hook.status()).into_response()
}

async fn deliveries(State(state): State<SharedState>, Path(id): Path<String>) -> Response {
    let Some(hook) = find(&state, &id) else {
        return unknown_hook(&id);
    };
    Json(hook.records()).into_response()
}

fn find(state: &SharedState, id: &str) -> Option<std::sync::Arc<EventHook>> {
    state.event_hooks().get(id).cloned()
}

fn unknown_hook(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "error": "unknown_event_hook",
            "detail": format!("no event hook with id {id:?}; GET /mock/event-hooks lists them"),
        })),
    )
        .into_response()
}
