//! Binding the listener, serving, and stopping.

use std::net::SocketAddr;
use std::time::Duration;

use session_guard::{Guard, GuardError};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app;
use crate::config::Config;

/// Timeout for connecting to Okta (JWKS, Sessions API, token endpoint).
/// Each Sessions API call also has the overall `okta.timeout_ms`.
const OKTA_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Failure to start the back end.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The session guard rejected the configuration.
    #[error("session guard: {0}")]
    Guard(#[from] GuardError),
    /// The configuration enables a guard router that could not be built.
    #[error("session guard router: {0}")]
    Router(#[from] session_guard::config::ConfigError),
    /// The HTTP client for Okta could not be built.
    #[error("HTTP client for Okta: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// The listen address cannot be bound.
    #[error(
        "cannot listen on {addr}: {source}; pick a free port with listen or DEMO_BACKEND_LISTEN"
    )]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Failure to stop the server cleanly.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    /// Serving failed with an I/O error.
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    /// The server task panicked or was cancelled.
    #[error("server task ended abnormally: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A running back end.
#[derive(Debug)]
pub struct RunningBackend {
    /// The bound address (the real port when `listen` had port 0).
    pub local_addr: SocketAddr,
    /// `http://{local_addr}`.
    pub base_url: String,
    guard: Guard,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Builds the guard, binds `config.listen` and serves until
/// [`RunningBackend::shutdown`].
///
/// # Errors
///
/// [`StartError`] for a configuration the guard rejects or an address
/// that cannot be bound.
pub async fn start(config: &Config) -> Result<RunningBackend, StartError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    start_on(config, listener).await
}

/// As [`start`], on a listener the caller bound (`config.listen` is
/// ignored), for callers that must know the address before the back end
/// starts, such as an Okta emulator configured to push event hooks to it.
///
/// # Errors
///
/// As [`start`].
pub async fn start_on(
    config: &Config,
    listener: TcpListener,
) -> Result<RunningBackend, StartError> {
    let http = reqwest::Client::builder()
        .user_agent(concat!("demo-backend/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(OKTA_CONNECT_TIMEOUT)
        .build()
        .map_err(StartError::HttpClient)?;
    let guard = Guard::new(config.guard.clone(), http)?;
    let router = app::router(config, guard.clone())?;
    let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;

    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                // A dropped sender stops the server too.
                let _ = stop.await;
            })
            .await
    });

    // Orchestrators wait for this exact line.
    tracing::info!("demo-backend listening on http://{local_addr}");
    Ok(RunningBackend {
        local_addr,
        base_url: format!("http://{local_addr}"),
        guard,
        shutdown,
        task,
    })
}

impl RunningBackend {
    /// Returns the session guard, for its metrics and deny list.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Stops accepting connections and waits for open requests to finish.
    ///
    /// # Errors
    ///
    /// [`StopError`] when serving failed or the server task panicked.
    pub async fn shutdown(self) -> Result<(), StopError> {
        let _ = self.shutdown.send(());
        self.task.await??;
        tracing::info!(addr = %self.local_addr, "demo-backend stopped");
        Ok(())
    }
}
