//! The tower layer and axum extractors over real HTTP: per-route policies
//! and the shape of rejections (RFC 6750 challenge, RFC 9457 problem).

mod support;

use serde_json::Value;
use support::*;

async fn started(okta: &FakeOkta) -> std::net::SocketAddr {
    let guard = okta.guard(okta.builder());
    serve(app(&guard).merge(guard.metrics_router())).await
}

#[tokio::test]
async fn live_session_route_allows_alive_session() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let address = started(&okta).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["session"], sid.as_str());
    assert_eq!(body["policy"], "session");
}

#[tokio::test]
async fn token_only_route_allows_ended_session() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_gone(&sid).await;
    let address = started(&okta).await;
    let token = token_for(&okta, &sid);

    let live = get(address, "/session", Some(&token)).await;
    let token_only = get(address, "/token", Some(&token)).await;

    assert_eq!(live.status(), 401);
    assert_eq!(token_only.status(), 200);
}

#[tokio::test]
async fn extractors_apply_their_policy() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    okta.session_gone(&sid).await;
    let address = started(&okta).await;
    let token = token_for(&okta, &sid);

    let live = get(address, "/extract/session", Some(&token)).await;
    let token_only = get(address, "/extract/token", Some(&token)).await;

    assert_eq!(live.status(), 401);
    assert_eq!(token_only.status(), 200);
}

#[tokio::test]
async fn authorized_without_layer_fails_closed() {
    let okta = FakeOkta::start().await;
    let address = started(&okta).await;

    let response = get(
        address,
        "/unguarded",
        Some(&token_for(&okta, &session_id(4))),
    )
    .await;

    assert_eq!(response.status(), 500);
}

#[tokio::test]
async fn rejection_is_problem_json() {
    let okta = FakeOkta::start().await;
    let sid = session_id(5);
    okta.session_gone(&sid).await;
    let address = started(&okta).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(
        header(&response, "content-type"),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], "Unauthorized");
    assert_eq!(body["status"], 401);
    assert_eq!(body["reason"], "session_ended");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| !detail.is_empty())
    );
}

#[tokio::test]
async fn rejection_has_bearer_challenge() {
    let okta = FakeOkta::start().await;
    let sid = session_id(6);
    okta.session_gone(&sid).await;
    let address = started(&okta).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(
        header(&response, "www-authenticate"),
        Some(
            r#"Bearer realm="api", error="invalid_token", error_description="the Okta session has ended; sign in again""#
        )
    );
}

#[tokio::test]
async fn missing_token_has_bare_challenge() {
    let okta = FakeOkta::start().await;
    let address = started(&okta).await;

    let response = get(address, "/session", None).await;

    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate"),
        Some(r#"Bearer realm="api""#)
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["reason"], "missing_token");
}

#[tokio::test]
async fn basic_scheme_counts_as_missing_token() {
    let okta = FakeOkta::start().await;
    let address = started(&okta).await;

    let response = reqwest::Client::new()
        .get(format!("http://{address}/session"))
        .basic_auth("user", Some("password"))
        .send()
        .await
        .expect("reachable");

    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["reason"], "missing_token");
}

#[tokio::test]
async fn two_authorization_headers_rejected() {
    let okta = FakeOkta::start().await;
    let address = started(&okta).await;
    let token = token_for(&okta, &session_id(7));

    let response = reqwest::Client::new()
        .get(format!("http://{address}/token"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["reason"], "malformed_token");
}

#[tokio::test]
async fn garbage_token_is_invalid_token() {
    let okta = FakeOkta::start().await;
    let address = started(&okta).await;

    let response = get(address, "/token", Some("not.a.jwt")).await;

    assert_eq!(response.status(), 401);
    assert!(
        header(&response, "www-authenticate")
            .is_some_and(|value| value.contains(r#"error="invalid_token""#))
    );
}

#[tokio::test]
async fn problem_type_base_names_reason() {
    let okta = FakeOkta::start().await;
    let sid = session_id(8);
    okta.session_gone(&sid).await;
    let guard = okta.guard(
        okta.builder()
            .problem_type_base("https://errors.example.com/auth/")
            .realm("demo"),
    );
    let address = serve(app(&guard)).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert!(
        header(&response, "www-authenticate")
            .is_some_and(|value| value.starts_with(r#"Bearer realm="demo""#))
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body["type"],
        "https://errors.example.com/auth/session_ended"
    );
    assert_eq!(body["title"], "Session ended");
}

#[tokio::test]
async fn metrics_count_verdicts_and_okta_calls() {
    let okta = FakeOkta::start().await;
    let sid = session_id(9);
    okta.session_gone(&sid).await;
    let address = started(&okta).await;
    let token = token_for(&okta, &sid);

    get(address, "/session", Some(&token)).await;
    get(address, "/session", Some(&token)).await;
    let text = reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("reachable")
        .text()
        .await
        .expect("text");

    assert!(
        text.contains(r#"session_guard_decisions_total{reason="session_ended"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"session_guard_okta_session_calls_total{outcome="not_found"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"session_guard_cache_lookups_total{tier="decision",result="hit"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("session_guard_okta_session_call_duration_seconds_count 1"),
        "{text}"
    );
    assert!(
        text.contains("session_guard_okta_rate_limit_remaining 100"),
        "{text}"
    );
}
