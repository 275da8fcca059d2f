//! Credentials for Okta's Management API: an SSWS API token, or an OAuth 2.0
//! service app that signs a `private_key_jwt` client assertion (RFC 7523)
//! and trades it at the org authorization server for an access token with
//! scope `okta.sessions.read`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::secret::{Secret, short_fingerprint};

/// Scope that lets a service app read sessions.
pub const SESSIONS_READ_SCOPE: &str = "okta.sessions.read";

/// Lifetime of a client assertion. Okta rejects assertions valid for more
/// than one hour; five minutes leaves room for clock skew.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// Refresh a cached access token this long before its `expires_in` ends.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Failure to obtain credentials for the Sessions API.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OktaAuthError {
    /// The client assertion could not be signed.
    #[error("signing the client assertion failed: {0}")]
    Signing(#[source] jsonwebtoken::errors::Error),
    /// The token endpoint could not be reached.
    #[error("token request to {url} failed: {source}")]
    Transport {
        /// The org token endpoint.
        url: Url,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The token endpoint returned an error status.
    #[error("token endpoint {url} returned {status}: {error}")]
    Rejected {
        /// The org token endpoint.
        url: Url,
        /// HTTP status.
        status: u16,
        /// OAuth `error` and `error_description`, when present.
        error: String,
    },
    /// The API token or access token contains characters that cannot be
    /// sent in an HTTP header.
    #[error(
        "the Okta credential contains characters not allowed in an HTTP header; check the configured API token"
    )]
    InvalidCredential,
    /// The token endpoint's response is not a usable bearer token response.
    #[error("token endpoint {url} returned an unusable response: {detail}")]
    InvalidResponse {
        /// The org token endpoint.
        url: Url,
        /// The problem found.
        detail: String,
    },
}

/// The configured way of authenticating to the Management API.
pub(crate) enum OktaAuth {
    ApiToken(Secret),
    ServiceApp(Box<ServiceApp>),
}

impl OktaAuth {
    /// Returns the `Authorization` header value for the next call.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
        now: SystemTime,
    ) -> Result<HeaderValue, OktaAuthError> {
        match self {
            OktaAuth::ApiToken(token) => sensitive_header(&format!("SSWS {}", token.expose())),
            OktaAuth::ServiceApp(app) => app.authorization(http, now).await,
        }
    }

    /// Drops a cached access token after Okta rejected it with 401.
    pub(crate) async fn invalidate(&self) {
        if let OktaAuth::ServiceApp(app) = self {
            *app.cached.lock().await = None;
        }
    }
}

fn sensitive_header(value: &str) -> Result<HeaderValue, OktaAuthError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| OktaAuthError::InvalidCredential)?;
    header.set_sensitive(true);
    Ok(header)
}

/// An OAuth 2.0 service app using `private_key_jwt`.
pub(crate) struct ServiceApp {
    client_id: String,
    key_id: Option<String>,
    signing_key: EncodingKey,
    token_url: Url,
    cached: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    header: HeaderValue,
    refresh_at: SystemTime,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: u64,
}

#[derive(Deserialize, Default)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl ServiceApp {
    pub(crate) fn new(
        client_id: String,
        key_id: Option<String>,
        signing_key: EncodingKey,
        token_url: Url,
    ) -> Self {
        Self {
            client_id,
            key_id,
            signing_key,
            token_url,
            cached: Mutex::new(None),
        }
    }

    async fn authorization(
        &self,
        http: &reqwest::Client,
        now: SystemTime,
    ) -> Result<HeaderValue, OktaAuthError> {
        // Holding the lock across the fetch coalesces concurrent refreshes
        // into one token request.
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && now < token.refresh_at
        {
            return Ok(token.header.clone());
        }

        let fresh = self.fetch(http, now).await?;
        let header = fresh.header.clone();
        *cached = Some(fresh);
        Ok(header)
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        now: SystemTime,
    ) -> Result<CachedToken, OktaAuthError> {
        let assertion = self.sign_assertion(now)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", SESSIONS_READ_SCOPE),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ];
        tracing::info!(client_id = %self.client_id, url = %self.token_url, "requesting Okta management access token");

        let response = http
            .post(self.token_url.clone())
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|source| OktaAuthError::Transport {
                url: self.token_url.clone(),
                source,
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| OktaAuthError::Transport {
                url: self.token_url.clone(),
                source,
            })?;

        if !status.is_success() {
            let error: OAuthErrorBody = serde_json::from_slice(&body).unwrap_or_default();
            let error = format!(
                "{} ({})",
                error.error.as_deref().unwrap_or("no error code"),
                error
                    .error_description
                    .as_deref()
                    .unwrap_or("no description")
            );
            return Err(OktaAuthError::Rejected {
                url: self.token_url.clone(),
                status: status.as_u16(),
                error,
            });
        }

        let token: TokenResponse =
            serde_json::from_slice(&body).map_err(|error| OktaAuthError::InvalidResponse {
                url: self.token_url.clone(),
                detail: format!("body is not a token response: {error}"),
            })?;
        if !token.token_type.eq_ignore_ascii_case("Bearer") {
            // A DPoP-bound token would need a proof on every call; this
            // client does not send one, so such an app cannot be used.
            return Err(OktaAuthError::InvalidResponse {
                url: self.token_url.clone(),
                detail: format!(
                    "token_type is {:?}, expected Bearer; turn off \"Require DPoP\" for the service app",
                    token.token_type
                ),
            });
        }

        let lifetime = Duration::from_secs(token.expires_in);
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        tracing::info!(
            client_id = %self.client_id,
            token = %short_fingerprint(token.access_token.as_bytes()),
            expires_in_s = token.expires_in,
            "obtained Okta management access token"
        );
        Ok(CachedToken {
            header: sensitive_header(&format!("Bearer {}", token.access_token))?,
            refresh_at: now + lifetime - margin,
        })
    }

    fn sign_assertion(&self, now: SystemTime) -> Result<String, OktaAuthError> {
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let claims = AssertionClaims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: self.token_url.as_str(),
            iat,
            exp: iat + ASSERTION_LIFETIME.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.signing_key).map_err(OktaAuthError::Signing)
    }
}
