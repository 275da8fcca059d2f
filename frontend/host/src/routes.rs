//! The router: `/config.json`, `/healthz`, the built files, and the
//! fallback to `index.html` for the app's own paths.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{ConfigError, SpaConfig};
use crate::headers;

/// The content the host serves: the built app and its configuration.
#[derive(Debug, Clone)]
pub struct Site {
    /// Directory of the built app; must contain `index.html`.
    pub dist: PathBuf,
    /// The app's configuration.
    pub config: SpaConfig,
}

/// A site that cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The build output is missing.
    #[error("{} not found; build the app first with frontend/build.sh (or point --dist at its output)", .0.display())]
    MissingIndex(PathBuf),

    /// The configuration is invalid.
    #[error("invalid app configuration: {0}")]
    Config(#[from] ConfigError),

    /// The Content-Security-Policy built from the configuration is not a
    /// valid header value.
    #[error("the issuer or back-end URL cannot appear in a header: {0}")]
    Header(#[from] axum::http::header::InvalidHeaderValue),

    /// The configuration could not be serialized.
    #[error("config.json could not be serialized: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Clone)]
struct Shared {
    config_json: String,
    index: PathBuf,
}

/// Builds the router after checking the site.
///
/// # Errors
/// [`HostError`] when `index.html` is missing or the configuration is
/// invalid.
pub fn router(site: &Site) -> Result<Router, HostError> {
    let index = site.dist.join("index.html");
    if !index.is_file() {
        return Err(HostError::MissingIndex(index));
    }
    site.config.validate()?;

    let shared = Shared {
        config_json: serde_json::to_string_pretty(&site.config)?,
        index,
    };
    let files = ServeDir::new(&site.dist)
        .append_index_html_on_directories(true)
        .fallback(get(app_route_or_404).with_state(shared.clone()));

    let [csp, nosniff, referrer, frame] = headers::hardening(&site.config)?;
    Ok(Router::new()
        .route("/config.json", get(config_json))
        .route("/healthz", get(healthz))
        .fallback_service(files)
        .with_state(shared)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(frame))
}

/// `GET /config.json`: never cached, so a restarted host with other
/// settings takes effect on the next load.
async fn config_json(State(shared): State<Shared>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        shared.config_json,
    )
        .into_response()
}

async fn healthz() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

/// Serves `index.html` for the app's own paths (such as `/callback`):
/// GET or HEAD of a path whose last segment has no file extension.
/// Anything else that is not a file is a 404, so that a missing asset
/// does not come back as HTML.
async fn app_route_or_404(State(shared): State<Shared>, request: Request) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_read || has_extension(request.uri().path()) {
        tracing::debug!(path = %request.uri().path(), "not found");
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }

    match tokio::fs::read(&shared.index).await {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from(bytes),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(path = %shared.index.display(), %error, "index.html unreadable");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "index.html is unreadable\n",
            )
                .into_response()
        }
    }
}

fn has_extension(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    Path::new(last).extension().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_detection() {
        assert!(has_extension("/app_bg.wasm"));
        assert!(has_extension("/assets/missing.js"));
        assert!(!has_extension("/callback"));
        assert!(!has_extension("/"));
        assert!(!has_extension("/v1.2/callback"));
    }
}
