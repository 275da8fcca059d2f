//! Live responses against the field tables of Okta's spec in
//! `tests/fixtures/`: every field has the spec's JSON type, no field is
//! missing, and none is extra.

mod api_common;

use api_common::{Okta, fixture, json, schema_mismatches};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn session_matches_spec() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let schema = fixture("session.json");

    let body = json(
        okta.api_get(&format!("/api/v1/sessions/{}", session.id))
            .await,
    )
    .await;

    assert_eq!(
        schema_mismatches(&body, &schema),
        Vec::<String>::new(),
        "{body}"
    );
}

#[tokio::test]
async fn refreshed_and_current_session_match_spec() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let schema = fixture("session.json");

    let refreshed = json(
        okta.api(
            Method::POST,
            &format!("/api/v1/sessions/{}/lifecycle/refresh", session.id),
        )
        .await,
    )
    .await;
    let current = json(
        okta.http
            .get(okta.url("/api/v1/sessions/me"))
            .header("Cookie", format!("sid={}", session.id))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(schema_mismatches(&refreshed, &schema), Vec::<String>::new());
    assert_eq!(schema_mismatches(&current, &schema), Vec::<String>::new());
}

#[tokio::test]
async fn error_bodies_match_spec() {
    let okta = Okta::start().await;
    let schema = fixture("error.json");
    let unauthorized = okta
        .http
        .get(okta.url("/api/v1/logs"))
        .send()
        .await
        .unwrap();
    let not_found = okta.api_get("/api/v1/sessions/102nope").await;
    let invalid = okta.api_get("/api/v1/logs?limit=9999").await;
    let malformed = okta
        .http
        .post(okta.url("/mock/faults"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();

    for (name, response) in [
        ("401", unauthorized),
        ("404", not_found),
        ("400 validation", invalid),
        ("400 malformed", malformed),
    ] {
        let body = json(response).await;
        assert_eq!(
            schema_mismatches(&body, &schema),
            Vec::<String>::new(),
            "{name}: {body}"
        );
    }
}

#[tokio::test]
async fn rate_limit_error_matches_spec() {
    let okta = Okta::start().await;
    okta.control(
        Method::POST,
        "/mock/faults",
        Some(json!({ "bucket": "sessions", "kind": "rate_limit" })),
    )
    .await;

    let response = okta.api_get("/api/v1/sessions/102x").await;

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = json(response).await;
    assert_eq!(
        schema_mismatches(&body, &fixture("error.json")),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn log_events_match_spec() {
    let okta = Okta::start().await;
    let state = &okta.running.state;
    let user = state.user_by_id(api_common::DEMO_USER_ID).unwrap().clone();
    let session = state.create_session(&user, Some("127.0.0.1"));
    okta.api(Method::DELETE, &format!("/api/v1/sessions/{}", session.id))
        .await;
    okta.api(
        Method::DELETE,
        &format!("/api/v1/users/{}/sessions?oauthTokens=true", user.id),
    )
    .await;
    let schema = fixture("log_event.json");

    let events = json(okta.api_get("/api/v1/logs").await).await;

    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 3);
    for event in events {
        assert_eq!(
            schema_mismatches(event, &schema),
            Vec::<String>::new(),
            "{event}"
        );
    }
}

#[test]
fn checker_reports_mismatches() {
    // The checker itself must be able to fail: a wrong type, a missing
    // required field, an extra field and an enum miss.
    let schema = fixture("session.json");
    let body = json!({
        "id": 5,
        "userId": "00u1",
        "login": "a@example.com",
        "createdAt": "yesterday",
        "status": "ASLEEP",
        "extra": true
    });

    let problems = schema_mismatches(&body, &schema);

    assert!(
        problems.iter().any(|p| p.starts_with("$.id: expected")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing required field expiresAt")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("field extra is not in the spec")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("\"ASLEEP\" is not one of")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("not an Okta UTC timestamp")),
        "{problems:?}"
    );
}
