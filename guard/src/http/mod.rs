//! HTTP integration: rejection responses, the tower layer, axum extractors,
//! the forward-auth endpoint and the metrics endpoint.

pub(crate) mod extract;
pub(crate) mod forward_auth;
pub(crate) mod layer;
pub(crate) mod rejection;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::guard::Guard;

/// Path of the metrics endpoint.
pub const METRICS_PATH: &str = "/metrics";

impl Guard {
    /// Returns a router serving the guard's Prometheus metrics at [`METRICS_PATH`].
    pub fn metrics_router(&self) -> Router {
        Router::new()
            .route(METRICS_PATH, get(metrics))
            .with_state(self.clone())
    }
}

async fn metrics(State(guard): State<Guard>) -> Response {
    let mut response = guard.metrics().encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
