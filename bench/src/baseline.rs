//! The unguarded baseline: the back end's two measured routes with the
//! same axum stack (CORS layer, a request counter per route and status,
//! JSON bodies of the same shape and size) and no guard.
//!
//! `/api/catalog` returns the back end's catalog. `/api/profile` returns a
//! fixed profile document shaped like the guarded one, because without
//! the guard there are no verified claims to fill it from. The difference
//! between this server and the back end is the guard, the bearer parsing
//! and the per-route scope check.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use http::{Method, header};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use serde_json::{Value, json};
use tower_http::cors::{AllowOrigin, CorsLayer};

type RequestLabels = [(&'static str, String); 3];

#[derive(Clone, Default)]
struct Counters {
    requests: Family<RequestLabels, Counter>,
}

/// Serves the baseline on `listen` until the process is stopped.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}; pick a free port"))?;
    let origins =
        ["http://127.0.0.1:9403", "http://localhost:9403"].map(http::HeaderValue::from_static);
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));

    let counters = Counters::default();
    let api = Router::new()
        .route("/api/catalog", get(catalog))
        .route("/api/profile", get(profile))
        .layer(cors);
    let app = Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .merge(api)
        .layer(axum::middleware::from_fn_with_state(
            counters.clone(),
            count,
        ))
        .with_state(counters);

    tracing::info!(%listen, "baseline server listening");
    axum::serve(listener, app)
        .await
        .context("serving the baseline")
}

async fn count(State(counters): State<Counters>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    counters.requests.get_or_create(&labels).inc();
    response
}

async fn catalog() -> Response {
    Json(json!({
        "items": [
            { "sku": "BOOK-001", "name": "Field guide to session tokens", "price_cents": 2450, "currency": "EUR" },
            { "sku": "MUG-002", "name": "Logout mug", "price_cents": 1200, "currency": "EUR" },
            { "sku": "KEY-003", "name": "Hardware security key", "price_cents": 5500, "currency": "EUR" },
        ]
    }))
    .into_response()
}

async fn profile() -> Response {
    Json(profile_document()).into_response()
}

/// Returns a profile document of the guarded route's shape, with typical values.
fn profile_document() -> Value {
    json!({
        "subject": "demo@example.com",
        "user_id": "00udemo0000000000001",
        "client_id": "0oademospa0000000001",
        "scopes": ["openid", "profile", "email", "demo.read"],
        "token_id": "AT.Xq3bEwz8YdS5QH0uJk2Vn7PrT4aLmC9oGf1Bh6Ni-Ws",
        "token_expires_at": "2026-12-05T02:00:00Z",
        "session": {
            "id": "102aBcDeFgHiJkLmNoPqRsTuV",
            "status": "ACTIVE",
            "expires_at": "2026-12-05T00:00:00Z",
            "checked_at": "2026-12-04T22:00:00Z",
            "stale": false
        }
    })
}
