//! The control API: sessions, clock, keys, reset and the loopback rule.

mod api_common;

use std::sync::Arc;

use api_common::{ALICE_USER_ID, DEMO_USER_ID, Okta, assert_okta_error, json};
use mock_okta::{Config, MockOkta};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

fn event_types(okta: &Okta) -> Vec<String> {
    okta.running
        .state
        .system_log
        .events()
        .into_iter()
        .map(|event| event.event_type)
        .collect()
}

#[tokio::test]
async fn sessions_list_live_only() {
    let okta = Okta::start().await;
    let first = okta.demo_session();
    let second = okta.session_for(ALICE_USER_ID);
    let expired = okta.demo_session();
    okta.control(
        Method::POST,
        &format!("/mock/sessions/{}/expire", expired.id),
        None,
    )
    .await;

    let response = okta.control(Method::GET, "/mock/sessions", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    let ids: Vec<Value> = json(response)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|session| session["id"].clone())
        .collect();
    assert_eq!(ids, [json!(first.id), json!(second.id)]);
}

#[tokio::test]
async fn sessions_create_by_login() {
    let okta = Okta::start().await;

    let response = okta
        .control(
            Method::POST,
            "/mock/sessions",
            Some(json!({ "login": "DEMO@example.com" })),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body = json(response).await;
    assert_eq!(body["userId"], DEMO_USER_ID);
    let fetched = okta
        .api_get(&format!(
            "/api/v1/sessions/{}",
            body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(fetched.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_create_rejects_bad_user() {
    let okta = Okta::start().await;

    let unknown = okta
        .control(
            Method::POST,
            "/mock/sessions",
            Some(json!({ "login": "nobody@example.com" })),
        )
        .await;
    let both = okta
        .control(
            Method::POST,
            "/mock/sessions",
            Some(json!({ "login": "demo@example.com", "user_id": DEMO_USER_ID })),
        )
        .await;

    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(unknown).await, "E0000007");
    assert_eq!(both.status(), StatusCode::BAD_REQUEST);
    assert_okta_error(&json(both).await, "E0000001");
}

#[tokio::test]
async fn expire_makes_session_404_without_event() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let expired = okta
        .control(
            Method::POST,
            &format!("/mock/sessions/{}/expire", session.id),
            None,
        )
        .await;
    let fetched = okta
        .api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(expired.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetched.status(), StatusCode::NOT_FOUND);
    assert_eq!(event_types(&okta), ["user.session.start"]);
}

#[tokio::test]
async fn end_records_session_end() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let ended = okta
        .control(
            Method::POST,
            &format!("/mock/sessions/{}/end", session.id),
            None,
        )
        .await;
    let again = okta
        .control(
            Method::POST,
            &format!("/mock/sessions/{}/end", session.id),
            None,
        )
        .await;

    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        event_types(&okta),
        ["user.session.start", "user.session.end"]
    );
}

#[tokio::test]
async fn end_user_sessions_counts() {
    let okta = Okta::start().await;
    okta.demo_session();
    okta.demo_session();
    okta.session_for(ALICE_USER_ID);

    let response = okta
        .control(
            Method::POST,
            &format!("/mock/users/{DEMO_USER_ID}/sessions/end"),
            Some(json!({ "oauth_tokens": true })),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await, json!({ "ended": 2 }));
    assert_eq!(okta.running.state.store().sessions.len(), 1);
}

#[tokio::test]
async fn set_status_mfa_required() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let response = okta
        .control(
            Method::PUT,
            &format!("/mock/sessions/{}/status", session.id),
            Some(json!({ "status": "MFA_REQUIRED" })),
        )
        .await;
    let fetched = json(
        okta.api_get(&format!("/api/v1/sessions/{}", session.id))
            .await,
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(fetched["status"], "MFA_REQUIRED");
}

#[tokio::test]
async fn set_status_rejects_unknown() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let response = okta
        .control(
            Method::PUT,
            &format!("/mock/sessions/{}/status", session.id),
            Some(json!({ "status": "SLEEPY" })),
        )
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    assert_okta_error(&body, "E0000001");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("MFA_REQUIRED"),
        "{body}"
    );
}

#[tokio::test]
async fn clock_advance_and_reset() {
    let okta = Okta::start().await;

    let advanced = okta
        .control(
            Method::POST,
            "/mock/clock/advance",
            Some(json!({ "seconds": 90 })),
        )
        .await;
    let advanced = json(advanced).await;
    let reset = json(okta.control(Method::POST, "/mock/clock/reset", None).await).await;

    assert_eq!(advanced["offset_seconds"], 90);
    assert!(advanced["now"].as_str().unwrap().ends_with('Z'));
    assert_eq!(reset["offset_seconds"], 0);
    assert_eq!(okta.running.state.clock.offset().as_secs(), 0);
}

#[tokio::test]
async fn clock_advance_rejects_bad_input() {
    let okta = Okta::start().await;
    let cases = [
        json!({ "seconds": -5 }),
        json!({ "seconds": 400_000_000_u64 }),
        json!({ "minutes": 5 }),
    ];

    for case in cases {
        let response = okta
            .control(Method::POST, "/mock/clock/advance", Some(case.clone()))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
    }
}

#[tokio::test]
async fn rotate_keys_publishes_then_retires() {
    let okta = Okta::start().await;
    let keys_path = "/mock/authorization-servers/default/keys";
    let before = json(okta.control(Method::GET, keys_path, None).await).await;
    let old_kid = before["signing_kid"].clone();

    let rotated = okta
        .control(Method::POST, &format!("{keys_path}/rotate"), None)
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated = json(rotated).await;
    okta.advance(3601).await;
    let after_overlap = json(okta.control(Method::GET, keys_path, None).await).await;

    let published = rotated["published_kids"].as_array().unwrap();
    assert_ne!(rotated["signing_kid"], old_kid);
    assert!(published.contains(&old_kid), "{rotated}");
    assert!(published.contains(&rotated["signing_kid"]), "{rotated}");
    assert_eq!(published.len(), 3);
    assert!(
        before["published_kids"]
            .as_array()
            .unwrap()
            .contains(&rotated["signing_kid"]),
        "the new signing key was published before it signed"
    );
    let after = after_overlap["published_kids"].as_array().unwrap();
    assert!(!after.contains(&old_kid), "{after_overlap}");
}

#[tokio::test]
async fn rotate_unknown_server_404() {
    let okta = Okta::start().await;

    let response = okta
        .control(
            Method::POST,
            "/mock/authorization-servers/nope/keys/rotate",
            None,
        )
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000007");
}

#[tokio::test]
async fn reset_restores_start_up_state() {
    let okta = Okta::start().await;
    okta.demo_session();
    okta.advance(120).await;
    okta.control(
        Method::PUT,
        "/mock/rate-limits",
        Some(json!({ "sessions": 5 })),
    )
    .await;
    okta.control(
        Method::POST,
        "/mock/faults",
        Some(json!({ "bucket": "logs", "kind": "drop" })),
    )
    .await;

    let reset = okta.control(Method::POST, "/mock/reset", None).await;

    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let state = &okta.running.state;
    assert!(state.store().sessions.is_empty());
    assert!(state.system_log.events().is_empty());
    assert!(state.faults.list().is_empty());
    assert_eq!(state.clock.offset().as_secs(), 0);
    let limits = json(okta.control(Method::GET, "/mock/rate-limits", None).await).await;
    assert_eq!(limits["sessions"], 600);
    let logs = okta.api_get("/api/v1/logs").await;
    assert_eq!(logs.status(), StatusCode::OK);
}

#[tokio::test]
async fn request_counts_count_sessions_calls() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    okta.api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;
    okta.api_get("/api/v1/sessions/102unknown000000000000000")
        .await;
    let counts = json(
        okta.control(Method::GET, "/mock/request-counts", None)
            .await,
    )
    .await;
    okta.control(Method::POST, "/mock/reset", None).await;
    let after_reset = json(
        okta.control(Method::GET, "/mock/request-counts", None)
            .await,
    )
    .await;

    assert_eq!(counts["sessions"], 2);
    assert_eq!(counts["logs"], 0);
    assert_eq!(after_reset["sessions"], 0);
}

#[tokio::test]
async fn unknown_control_route_404() {
    let okta = Okta::start().await;

    let response = okta.control(Method::GET, "/mock/nothing", None).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000008");
}

#[tokio::test]
async fn control_rejects_unknown_peer() {
    // A router called in-process has no TCP peer, so the loopback check
    // cannot pass: the control API fails closed.
    let config = Config::embedded_default();
    let state = Arc::new(MockOkta::new(config, "http://127.0.0.1:9400".to_owned()).unwrap());
    let app = mock_okta::app(state);
    let request = axum::http::Request::builder()
        .uri("/mock/sessions")
        .body(axum::body::Body::empty())
        .unwrap();

    let response = app.oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_okta_error(&body, "E0000006");
}

#[tokio::test]
async fn control_accepts_loopback_peer() {
    let config = Config::embedded_default();
    let state = Arc::new(MockOkta::new(config, "http://127.0.0.1:9400".to_owned()).unwrap());
    let app = mock_okta::app(state);
    let mut request = axum::http::Request::builder()
        .uri("/mock/sessions")
        .body(axum::body::Body::empty())
        .unwrap();
    let peer: std::net::SocketAddr = "[::ffff:127.0.0.1]:50000".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));

    let response = app.oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn control_rejects_remote_peer() {
    let config = Config::embedded_default();
    let state = Arc::new(MockOkta::new(config, "http://127.0.0.1:9400".to_owned()).unwrap());
    let app = mock_okta::app(state);
    let mut request = axum::http::Request::builder()
        .method("POST")
        .uri("/mock/reset")
        .body(axum::body::Body::empty())
        .unwrap();
    let peer: std::net::SocketAddr = "10.1.2.3:50000".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));

    let response = app.oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
