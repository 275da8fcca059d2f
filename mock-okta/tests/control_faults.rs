//! Injected faults: latency, 5xx, 429, dropped connections, counts and
//! clearing, against a real HTTP client.

mod api_common;

use std::time::{Duration, Instant};

use api_common::{Okta, assert_okta_error, json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn add_fault(okta: &Okta, fault: Value) -> Value {
    let response = okta
        .control(Method::POST, "/mock/faults", Some(fault.clone()))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "{fault}");
    json(response).await
}

async fn sessions_status(okta: &Okta, session_id: &str) -> StatusCode {
    okta.api_get(&format!("/api/v1/sessions/{session_id}"))
        .await
        .status()
}

#[tokio::test]
async fn latency_delays_then_serves() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "latency", "latency_ms": 300, "count": 1 }),
    )
    .await;

    let started = Instant::now();
    let status = sessions_status(&okta, &session.id).await;
    let elapsed = started.elapsed();

    assert_eq!(status, StatusCode::OK);
    // A lower bound only: the fault sleeps at least this long.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
}

#[tokio::test]
async fn status_fault_answers_5xx() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "status", "status": 503, "count": 1 }),
    )
    .await;

    let response = okta
        .api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("x-okta-request-id"));
    assert_okta_error(&json(response).await, "E0000009");
}

#[tokio::test]
async fn rate_limit_fault_answers_429() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "rate_limit", "count": 1 }),
    )
    .await;

    let response = okta
        .api_get(&format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["x-rate-limit-remaining"], "0");
    assert_eq!(response.headers()["x-rate-limit-limit"], "600");
    assert!(response.headers().contains_key("x-rate-limit-reset"));
    assert_okta_error(&json(response).await, "E0000047");
}

#[tokio::test]
async fn drop_fault_closes_connection() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "drop", "count": 1 }),
    )
    .await;

    let dropped = okta
        .http
        .get(okta.url(&format!("/api/v1/sessions/{}", session.id)))
        .header("Authorization", format!("SSWS {}", api_common::TOKEN))
        .send()
        .await;
    let after = sessions_status(&okta, &session.id).await;

    let error = dropped.expect_err("no response on a dropped connection");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(error.status().is_none(), "{error:?}");
    assert_eq!(after, StatusCode::OK);
}

#[tokio::test]
async fn count_applies_to_next_n() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "status", "status": 500, "count": 2 }),
    )
    .await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(sessions_status(&okta, &session.id).await);
    }
    let remaining = json(okta.control(Method::GET, "/mock/faults", None).await).await;

    assert_eq!(
        statuses,
        [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::OK
        ]
    );
    assert_eq!(remaining, json!([]));
}

#[tokio::test]
async fn without_count_until_cleared() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "status", "status": 502 }),
    )
    .await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(sessions_status(&okta, &session.id).await);
    }
    let cleared = okta.control(Method::DELETE, "/mock/faults", None).await;
    let after = sessions_status(&okta, &session.id).await;

    assert_eq!(statuses, [StatusCode::BAD_GATEWAY; 3]);
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(after, StatusCode::OK);
}

#[tokio::test]
async fn remove_one_fault_by_id() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let fault = add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "status", "status": 500 }),
    )
    .await;
    let id = fault["id"].as_str().unwrap();

    let removed = okta
        .control(Method::DELETE, &format!("/mock/faults/{id}"), None)
        .await;
    let again = okta
        .control(Method::DELETE, &format!("/mock/faults/{id}"), None)
        .await;

    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(again).await, "E0000007");
    assert_eq!(sessions_status(&okta, &session.id).await, StatusCode::OK);
}

#[tokio::test]
async fn list_shows_remaining_and_applied() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "bucket": "sessions", "kind": "latency", "latency_ms": 1, "count": 3 }),
    )
    .await;

    sessions_status(&okta, &session.id).await;
    let listed = json(okta.control(Method::GET, "/mock/faults", None).await).await;

    assert_eq!(listed[0]["kind"], "latency");
    assert_eq!(listed[0]["bucket"], "sessions");
    assert_eq!(listed[0]["remaining"], 2);
    assert_eq!(listed[0]["applied"], 1);
}

#[tokio::test]
async fn path_prefix_targets_only_matching_paths() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    add_fault(
        &okta,
        json!({ "path_prefix": "/api/v1/logs", "kind": "status", "status": 500 }),
    )
    .await;

    let logs = okta.api_get("/api/v1/logs").await;
    let sessions = sessions_status(&okta, &session.id).await;

    assert_eq!(logs.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sessions, StatusCode::OK);
}

#[tokio::test]
async fn control_api_never_faulted() {
    let okta = Okta::start().await;
    add_fault(&okta, json!({ "path_prefix": "/", "kind": "drop" })).await;

    let listed = okta.control(Method::GET, "/mock/faults", None).await;
    let cleared = okta.control(Method::DELETE, "/mock/faults", None).await;

    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn invalid_faults_rejected() {
    let okta = Okta::start().await;
    let cases = [
        json!({ "bucket": "sessions", "kind": "status", "status": 404 }),
        json!({ "bucket": "sessions", "kind": "latency" }),
        json!({ "bucket": "sessions", "kind": "drop", "count": 0 }),
        json!({ "bucket": "nowhere", "kind": "drop" }),
        json!({ "kind": "drop" }),
        json!({ "path_prefix": "/mock/faults", "kind": "drop" }),
        json!({ "bucket": "sessions", "kind": "explode" }),
        json!({ "bucket": "sessions", "kind": "drop", "delay": 5 }),
    ];

    for case in cases {
        let response = okta
            .control(Method::POST, "/mock/faults", Some(case.clone()))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let body = json(response).await;
        assert!(
            !body["errorCauses"][0]["errorSummary"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{case}: {body}"
        );
    }
}
