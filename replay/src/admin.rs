//! Okta's Management API as an administrator uses it: ending every session
//! of a user.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::expect::Outcome;
use crate::secret::Secret;

/// Timeout of one Management API call.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A Management API call failed before a response arrived.
#[derive(Debug, thiserror::Error)]
#[error("Okta Management API call {url} failed: {source}")]
pub struct AdminError {
    /// The URL called, without query.
    pub url: String,
    /// The transport error.
    #[source]
    pub source: reqwest::Error,
}

/// Client of an Okta org's Management API, authenticated with an SSWS API
/// token.
#[derive(Debug, Clone)]
pub struct OktaAdmin {
    http: reqwest::Client,
    org: Url,
    api_token: Secret,
}

impl OktaAdmin {
    /// Creates a client of the org at `org`.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(org: Url, api_token: Secret) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(OktaAdmin {
            http,
            org,
            api_token,
        })
    }

    /// Ends every session of user `user_id` with
    /// `DELETE /api/v1/users/{userId}/sessions?oauthTokens=false`. Okta
    /// returns 204 and records `user.session.clear`. Tokens are left alone
    /// (`oauthTokens=false`), so only the session link can stop a replay.
    ///
    /// # Errors
    /// [`AdminError`] when no response arrived.
    pub async fn end_user_sessions(
        &self,
        user_id: &str,
    ) -> Result<(Outcome, Option<String>), AdminError> {
        let mut url = self.org.clone();
        url.set_path(&format!("/api/v1/users/{user_id}/sessions"));
        url.set_query(Some("oauthTokens=false"));

        let response = self
            .http
            .delete(url.clone())
            .header("Authorization", format!("SSWS {}", self.api_token.expose()))
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|source| AdminError {
                url: format!("{}{}", self.org.as_str().trim_end_matches('/'), url.path()),
                source,
            })?;

        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok((Outcome::new(status, None), None));
        }

        // Okta's error object: errorCode (E0000...) and errorSummary.
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok((
            Outcome::new(status, text("errorCode")),
            text("errorSummary"),
        ))
    }
}
