//! Control API for token inline hooks, under `/mock/inline-hooks`:
//!
//! - `GET /mock/inline-hooks`: every hook with its faults.
//! - `PUT /mock/inline-hooks/{id}/faults`: set [`InlineHookFaults`]
//!   (`delay_ms` to make it slow, `status` to make it fail, `unreachable`).
//! - `DELETE /mock/inline-hooks/{id}/faults`: clear them.
//! - `GET /mock/inline-hooks/{id}/calls`: the requests sent and what came of
//!   each, oldest first.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::json;

use super::inline::InlineHookFaults;
use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/mock/inline-hooks", get(list))
        .route(
            "/mock/inline-hooks/{id}/faults",
            put(set_faults).delete(clear_faults),
        )
        .route("/mock/inline-hooks/{id}/calls", get(calls))
}

async fn list(State(state): State<SharedState>) -> Json<serde_json::Value> {
    let hooks: Vec<_> = state
        .inline_hooks
        .all()
        .iter()
        .map(|hook| {
            json!({
                "id": hook.config.id,
                "url": hook.config.url,
                "faults": hook.faults(),
                "calls": hook.records().len(),
            })
        })
        .collect();
    Json(json!(hooks))
}

async fn set_faults(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: Result<Json<InlineHookFaults>, JsonRejection>,
) -> Response {
    let Some(hook) = state.inline_hooks.get(&id) else {
        return unknown_hook(&id);
    };
    match body {
        Ok(Json(faults)) => {
            tracing::info!(hook = %id, ?faults, "inline hook faults set");
            hook.set_faults(faults.clone());
            Json(json!({ "id": id, "faults": faults })).into_response()
        }
        Err(rejection) => (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "error": "invalid_faults",
                "detail": format!("{rejection}; expected JSON with delay_ms, status, unreachable"),
            })),
        )
            .into_response(),
    }
}

async fn clear_faults(State(state): State<SharedState>, Path(id): Path<String>) -> Response {
    let Some(hook) = state.inline_hooks.get(&id) else {
        return unknown_hook(&id);
    };
    hook.set_faults(InlineHookFaults::default());
    Json(json!({ "id": id, "faults": hook.faults() })).into_response()
}

async fn calls(State(state): State<SharedState>, Path(id): Path<String>) -> Response {
    let Some(hook) = state.inline_hooks.get(&id) else {
        return unknown_hook(&id);
    };
    Json(json!(hook.records())).into_response()
}

fn unknown_hook(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "error": "unknown_inline_hook",
            "detail": format!("no inline hook with id {id:?}; GET /mock/inline-hooks lists them"),
        })),
    )
        .into_response()
}
