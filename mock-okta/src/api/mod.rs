//! Management API subset: `/api/v1/…`.
//!
//! Sessions (see [`sessions`]) and the System Log (see [`logs`]), behind
//! API token authentication ([`auth`], applied in [`crate::app`] to every
//! `/api/` path). Errors use Okta's error object.

pub mod auth;
pub mod extract;
pub mod log_filter;
pub mod logs;
pub mod session_resource;
pub mod sessions;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::OktaError;
use crate::state::SharedState;

/// Routes of the Management API subset.
///
/// The current-session routes (`/api/v1/sessions/me…`) accept CORS requests
/// with credentials from the org's trusted origins, so that a single-page
/// app can read and end its own Okta session.
pub fn router(state: SharedState) -> Router<SharedState> {
    let cors = trusted_origins_cors(&state.config.trusted_origins);
    Router::new()
        .route(
            "/api/v1/sessions/me",
            get(sessions::get_current_session)
                .delete(sessions::end_current_session)
                .options(preflight)
                .layer(cors.clone()),
        )
        .route(
            "/api/v1/sessions/me/lifecycle/refresh",
            post(sessions::refresh_current_session)
                .options(preflight)
                .layer(cors),
        )
        .route(
            "/api/v1/sessions/{session_id}",
            get(sessions::get_session).delete(sessions::revoke_session),
        )
        .route(
            "/api/v1/sessions/{session_id}/lifecycle/refresh",
            post(sessions::refresh_session),
        )
        .route(
            "/api/v1/users/{user_id}/sessions",
            delete(sessions::revoke_user_sessions),
        )
        .route("/api/v1/logs", get(logs::list_events))
}

fn trusted_origins_cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::ACCEPT,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-okta-user-agent-extended"),
        ])
}

/// Responds to `OPTIONS` on the CORS routes. The CORS layer responds to
/// real preflights itself. The route exists because the router-wide 405
/// fallback, which no route layer wraps, would otherwise take `OPTIONS`.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Fallback for paths no route serves: `404 E0000008`.
pub async fn path_not_found() -> Response {
    OktaError::path_not_found().into_response()
}

/// Fallback for a known path with an unsupported method: `405 E0000022`.
pub async fn method_not_allowed() -> Response {
    OktaError::method_not_allowed().into_response()
}
