//! Refresh grants over HTTP: the original session is carried forward,
//! rotation is followed, and an ended or unverifiable session stops the
//! refresh.

mod common;

use std::time::Duration;

use common::{
    Harness, INITIAL_JTI, OTHER_SESSION, ROTATED_JTI, SESSION, access_claim, error_summary,
    fixture, okta_session,
};
use serde_json::{Value, json};
use session_hook::store::{Durability, RedbStore, RefreshLink, RefreshStore};
use wiremock::ResponseTemplate;

async fn hook_body(harness: &Harness, payload: &Value) -> Value {
    let response = harness.call_hook(payload).await;
    assert_eq!(response.status(), 200, "hook status");
    response.json().await.unwrap()
}

#[tokio::test]
async fn refresh_with_same_session_stamps_original() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn refresh_without_session_block_stamps_original() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh_no_session.json")).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn refresh_with_other_session_stamps_original() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.session_is_active(OTHER_SESSION).await;
    harness.sign_in().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh_other_session.json")).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn refresh_checks_sessions_api() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    assert_eq!(
        harness.sessions_api_calls().await,
        0,
        "sign-in calls the Sessions API"
    );

    hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    assert_eq!(harness.sessions_api_calls().await, 1);
}

/// Builds a refresh request presenting `jti` as the refresh token in use,
/// with `next` as the refresh token Okta issues (absent without rotation).
fn refresh_presenting(jti: &str, next: Option<&str>) -> Value {
    let mut payload = fixture("token_hook_refresh_no_session.json");
    payload["data"]["context"]["protocol"]["OriginalGrant"]["refresh_token"]["jti"] = json!(jti);
    match next {
        Some(next) => payload["data"]["refresh_token"] = json!({"jti": next}),
        None => {
            payload["data"]
                .as_object_mut()
                .unwrap()
                .remove("refresh_token");
        }
    }
    payload
}

#[tokio::test]
async fn rotation_is_followed_across_refreshes() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    // Rotation: rtDemoInitial -> rtDemoRotated -> rt3.
    hook_body(&harness, &fixture("token_hook_refresh.json")).await;
    let body = hook_body(&harness, &refresh_presenting(ROTATED_JTI, Some("rt3"))).await;
    assert_eq!(
        access_claim(&body),
        Some(SESSION.to_owned()),
        "second refresh"
    );

    let body = hook_body(&harness, &refresh_presenting("rt3", None)).await;
    assert_eq!(
        access_claim(&body),
        Some(SESSION.to_owned()),
        "third refresh"
    );
}

#[tokio::test]
async fn refresh_without_original_grant_uses_data_jti() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;
    // No rotation, and Okta sending the presented token as data.refresh_token.
    let mut payload = fixture("token_hook_refresh_no_session.json");
    payload["data"]["context"]["protocol"]
        .as_object_mut()
        .unwrap()
        .remove("OriginalGrant");
    payload["data"]["refresh_token"] = json!({"jti": INITIAL_JTI});

    let body = hook_body(&harness, &payload).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn ended_session_404_denies_refresh() {
    let harness = Harness::start("").await;
    harness.session_has_ended(SESSION).await;
    harness.sign_in().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    assert!(body.get("commands").is_none(), "body: {body}");
    let summary = error_summary(&body).unwrap_or_default();
    assert!(summary.contains("has ended"), "summary: {summary}");
}

#[tokio::test]
async fn ended_session_is_remembered() {
    let harness = Harness::start("").await;
    harness.session_has_ended(SESSION).await;
    harness.sign_in().await;
    hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    // The rotated token of a retried request is denied without a new call.
    let body = hook_body(&harness, &fixture("token_hook_refresh_no_session.json")).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
    assert_eq!(harness.sessions_api_calls().await, 1);
}

#[tokio::test]
async fn okta_failures_deny_refresh() {
    let cases = [
        ("500", ResponseTemplate::new(500)),
        ("503", ResponseTemplate::new(503)),
        (
            "429",
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Reset", "1767225600")
                .set_body_json(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."})),
        ),
        ("401", ResponseTemplate::new(401)),
        ("MFA_REQUIRED", {
            let mut session = okta_session(SESSION);
            session["status"] = json!("MFA_REQUIRED");
            ResponseTemplate::new(200).set_body_json(session)
        }),
        ("other session id", ResponseTemplate::new(200).set_body_json(okta_session(OTHER_SESSION))),
        ("not JSON", ResponseTemplate::new(200).set_body_string("<html>")),
    ];

    for (name, template) in cases {
        let harness = Harness::start("").await;
        harness.sessions_api_answers(SESSION, template).await;
        harness.sign_in().await;

        let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

        assert!(body.get("commands").is_none(), "{name}: body {body}");
        let summary = error_summary(&body).unwrap_or_default();
        assert!(
            summary.contains("could not be verified"),
            "{name}: summary {summary}"
        );
    }
}

#[tokio::test]
async fn okta_timeout_denies_refresh() {
    let harness = Harness::start("[okta]\ntimeout_ms = 200\n").await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(okta_session(SESSION))
        .set_delay(Duration::from_secs(5));
    harness.sessions_api_answers(SESSION, slow).await;
    harness.sign_in().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    let summary = error_summary(&body).unwrap_or_default();
    assert!(
        summary.contains("could not be verified"),
        "summary: {summary}"
    );
}

#[tokio::test]
async fn okta_unreachable_denies_refresh() {
    let mut harness = Harness::start("").await;
    harness.sign_in().await;
    // Point the service at a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    harness.extra_toml = format!("[okta]\norg_url = \"{closed_url}\"\n");
    harness.restart().await;
    assert_eq!(
        harness.config().okta.org_url,
        closed_url,
        "override applied"
    );

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn unknown_jti_default_is_error() {
    let harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    let summary = error_summary(&body).unwrap_or_default();
    assert!(summary.contains("not linked"), "summary: {summary}");
}

#[tokio::test]
async fn unknown_jti_no_claim_policy() {
    let harness = Harness::start("[refresh]\nunknown_jti = \"no_claim\"\n").await;

    let response = harness.call_hook(&fixture("token_hook_refresh.json")).await;

    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn unknown_jti_adopt_session_policy() {
    let harness = Harness::start("[refresh]\nunknown_jti = \"adopt_session\"\n").await;
    harness.session_is_active(OTHER_SESSION).await;

    let body = hook_body(&harness, &fixture("token_hook_refresh_other_session.json")).await;
    assert_eq!(
        access_claim(&body),
        Some(OTHER_SESSION.to_owned()),
        "adopted"
    );

    // The rotated token is now linked to the adopted session.
    let body = hook_body(&harness, &refresh_presenting(ROTATED_JTI, None)).await;
    assert_eq!(
        access_claim(&body),
        Some(OTHER_SESSION.to_owned()),
        "after adoption"
    );
}

#[tokio::test]
async fn unknown_jti_adopt_checks_session() {
    let harness = Harness::start("[refresh]\nunknown_jti = \"adopt_session\"\n").await;
    harness.session_has_ended(OTHER_SESSION).await;

    let body = hook_body(&harness, &fixture("token_hook_refresh_other_session.json")).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn unknown_jti_adopt_without_session_is_error() {
    let harness = Harness::start("[refresh]\nunknown_jti = \"adopt_session\"\n").await;

    let body = hook_body(&harness, &fixture("token_hook_refresh_no_session.json")).await;

    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn restart_keeps_refresh_links() {
    let mut harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    harness.restart().await;
    let body = hook_body(&harness, &fixture("token_hook_refresh_no_session.json")).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn restart_keeps_links_immediate_mode() {
    let mut harness = Harness::start("[store]\ndurability = \"immediate\"\n").await;
    harness.session_is_active(SESSION).await;
    harness.sign_in().await;

    harness.restart().await;
    let body = hook_body(&harness, &fixture("token_hook_refresh_no_session.json")).await;

    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn expired_link_is_unknown() {
    let mut harness = Harness::start("").await;
    harness.session_is_active(SESSION).await;
    harness.stop().await;
    let link = RefreshLink {
        session_id: SESSION.to_owned(),
        user_id: None,
        session_created_at_ms: 0,
        linked_at: 0,
        // Expired long ago.
        expires_at: 1,
    };
    {
        let store = RedbStore::open(&harness.store_path(), Durability::Immediate).unwrap();
        store
            .link(vec![INITIAL_JTI.to_owned()], link)
            .await
            .unwrap();
    }
    harness.resume().await;

    let body = hook_body(&harness, &fixture("token_hook_refresh.json")).await;

    let summary = error_summary(&body).unwrap_or_default();
    assert!(summary.contains("not linked"), "summary: {summary}");
}
