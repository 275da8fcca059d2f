//! Calls to the protected back end and reading its RFC 9457 problem
//! responses.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde_json::Value;
use url::Url;

use crate::expect::Outcome;

/// Reason code reported for a 2xx from the back end. The back end sends
/// no `reason` on success; this is the guard's name for that decision.
pub const ALLOWED: &str = "allowed";

/// The live-session route every scenario calls. The back end checks with
/// Okta's Sessions API (or its cache) that the token's session is alive.
pub const PROFILE_PATH: &str = "/api/profile";

/// Timeout of one call to the back end.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A call to the back end failed before a response arrived.
#[derive(Debug, thiserror::Error)]
#[error("request to {url} failed: {source}")]
pub struct ApiError {
    /// The URL called.
    pub url: String,
    /// The transport error.
    #[source]
    pub source: reqwest::Error,
}

/// The back end's response to one call.
#[derive(Debug, Clone)]
pub struct ApiReply {
    /// HTTP status.
    pub status: u16,
    /// `allowed` for a 2xx, else the problem document's `reason`.
    pub reason: Option<String>,
    /// `Retry-After` in seconds, when sent.
    pub retry_after: Option<u64>,
    /// The problem's `detail`, when sent.
    pub detail: Option<String>,
}

impl ApiReply {
    /// Returns the status and reason as a step outcome.
    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.status, self.reason.clone())
    }

    /// Tells whether the back end accepted the token.
    pub fn is_allowed(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Client of the back end under test.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
}

impl Api {
    /// Creates a client of the back end at `base` (scheme, host, port).
    ///
    /// # Errors
    /// The HTTP client cannot be built (no TLS roots, for example).
    pub fn new(base: Url) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Api { http, base })
    }

    /// Returns the back end's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Calls `GET /api/profile` with `access_token` as the bearer token.
    ///
    /// # Errors
    /// [`ApiError`] when no response arrived.
    pub async fn profile(&self, access_token: &str) -> Result<ApiReply, ApiError> {
        let url = self.url(PROFILE_PATH);
        let response = self
            .http
            .get(url.clone())
            .header(AUTHORIZATION, format!("Bearer {access_token}"))
            .send()
            .await
            .map_err(|source| ApiError {
                url: url.to_string(),
                source,
            })?;
        Ok(read_reply(response).await)
    }

    /// Fetches `GET /metrics` as text; `None` when it is not served.
    pub async fn metrics_text(&self) -> Option<String> {
        let url = self.url("/metrics");
        let response = match self.http.get(url).send().await {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => {
                tracing::debug!(
                    status = response.status().as_u16(),
                    "back end serves no /metrics"
                );
                return None;
            }
            Err(error) => {
                tracing::debug!(%error, "cannot read the back end's /metrics");
                return None;
            }
        };
        response.text().await.ok()
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }
}

async fn read_reply(response: reqwest::Response) -> ApiReply {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok());

    if response.status().is_success() {
        return ApiReply {
            status,
            reason: Some(ALLOWED.to_owned()),
            retry_after,
            detail: None,
        };
    }

    // A body that is not a problem document leaves the reason empty. The
    // step then shows the status alone, and a check of the reason fails.
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    ApiReply {
        status,
        reason: text("reason"),
        retry_after,
        detail: text("detail"),
    }
}
