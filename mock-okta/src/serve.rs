//! The accept loop: serves the router over HTTP/1.1 on a bound listener.
//!
//! `axum::serve` offers no way for a handler to end its own connection, but
//! the control API's "drop" fault must close the TCP connection without
//! writing a response, as a crashed proxy would. So each connection runs in
//! its own task next to a [`ConnectionAbort`] handle that the request
//! carries in its extensions. Aborting drops the connection future, which
//! closes the socket. The client then sees the connection end before a
//! response (hyper reports an incomplete message).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

/// How long to wait after a failed `accept` (for example, too many open
/// files) before trying again.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// How long a stop waits for open requests to finish before it gives up on
/// them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A handle, in every request's extensions, that closes the request's
/// connection without a response.
#[derive(Debug, Clone, Default)]
pub struct ConnectionAbort(Arc<Notify>);

impl ConnectionAbort {
    /// Closes the connection that carried the request. Takes effect once
    /// the request's handler next yields.
    pub fn abort(&self) {
        // `notify_one` stores a permit, so an abort before the connection
        // task waits is not lost.
        self.0.notify_one();
    }

    async fn aborted(&self) {
        self.0.notified().await;
    }
}

/// Accepts connections on `listener` and serves `router` on each until
/// `stop` fires or its sender is dropped.
///
/// Every request gets `ConnectInfo<SocketAddr>` (the peer) and a
/// [`ConnectionAbort`] in its extensions.
pub async fn serve(listener: TcpListener, router: Router, mut stop: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "failed to accept a connection; retrying");
                    tokio::time::sleep(ACCEPT_RETRY_DELAY).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };

        let abort = ConnectionAbort::default();
        let service = {
            let router = router.clone();
            let abort = abort.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(abort.clone());
                router.clone().oneshot(request)
            })
        };
        // No timer, as with `axum::serve`: hyper would otherwise close idle
        // keep-alive connections after 30 s and race pooled clients.
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);

        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "connection ended with an error");
                    }
                }
                () = abort.aborted() => {
                    tracing::info!(%peer, "connection closed without a response (injected fault)");
                }
            }
        });
    }

    tracing::info!("mock-okta stopping: no new connections");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_seconds = SHUTDOWN_GRACE.as_secs(),
            "open connections did not finish in time; leaving them"
        );
    }
}
