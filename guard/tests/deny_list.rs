//! The jti deny list: admin API over real HTTP, enforcement, persistence.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_guard::deny::DenyEntry;
use session_guard::{Guard, Policy, Reason, Secret};
use support::*;

fn guard_with_store(okta: &FakeOkta, path: &std::path::Path) -> Guard {
    okta.guard(okta.builder().deny_list(path, Secret::new(ADMIN_SECRET)))
}

async fn start(okta: &FakeOkta, dir: &tempfile::TempDir) -> (Guard, std::net::SocketAddr) {
    let guard = guard_with_store(okta, &dir.path().join("deny.redb"));
    let router = app(&guard).merge(
        guard
            .deny_list_admin_router()
            .expect("deny list configured"),
    );
    (guard.clone(), serve(router).await)
}

async fn admin_add(address: std::net::SocketAddr, secret: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{address}/admin/deny-list"))
        .bearer_auth(secret)
        .json(body)
        .send()
        .await
        .expect("reachable")
}

fn jti_of(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("three segments");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["jti"].as_str().expect("jti present").to_owned()
}

fn in_minutes(minutes: u64) -> u64 {
    epoch(SystemTime::now()) + minutes * 60
}

#[tokio::test]
async fn admin_add_then_list() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;

    let added = admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": "AT.leaked", "reason": "posted in a ticket", "expires_at": in_minutes(30)}),
    )
    .await;
    let listed: Value = reqwest::Client::new()
        .get(format!("http://{address}/admin/deny-list"))
        .bearer_auth(ADMIN_SECRET)
        .send()
        .await
        .expect("reachable")
        .json()
        .await
        .expect("JSON");

    assert_eq!(added.status(), 201);
    assert_eq!(listed["entries"][0]["jti"], "AT.leaked");
    assert_eq!(listed["entries"][0]["reason"], "posted in a ticket");
}

#[tokio::test]
async fn denied_token_refused_at_once() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;
    let token = token_for(&okta, &sid);

    let before = get(address, "/session", Some(&token)).await;
    admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": jti_of(&token), "reason": "stolen", "expires_at": in_minutes(60)}),
    )
    .await;
    let after = get(address, "/session", Some(&token)).await;

    assert_eq!(before.status(), 200);
    assert_eq!(after.status(), 401);
    let body: Value = after.json().await.expect("problem body");
    assert_eq!(body["reason"], "token_denied");
}

#[tokio::test]
async fn denied_token_refused_on_token_only_route() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;
    let token = token_for(&okta, &session_id(2));

    admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": jti_of(&token), "reason": "stolen", "expires_at": in_minutes(60)}),
    )
    .await;
    let response = get(address, "/token", Some(&token)).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn remove_restores_access() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;
    let token = token_for(&okta, &session_id(3));
    let jti = jti_of(&token);

    admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": jti, "reason": "mistake", "expires_at": in_minutes(60)}),
    )
    .await;
    let denied = get(address, "/token", Some(&token)).await;
    let removed = reqwest::Client::new()
        .delete(format!("http://{address}/admin/deny-list/{jti}"))
        .bearer_auth(ADMIN_SECRET)
        .send()
        .await
        .expect("reachable");
    let allowed = get(address, "/token", Some(&token)).await;

    assert_eq!(denied.status(), 401);
    assert_eq!(removed.status(), 204);
    assert_eq!(allowed.status(), 200);
}

#[tokio::test]
async fn remove_unknown_is_404() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;

    let response = reqwest::Client::new()
        .delete(format!("http://{address}/admin/deny-list/AT.unknown"))
        .bearer_auth(ADMIN_SECRET)
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn wrong_admin_secret_is_401() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (guard, address) = start(&okta, &dir).await;

    let response = admin_add(
        address,
        "admin-secret-0123456789abcdeF",
        &json!({"jti": "AT.x", "reason": "", "expires_at": in_minutes(5)}),
    )
    .await;
    let listing = reqwest::get(format!("http://{address}/admin/deny-list"))
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
    assert_eq!(listing.status(), 401);
    assert!(
        guard
            .deny_list()
            .expect("configured")
            .list(SystemTime::now())
            .is_empty()
    );
}

#[tokio::test]
async fn past_expiry_is_rejected() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;

    let response = admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": "AT.x", "reason": "", "expires_at": epoch(SystemTime::now()) - 1}),
    )
    .await;

    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn expiry_beyond_token_lifetime_is_rejected() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;

    let response = admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": "AT.x", "reason": "", "expires_at": in_minutes(60 * 25)}),
    )
    .await;

    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn unknown_field_is_400() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_guard, address) = start(&okta, &dir).await;

    let response = admin_add(
        address,
        ADMIN_SECRET,
        &json!({"jti": "AT.x", "expires_at": in_minutes(5), "exp": 1}),
    )
    .await;

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn entries_persist_across_reopen() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("deny.redb");
    let now = SystemTime::now();
    let entry = DenyEntry {
        jti: "AT.persisted".to_owned(),
        reason: "incident 7".to_owned(),
        added_at: epoch(now),
        expires_at: epoch(now) + 600,
    };

    {
        let guard = guard_with_store(&okta, &store);
        let deny_list = guard.deny_list().expect("configured");
        deny_list
            .add(entry.clone(), now, Duration::from_secs(86_400))
            .expect("stored");
    }
    let reopened = guard_with_store(&okta, &store);
    let deny_list = reopened.deny_list().expect("configured");

    assert_eq!(deny_list.list(now), vec![entry]);
    assert_eq!(deny_list.count_on_disk().expect("readable"), 1);
}

#[tokio::test]
async fn reopened_store_denies_token() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("deny.redb");
    let now = SystemTime::now();
    let token = token_for(&okta, &session_id(4));

    {
        let guard = guard_with_store(&okta, &store);
        let entry = DenyEntry {
            jti: jti_of(&token),
            reason: "stolen".to_owned(),
            added_at: epoch(now),
            expires_at: epoch(now) + 3600,
        };
        guard
            .deny_list()
            .expect("configured")
            .add(entry, now, Duration::from_secs(86_400))
            .expect("stored");
    }
    let reopened = guard_with_store(&okta, &store);
    let result = reopened.authorize(&token, Policy::TokenOnly, now).await;

    assert_eq!(result.expect_err("denied").reason(), Reason::TokenDenied);
}

#[tokio::test]
async fn expired_entries_are_purged() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let guard = guard_with_store(&okta, &dir.path().join("deny.redb"));
    let deny_list = guard.deny_list().expect("configured");
    let now = SystemTime::now();
    let entry = DenyEntry {
        jti: "AT.short".to_owned(),
        reason: String::new(),
        added_at: epoch(now),
        expires_at: epoch(now) + 10,
    };
    deny_list
        .add(entry, now, Duration::from_secs(86_400))
        .expect("stored");

    let purged = deny_list
        .purge_expired(now + Duration::from_secs(11))
        .expect("purge works");

    assert_eq!(purged, 1);
    assert_eq!(deny_list.count_on_disk().expect("readable"), 0);
}

#[tokio::test]
async fn adding_drops_expired_entries() {
    let okta = FakeOkta::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let guard = guard_with_store(&okta, &dir.path().join("deny.redb"));
    let deny_list = guard.deny_list().expect("configured");
    let now = SystemTime::now();
    let short = DenyEntry {
        jti: "AT.short".to_owned(),
        reason: String::new(),
        added_at: epoch(now),
        expires_at: epoch(now) + 10,
    };
    let later = DenyEntry {
        jti: "AT.later".to_owned(),
        reason: String::new(),
        added_at: epoch(now),
        expires_at: epoch(now) + 600,
    };

    deny_list
        .add(short, now, Duration::from_secs(86_400))
        .expect("stored");
    deny_list
        .add(
            later,
            now + Duration::from_secs(11),
            Duration::from_secs(86_400),
        )
        .expect("stored");

    assert_eq!(deny_list.count_on_disk().expect("readable"), 1);
}
