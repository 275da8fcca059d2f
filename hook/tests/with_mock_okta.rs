//! The service against the Okta emulator end to end: a PKCE sign-in
//! through the emulator's form yields an access token whose `okta_sid` is
//! the emulator's session id. Refreshes keep it, whatever session block the
//! emulator sends on refresh grants. Once the session ends by logout or by
//! an admin, a refresh yields no token.

mod with_mock_okta_stack;

use mock_okta::config::RefreshHookSession;
use reqwest::StatusCode;
use serde_json::Value;
use session_hook::decision::Denial;
use with_mock_okta_stack::*;

/// Asserts that `response` is the emulator's `server_error` carrying the
/// service's summary for an ended session.
async fn assert_session_ended(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["error"], "server_error", "{body}");
    assert_eq!(
        body["error_description"],
        Denial::SessionEnded.summary(),
        "{body}"
    );
    assert!(body.get("access_token").is_none(), "{body}");
}

/// Refreshes `login`'s token twice, following rotation, and asserts that
/// each new access token carries `session`.
async fn assert_refresh_keeps_claim(stack: &Stack, login: &Login, session: &str) {
    let mut refresh_token = login.refresh_token().to_owned();
    for round in 1..=2 {
        let response = stack.refresh(&refresh_token).await;

        assert_eq!(response.status(), StatusCode::OK, "refresh {round} status");
        let tokens: Value = response.json().await.expect("token response");
        assert_eq!(
            session_claim(&tokens).as_deref(),
            Some(session),
            "refresh {round} claim"
        );
        refresh_token = tokens["refresh_token"]
            .as_str()
            .expect("rotated refresh token")
            .to_owned();
    }
}

#[tokio::test]
async fn login_claim_is_session_id() {
    let stack = Stack::start(RefreshHookSession::Absent).await;

    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;

    let session = stack.session_of(DEMO_LOGIN).await;
    assert!(session.starts_with("102"), "{session}");
    assert_eq!(session_claim(&demo.tokens), Some(session.clone()));
    assert!(
        stack.okta.state.live_session(&session).is_some(),
        "the claim names no live session"
    );
    let id_token = claims(demo.id_token());
    assert!(id_token.get("okta_sid").is_none(), "claims.id_token is off");
}

#[tokio::test]
async fn refresh_keeps_claim_without_session_block() {
    let stack = Stack::start(RefreshHookSession::Absent).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let session = stack.session_of(DEMO_LOGIN).await;

    assert_refresh_keeps_claim(&stack, &demo, &session).await;

    let request = stack.last_hook_request().await;
    assert!(
        request["data"]["context"].get("session").is_none(),
        "the emulator sent a session block"
    );
}

#[tokio::test]
async fn refresh_keeps_claim_with_session_block() {
    let stack = Stack::start(RefreshHookSession::Present).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let session = stack.session_of(DEMO_LOGIN).await;

    assert_refresh_keeps_claim(&stack, &demo, &session).await;

    let request = stack.last_hook_request().await;
    assert_eq!(
        request["data"]["context"]["session"]["id"],
        session.as_str()
    );
}

#[tokio::test]
async fn refresh_ignores_other_session_block() {
    let stack = Stack::start(RefreshHookSession::OtherSession).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let session = stack.session_of(DEMO_LOGIN).await;
    stack.login(ALICE_LOGIN, ALICE_PASSWORD).await;
    let alice_session = stack.session_of(ALICE_LOGIN).await;

    assert_refresh_keeps_claim(&stack, &demo, &session).await;

    // The emulator named Alice's session on the refresh; the claim above
    // stayed the demo user's.
    let request = stack.last_hook_request().await;
    assert_eq!(
        request["data"]["context"]["session"]["id"],
        alice_session.as_str()
    );
}

#[tokio::test]
async fn refresh_after_logout_yields_no_token() {
    let stack = Stack::start(RefreshHookSession::Absent).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let session = stack.session_of(DEMO_LOGIN).await;

    stack.logout(&demo).await;

    assert!(
        stack.okta.state.live_session(&session).is_none(),
        "logout left the session alive"
    );
    let issued = stack.okta.state.store().access_tokens.len();
    assert_session_ended(stack.refresh(demo.refresh_token()).await).await;
    assert_eq!(
        stack.okta.state.store().access_tokens.len(),
        issued,
        "the refresh recorded an access token"
    );
}

#[tokio::test]
async fn logout_denies_despite_other_session_block() {
    let stack = Stack::start(RefreshHookSession::OtherSession).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    stack.login(ALICE_LOGIN, ALICE_PASSWORD).await;
    let alice_session = stack.session_of(ALICE_LOGIN).await;

    stack.logout(&demo).await;
    let response = stack.refresh(demo.refresh_token()).await;

    // The emulator offered Alice's live session in the request; the
    // service must not adopt it.
    assert_session_ended(response).await;
    let request = stack.last_hook_request().await;
    assert_eq!(
        request["data"]["context"]["session"]["id"],
        alice_session.as_str()
    );
}

#[tokio::test]
async fn refresh_after_admin_clear_yields_no_token() {
    let stack = Stack::start(RefreshHookSession::Absent).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let api_token = stack.okta.state.config.api_tokens[0].token.clone();

    // Without `oauthTokens=true` the emulator keeps the refresh token
    // valid, so only the service can stop the refresh.
    let cleared = stack
        .http
        .delete(format!(
            "{}/api/v1/users/{DEMO_ID}/sessions",
            stack.okta.base_url
        ))
        .header("Authorization", format!("SSWS {api_token}"))
        .send()
        .await
        .expect("Management API reachable");

    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(stack.live_sessions().await.is_empty(), "a session survived");
    assert_session_ended(stack.refresh(demo.refresh_token()).await).await;
}

#[tokio::test]
async fn other_users_refresh_survives_logout() {
    let stack = Stack::start(RefreshHookSession::Absent).await;
    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;
    let alice = stack.login(ALICE_LOGIN, ALICE_PASSWORD).await;
    let alice_session = stack.session_of(ALICE_LOGIN).await;

    stack.logout(&demo).await;

    assert_refresh_keeps_claim(&stack, &alice, &alice_session).await;
}

#[tokio::test]
async fn client_credentials_token_has_no_claim() {
    let stack = Stack::start(RefreshHookSession::Absent).await;

    let response = stack
        .http
        .post(stack.url("/v1/token"))
        .basic_auth(SERVICE, Some(SERVICE_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "demo.read")])
        .send()
        .await
        .expect("token endpoint reachable");

    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("token response");
    assert_eq!(session_claim(&tokens), None);
    let call = stack.last_hook_call().await;
    assert_eq!(
        call["request"]["data"]["context"]["protocol"]["request"]["grant_type"],
        "client_credentials"
    );
    assert_eq!(
        call["outcome"]["result"], "no_change",
        "the service did not return 204: {call}"
    );
}

#[tokio::test]
async fn bearer_auth_login_gets_claim() {
    let stack = Stack::start_with(RefreshHookSession::Absent, HookAuth::Bearer).await;

    let demo = stack.login(DEMO_LOGIN, DEMO_PASSWORD).await;

    let session = stack.session_of(DEMO_LOGIN).await;
    assert_eq!(session_claim(&demo.tokens), Some(session.clone()));
    assert_refresh_keeps_claim(&stack, &demo, &session).await;
}
