//! An HTTP client for `openidconnect` that remembers the status of the
//! latest response, because the crate's token errors do not carry it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};

use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse, reqwest};

/// Wraps the `reqwest` client that `openidconnect` supports and records
/// each response's status.
#[derive(Debug)]
pub struct RecordingClient {
    inner: reqwest::Client,
    /// Status of the latest response; 0 before the first one.
    last_status: AtomicU16,
}

impl RecordingClient {
    /// Wraps `inner`.
    pub fn new(inner: reqwest::Client) -> Self {
        RecordingClient {
            inner,
            last_status: AtomicU16::new(0),
        }
    }

    /// Forgets the recorded status, before a request whose status matters.
    pub fn reset(&self) {
        self.last_status.store(0, Ordering::Relaxed);
    }

    /// Returns the status of the latest response since [`Self::reset`].
    pub fn last_status(&self) -> Option<u16> {
        match self.last_status.load(Ordering::Relaxed) {
            0 => None,
            status => Some(status),
        }
    }
}

impl<'c> AsyncHttpClient<'c> for RecordingClient {
    type Error = HttpClientError<reqwest::Error>;
    type Future =
        Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.inner.call(request).await?;
            self.last_status
                .store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}
