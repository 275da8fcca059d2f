//! Event hook receiver: verification, session revocations and their
//! effect on refresh grants.

mod common;

use common::{HOOK_SECRET, Harness, SESSION, access_claim, error_summary, fixture};
use serde_json::{Value, json};

async fn refresh_body(harness: &Harness) -> Value {
    let response = harness
        .call_hook(&fixture("token_hook_refresh_no_session.json"))
        .await;
    assert_eq!(response.status(), 200, "refresh hook status");
    response.json().await.unwrap()
}

async fn deliver(harness: &Harness, delivery: &Value) -> Value {
    let response = harness.deliver_events(delivery).await;
    assert_eq!(response.status(), 200, "delivery status");
    response.json().await.unwrap()
}

#[tokio::test]
async fn verification_echoes_challenge() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .get(harness.url("/okta/event-hooks"))
        .header("Authorization", HOOK_SECRET)
        .header("X-Okta-Verification-Challenge", "c2VjcmV0LWNoYWxsZW5nZQ")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"verification": "c2VjcmV0LWNoYWxsZW5nZQ"}));
}

#[tokio::test]
async fn verification_without_secret_is_401() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .get(harness.url("/okta/event-hooks"))
        .header("X-Okta-Verification-Challenge", "abc")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn verification_without_challenge_is_400() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .get(harness.url("/okta/event-hooks"))
        .header("Authorization", HOOK_SECRET)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn session_end_event_denies_refresh() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    let summary = deliver(&harness, &fixture("event_hook_session_end.json")).await;
    let body = refresh_body(&harness).await;

    assert_eq!(summary["applied"], json!(1));
    let error = error_summary(&body).unwrap_or_default();
    assert!(error.contains("has ended"), "summary: {error}");
    assert_eq!(
        harness.sessions_api_calls().await,
        0,
        "denied before the Sessions API"
    );
}

#[tokio::test]
async fn session_end_denies_later_sign_in() {
    let harness = Harness::start("").await;
    deliver(&harness, &fixture("event_hook_session_end.json")).await;

    let response = harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;

    let body: Value = response.json().await.unwrap();
    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn session_end_falls_back_to_actor_session() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    let mut delivery = fixture("event_hook_session_end.json");
    delivery["data"]["events"][0]["debugContext"] = json!({"debugData": {}});

    deliver(&harness, &delivery).await;
    let body = refresh_body(&harness).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn other_session_end_keeps_refresh() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    let mut delivery = fixture("event_hook_session_end.json");
    let event = &mut delivery["data"]["events"][0];
    event["debugContext"]["debugData"]["EndedSessionId"] = json!("102SomeOtherSession00000a");
    event["authenticationContext"]["externalSessionId"] = json!("102SomeOtherSession00000a");

    deliver(&harness, &delivery).await;
    let body = refresh_body(&harness).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn user_wide_events_deny_refresh() {
    let cases = [
        (
            "user.session.clear",
            fixture("event_hook_session_clear.json"),
        ),
        ("user.account.lock", fixture("event_hook_account_lock.json")),
        ("user.authentication.universal_logout", {
            let mut delivery = fixture("event_hook_session_clear.json");
            delivery["data"]["events"][0]["eventType"] =
                json!("user.authentication.universal_logout");
            delivery
        }),
        ("user.lifecycle.suspend", {
            let mut delivery = fixture("event_hook_session_clear.json");
            delivery["data"]["events"][0]["eventType"] = json!("user.lifecycle.suspend");
            delivery
        }),
        ("user.lifecycle.deactivate", {
            let mut delivery = fixture("event_hook_session_clear.json");
            delivery["data"]["events"][0]["eventType"] = json!("user.lifecycle.deactivate");
            delivery
        }),
    ];

    for (name, delivery) in cases {
        let harness = Harness::start("").await;
        harness.session_is_active(SESSION).await;
        harness.sign_in().await;

        let summary = deliver(&harness, &delivery).await;
        let body = refresh_body(&harness).await;

        assert_eq!(summary["applied"], json!(1), "{name}: applied");
        assert!(error_summary(&body).is_some(), "{name}: body {body}");
    }
}

#[tokio::test]
async fn session_clear_ignores_admin_actor() {
    let harness = Harness::start("").await;
    let mut delivery = fixture("event_hook_session_clear.json");
    delivery["data"]["events"][0]["target"] = json!([]);

    let summary = deliver(&harness, &delivery).await;

    assert_eq!(summary["ignored"], json!(1));
}

#[tokio::test]
async fn user_wide_event_spares_newer_session() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    // The user was cleared at 10:30; this sign-in's session starts at 11:00.
    deliver(&harness, &fixture("event_hook_session_clear.json")).await;
    let mut sign_in = fixture("token_hook_authorization_code.json");
    sign_in["data"]["context"]["session"]["createdAt"] = json!("2026-03-01T11:00:00.000Z");

    let response = harness.call_hook(&sign_in).await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn user_wide_event_spares_session_in_same_second() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    // Cleared at 10:30:00.000; this session starts 400 ms later, in the
    // same whole second, so only millisecond precision separates them.
    deliver(&harness, &fixture("event_hook_session_clear.json")).await;
    let mut sign_in = fixture("token_hook_authorization_code.json");
    sign_in["data"]["context"]["session"]["createdAt"] = json!("2026-03-01T10:30:00.400Z");

    let response = harness.call_hook(&sign_in).await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn user_wide_event_ends_session_same_millisecond() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    deliver(&harness, &fixture("event_hook_session_clear.json")).await;
    let mut sign_in = fixture("token_hook_authorization_code.json");
    sign_in["data"]["context"]["session"]["createdAt"] = json!("2026-03-01T10:30:00.000Z");

    let response = harness.call_hook(&sign_in).await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(access_claim(&body), None, "{body}");
}

#[tokio::test]
async fn other_user_event_keeps_refresh() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    let mut delivery = fixture("event_hook_session_clear.json");
    delivery["data"]["events"][0]["target"][0]["id"] = json!("00ualice000000000002");

    deliver(&harness, &delivery).await;
    let body = refresh_body(&harness).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn duplicate_event_is_dropped() {
    let harness = Harness::start("").await;
    let delivery = fixture("event_hook_session_end.json");

    let first = deliver(&harness, &delivery).await;
    let second = deliver(&harness, &delivery).await;

    assert_eq!(first["applied"], json!(1));
    assert_eq!(second["duplicates"], json!(1));
    assert_eq!(second["applied"], json!(0));
}

#[tokio::test]
async fn unrelated_event_is_ignored() {
    let harness = Harness::start("").await;
    let mut delivery = fixture("event_hook_session_end.json");
    delivery["data"]["events"][0]["eventType"] = json!("user.session.start");

    let summary = deliver(&harness, &delivery).await;

    assert_eq!(summary["ignored"], json!(1));
}

#[tokio::test]
async fn event_without_uuid_is_400() {
    let harness = Harness::start("").await;
    let mut delivery = fixture("event_hook_session_end.json");
    delivery["data"]["events"][0]
        .as_object_mut()
        .unwrap()
        .remove("uuid");

    let response = harness.deliver_events(&delivery).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], json!("data.events[0].uuid"));
}

#[tokio::test]
async fn revocation_survives_restart() {
    let mut harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    deliver(&harness, &fixture("event_hook_session_clear.json")).await;

    harness.restart().await;
    let body = refresh_body(&harness).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
}
