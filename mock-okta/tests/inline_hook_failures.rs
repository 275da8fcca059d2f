//! Okta's failure rules for token inline hooks, over real HTTP. An `error`
//! object fails closed: no token, OAuth `server_error` with the summary.
//! Everything else fails open: a timeout, a non-200 status, an unreachable
//! hook or an unusable body issues the tokens unmodified, after exactly one
//! call, because Okta never retries token hooks.

mod inline_hook_support;
mod oauth_support;

use inline_hook_support::*;
use oauth_support::*;
use reqwest::StatusCode;
use serde_json::json;

/// Timeout of the timeout tests, in milliseconds.
const SHORT_TIMEOUT_MS: u64 = 200;

#[tokio::test]
async fn error_object_issues_no_token() {
    let hooked = Hooked::start(Reply::Json(json!({
        "error": { "errorSummary": "Session has ended" }
    })))
    .await;

    let response = hooked.sign_in_and_exchange().await;

    let body = oauth_error(response, StatusCode::INTERNAL_SERVER_ERROR, "server_error").await;
    assert_eq!(body["error_description"], "Session has ended");
    assert!(body.get("access_token").is_none(), "{body}");
    assert!(
        hooked.okta.running.state.store().access_tokens.is_empty(),
        "an access token was recorded"
    );
    assert!(
        hooked.okta.running.state.store().refresh_tokens.is_empty(),
        "a refresh token was recorded"
    );
    let record = hooked.assert_last_outcome("denied", "DENY").await;
    assert_eq!(record["outcome"]["summary"], "Session has ended");
}

#[tokio::test]
async fn error_object_on_refresh_issues_no_token() {
    let hooked = Hooked::start(Reply::Status(204)).await;
    let tokens = hooked.login().await;
    hooked.receiver.reply_with(Reply::Json(json!({
        "error": { "errorSummary": "Sign in again" }
    })));

    let response = hooked
        .okta
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;

    let body = oauth_error(response, StatusCode::INTERNAL_SERVER_ERROR, "server_error").await;
    assert_eq!(body["error_description"], "Sign in again");
    assert_eq!(
        hooked.okta.running.state.store().access_tokens.len(),
        1,
        "the refresh issued an access token"
    );
    hooked.assert_last_outcome("denied", "DENY").await;
}

#[tokio::test]
async fn error_object_with_commands_issues_no_token() {
    let hooked = Hooked::start(Reply::Json(json!({
        "commands": [{ "type": "com.okta.access.patch", "value": [
            { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
        ]}],
        "error": { "errorSummary": "Denied" }
    })))
    .await;

    let response = hooked.sign_in_and_exchange().await;

    oauth_error(response, StatusCode::INTERNAL_SERVER_ERROR, "server_error").await;
    hooked.assert_last_outcome("denied", "DENY").await;
}

#[tokio::test]
async fn server_error_status_fails_open() {
    let hooked = Hooked::start(Reply::Status(500)).await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert_eq!(record["outcome"]["reason"], "hook answered HTTP 500");
    assert_eq!(hooked.receiver.calls().len(), 1, "the hook was retried");
}

#[tokio::test]
async fn other_non_200_statuses_fail_open() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    for status in [400, 401, 403, 404, 503] {
        hooked.receiver.reply_with(Reply::Status(status));

        let tokens = hooked.login().await;

        assert_unmodified(&tokens, &hooked.receiver.last_body());
        let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
        assert_eq!(
            record["outcome"]["reason"],
            format!("hook answered HTTP {status}")
        );
    }
    assert_eq!(hooked.receiver.calls().len(), 5, "a call was retried");
}

#[tokio::test]
async fn timeout_fails_open_without_retry() {
    let hooked = Hooked::start_with(Reply::Hang, |config| {
        config.inline_hooks[0].timeout_ms = SHORT_TIMEOUT_MS;
    })
    .await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    assert_eq!(
        hooked.receiver.calls().len(),
        1,
        "the hook was called again"
    );
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert_eq!(record["outcome"]["reason"], "timed out after 200 ms");
}

#[tokio::test]
async fn timeout_on_refresh_fails_open() {
    let hooked = Hooked::start_with(Reply::Status(204), |config| {
        config.inline_hooks[0].timeout_ms = SHORT_TIMEOUT_MS;
    })
    .await;
    let tokens = hooked.login().await;
    hooked.receiver.reply_with(Reply::Hang);

    let response = hooked
        .okta
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let refreshed = json(response).await;
    assert_unmodified(&refreshed, &hooked.receiver.last_body());
    assert_eq!(hooked.receiver.calls().len(), 2, "one call per grant");
    hooked.assert_last_outcome("failed_open", "FAILURE").await;
}

#[tokio::test]
async fn delay_fault_times_out() {
    let hooked = Hooked::start_with(
        Reply::access_patch(json!([
            { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
        ])),
        |config| {
            config.inline_hooks[0].timeout_ms = SHORT_TIMEOUT_MS;
        },
    )
    .await;
    hooked
        .set_faults(json!({ "delay_ms": SHORT_TIMEOUT_MS + 100 }))
        .await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert!(access.get("okta_sid").is_none(), "the patch was applied");
    assert!(
        hooked.receiver.calls().is_empty(),
        "the hook was called after its timeout"
    );
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert_eq!(record["outcome"]["reason"], "timed out after 200 ms");
}

#[tokio::test]
async fn delay_below_timeout_still_applies() {
    let hooked = Hooked::start_with(
        Reply::access_patch(json!([
            { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
        ])),
        |config| {
            config.inline_hooks[0].timeout_ms = 2000;
        },
    )
    .await;
    hooked.set_faults(json!({ "delay_ms": 50 })).await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["okta_sid"], "102abc");
    hooked.assert_last_outcome("applied", "SUCCESS").await;
}

#[tokio::test]
async fn unreachable_fault_fails_open() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
    ])))
    .await;
    hooked.set_faults(json!({ "unreachable": true })).await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert!(access.get("okta_sid").is_none(), "the patch was applied");
    assert!(
        hooked.receiver.calls().is_empty(),
        "the unreachable hook was called"
    );
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert!(
        record["outcome"]["reason"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{record}"
    );
}

#[tokio::test]
async fn status_fault_fails_open() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
    ])))
    .await;
    hooked.set_faults(json!({ "status": 503 })).await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert!(access.get("okta_sid").is_none(), "the patch was applied");
    assert!(hooked.receiver.calls().is_empty(), "the hook was called");
    hooked.assert_last_outcome("failed_open", "FAILURE").await;
}

#[tokio::test]
async fn cleared_faults_restore_calls() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
    ])))
    .await;
    hooked.set_faults(json!({ "unreachable": true })).await;
    hooked.set_faults(json!({})).await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["okta_sid"], "102abc");
}

#[tokio::test]
async fn closed_port_fails_open() {
    // A port that was free a moment ago and has no listener now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let hooked = Hooked::start_with(Reply::Status(204), |config| {
        config.inline_hooks[0].url = format!("http://{closed}{HOOK_PATH}");
    })
    .await;

    let response = hooked.sign_in_and_exchange().await;

    assert_eq!(response.status(), StatusCode::OK);
    let tokens = json(response).await;
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert_unmodified(&tokens, &record["request"]);
}

#[tokio::test]
async fn non_json_body_fails_open() {
    let hooked = Hooked::start(Reply::Raw("text/plain", "ok".to_owned())).await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    hooked.assert_last_outcome("failed_open", "FAILURE").await;
}

#[tokio::test]
async fn oversized_body_fails_open() {
    // Okta reads at most 256 KB of a hook response.
    let padding = "x".repeat(256 * 1024);
    let body = json!({
        "commands": [{ "type": "com.okta.access.patch", "value": [
            { "op": "add", "path": "/claims/padding", "value": padding }
        ]}]
    });
    let hooked = Hooked::start(Reply::Raw("application/json", body.to_string())).await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    let record = hooked.assert_last_outcome("failed_open", "FAILURE").await;
    assert!(
        record["outcome"]["reason"]
            .as_str()
            .unwrap()
            .contains("256 KB"),
        "{record}"
    );
}
