//! mock-okta: an emulator of the parts of an Okta org that session-linked
//! access tokens touch, faithful to Okta's published API.
//!
//! - Custom authorization servers under `/oauth2/{authServerId}/…`
//!   (discovery, JWKS, authorize with a sign-in form, token, introspect,
//!   revoke, userinfo, logout).
//! - Management API subset under `/api/v1/…` (Sessions, System Log) with
//!   SSWS API tokens and per-bucket rate limits.
//! - A control API under `/mock/…` for tests: sessions, clock, keys, faults.
//!
//! Start one in-process with [`start`], or run the `mock-okta` binary.

pub mod api;
pub mod clock;
pub mod config;
pub mod control;
pub mod error;
pub mod faults;
pub mod hooks;
pub mod ids;
pub mod keys;
pub mod lifecycle;
pub mod oauth;
pub mod ratelimit;
pub mod serve;
pub mod sessions;
pub mod state;
pub mod syslog;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::Config;
pub use state::{MockOkta, SharedState};

/// Largest request body any endpoint reads, in bytes; larger bodies get
/// `413` with Okta's error body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Builds the emulator's HTTP routes over `state`.
///
/// Every request passes, outermost first: request id and request log
/// ([`telemetry`]), injected faults ([`faults`]), rate limits
/// ([`ratelimit`]), SSWS authentication of `/api/` paths ([`api::auth`]),
/// the loopback check of `/mock/` paths ([`control`]) and the body limit.
/// Unknown paths get `404 E0000008` and unsupported methods `405 E0000022`.
pub fn app(state: SharedState) -> Router {
    Router::new()
        .merge(oauth::router(state.clone()))
        .merge(api::router(state.clone()))
        .merge(control::router())
        .merge(hooks::event_control::router())
        .merge(hooks::inline_control::router())
        .merge(lifecycle::router())
        .fallback(api::path_not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(control::require_loopback))
        .layer(from_fn_with_state(
            state.clone(),
            api::auth::require_api_token,
        ))
        .layer(from_fn_with_state(state.clone(), ratelimit::enforce))
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .layer(from_fn(telemetry::trace_request))
        .with_state(state)
}

/// Failure to start the emulator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("failed to bind {addr}: {source}; choose another address with --listen")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("failed to generate signing keys: {0}")]
    Keys(#[from] keys::KeyError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

/// A running emulator; dropping it stops the server.
#[derive(Debug)]
pub struct RunningMockOkta {
    /// The org URL it serves, for example `http://127.0.0.1:41234`.
    pub base_url: String,
    pub state: SharedState,
    shutdown: Option<oneshot::Sender<()>>,
}

impl RunningMockOkta {
    /// Returns the issuer of authorization server `id`.
    pub fn issuer(&self, id: &str) -> String {
        self.state.issuer(id)
    }
}

impl Drop for RunningMockOkta {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Validates `config`, binds `addr` (port 0 picks a free port) and serves in
/// a background task.
///
/// # Errors
/// Invalid configuration, a port already in use, or key generation failure.
pub async fn start(config: Config, addr: SocketAddr) -> Result<RunningMockOkta, StartError> {
    config.validate()?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;

    let org_url = if config.org_url.is_empty() {
        format!("http://{local}")
    } else {
        config.org_url.clone()
    };
    let state = Arc::new(MockOkta::new(config, org_url)?);
    let event_hooks = hooks::event::spawn(&state);
    // A fresh OnceLock: this is the only place that sets it.
    let _ = state.event_hooks.set(event_hooks);
    let (shutdown, stopped) = oneshot::channel::<()>();

    let router = app(state.clone());
    tokio::spawn(serve::serve(listener, router, stopped));

    Ok(RunningMockOkta {
        base_url: state.org_url.clone(),
        state,
        shutdown: Some(shutdown),
    })
}
