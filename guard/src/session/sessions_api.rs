//! Client for Okta's `GET /api/v1/sessions/{sessionId}`.

use std::time::{Duration, Instant, SystemTime};

use http::StatusCode;
use url::Url;

use super::SessionId;
use super::okta_auth::{OktaAuth, OktaAuthError};
use super::okta_model::{E_NOT_FOUND, OktaErrorBody, OktaSession};
use super::rate_limit::RateLimitSnapshot;
use crate::metrics::GuardMetrics;

/// Okta's verdict on a session.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    /// `200`: the session exists (in any status).
    Found(Box<OktaSession>),
    /// `404`: the session ended, expired or never existed.
    NotFound,
}

/// Failure to get a verdict from Okta.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum LookupError {
    /// `429`: the org's rate limit for `/api/v1/sessions` is exhausted.
    #[error("Okta rate limit exhausted (429)")]
    RateLimited {
        rate_limit: Option<RateLimitSnapshot>,
    },
    /// Transport error, timeout, 5xx, authentication failure or an
    /// unexpected response. The text is for logs only.
    #[error("Okta Sessions API unavailable: {0}")]
    Unavailable(String),
}

pub(crate) struct LookupResponse {
    pub lookup: Lookup,
    pub rate_limit: Option<RateLimitSnapshot>,
}

pub(crate) struct SessionsApi {
    http: reqwest::Client,
    sessions_url: Url,
    auth: OktaAuth,
    timeout: Duration,
    metrics: GuardMetrics,
}

impl SessionsApi {
    /// `org_url` is the org base URL, for example `https://example.okta.com`.
    pub(crate) fn new(
        http: reqwest::Client,
        org_url: &Url,
        auth: OktaAuth,
        timeout: Duration,
        metrics: GuardMetrics,
    ) -> Result<Self, url::ParseError> {
        let sessions_url = org_url.join("/api/v1/sessions/")?;
        Ok(Self {
            http,
            sessions_url,
            auth,
            timeout,
            metrics,
        })
    }

    /// Builds the session URL by pushing the id as one path segment, so the
    /// id can never add segments, a query or a fragment.
    fn session_url(&self, id: &SessionId) -> Url {
        let mut url = self.sessions_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(id.as_str());
        }
        url
    }

    pub(crate) async fn get(
        &self,
        id: &SessionId,
        now: SystemTime,
    ) -> Result<LookupResponse, LookupError> {
        let started = Instant::now();
        let result = self.call(id, now).await;
        let outcome = match &result {
            Ok(LookupResponse {
                lookup: Lookup::Found(_),
                ..
            }) => "found",
            Ok(LookupResponse {
                lookup: Lookup::NotFound,
                ..
            }) => "not_found",
            Err(LookupError::RateLimited { .. }) => "rate_limited",
            Err(LookupError::Unavailable(_)) => "unavailable",
        };
        self.metrics.record_okta_call(outcome, started.elapsed());
        result
    }

    async fn call(&self, id: &SessionId, now: SystemTime) -> Result<LookupResponse, LookupError> {
        let authorization = self
            .auth
            .authorization(&self.http, now)
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot authenticate to the Okta Sessions API");
                LookupError::Unavailable(auth_detail(&error))
            })?;

        let url = self.session_url(id);
        tracing::debug!(session_ref = %id.reference(), "asking Okta about session");
        let response = self
            .http
            .get(url)
            .header(http::header::AUTHORIZATION, authorization)
            .header(http::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|error| {
                tracing::warn!(session_ref = %id.reference(), %error, "Okta Sessions API request failed");
                LookupError::Unavailable(format!("request failed: {error}"))
            })?;

        let status = response.status();
        let rate_limit = RateLimitSnapshot::from_headers(response.headers());
        let body = response.bytes().await.map_err(|error| {
            tracing::warn!(session_ref = %id.reference(), %error, "reading Okta Sessions API response failed");
            LookupError::Unavailable(format!("reading the response failed: {error}"))
        })?;

        match status {
            StatusCode::OK => {
                let session: OktaSession = serde_json::from_slice(&body).map_err(|error| {
                    tracing::error!(session_ref = %id.reference(), %error, "Okta returned a session that does not parse");
                    LookupError::Unavailable(format!("the session body does not parse: {error}"))
                })?;
                Ok(LookupResponse {
                    lookup: Lookup::Found(Box::new(session)),
                    rate_limit,
                })
            }
            StatusCode::NOT_FOUND => {
                let error: OktaErrorBody = serde_json::from_slice(&body).unwrap_or_default();
                if error
                    .error_code
                    .as_deref()
                    .is_some_and(|code| code != E_NOT_FOUND)
                {
                    tracing::warn!(session_ref = %id.reference(), code = ?error.error_code, "404 from Okta with an unexpected error code; treating the session as ended");
                }
                Ok(LookupResponse {
                    lookup: Lookup::NotFound,
                    rate_limit,
                })
            }
            StatusCode::TOO_MANY_REQUESTS => {
                tracing::warn!(session_ref = %id.reference(), ?rate_limit, "Okta rate limit exhausted (429)");
                Err(LookupError::RateLimited { rate_limit })
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                // The guard's own credential is wrong or lacks the scope:
                // nothing is known about the user's session.
                self.auth.invalidate().await;
                let error: OktaErrorBody = serde_json::from_slice(&body).unwrap_or_default();
                tracing::error!(
                    status = status.as_u16(),
                    code = ?error.error_code,
                    summary = ?error.error_summary,
                    "Okta rejected the guard's credential; check the API token or the service app's okta.sessions.read grant"
                );
                Err(LookupError::Unavailable(format!(
                    "Okta rejected the guard's credential ({status})"
                )))
            }
            other => {
                let error: OktaErrorBody = serde_json::from_slice(&body).unwrap_or_default();
                tracing::warn!(session_ref = %id.reference(), status = other.as_u16(), code = ?error.error_code, error_id = ?error.error_id, "unexpected Okta Sessions API status");
                Err(LookupError::Unavailable(format!("Okta returned {other}")))
            }
        }
    }
}

fn auth_detail(error: &OktaAuthError) -> String {
    format!("authentication failed: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn session_url_keeps_id_in_one_segment() {
        let api = SessionsApi::new(
            reqwest::Client::new(),
            &Url::parse("http://127.0.0.1:9400").expect("static URL"),
            OktaAuth::ApiToken(Secret::new("token")),
            Duration::from_secs(1),
            GuardMetrics::default(),
        )
        .expect("static URL joins");
        let id = SessionId::parse("102abc_DEF-1").expect("valid id");
        assert_eq!(
            api.session_url(&id).as_str(),
            "http://127.0.0.1:9400/api/v1/sessions/102abc_DEF-1"
        );
    }

    #[test]
    fn session_url_ignores_trailing_slash() {
        let api = SessionsApi::new(
            reqwest::Client::new(),
            &Url::parse("https://example.okta.com/").expect("static URL"),
            OktaAuth::ApiToken(Secret::new("token")),
            Duration::from_secs(1),
            GuardMetrics::default(),
        )
        .expect("static URL joins");
        let id = SessionId::parse("102x").expect("valid id");
        assert_eq!(
            api.session_url(&id).as_str(),
            "https://example.okta.com/api/v1/sessions/102x"
        );
    }
}
