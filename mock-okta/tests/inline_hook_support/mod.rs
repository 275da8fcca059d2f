//! Shared harness of the token inline hook tests. An axum hook receiver on
//! a loopback port sends the reply each test sets, and an emulator's
//! `default` server calls it. Readers return what the emulator recorded
//! about each call in the control API's call list and the System Log.
//!
//! Include it after `mod oauth_support;`, which it builds on.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mock_okta::config::{InlineHookAuth, InlineHookConfig};
use reqwest::header;
use serde_json::{Value, json};

use crate::oauth_support::*;

/// Id of the hook in the emulator's configuration.
pub const HOOK_ID: &str = "testhook01";
/// Path the receiver serves.
pub const HOOK_PATH: &str = "/okta/token-inline-hook";
/// Header secret the emulator sends in header mode.
pub const HOOK_SECRET: &str = "inline-hook-test-secret";
/// Timeout of the hook call in these tests, in milliseconds. Long enough
/// for a loopback call on a busy machine, short enough for timeout tests.
pub const HOOK_TIMEOUT_MS: u64 = 3000;
/// The service client's token request scope.
pub const SERVICE_SCOPE: &str = "demo.read";
/// SSWS token of the embedded org.
pub const API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";

/// The response the receiver sends to the next calls.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `200` with this JSON body.
    Json(Value),
    /// This status with an empty body.
    Status(u16),
    /// `200` with this body and content type, for unusable bodies.
    Raw(&'static str, String),
    /// No response at all, as a hung hook.
    Hang,
}

impl Reply {
    /// Builds a `200` with one command of `kind` holding `operations`.
    pub fn command(kind: &str, operations: Value) -> Reply {
        Reply::Json(json!({ "commands": [{ "type": kind, "value": operations }] }))
    }

    /// Builds a `200` with one `com.okta.access.patch` command.
    pub fn access_patch(operations: Value) -> Reply {
        Reply::command("com.okta.access.patch", operations)
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct ReceivedCall {
    pub headers: HeaderMap,
    pub body: Value,
}

/// A hook receiver that records every call and responds with the current [`Reply`].
#[derive(Clone)]
pub struct Receiver {
    reply: Arc<Mutex<Reply>>,
    calls: Arc<Mutex<Vec<ReceivedCall>>>,
}

impl Receiver {
    /// Starts a receiver on a free loopback port and returns it with the
    /// hook URL.
    pub async fn start(reply: Reply) -> (Receiver, String) {
        let receiver = Receiver {
            reply: Arc::new(Mutex::new(reply)),
            calls: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route(HOOK_PATH, post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the hook receiver");
        let address = listener.local_addr().expect("receiver address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, format!("http://{address}{HOOK_PATH}"))
    }

    /// Changes the reply to the next calls.
    pub fn reply_with(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    /// Returns every call received, oldest first.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        self.calls.lock().unwrap().clone()
    }

    /// Returns the body of the last call.
    pub fn last_body(&self) -> Value {
        self.calls().pop().expect("the hook received a call").body
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    receiver
        .calls
        .lock()
        .unwrap()
        .push(ReceivedCall { headers, body });

    let reply = receiver.reply.lock().unwrap().clone();
    match reply {
        Reply::Json(value) => axum::Json(value).into_response(),
        Reply::Status(status) => StatusCode::from_u16(status)
            .expect("valid status in the test")
            .into_response(),
        Reply::Raw(content_type, body) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Reply::Hang => std::future::pending::<Response>().await,
    }
}

/// The header-secret hook configuration pointing at `url`.
pub fn hook_config(url: &str) -> InlineHookConfig {
    InlineHookConfig {
        id: HOOK_ID.to_owned(),
        name: "Token hook under test".to_owned(),
        url: url.to_owned(),
        auth: InlineHookAuth::Header {
            key: "Authorization".to_owned(),
            value: HOOK_SECRET.to_owned(),
        },
        timeout_ms: HOOK_TIMEOUT_MS,
    }
}

/// An emulator whose `default` server calls a [`Receiver`].
pub struct Hooked {
    pub okta: Okta,
    pub receiver: Receiver,
}

impl Hooked {
    /// Starts a receiver responding with `reply` and the embedded org with the
    /// hook bound to the `default` server.
    pub async fn start(reply: Reply) -> Hooked {
        Hooked::start_with(reply, |_| {}).await
    }

    /// Like [`Hooked::start`]; `configure` may change the configuration
    /// (hook auth, timeout, URL, `refresh_hook_session`) before start.
    pub async fn start_with(
        reply: Reply,
        configure: impl FnOnce(&mut mock_okta::Config),
    ) -> Hooked {
        let (receiver, url) = Receiver::start(reply).await;
        let mut config = mock_okta::Config::embedded_default();
        config.inline_hooks.push(hook_config(&url));
        config.authorization_servers[0].token_inline_hook = Some(HOOK_ID.to_owned());
        configure(&mut config);
        Hooked {
            okta: Okta::start_with(config).await,
            receiver,
        }
    }

    /// Signs the demo user in through the form and returns the raw token
    /// response of the code exchange.
    pub async fn sign_in_and_exchange(&self) -> reqwest::Response {
        let pkce = Pkce::new();
        let url = AuthorizeUrl::new(&self.okta).pkce(&pkce).build();
        let code = sign_in(&self.okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD)
            .await
            .code();
        self.okta.exchange(&code, &pkce.verifier).await
    }

    /// Signs the demo user in and returns the token response body,
    /// asserting `200`.
    pub async fn login(&self) -> Value {
        let response = self.sign_in_and_exchange().await;
        assert_eq!(response.status(), StatusCode::OK, "code exchange status");
        json(response).await
    }

    /// Requests a `client_credentials` token as the service client.
    pub async fn service_token(&self) -> reqwest::Response {
        self.okta
            .post_as_service(
                "/v1/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", SERVICE_SCOPE),
                ],
            )
            .await
    }

    /// Sets the control API faults of the hook.
    pub async fn set_faults(&self, faults: Value) {
        let response = self
            .okta
            .http
            .put(self.control_url("/faults"))
            .json(&faults)
            .send()
            .await
            .expect("control API reachable");
        assert_eq!(response.status(), StatusCode::OK, "set faults {faults}");
    }

    /// Returns `GET /mock/inline-hooks/{id}/calls`: what the emulator sent
    /// and what came of it, oldest first.
    pub async fn recorded_calls(&self) -> Vec<Value> {
        let response = self
            .okta
            .http
            .get(self.control_url("/calls"))
            .send()
            .await
            .expect("control API reachable");
        assert_eq!(response.status(), StatusCode::OK, "calls status");
        let calls = json(response).await;
        calls.as_array().expect("array of calls").clone()
    }

    /// Returns the System Log events of hook calls, oldest first.
    pub async fn hook_log_events(&self) -> Vec<Value> {
        let response = self
            .okta
            .http
            .get(format!("{}/api/v1/logs", self.okta.running.base_url))
            .query(&[("filter", "eventType eq \"inline_hook.executed\"")])
            .header(header::AUTHORIZATION, format!("SSWS {API_TOKEN}"))
            .send()
            .await
            .expect("System Log reachable");
        assert_eq!(response.status(), StatusCode::OK, "System Log status");
        let events = json(response).await;
        events.as_array().expect("array of events").clone()
    }

    /// Asserts the last call's outcome: `result` in the control API's
    /// record and `log_result` in the System Log event. Returns the record
    /// of the call.
    pub async fn assert_last_outcome(&self, result: &str, log_result: &str) -> Value {
        let record = self
            .recorded_calls()
            .await
            .pop()
            .expect("the emulator recorded a call");
        assert_eq!(record["outcome"]["result"], result, "call record {record}");

        let event = self
            .hook_log_events()
            .await
            .pop()
            .expect("the System Log has a hook event");
        assert_eq!(event["outcome"]["result"], log_result, "log event {event}");
        assert_eq!(
            event["debugContext"]["debugData"]["inlineHookId"], HOOK_ID,
            "log event {event}"
        );
        assert_eq!(
            event["debugContext"]["debugData"]["outcome"], record["outcome"],
            "the log and the call record disagree"
        );
        record
    }

    fn control_url(&self, suffix: &str) -> String {
        format!(
            "{}/mock/inline-hooks/{HOOK_ID}{suffix}",
            self.okta.running.base_url
        )
    }
}

/// Returns `exp - iat` of a JWT, in seconds.
pub fn lifetime(token: &str) -> i64 {
    let claims = claims(token);
    claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat")
}

/// Asserts that the tokens in `tokens` carry exactly the claims and
/// lifetimes the hook was shown in `request`: nothing the hook sent was
/// applied.
pub fn assert_unmodified(tokens: &Value, request: &Value) {
    let access = tokens["access_token"].as_str().expect("access_token");
    let sent = &request["data"]["access"];
    assert_eq!(claims(access), sent["claims"], "access token claims");
    assert_eq!(
        lifetime(access),
        sent["token"]["lifetime"]["expiration"]
            .as_i64()
            .expect("lifetime"),
        "access token lifetime"
    );

    if let Some(id_token) = tokens["id_token"].as_str() {
        let mut id_claims = claims(id_token);
        // Signing adds `at_hash` of the final access token after the hook.
        id_claims
            .as_object_mut()
            .expect("ID token claims object")
            .remove("at_hash");
        assert_eq!(
            id_claims, request["data"]["identity"]["claims"],
            "ID token claims"
        );
    }
}
