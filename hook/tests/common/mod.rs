//! Test harness: the service on 127.0.0.1:0 with a temporary store and a
//! wiremock server standing in for the Okta org.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use session_hook::{Config, RunningService};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Inline hook secret of the embedded defaults.
pub const HOOK_SECRET: &str = "demo-inline-hook-secret";
/// Okta API token of the embedded defaults.
pub const API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
/// Session of the authorization code fixture.
pub const SESSION: &str = "102SessA1b2C3d4E5f6G7h8I9";
/// Session of the "other session" refresh fixture.
pub const OTHER_SESSION: &str = "102SessZ9y8X7w6V5u4T3s2R1";
/// Demo user.
pub const USER: &str = "00udemo0000000000001";
/// Refresh token of the authorization code fixture.
pub const INITIAL_JTI: &str = "rtDemoInitial0000001";
/// Rotated refresh token of the refresh fixtures.
pub const ROTATED_JTI: &str = "rtDemoRotated0000002";

/// Loads `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", file.display()))
}

/// A running service, its fake Okta org and its store directory.
pub struct Harness {
    pub service: Option<RunningService>,
    pub okta: MockServer,
    pub http: reqwest::Client,
    pub store_dir: tempfile::TempDir,
    pub extra_toml: String,
}

impl Harness {
    /// Starts the service with the embedded defaults, a temporary store,
    /// the fake org, and `extra_toml` on top.
    pub async fn start(extra_toml: &str) -> Self {
        Self::start_on(MockServer::start().await, extra_toml).await
    }

    /// Like [`Harness::start`], on a fake org prepared by the caller.
    pub async fn start_on(okta: MockServer, extra_toml: &str) -> Self {
        let store_dir = tempfile::tempdir().expect("temp dir");
        let mut harness = Self {
            service: None,
            okta,
            http: reqwest::Client::new(),
            store_dir,
            extra_toml: extra_toml.to_owned(),
        };
        harness.service = Some(harness.start_service().await);
        harness
    }

    /// Returns the configuration the harness runs with.
    pub fn config(&self) -> Config {
        Config::from_toml_layers(&[&self.base_toml(), &self.extra_toml])
            .expect("test configuration is valid")
    }

    fn base_toml(&self) -> String {
        format!(
            "listen = \"127.0.0.1:0\"\n[okta]\norg_url = \"{}\"\n[store]\npath = \"{}\"\n",
            self.okta.uri(),
            self.store_path().display(),
        )
    }

    pub fn store_path(&self) -> PathBuf {
        self.store_dir.path().join("hook.redb")
    }

    async fn start_service(&self) -> RunningService {
        session_hook::start(&self.config())
            .await
            .expect("service starts")
    }

    /// Stops the service, closing its store file.
    pub async fn stop(&mut self) {
        if let Some(service) = self.service.take() {
            service.shutdown().await.expect("clean shutdown");
        }
    }

    /// Starts the service again on the same store file.
    pub async fn resume(&mut self) {
        self.service = Some(self.start_service().await);
    }

    /// Stops the service and starts it again on the same store file.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.resume().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.service.as_ref().expect("service running").url()
        )
    }

    /// POSTs `body` to the token hook with the demo secret.
    pub async fn call_hook(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/okta/token-inline-hook"))
            .header("Authorization", HOOK_SECRET)
            .json(body)
            .send()
            .await
            .expect("hook reachable")
    }

    /// POSTs `body` to the event hook receiver with the demo secret.
    pub async fn deliver_events(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/okta/event-hooks"))
            .header("Authorization", HOOK_SECRET)
            .json(body)
            .send()
            .await
            .expect("event hook reachable")
    }

    /// Makes the fake org's Sessions API respond with `template` for `session_id`.
    pub async fn sessions_api_answers(&self, session_id: &str, template: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/sessions/{session_id}")))
            .and(header(
                "authorization",
                format!("SSWS {API_TOKEN}").as_str(),
            ))
            .respond_with(template)
            .mount(&self.okta)
            .await;
    }

    /// Makes the fake org report `session_id` as active for the demo user.
    pub async fn session_is_active(&self, session_id: &str) {
        self.sessions_api_answers(
            session_id,
            ResponseTemplate::new(200).set_body_json(okta_session(session_id)),
        )
        .await;
    }

    /// Makes the fake org respond `404` (ended) for `session_id`.
    pub async fn session_has_ended(&self, session_id: &str) {
        let body = json!({
            "errorCode": "E0000007",
            "errorSummary": format!("Not found: Resource not found: {session_id} (Session)"),
            "errorLink": "E0000007",
            "errorId": "oaeDemo404",
            "errorCauses": []
        });
        self.sessions_api_answers(session_id, ResponseTemplate::new(404).set_body_json(body))
            .await;
    }

    /// Sessions API requests the fake org received.
    pub async fn sessions_api_calls(&self) -> usize {
        self.okta
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|request| request.url.path().starts_with("/api/v1/sessions/"))
            .count()
    }

    /// Signs in: runs the authorization code fixture so its refresh token
    /// is linked to [`SESSION`]; asserts the claim was stamped.
    pub async fn sign_in(&self) {
        let response = self
            .call_hook(&fixture("token_hook_authorization_code.json"))
            .await;
        assert_eq!(response.status(), 200, "sign-in hook status");
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(
            access_claim(&body),
            Some(SESSION.to_owned()),
            "sign-in claim"
        );
    }
}

/// Okta `Session` body for `session_id`.
pub fn okta_session(session_id: &str) -> Value {
    json!({
        "id": session_id,
        "userId": USER,
        "login": "demo@example.com",
        "createdAt": "2026-03-01T10:00:00.000Z",
        "expiresAt": "2099-03-01T12:00:00.000Z",
        "status": "ACTIVE",
        "lastPasswordVerification": "2026-03-01T10:00:00.000Z",
        "lastFactorVerification": null,
        "amr": ["pwd"],
        "idp": {"id": "00o0000000000000000a", "type": "OKTA"},
        "mfaActive": false
    })
}

/// Returns the `okta_sid` value of the access token patch in `body`.
pub fn access_claim(body: &Value) -> Option<String> {
    claim_in(body, "com.okta.access.patch", "/claims/okta_sid")
}

/// Returns the value added at `claim_path` by the command of type `kind`.
pub fn claim_in(body: &Value, kind: &str, claim_path: &str) -> Option<String> {
    body.get("commands")?
        .as_array()?
        .iter()
        .filter(|command| command["type"] == kind)
        .flat_map(|command| command["value"].as_array().cloned().unwrap_or_default())
        .find(|op| op["op"] == "add" && op["path"] == claim_path)
        .and_then(|op| op["value"].as_str().map(str::to_owned))
}

/// Returns `error.errorSummary` of `body`.
pub fn error_summary(body: &Value) -> Option<String> {
    body.pointer("/error/errorSummary")?
        .as_str()
        .map(str::to_owned)
}
