//! The control API for tests, under `/mock/…`, apart from Okta's paths.
//!
//! JSON in and out, no authentication, and only for loopback peers (any
//! other peer gets `403 E0000006`). It is never rate-limited or faulted.
//! Errors use Okta's error object.
//!
//! Sessions ([`sessions`]):
//! - `GET /mock/sessions`: live sessions, oldest first, as Okta `Session`s.
//! - `POST /mock/sessions` `{"login": "demo@example.com"}` (or `"user_id"`):
//!   creates a session as a password sign-in would (`201`).
//! - `POST /mock/sessions/{id}/expire`: moves its expiry into the past, with
//!   no System Log event, as natural expiry in Okta (`204`).
//! - `POST /mock/sessions/{id}/end`: ends it as a logout would (`204`).
//! - `PUT /mock/sessions/{id}/status` `{"status": "MFA_REQUIRED"}`.
//! - `POST /mock/users/{userId}/sessions/end` `{"oauth_tokens": true}`:
//!   ends every session of the user, as the admin API does.
//!
//! Run time ([`runtime`]):
//! - `GET /mock/clock`, `POST /mock/clock/advance` `{"seconds": 90}`,
//!   `POST /mock/clock/reset`.
//! - `GET /mock/authorization-servers/{id}/keys`,
//!   `POST /mock/authorization-servers/{id}/keys/rotate`.
//! - `GET /mock/rate-limits`, `PUT /mock/rate-limits` `{"sessions": 100}`.
//! - `GET /mock/request-counts`: requests per bucket since start-up or reset.
//! - `GET /mock/faults`, `POST /mock/faults`, `DELETE /mock/faults`,
//!   `DELETE /mock/faults/{id}`.
//! - `POST /mock/reset`: back to the start-up state.

pub mod runtime;
pub mod sessions;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

use crate::error::OktaError;
use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/mock/sessions", get(sessions::list).post(sessions::create))
        .route("/mock/sessions/{session_id}/expire", post(sessions::expire))
        .route("/mock/sessions/{session_id}/end", post(sessions::end))
        .route(
            "/mock/sessions/{session_id}/status",
            put(sessions::set_status),
        )
        .route(
            "/mock/users/{user_id}/sessions/end",
            post(sessions::end_user_sessions),
        )
        .route("/mock/clock", get(runtime::clock))
        .route("/mock/clock/advance", post(runtime::advance_clock))
        .route("/mock/clock/reset", post(runtime::reset_clock))
        .route(
            "/mock/authorization-servers/{server_id}/keys",
            get(runtime::keys),
        )
        .route(
            "/mock/authorization-servers/{server_id}/keys/rotate",
            post(runtime::rotate_keys),
        )
        .route(
            "/mock/rate-limits",
            get(runtime::rate_limits).put(runtime::set_rate_limits),
        )
        .route("/mock/request-counts", get(runtime::request_counts))
        .route(
            "/mock/faults",
            get(runtime::faults)
                .post(runtime::add_fault)
                .delete(runtime::clear_faults),
        )
        .route("/mock/faults/{fault_id}", delete(runtime::remove_fault))
        .route("/mock/reset", post(runtime::reset))
}

/// Returns whether `path` belongs to the control API.
pub fn is_control_path(path: &str) -> bool {
    path == "/mock" || path.starts_with("/mock/")
}

/// Middleware: lets only loopback peers reach the control API. A request
/// without a known peer (a router not served over TCP) is rejected too.
pub async fn require_loopback(request: Request, next: Next) -> Response {
    if !is_control_path(request.uri().path()) {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    match peer {
        Some(peer) if peer.ip().to_canonical().is_loopback() => next.run(request).await,
        _ => {
            tracing::warn!(
                ?peer,
                "control API request from a non-loopback peer rejected"
            );
            OktaError::access_denied(
                "the control API (/mock/...) accepts requests from loopback clients only; call it from this host",
            )
            .into_response()
        }
    }
}
