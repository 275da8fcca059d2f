//! Sessions API over real HTTP: retrieve, refresh, revoke, user-wide
//! revocation, the current session by cookie, and expiry on the emulator
//! clock.

mod api_common;

use api_common::{ALICE_USER_ID, DEMO_USER_ID, Okta, assert_okta_error, json};
use chrono::DateTime;
use mock_okta::state::{AccessTokenRecord, RefreshTokenRecord};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn epoch_ms(timestamp: &Value) -> i64 {
    DateTime::parse_from_rfc3339(timestamp.as_str().expect("timestamp string"))
        .expect("RFC 3339 timestamp")
        .timestamp_millis()
}

#[tokio::test]
async fn get_returns_session() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let response = okta
        .api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert_eq!(body["id"], session.id.as_str());
    assert_eq!(body["userId"], DEMO_USER_ID);
    assert_eq!(body["login"], "demo@example.com");
    assert_eq!(body["status"], "ACTIVE");
    assert_eq!(body["amr"], serde_json::json!(["pwd"]));
    assert_eq!(body["idp"]["type"], "OKTA");
    assert!(body["lastFactorVerification"].is_null());
    assert_eq!(
        body["_links"]["self"]["href"],
        okta.url(&format!("/api/v1/sessions/{}", session.id))
    );
    assert_eq!(
        body["_links"]["refresh"]["href"],
        okta.url(&format!(
            "/api/v1/sessions/{}/lifecycle/refresh",
            session.id
        ))
    );
    assert_eq!(
        body["_links"]["user"]["href"],
        okta.url(&format!("/api/v1/users/{DEMO_USER_ID}"))
    );
    assert_eq!(body["_links"]["user"]["name"], "Demo User");
}

#[tokio::test]
async fn get_session_id_shape() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    assert!(session.id.starts_with("102"), "{}", session.id);
    assert_eq!(session.id.len(), 25, "{}", session.id);
    assert!(session.id.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[tokio::test]
async fn get_expires_at_is_idle_timeout() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let body = json(
        okta.api_get(&format!("/api/v1/sessions/{}", session.id))
            .await,
    )
    .await;

    let idle_ms = 7200 * 1000;
    assert_eq!(
        epoch_ms(&body["expiresAt"]) - epoch_ms(&body["createdAt"]),
        idle_ms
    );
}

#[tokio::test]
async fn get_unknown_is_e0000007() {
    let okta = Okta::start().await;

    let response = okta
        .api_get("/api/v1/sessions/102unknown000000000000000")
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = json(response).await;
    assert_okta_error(&body, "E0000007");
    assert!(
        body["errorSummary"]
            .as_str()
            .unwrap()
            .starts_with("Not found: "),
        "{body}"
    );
}

#[tokio::test]
async fn refresh_pushes_expires_at() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let path = format!("/api/v1/sessions/{}", session.id);
    let before = json(okta.api_get(&path).await).await;

    okta.advance(600).await;
    let response = okta
        .api(Method::POST, &format!("{path}/lifecycle/refresh"))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let refreshed = json(response).await;
    // Wall time passes too, so the push is at least the 600 s advanced.
    assert!(
        epoch_ms(&refreshed["expiresAt"]) - epoch_ms(&before["expiresAt"]) >= 600 * 1000,
        "{before} then {refreshed}"
    );
    assert_eq!(refreshed["createdAt"], before["createdAt"]);
}

#[tokio::test]
async fn refresh_unknown_is_e0000007() {
    let okta = Okta::start().await;

    let response = okta
        .api(Method::POST, "/api/v1/sessions/102nope/lifecycle/refresh")
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000007");
}

#[tokio::test]
async fn revoke_ends_session() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let path = format!("/api/v1/sessions/{}", session.id);

    let revoked = okta.api(Method::DELETE, &path).await;
    let after = okta.api_get(&path).await;
    let again = okta.api(Method::DELETE, &path).await;

    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(after).await, "E0000007");
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revoke_records_session_end() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    okta.api(Method::DELETE, &format!("/api/v1/sessions/{}", session.id))
        .await;

    let events = okta.running.state.system_log.events();
    let end = events
        .iter()
        .find(|event| event.event_type == "user.session.end")
        .expect("user.session.end recorded");
    assert_eq!(
        end.debug_context.debug_data["EndedSessionId"],
        session.id.as_str()
    );
}

#[tokio::test]
async fn idle_expiry_via_clock() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let path = format!("/api/v1/sessions/{}", session.id);

    okta.advance(7199).await;
    let alive = okta.api_get(&path).await;
    okta.advance(2).await;
    let expired = okta.api_get(&path).await;

    assert_eq!(alive.status(), StatusCode::OK);
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(expired).await, "E0000007");
}

#[tokio::test]
async fn idle_expiry_records_no_event() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    okta.advance(7201).await;
    okta.api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    let types: Vec<String> = okta
        .running
        .state
        .system_log
        .events()
        .into_iter()
        .map(|event| event.event_type)
        .collect();
    assert_eq!(types, vec!["user.session.start".to_owned()]);
}

#[tokio::test]
async fn max_lifetime_expiry_despite_refresh() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let path = format!("/api/v1/sessions/{}", session.id);
    let refresh = format!("{path}/lifecycle/refresh");

    // Twelve refreshes 7000 s apart keep the session within its idle
    // timeout, up to 84000 s of its 86400 s maximum.
    for _ in 0..12 {
        okta.advance(7000).await;
        let response = okta.api(Method::POST, &refresh).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let last = json(okta.api_get(&path).await).await;
    okta.advance(3000).await;
    let expired = okta.api_get(&path).await;

    assert_eq!(
        epoch_ms(&last["expiresAt"]) - epoch_ms(&last["createdAt"]),
        86_400 * 1000
    );
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
}

fn insert_tokens(okta: &Okta, user_id: &str) {
    let now = okta.running.state.clock.now();
    let later = now + std::time::Duration::from_secs(3600);
    let mut store = okta.running.state.store();
    store.refresh_tokens.insert(
        format!("refresh-{user_id}"),
        RefreshTokenRecord {
            jti: format!("oar-{user_id}"),
            client_id: "0oademospa0000000001".to_owned(),
            auth_server_id: "default".to_owned(),
            user_id: user_id.to_owned(),
            scopes: vec!["openid".to_owned()],
            session_id: "102x".to_owned(),
            auth_time: 0,
            expires_at: later,
            family: "f".to_owned(),
            revoked: false,
        },
    );
    store.access_tokens.insert(
        format!("AT.{user_id}"),
        AccessTokenRecord {
            jti: format!("AT.{user_id}"),
            client_id: "0oademospa0000000001".to_owned(),
            auth_server_id: "default".to_owned(),
            user_id: Some(user_id.to_owned()),
            session_id: Some("102x".to_owned()),
            expires_at: later,
            revoked: false,
        },
    );
}

fn tokens_revoked(okta: &Okta, user_id: &str) -> (bool, bool) {
    let store = okta.running.state.store();
    (
        store.refresh_tokens[&format!("refresh-{user_id}")].revoked,
        store.access_tokens[&format!("AT.{user_id}")].revoked,
    )
}

#[tokio::test]
async fn user_sessions_end_all() {
    let okta = Okta::start().await;
    let first = okta.demo_session();
    let second = okta.demo_session();
    let other = okta.session_for(ALICE_USER_ID);

    let response = okta
        .api(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for ended in [&first, &second] {
        let status = okta
            .api_get(&format!("/api/v1/sessions/{}", ended.id))
            .await
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let kept = okta
        .api_get(&format!("/api/v1/sessions/{}", other.id))
        .await;
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn user_sessions_oauth_tokens_true_revokes() {
    let okta = Okta::start().await;
    okta.demo_session();
    insert_tokens(&okta, DEMO_USER_ID);
    insert_tokens(&okta, ALICE_USER_ID);

    let response = okta
        .api(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions?oauthTokens=true"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(tokens_revoked(&okta, DEMO_USER_ID), (true, true));
    assert_eq!(tokens_revoked(&okta, ALICE_USER_ID), (false, false));
}

#[tokio::test]
async fn user_sessions_oauth_tokens_false_keeps() {
    let okta = Okta::start().await;
    okta.demo_session();
    insert_tokens(&okta, DEMO_USER_ID);

    let response = okta
        .api(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions?oauthTokens=false"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(tokens_revoked(&okta, DEMO_USER_ID), (false, false));
}

#[tokio::test]
async fn user_sessions_records_clear() {
    let okta = Okta::start().await;
    okta.demo_session();

    okta.api(
        Method::DELETE,
        &format!("/api/v1/users/{DEMO_USER_ID}/sessions?oauthTokens=true"),
    )
    .await;

    let events = okta.running.state.system_log.events();
    let clear = events
        .iter()
        .find(|event| event.event_type == "user.session.clear")
        .expect("user.session.clear recorded");
    assert_eq!(clear.target[0].id, DEMO_USER_ID);
}

#[tokio::test]
async fn user_sessions_unknown_user_e0000007() {
    let okta = Okta::start().await;

    let response = okta
        .api(Method::DELETE, "/api/v1/users/00unobody/sessions")
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000007");
}

#[tokio::test]
async fn user_sessions_bad_boolean_e0000001() {
    let okta = Okta::start().await;

    let response = okta
        .api(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions?oauthTokens=maybe"),
        )
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    assert_okta_error(&body, "E0000001");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("oauthTokens"),
        "{body}"
    );
}

async fn me(okta: &Okta, method: Method, path: &str, sid: Option<&str>) -> reqwest::Response {
    let mut request = okta.http.request(method, okta.url(path));
    if let Some(sid) = sid {
        request = request.header("Cookie", format!("sid={sid}"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn me_get_by_cookie() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let response = me(&okta, Method::GET, "/api/v1/sessions/me", Some(&session.id)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert_eq!(body["id"], session.id.as_str());
    assert_eq!(
        body["_links"]["self"]["href"],
        okta.url("/api/v1/sessions/me")
    );
}

#[tokio::test]
async fn me_delete_ends_session() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let ended = me(
        &okta,
        Method::DELETE,
        "/api/v1/sessions/me",
        Some(&session.id),
    )
    .await;
    let again = me(
        &okta,
        Method::DELETE,
        "/api/v1/sessions/me",
        Some(&session.id),
    )
    .await;
    let by_id = okta
        .api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(again).await, "E0000007");
    assert_eq!(by_id.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn me_delete_records_logout() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    me(
        &okta,
        Method::DELETE,
        "/api/v1/sessions/me",
        Some(&session.id),
    )
    .await;

    let events = okta.running.state.system_log.events();
    let end = events
        .iter()
        .find(|event| event.event_type == "user.session.end")
        .expect("user.session.end recorded");
    assert_eq!(end.display_message, "User logout from Okta");
    assert_eq!(
        end.authentication_context.external_session_id.as_deref(),
        Some(session.id.as_str())
    );
}

#[tokio::test]
async fn me_without_cookie_is_404() {
    let okta = Okta::start().await;
    okta.demo_session();

    let response = me(&okta, Method::DELETE, "/api/v1/sessions/me", None).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000007");
}

#[tokio::test]
async fn me_ignores_api_token() {
    let okta = Okta::start().await;
    okta.demo_session();

    let response = okta.api(Method::DELETE, "/api/v1/sessions/me").await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn me_refresh_pushes_expires_at() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    okta.advance(60).await;

    let response = me(
        &okta,
        Method::POST,
        "/api/v1/sessions/me/lifecycle/refresh",
        Some(&session.id),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert!(
        epoch_ms(&body["expiresAt"]) - epoch_ms(&body["createdAt"]) >= (7200 + 60) * 1000,
        "{body}"
    );
}

#[tokio::test]
async fn me_cors_trusted_origin() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .request(Method::OPTIONS, okta.url("/api/v1/sessions/me"))
        .header("Origin", "http://127.0.0.1:9403")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();

    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://127.0.0.1:9403"
    );
    assert_eq!(headers["access-control-allow-credentials"], "true");
}

#[tokio::test]
async fn me_cors_untrusted_origin() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .request(Method::OPTIONS, okta.url("/api/v1/sessions/me"))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();

    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
