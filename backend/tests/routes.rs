//! Each route over real HTTP: what it returns to a caller that passes its policy.

mod support;

use serde_json::json;
use support::{
    FakeOkta, LOGIN, USER_ID, client, get, new_session_id, post_transfer, start_backend,
    transfer_body,
};

#[tokio::test]
async fn healthz_answers_without_token() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    let reply = get(&backend, "/healthz", None).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({ "status": "ok" }));
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn profile_returns_claims_and_session() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;

    let reply = get(
        &backend,
        "/api/profile",
        Some(&okta.token(&session, &["openid", "profile"])),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["subject"], LOGIN);
    assert_eq!(reply.body["user_id"], USER_ID);
    assert_eq!(reply.body["session"]["id"], session.as_str());
    assert_eq!(reply.body["session"]["status"], "ACTIVE");
    assert!(
        reply.body["session"]["expires_at"].is_string(),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["session"]["stale"], false);
    assert!(reply.body["token_expires_at"].is_string(), "{}", reply.body);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn catalog_lists_items_without_okta_call() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    let reply = get(
        &backend,
        "/api/catalog",
        Some(&okta.token(&new_session_id(), &["demo.read"])),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(okta.session_calls().await, 0);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn transfer_accepted_with_write_scope() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;

    let reply = post_transfer(
        &backend,
        &okta.token(&session, &["demo.write"]),
        &transfer_body(),
    )
    .await;

    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "accepted");
    assert_eq!(reply.body["amount_cents"], 1250);
    assert_eq!(reply.body["currency"], "EUR");
    assert_eq!(reply.body["requested_by"], LOGIN);
    assert!(
        reply.body["transfer_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("trf_")),
        "{}",
        reply.body
    );
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn transfer_bad_body_names_field() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, &["demo.write"]);

    let cases = [
        (
            json!({ "to_account": "DE-0042", "amount_cents": -5, "currency": "EUR" }),
            "amount_cents",
        ),
        (
            json!({ "amount_cents": 100, "currency": "EUR" }),
            "to_account",
        ),
        (
            json!({ "to_account": "DE-0042", "amount_cents": 100, "currency": "euro" }),
            "currency",
        ),
        (
            json!({ "to_account": "DE-0042", "amount_cents": 100, "currency": "EUR", "memo": ["x"] }),
            "memo",
        ),
        (
            json!({ "to_account": "DE-0042", "amount_cents": 100, "currency": "EUR", "priority": "high" }),
            "priority",
        ),
    ];
    for (body, field) in cases {
        let reply = post_transfer(&backend, &token, &body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.body["field"], field, "{body}");
        assert_eq!(reply.reason(), Some("invalid_body"), "{body}");
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|detail| detail.contains(field)),
            "{}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn transfer_non_json_body_is_415() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;

    let response = client()
        .post(format!("{}/api/transfers", backend.base_url))
        .headers(support::bearer(&okta.token(&session, &["demo.write"])))
        .header("content-type", "text/plain")
        .body("to_account=DE-0042")
        .send()
        .await
        .expect("request succeeds");
    let reply = support::Reply::read(response).await;

    assert_eq!(reply.status, 415);
    assert_eq!(reply.reason(), Some("unsupported_media_type"));
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn transfer_oversized_body_is_413() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;

    let body = json!({ "to_account": "DE-0042", "amount_cents": 1, "currency": "EUR", "memo": "x".repeat(20_000) });
    let reply = post_transfer(&backend, &okta.token(&session, &["demo.write"]), &body).await;

    assert_eq!(reply.status, 413);
    assert_eq!(reply.reason(), Some("body_too_large"));
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn metrics_expose_guard_and_request_counters() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, &["demo.read"]);
    assert_eq!(
        get(&backend, "/api/profile", Some(&token)).await.status,
        200
    );
    assert_eq!(get(&backend, "/api/profile", None).await.status, 401);

    let response = client()
        .get(format!("{}/metrics", backend.base_url))
        .send()
        .await
        .expect("request succeeds");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body reads");

    assert_eq!(
        content_type.as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(
        text.contains(r#"session_guard_decisions_total{reason="allowed"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"session_guard_decisions_total{reason="missing_token"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"session_guard_okta_session_calls_total{outcome="found"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"demo_backend_http_requests_total{method="GET",route="/api/profile",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"demo_backend_http_requests_total{method="GET",route="/api/profile",status="401"} 1"#
        ),
        "{text}"
    );
    assert_eq!(text.matches("# EOF").count(), 1, "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn deny_list_admin_blocks_token() {
    let okta = FakeOkta::start().await;
    let directory = tempfile::tempdir().expect("temp dir");
    let admin_secret = "test-admin-secret-0123456789";
    let config = okta.config_with(&format!(
        "[deny_list]\npath = {:?}\nadmin_secret = \"{admin_secret}\"",
        directory.path().join("deny.redb")
    ));
    let backend = support::start_with(&config).await;
    let claims = support::claims(&okta.issuer, Some(&new_session_id()), &["demo.read"]);
    let token = support::signing_key().sign(&claims);
    assert_eq!(
        get(&backend, "/api/catalog", Some(&token)).await.status,
        200
    );

    let added = client()
        .post(format!("{}/admin/deny-list", backend.base_url))
        .bearer_auth(admin_secret)
        .json(&json!({ "jti": claims["jti"], "reason": "laptop stolen", "expires_at": claims["exp"] }))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(added.status().as_u16(), 201);
    let reply = get(&backend, "/api/catalog", Some(&token)).await;

    assert_eq!(reply.status, 401);
    assert_eq!(reply.reason(), Some("token_denied"));
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn unknown_path_is_404() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    assert_eq!(get(&backend, "/api/nothing-here", None).await.status, 404);
    backend.shutdown().await.expect("clean stop");
}
