//! Client of Okta's Sessions API (`GET /api/v1/sessions/{sessionId}`).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use url::Url;

use crate::secret::{Secret, fingerprint};

/// Session state reported by the Sessions API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// `200` with status `ACTIVE`.
    Active {
        /// `userId` of the session.
        user_id: Option<String>,
    },
    /// `404`: Okta has no such session, it ended or expired.
    Ended,
}

/// Responses that prove nothing about the session. Callers fail closed
/// on every one of them.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SessionsApiError {
    /// `429`: the org's Sessions API rate limit is spent.
    #[error("Okta Sessions API rate limit reached (429), resets at epoch second {reset:?}")]
    RateLimited {
        /// `X-Rate-Limit-Reset`, when sent.
        reset: Option<String>,
    },

    /// `5xx`.
    #[error("Okta Sessions API failed with status {0}")]
    Unavailable(u16),

    /// `401` or `403`: the API token is wrong, expired or lacks rights.
    #[error(
        "Okta Sessions API rejected the API token with status {0}; check okta.api_token (needs okta.sessions.read rights)"
    )]
    Unauthorized(u16),

    /// Any other status.
    #[error("Okta Sessions API returned unexpected status {0}")]
    UnexpectedStatus(u16),

    /// `200` with a status other than `ACTIVE` (`MFA_REQUIRED`, `MFA_ENROLL`).
    #[error("Okta session status is {0}, not ACTIVE")]
    NotActive(String),

    /// `200` whose body is not a session or names another session.
    #[error("Okta Sessions API returned an invalid session: {0}")]
    InvalidBody(String),

    /// No response within the timeout.
    #[error("Okta Sessions API timed out after {0:?}")]
    Timeout(Duration),

    /// Connection or protocol failure.
    #[error("Okta Sessions API call failed: {0}")]
    Transport(String),
}

impl SessionsApiError {
    /// Returns a short fixed label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Unauthorized(_) => "unauthorized",
            Self::UnexpectedStatus(_) => "unexpected_status",
            Self::NotActive(_) => "not_active",
            Self::InvalidBody(_) => "invalid_body",
            Self::Timeout(_) => "timeout",
            Self::Transport(_) => "transport",
        }
    }
}

/// Okta's `Session`, reduced to what the check reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionBody {
    id: String,
    #[serde(default)]
    user_id: Option<String>,
    status: String,
}

/// Sessions API client authenticated with `Authorization: SSWS <token>`.
#[derive(Clone)]
pub struct SessionsApi {
    http: reqwest::Client,
    sessions_base: Url,
    authorization: HeaderValue,
    timeout: Duration,
}

impl SessionsApi {
    /// Builds a client for the org at `org_url`.
    ///
    /// # Errors
    /// When the API token cannot be sent as a header value or the HTTP
    /// client cannot be built.
    pub fn new(
        org_url: &Url,
        api_token: &Secret,
        timeout: Duration,
    ) -> Result<Self, SessionsApiError> {
        let mut authorization = HeaderValue::from_str(&format!("SSWS {}", api_token.expose()))
            .map_err(|_| {
                SessionsApiError::Transport(
                    "okta.api_token contains characters not allowed in a header".into(),
                )
            })?;
        authorization.set_sensitive(true);

        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| SessionsApiError::Transport(error.to_string()))?;

        let mut sessions_base = org_url.clone();
        sessions_base.set_path("/api/v1/sessions/");

        Ok(Self {
            http,
            sessions_base,
            authorization,
            timeout,
        })
    }

    fn transport_error(&self, error: reqwest::Error) -> SessionsApiError {
        if error.is_timeout() {
            SessionsApiError::Timeout(self.timeout)
        } else {
            // The URL contains the session id, which must not reach logs.
            let error = error.without_url();
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            SessionsApiError::Transport(message)
        }
    }

    /// Fetches the state of session `session_id`.
    ///
    /// # Errors
    /// [`SessionsApiError`] for every response that does not prove the session
    /// active or ended.
    pub async fn check(&self, session_id: &str) -> Result<SessionState, SessionsApiError> {
        let mut url = self.sessions_base.clone();
        // Percent-encodes the id: it comes from a payload and must stay one
        // path segment.
        url.path_segments_mut()
            .map_err(|_| SessionsApiError::Transport("okta.org_url cannot have a path".into()))?
            .pop_if_empty()
            .push(session_id);

        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| self.transport_error(error))?;

        let status = response.status();
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(SessionState::Ended),
            StatusCode::TOO_MANY_REQUESTS => {
                let reset = response
                    .headers()
                    .get("x-rate-limit-reset")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                return Err(SessionsApiError::RateLimited { reset });
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(SessionsApiError::Unauthorized(status.as_u16()));
            }
            _ if status.is_server_error() => {
                return Err(SessionsApiError::Unavailable(status.as_u16()));
            }
            _ => return Err(SessionsApiError::UnexpectedStatus(status.as_u16())),
        }

        let body = response
            .bytes()
            .await
            .map_err(|error| self.transport_error(error))?;
        let session: SessionBody = serde_json::from_slice(&body)
            .map_err(|error| SessionsApiError::InvalidBody(error.to_string()))?;

        if session.id != session_id {
            return Err(SessionsApiError::InvalidBody(format!(
                "asked for session {}, got session {}",
                fingerprint(session_id.as_bytes()),
                fingerprint(session.id.as_bytes())
            )));
        }
        if session.status != "ACTIVE" {
            return Err(SessionsApiError::NotActive(session.status));
        }
        Ok(SessionState::Active {
            user_id: session.user_id,
        })
    }
}
