//! Client of mock-okta's control API (`/mock/...`), which the emulator-only
//! scenarios use to expire sessions, break the token inline hook and
//! rate-limit the Sessions API. A real Okta org has no such API.

use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

/// Timeout of one control API call.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A control API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No response arrived.
    #[error("mock-okta control API {url} failed: {source}")]
    Transport {
        /// The URL called.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The response had an unexpected status or body.
    #[error("mock-okta control API {url} returned {status}: {body}")]
    Unexpected {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// Response body, shortened.
        body: String,
    },
}

/// The response to a control API call: its status and JSON body.
#[derive(Debug, Clone)]
pub struct ControlReply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, `Null` when empty or not JSON.
    pub body: Value,
}

/// Client of the control API of the mock-okta at `org`.
#[derive(Debug, Clone)]
pub struct Emulator {
    http: reqwest::Client,
    org: Url,
}

impl Emulator {
    /// Returns the control API of `org` if `GET /mock/clock` returns
    /// mock-okta's clock, else `None` (a real Okta org returns 404).
    pub async fn detect(org: &Url) -> Option<Emulator> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .ok()?;
        let emulator = Emulator {
            http,
            org: org.clone(),
        };
        let reply = emulator
            .send(reqwest::Method::GET, "/mock/clock", None)
            .await
            .ok()?;
        let is_emulator = reply.status == 200 && reply.body.get("now_epoch_seconds").is_some();
        tracing::debug!(org = %org, is_emulator, "probed for mock-okta's control API");
        is_emulator.then_some(emulator)
    }

    /// Moves session `session_id`'s expiry into the past without a System
    /// Log event, as natural expiry in Okta does.
    ///
    /// # Errors
    /// [`ControlError::Transport`] when no response arrived.
    pub async fn expire_session(&self, session_id: &str) -> Result<ControlReply, ControlError> {
        let path = format!("/mock/sessions/{session_id}/expire");
        self.send(reqwest::Method::POST, &path, None).await
    }

    /// Returns the ids of every token inline hook.
    ///
    /// # Errors
    /// [`ControlError`] when the list cannot be read.
    pub async fn inline_hook_ids(&self) -> Result<Vec<String>, ControlError> {
        let path = "/mock/inline-hooks";
        let reply = self.send(reqwest::Method::GET, path, None).await?;
        let ids = reply.body.as_array().map(|hooks| {
            hooks
                .iter()
                .filter_map(|hook| hook.get("id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
        ids.ok_or_else(|| self.unexpected(path, &reply))
    }

    /// Makes token inline hook `hook_id` unreachable, as if its service
    /// were down.
    ///
    /// # Errors
    /// [`ControlError::Transport`] when no response arrived.
    pub async fn break_inline_hook(&self, hook_id: &str) -> Result<ControlReply, ControlError> {
        let path = format!("/mock/inline-hooks/{hook_id}/faults");
        let body = json!({ "unreachable": true });
        self.send(reqwest::Method::PUT, &path, Some(body)).await
    }

    /// Clears the faults of token inline hook `hook_id`.
    ///
    /// # Errors
    /// [`ControlError::Transport`] when no response arrived.
    pub async fn repair_inline_hook(&self, hook_id: &str) -> Result<ControlReply, ControlError> {
        let path = format!("/mock/inline-hooks/{hook_id}/faults");
        self.send(reqwest::Method::DELETE, &path, None).await
    }

    /// Makes every Sessions API request fail with `429 E0000047` until the
    /// fault is removed. Returns the reply, whose body has the fault `id`.
    ///
    /// # Errors
    /// [`ControlError::Transport`] when no response arrived.
    pub async fn rate_limit_sessions(&self) -> Result<ControlReply, ControlError> {
        let body = json!({ "bucket": "sessions", "kind": "rate_limit" });
        self.send(reqwest::Method::POST, "/mock/faults", Some(body))
            .await
    }

    /// Removes fault `fault_id`.
    ///
    /// # Errors
    /// [`ControlError::Transport`] when no response arrived.
    pub async fn remove_fault(&self, fault_id: &str) -> Result<ControlReply, ControlError> {
        let path = format!("/mock/faults/{fault_id}");
        self.send(reqwest::Method::DELETE, &path, None).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<ControlReply, ControlError> {
        let mut url = self.org.clone();
        url.set_path(path);

        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|source| ControlError::Transport {
                url: url.to_string(),
                source,
            })?;

        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        tracing::debug!(%method, path, status, "mock-okta control API called");
        Ok(ControlReply { status, body })
    }

    fn unexpected(&self, path: &str, reply: &ControlReply) -> ControlError {
        let mut body = reply.body.to_string();
        body.truncate(200);
        ControlError::Unexpected {
            url: format!("{}{}", self.org.as_str().trim_end_matches('/'), path),
            status: reply.status,
            body,
        }
    }
}
