//! The router: API routes behind the guard, CORS for the single-page app,
//! and the guard's own routers (event hooks, deny list admin).
//!
//! Each API route gets the guard's layer with its policy and scopes. The
//! guard writes the rejection response and its single log line (with the
//! matched route), so nothing here logs rejections again.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use http::{Method, header};
use session_guard::{Guard, Policy};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{Config, CorsConfig};
use crate::problem::ProblemStyle;
use crate::request_metrics::{self, RequestMetrics};
use crate::{READ_SCOPE, WRITE_SCOPE, api};

/// Shared state of every handler. Cloning is cheap.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub(crate) requests: RequestMetrics,
    pub(crate) problems: ProblemStyle,
}

impl FromRef<AppState> for RequestMetrics {
    fn from_ref(state: &AppState) -> RequestMetrics {
        state.requests.clone()
    }
}

/// Builds the whole application.
///
/// # Errors
///
/// Returns the guard's error when it cannot build a router that the
/// configuration enables.
pub(crate) fn router(
    config: &Config,
    guard: Guard,
) -> Result<Router, session_guard::config::ConfigError> {
    let state = AppState {
        problems: ProblemStyle::new(&config.guard.responses),
        requests: RequestMetrics::new(guard.metrics()),
    };

    let live = guard.layer(Policy::LiveSession);
    let live_write = guard.layer(Policy::LiveSession.with_scopes([WRITE_SCOPE]));
    let token_read = guard.layer(Policy::TokenOnly.with_scopes([READ_SCOPE]));
    let api = Router::new()
        .route("/api/profile", get(api::profile).route_layer(live))
        .route(
            "/api/transfers",
            post(api::create_transfer)
                .layer(DefaultBodyLimit::max(api::MAX_TRANSFER_BODY_BYTES))
                .route_layer(live_write),
        )
        .route("/api/catalog", get(api::catalog).route_layer(token_read))
        .layer(cors(&config.cors));

    let mut app = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(request_metrics::metrics))
        .merge(api)
        .with_state(state.clone());

    if config.guard.event_hooks.is_some() {
        app = app.merge(guard.event_hook_router()?);
    } else {
        tracing::warn!(
            "no [event_hooks] section: Okta cannot push session ends, only polling applies"
        );
    }
    if config.guard.deny_list.is_some() {
        app = app.merge(guard.deny_list_admin_router()?);
    }

    Ok(app.layer(axum::middleware::from_fn_with_state(
        state.requests,
        request_metrics::count_requests,
    )))
}

/// Lets the configured origins call the API with a bearer token, and lets
/// them read `WWW-Authenticate` and `Retry-After` so the app can show why
/// a call was rejected. No cookies are involved, so credentials stay off.
fn cors(config: &CorsConfig) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(config.allowed_origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
        .max_age(config.max_age)
}
