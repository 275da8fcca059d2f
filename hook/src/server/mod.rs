//! HTTP service: routes, shared state, start and graceful stop.

mod body;
mod event_hook;
mod ops;
mod token_hook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderName;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use body::{EVENT_HOOK_BODY_LIMIT, TOKEN_HOOK_BODY_LIMIT};

use crate::auth::{AuthError, Authenticator, BearerVerifier};
use crate::config::{Config, ConfigError, InboundAuth};
use crate::decision::{Policy, SessionLinker};
use crate::events::EventProcessor;
use crate::metrics::Metrics;
use crate::sessions_api::{SessionsApi, SessionsApiError};
use crate::store::{Durability, RedbStore, RefreshStore, RevocationStore, StoreError};

/// Path of the token inline hook.
pub const TOKEN_HOOK_PATH: &str = "/okta/token-inline-hook";
/// Path of the event hook receiver.
pub const EVENT_HOOK_PATH: &str = "/okta/event-hooks";

/// Errors that stop the service from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}; free the port or set `listen` to another address")]
    Bind {
        /// Address from `listen`.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Sessions API client cannot be built.
    #[error("Sessions API client: {0}")]
    SessionsApi(#[from] SessionsApiError),
    /// The JWT verifier cannot be built.
    #[error("bearer JWT verifier: {0}")]
    Bearer(#[from] AuthError),
}

/// State shared by the handlers.
pub struct AppState {
    linker: SessionLinker,
    events: EventProcessor,
    hook_auth: Authenticator,
    event_auth: Authenticator,
    claim_name: String,
    id_token: bool,
    deadline: Duration,
    metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state from a validated configuration, opening the store.
    ///
    /// # Errors
    /// [`StartError`] when the store or an HTTP client cannot be set up.
    pub fn build(config: &Config) -> Result<Self, StartError> {
        let durability =
            Durability::from_config(config.store.durability, config.store.flush_interval_ms);
        let store = Arc::new(RedbStore::open(&config.store_path(), durability)?);
        Self::with_stores(config, store.clone(), store)
    }

    /// Builds the state on given stores (another backend, or tests).
    ///
    /// # Errors
    /// [`StartError`] when an HTTP client cannot be set up.
    pub fn with_stores(
        config: &Config,
        links: Arc<dyn RefreshStore>,
        revocations: Arc<dyn RevocationStore>,
    ) -> Result<Self, StartError> {
        let metrics = Arc::new(Metrics::new());
        let sessions = SessionsApi::new(
            &config.org_url()?,
            &config.okta.api_token,
            Duration::from_millis(config.okta.timeout_ms),
        )?;

        let ttl = i64::try_from(config.refresh.ttl_seconds).unwrap_or(i64::MAX);
        let dedupe_ttl = i64::try_from(config.store.event_dedupe_ttl_seconds).unwrap_or(i64::MAX);
        let linker = SessionLinker::new(
            Policy::from_config(config),
            links,
            revocations.clone(),
            sessions,
            metrics.clone(),
        );
        let events = EventProcessor::new(revocations, metrics.clone(), ttl, dedupe_ttl);

        Ok(Self {
            linker,
            events,
            hook_auth: hook_authenticator(config)?,
            event_auth: header_authenticator(
                "event_hooks.header_name",
                &config.event_hooks.header_name,
                &config.event_hooks.secret,
            )?,
            claim_name: config.claims.name.clone(),
            id_token: config.claims.id_token,
            deadline: config.deadline(),
            metrics,
        })
    }
}

fn header_authenticator(
    key: &'static str,
    name: &str,
    secret: &crate::secret::Secret,
) -> Result<Authenticator, StartError> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| ConfigError::Invalid {
        key,
        value: format!("{name:?}"),
        reason: "not a valid HTTP header name".into(),
        fix: "set a header name such as Authorization".into(),
    })?;
    Ok(Authenticator::Header {
        name,
        secret: secret.clone(),
    })
}

fn hook_authenticator(config: &Config) -> Result<Authenticator, StartError> {
    let hook = &config.inline_hook;
    match hook.auth {
        InboundAuth::Header => header_authenticator(
            "inline_hook.header_name",
            &hook.header_name,
            &hook.header_secret,
        ),
        InboundAuth::Bearer => {
            let bearer = &hook.bearer;
            let client_id = Some(bearer.client_id.clone()).filter(|id| !id.is_empty());
            let verifier = BearerVerifier::new(
                config.jwks_url()?,
                &bearer.issuer,
                &bearer.audience,
                client_id,
                Duration::from_secs(bearer.jwks_cache_seconds),
                Duration::from_secs(bearer.jwks_refetch_interval_seconds),
            )?;
            Ok(Authenticator::Bearer(Box::new(verifier)))
        }
    }
}

/// Builds the router of every endpoint.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(TOKEN_HOOK_PATH, post(token_hook::handle))
        .route(
            EVENT_HOOK_PATH,
            get(event_hook::verify).post(event_hook::deliver),
        )
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}

/// A started service. Dropping it leaves the service running until the
/// runtime ends; call [`RunningService::shutdown`] to stop it.
pub struct RunningService {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    purge: JoinHandle<()>,
}

impl RunningService {
    /// Returns the bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the base URL, `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting calls, waits for open ones and closes the store.
    ///
    /// # Errors
    /// The server's I/O error, if it failed.
    pub async fn shutdown(self) -> std::io::Result<()> {
        // Receivers live in the two tasks; a send error means both ended.
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until the service stops.
    ///
    /// # Errors
    /// The server's I/O error, if it failed.
    pub async fn wait(self) -> std::io::Result<()> {
        let served = self.server.await.map_err(std::io::Error::other)?;
        if let Err(error) = self.purge.await {
            tracing::error!(%error, "purge task failed");
        }
        tracing::info!(addr = %self.addr, "session-hook stopped");
        served
    }
}

/// Binds `config.listen`, opens the store and starts serving.
///
/// Logs `session-hook listening on http://ADDR` once ready.
///
/// # Errors
/// [`StartError`] naming what to fix.
pub async fn start(config: &Config) -> Result<RunningService, StartError> {
    let state = Arc::new(AppState::build(config)?);
    start_with_state(config, state).await
}

/// Starts serving `state` on `config.listen`.
///
/// # Errors
/// [`StartError::Bind`] when the address is taken.
pub async fn start_with_state(
    config: &Config,
    state: Arc<AppState>,
) -> Result<RunningService, StartError> {
    let wanted = config.listen_addr()?;
    let listener = TcpListener::bind(wanted)
        .await
        .map_err(|source| StartError::Bind {
            addr: wanted,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: wanted,
        source,
    })?;

    let (stop, stopped) = watch::channel(false);
    let purge = tokio::spawn(run_purge(
        state.clone(),
        Duration::from_secs(config.store.purge_interval_seconds),
        stopped.clone(),
    ));

    let app = router(state);
    let mut stop_signal = stopped;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the sender is gone: stop as well.
                let _ = stop_signal.wait_for(|stop| *stop).await;
            })
            .await
    });

    tracing::info!(%addr, "session-hook listening on http://{addr}");
    Ok(RunningService {
        addr,
        stop,
        server,
        purge,
    })
}

/// Deletes expired links, revocations and event ids every `interval`.
async fn run_purge(state: Arc<AppState>, interval: Duration, mut stopped: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.wait_for(|stop| *stop) => break,
        }

        let now = chrono::Utc::now().timestamp();
        match state.linker.purge(now).await {
            Ok(count) => tracing::debug!(purged = count, "expired store entries purged"),
            Err(error) => tracing::error!(%error, "store purge failed"),
        }
    }
}
