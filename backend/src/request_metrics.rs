//! Request counters, and the `/metrics` endpoint that serves them together
//! with the session guard's metrics from one registry.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, header};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use session_guard::GuardMetrics;

type RequestLabels = [(&'static str, String); 3];

/// Counters of the back end itself, in the registry that also holds the
/// guard's metrics. Cloning shares them.
#[derive(Clone, Debug)]
pub(crate) struct RequestMetrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    transfers: Counter,
}

impl RequestMetrics {
    /// Creates the registry: the guard's metrics (`session_guard_*`) first,
    /// then the back end's own (`demo_backend_*`).
    pub(crate) fn new(guard: &GuardMetrics) -> Self {
        let mut root = Registry::default();
        guard.register(&mut root);
        let registry = root.sub_registry_with_prefix("demo_backend");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        let transfers = Counter::default();
        registry.register(
            "transfers_accepted",
            "Transfers accepted by POST /api/transfers",
            transfers.clone(),
        );
        Self {
            registry: Arc::new(root),
            requests,
            transfers,
        }
    }

    pub(crate) fn record_transfer(&self) {
        self.transfers.inc();
    }

    fn record_request(&self, method: &Method, route: &str, status: u16) {
        let labels = [
            ("method", method_label(method).to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        self.requests.get_or_create(&labels).inc();
    }

    fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Counts every request by its route template (never the raw path, which
/// would give one series per session id or typo) and logs server errors.
pub(crate) async fn count_requests(
    State(metrics): State<RequestMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());

    let response = next.run(request).await;

    let status = response.status();
    metrics.record_request(&method, &route, status.as_u16());
    if status.is_server_error() {
        tracing::warn!(%method, route, status = status.as_u16(), "request failed with a server error");
    } else {
        tracing::debug!(%method, route, status = status.as_u16(), "request handled");
    }
    response
}

/// Serves the guard's metrics and the back end's as one OpenMetrics text
/// exposition.
pub(crate) async fn metrics(State(metrics): State<RequestMetrics>) -> Response {
    let mut response = metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// Maps methods outside the standard set to `other`, so a client cannot
/// create series at will.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
