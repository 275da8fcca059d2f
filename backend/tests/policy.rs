//! The guard's policies as each route applies them: which tokens pass,
//! and the status, challenge and reason of each rejection.

mod support;

use serde_json::json;
use support::{
    FakeOkta, foreign_key, get, new_session_id, post_transfer, start_backend, transfer_body,
};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

const ALL_SCOPES: &[&str] = &["openid", "demo.read", "demo.write"];

#[tokio::test]
async fn ended_session_passes_token_only_route() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_ended(&session).await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, ALL_SCOPES);

    let profile = get(&backend, "/api/profile", Some(&token)).await;
    let transfer = post_transfer(&backend, &token, &transfer_body()).await;
    let catalog = get(&backend, "/api/catalog", Some(&token)).await;

    assert_eq!(profile.status, 401);
    assert_eq!(profile.reason(), Some("session_ended"));
    assert!(
        profile
            .header("www-authenticate")
            .is_some_and(|value| value.contains(r#"error="invalid_token""#))
    );
    assert_eq!(
        profile.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(transfer.status, 401);
    assert_eq!(transfer.reason(), Some("session_ended"));
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn missing_token_has_no_error_code() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    for route in ["/api/profile", "/api/catalog"] {
        let reply = get(&backend, route, None).await;
        assert_eq!(reply.status, 401, "{route}");
        // RFC 6750 section 3.1: no error code when the request had no credential.
        assert_eq!(
            reply.header("www-authenticate"),
            Some(r#"Bearer realm="api""#),
            "{route}"
        );
        assert_eq!(reply.reason(), Some("missing_token"), "{route}");
    }
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn missing_read_scope_is_403() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    let reply = get(
        &backend,
        "/api/catalog",
        Some(&okta.token(&new_session_id(), &["openid", "demo.write"])),
    )
    .await;

    assert_eq!(reply.status, 403);
    assert_eq!(reply.reason(), Some("insufficient_scope"));
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(challenge.contains(r#"scope="demo.read""#), "{challenge}");
    assert_eq!(reply.body["type"], "about:blank");
    assert_eq!(reply.body["title"], "Forbidden");
    assert_eq!(reply.body["status"], 403);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn missing_write_scope_is_403() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;

    let reply = post_transfer(
        &backend,
        &okta.token(&session, &["openid", "demo.read"]),
        &transfer_body(),
    )
    .await;

    assert_eq!(reply.status, 403);
    assert_eq!(reply.reason(), Some("insufficient_scope"));
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains(r#"scope="demo.write""#), "{challenge}");
    // The route scope is checked before the session: Okta is not asked.
    assert_eq!(okta.session_calls().await, 0);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn unbound_token_rejected_on_live_routes() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;
    let token = okta.unbound_token(ALL_SCOPES);

    let profile = get(&backend, "/api/profile", Some(&token)).await;
    let transfer = post_transfer(&backend, &token, &transfer_body()).await;
    let catalog = get(&backend, "/api/catalog", Some(&token)).await;

    assert_eq!(profile.status, 401);
    assert_eq!(profile.reason(), Some("not_session_bound"));
    assert_eq!(transfer.status, 401);
    assert_eq!(transfer.reason(), Some("not_session_bound"));
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    assert_eq!(okta.session_calls().await, 0);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn okta_outage_is_503_on_live_routes_only() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.sessions_down().await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, ALL_SCOPES);

    let profile = get(&backend, "/api/profile", Some(&token)).await;
    let transfer = post_transfer(&backend, &token, &transfer_body()).await;
    let catalog = get(&backend, "/api/catalog", Some(&token)).await;

    assert_eq!(profile.status, 503);
    assert_eq!(profile.reason(), Some("okta_unavailable"));
    assert!(
        profile
            .header("retry-after")
            .is_some_and(|value| value.parse::<u64>().is_ok_and(|secs| secs >= 1))
    );
    assert_eq!(profile.header("www-authenticate"), None);
    assert_eq!(transfer.status, 503);
    assert!(transfer.header("retry-after").is_some());
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn okta_rate_limit_is_503_with_reset() {
    let okta = FakeOkta::start().await;
    let reset = support::now_secs() + 42;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v1/sessions/"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({ "errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests." }))
                .insert_header("x-rate-limit-limit", "100")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str()),
        )
        .mount(&okta.server)
        .await;
    let backend = start_backend(&okta).await;

    let reply = get(
        &backend,
        "/api/profile",
        Some(&okta.token(&new_session_id(), ALL_SCOPES)),
    )
    .await;

    assert_eq!(reply.status, 503);
    assert_eq!(reply.reason(), Some("okta_rate_limited"));
    let retry_after: u64 = reply
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    assert!((1..=43).contains(&retry_after), "Retry-After {retry_after}");
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn foreign_signature_rejected_everywhere() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;
    let claims = support::claims(&okta.issuer, Some(&new_session_id()), ALL_SCOPES);
    let token = foreign_key().sign(&claims);

    for route in ["/api/profile", "/api/catalog"] {
        let reply = get(&backend, route, Some(&token)).await;
        assert_eq!(reply.status, 401, "{route}");
        assert_eq!(reply.reason(), Some("invalid_signature"), "{route}");
    }
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn expired_token_rejected() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;
    let mut claims = support::claims(&okta.issuer, Some(&new_session_id()), ALL_SCOPES);
    let now = support::now_secs();
    claims["iat"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);

    let reply = get(
        &backend,
        "/api/catalog",
        Some(&support::signing_key().sign(&claims)),
    )
    .await;

    assert_eq!(reply.status, 401);
    assert_eq!(reply.reason(), Some("token_expired"));
    backend.shutdown().await.expect("clean stop");
}
