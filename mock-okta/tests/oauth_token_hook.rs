//! The token inline hook step of token minting, end to end: a hook on a
//! loopback port receives Okta's request and its patch lands in the
//! signed token.

mod oauth_support;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use mock_okta::config::{InlineHookAuth, InlineHookConfig};
use oauth_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The requests the hook received, and whether it denies tokens.
#[derive(Clone, Default)]
struct Hook {
    requests: Arc<Mutex<Vec<Value>>>,
    deny: bool,
}

async fn handle(State(hook): State<Hook>, Json(request): Json<Value>) -> Json<Value> {
    hook.requests.lock().unwrap().push(request.clone());
    if hook.deny {
        return Json(json!({ "error": { "errorSummary": "denied by the test hook" } }));
    }
    let session = request["data"]["context"]["session"]["id"].clone();
    let claim = if session.is_null() {
        json!("none")
    } else {
        session
    };
    Json(json!({
        "commands": [{
            "type": "com.okta.access.patch",
            "value": [{ "op": "add", "path": "/claims/okta_sid", "value": claim }],
        }]
    }))
}

/// Starts a hook and an emulator whose `default` server calls it.
async fn start(deny: bool) -> (Okta, Hook) {
    let hook = Hook {
        deny,
        ..Hook::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/okta/token-inline-hook", post(handle))
        .with_state(hook.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = mock_okta::Config::embedded_default();
    config.inline_hooks.push(InlineHookConfig {
        id: "test-hook".to_owned(),
        name: "test hook".to_owned(),
        url: format!("http://{address}/okta/token-inline-hook"),
        auth: InlineHookAuth::Header {
            key: "Authorization".to_owned(),
            value: "test-hook-secret".to_owned(),
        },
        timeout_ms: 3000,
    });
    config.authorization_servers[0].token_inline_hook = Some("test-hook".to_owned());
    (Okta::start_with(config).await, hook)
}

#[tokio::test]
async fn hook_patch_lands_in_access_token() {
    let (okta, hook) = start(false).await;

    let login = okta.login().await;

    let session = okta.session_ids().remove(0);
    assert_eq!(claims(login.access_token())["okta_sid"], session.as_str());
    let requests = hook.requests.lock().unwrap();
    let data = &requests[0]["data"];
    assert_eq!(requests[0]["eventType"], "com.okta.oauth2.tokens.transform");
    assert_eq!(
        data["context"]["protocol"]["request"]["grant_type"],
        "authorization_code"
    );
    assert_eq!(data["context"]["protocol"]["request"]["state"], "state-123");
    assert_eq!(data["context"]["protocol"]["client"]["id"], SPA);
    assert_eq!(data["access"]["claims"]["uid"], DEMO_ID);
    assert!(data["identity"]["claims"]["nonce"].is_string());
    let refresh_jti = &okta.running.state.store().refresh_tokens[login.refresh_token()].jti;
    assert_eq!(data["refresh_token"]["jti"], refresh_jti.as_str());
}

#[tokio::test]
async fn hook_sees_rotation_on_refresh() {
    let (okta, hook) = start(false).await;
    let login = okta.login().await;
    let presented = okta.running.state.store().refresh_tokens[login.refresh_token()]
        .jti
        .clone();

    let body = json(okta.refresh(login.refresh_token()).await).await;

    let issued = okta.running.state.store().refresh_tokens[body["refresh_token"].as_str().unwrap()]
        .jti
        .clone();
    let requests = hook.requests.lock().unwrap();
    let data = &requests[1]["data"];
    assert_eq!(
        data["context"]["protocol"]["OriginalGrant"]["refresh_token"]["jti"],
        presented.as_str()
    );
    assert_eq!(data["refresh_token"]["jti"], issued.as_str());
    // The default `refresh_hook_session` sends no session block.
    assert!(data["context"].get("session").is_none(), "{data}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["okta_sid"],
        "none"
    );
}

#[tokio::test]
async fn hook_error_means_no_token() {
    let (okta, _hook) = start(true).await;
    let pkce = Pkce::new();
    let url = AuthorizeUrl::new(&okta).pkce(&pkce).build();
    let code = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD)
        .await
        .code();

    let response = okta.exchange(&code, &pkce.verifier).await;

    let body = oauth_error(response, StatusCode::INTERNAL_SERVER_ERROR, "server_error").await;
    assert_eq!(body["error_description"], "denied by the test hook");
    assert!(okta.running.state.store().access_tokens.is_empty());
}
