//! The session link over real HTTP to a fake Okta: which tokens pass, which
//! are refused with which reason, and how often Okta is asked.

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use session_guard::{Policy, Reason};
use support::*;
use wiremock::ResponseTemplate;

async fn refused(guard: &session_guard::Guard, token: &str, now: SystemTime) -> Reason {
    guard
        .authorize(token, Policy::LiveSession, now)
        .await
        .expect_err("request should be refused")
        .reason()
}

#[tokio::test]
async fn replay_after_logout_refused() {
    // Okta already ended the session: the replayed token is refused.
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_gone(&sid).await;
    let guard = okta.guard(okta.builder());

    let reason = refused(&guard, &token_for(&okta, &sid), SystemTime::now()).await;

    assert_eq!(reason, Reason::SessionEnded);
}

#[tokio::test]
async fn replay_after_logout_refused_once_ttl_passes() {
    // Alive at first; after logout Okta returns 404 and the next check
    // past the TTL refuses the same token.
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder().verdict_ttl(Duration::from_secs(30)));
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    assert!(
        guard
            .authorize(&token, Policy::LiveSession, now)
            .await
            .is_ok()
    );
    okta.reset().await;
    okta.session_gone(&sid).await;
    let later = refused(&guard, &token, now + Duration::from_secs(31)).await;

    assert_eq!(later, Reason::SessionEnded);
}

#[tokio::test]
async fn ended_verdict_is_kept_without_asking_again() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    okta.session_gone(&sid).await;
    let guard = okta.guard(okta.builder());
    let now = SystemTime::now();

    for offset in [0, 100, 1000] {
        let token = token_for(&okta, &sid);
        let reason = refused(&guard, &token, now + Duration::from_secs(offset)).await;
        assert_eq!(reason, Reason::SessionEnded);
    }

    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn mfa_required_refused_by_default() {
    let okta = FakeOkta::start().await;
    let sid = session_id(4);
    okta.session_alive(&sid, USER, "MFA_REQUIRED", in_an_hour())
        .await;
    let guard = okta.guard(okta.builder());

    let reason = refused(&guard, &token_for(&okta, &sid), SystemTime::now()).await;

    assert_eq!(reason, Reason::SessionNotActive);
}

#[tokio::test]
async fn mfa_required_accepted_when_configured() {
    let okta = FakeOkta::start().await;
    let sid = session_id(5);
    okta.session_alive(&sid, USER, "MFA_REQUIRED", in_an_hour())
        .await;
    let guard = okta.guard(okta.builder().accept_mfa_required());

    let result = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn mfa_enroll_needs_its_own_opt_in() {
    let okta = FakeOkta::start().await;
    let sid = session_id(6);
    okta.session_alive(&sid, USER, "MFA_ENROLL", in_an_hour())
        .await;
    let strict = okta.guard(okta.builder().accept_mfa_required());
    let loose = okta.guard(okta.builder().accept_mfa_enroll());
    let token = token_for(&okta, &sid);

    let strict_reason = refused(&strict, &token, SystemTime::now()).await;
    let loose_result = loose
        .authorize(&token, Policy::LiveSession, SystemTime::now())
        .await;

    assert_eq!(strict_reason, Reason::SessionNotActive);
    assert!(loose_result.is_ok(), "{loose_result:?}");
}

#[tokio::test]
async fn unknown_status_refused() {
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_alive(&sid, USER, "SOMETHING_NEW", in_an_hour())
        .await;
    let guard = okta.guard(okta.builder().accept_mfa_required().accept_mfa_enroll());

    let reason = refused(&guard, &token_for(&okta, &sid), SystemTime::now()).await;

    assert_eq!(reason, Reason::SessionNotActive);
}

#[tokio::test]
async fn session_of_other_user_refused() {
    let okta = FakeOkta::start().await;
    let sid = session_id(8);
    okta.session_alive(&sid, OTHER_USER, "ACTIVE", in_an_hour())
        .await;
    let guard = okta.guard(okta.builder());

    let reason = refused(&guard, &token_for(&okta, &sid), SystemTime::now()).await;

    assert_eq!(reason, Reason::SessionUserMismatch);
}

#[tokio::test]
async fn token_without_session_claim_refused() {
    // Okta issues tokens unmodified when the inline hook fails.
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let token = mint(&claims(&okta.issuer(), None, SystemTime::now()));

    let reason = refused(&guard, &token, SystemTime::now()).await;

    assert_eq!(reason, Reason::NotSessionBound);
    assert_eq!(okta.session_calls().await, 0);
}

#[tokio::test]
async fn token_without_session_claim_passes_token_only() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let token = mint(&claims(&okta.issuer(), None, SystemTime::now()));

    let result = guard
        .authorize(&token, Policy::TokenOnly, SystemTime::now())
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn unsafe_session_id_never_reaches_okta() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());

    for bad in [
        "../../users/me",
        "102abc/lifecycle",
        "102%2e%2e",
        "102abc?x=1",
        "",
        &"a".repeat(200),
    ] {
        let token = mint(&claims(&okta.issuer(), Some(bad), SystemTime::now()));
        let reason = refused(&guard, &token, SystemTime::now()).await;
        assert_eq!(reason, Reason::InvalidClaims, "{bad:?}");
    }

    assert_eq!(okta.session_calls().await, 0);
}

#[tokio::test]
async fn numeric_session_claim_refused() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let mut token_claims = claims(&okta.issuer(), None, SystemTime::now());
    token_claims["okta_sid"] = json!(102);

    let reason = refused(&guard, &mint(&token_claims), SystemTime::now()).await;

    assert_eq!(reason, Reason::NotSessionBound);
}

#[tokio::test]
async fn token_without_uid_refused() {
    let okta = FakeOkta::start().await;
    let sid = session_id(9);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());
    let mut token_claims = claims(&okta.issuer(), Some(&sid), SystemTime::now());
    token_claims
        .as_object_mut()
        .expect("claims are an object")
        .remove("uid");

    let reason = refused(&guard, &mint(&token_claims), SystemTime::now()).await;

    assert_eq!(reason, Reason::InvalidClaims);
}

#[tokio::test]
async fn custom_session_claim_is_read() {
    let okta = FakeOkta::start().await;
    let sid = session_id(10);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder().session_claim("session_ref"));
    let mut token_claims = claims(&okta.issuer(), None, SystemTime::now());
    token_claims["session_ref"] = Value::String(sid.clone());

    let result = guard
        .authorize(&mint(&token_claims), Policy::LiveSession, SystemTime::now())
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn allowed_request_exposes_session() {
    let okta = FakeOkta::start().await;
    let sid = session_id(11);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());

    let authorized = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await
        .expect("alive session passes");

    let session = authorized
        .session()
        .expect("live-session policy carries the session");
    assert_eq!(session.id.as_str(), sid);
    assert_eq!(session.user_id, USER);
    assert_eq!(authorized.claims().uid.as_deref(), Some(USER));
}

#[tokio::test]
async fn alive_verdict_lasts_ttl() {
    let okta = FakeOkta::start().await;
    let sid = session_id(12);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder().verdict_ttl(Duration::from_secs(30)));
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(29))
        .await
        .expect("alive");
    let calls_within_ttl = okta.session_calls().await;
    guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(31))
        .await
        .expect("alive");
    let calls_after_ttl = okta.session_calls().await;

    assert_eq!(calls_within_ttl, 1);
    assert_eq!(calls_after_ttl, 2);
}

#[tokio::test]
async fn alive_verdict_ends_at_session_expiry() {
    // TTL 300 s, but the session expires in 10 s: at 11 s Okta is asked
    // again, and the expired session is refused.
    let okta = FakeOkta::start().await;
    let sid = session_id(13);
    let now = SystemTime::now();
    okta.session_alive(&sid, USER, "ACTIVE", now + Duration::from_secs(10))
        .await;
    let guard = okta.guard(okta.builder().verdict_ttl(Duration::from_secs(300)));
    let token = token_for(&okta, &sid);

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    let reason = refused(&guard, &token, now + Duration::from_secs(11)).await;

    assert_eq!(reason, Reason::SessionEnded);
    assert_eq!(okta.session_calls().await, 2);
}

#[tokio::test]
async fn alive_verdict_ends_at_token_exp() {
    // The token expires 10 s after issue; within the verifier's 30 s leeway
    // it still verifies at 15 s, but the verdict is not reused past `exp`.
    let okta = FakeOkta::start().await;
    let sid = session_id(14);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder().verdict_ttl(Duration::from_secs(300)));
    let now = SystemTime::now();
    let mut token_claims = claims(&okta.issuer(), Some(&sid), now);
    token_claims["exp"] = json!(epoch(now) + 10);
    let token = mint(&token_claims);

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(15))
        .await
        .expect("within leeway");

    assert_eq!(okta.session_calls().await, 2);
}

#[tokio::test]
async fn low_budget_stretches_ttl() {
    // 10 of 100 calls left, stretching below 50 %: the TTL grows from 30 s
    // to 30 + 300 * (1 - 0.1 / 0.5) = 270 s.
    let okta = FakeOkta::start().await;
    let sid = session_id(15);
    let now = SystemTime::now();
    let reset = epoch(now) + 3600;
    let template = ResponseTemplate::new(200)
        .set_body_json(session_body(&sid, USER, "ACTIVE", in_an_hour()))
        .insert_header("X-Rate-Limit-Limit", "100")
        .insert_header("X-Rate-Limit-Remaining", "10")
        .insert_header("X-Rate-Limit-Reset", reset.to_string().as_str());
    wiremock::Mock::given(wiremock::matchers::path(format!("/api/v1/sessions/{sid}")))
        .respond_with(template)
        .mount(&okta.server)
        .await;
    let guard = okta.guard(
        okta.builder()
            .verdict_ttl(Duration::from_secs(30))
            .budget_stretching(Duration::from_secs(330), 0.5),
    );
    let token = token_for(&okta, &sid);

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(200))
        .await
        .expect("alive");

    assert_eq!(guard.effective_ttl(now), Duration::from_secs(270));
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn full_budget_keeps_configured_ttl() {
    let okta = FakeOkta::start().await;
    let sid = session_id(16);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(
        okta.builder()
            .verdict_ttl(Duration::from_secs(30))
            .budget_stretching(Duration::from_secs(330), 0.5),
    );
    let now = SystemTime::now();

    guard
        .authorize(&token_for(&okta, &sid), Policy::LiveSession, now)
        .await
        .expect("alive");

    assert_eq!(guard.effective_ttl(now), Duration::from_secs(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_session_coalesces_10000_requests() {
    // Okta responds slowly so that the requests overlap the lookup.
    let okta = FakeOkta::start().await;
    let sid = session_id(17);
    okta.session_response(
        &sid,
        ResponseTemplate::new(200)
            .set_body_json(session_body(&sid, USER, "ACTIVE", in_an_hour()))
            .set_delay(Duration::from_millis(300)),
    )
    .await;
    let guard = okta.guard(okta.builder());
    let token: Arc<str> = token_for(&okta, &sid).into();
    let now = SystemTime::now();

    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let guard = guard.clone();
            let token = token.clone();
            tokio::spawn(async move {
                guard
                    .authorize(&token, Policy::LiveSession, now)
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.expect("task completes") {
            allowed += 1;
        }
    }

    assert_eq!(allowed, 10_000);
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_tokens_share_one_lookup() {
    // Different tokens naming one session: the session cache, not the
    // decision cache, decides all but the first.
    let okta = FakeOkta::start().await;
    let sid = session_id(18);
    okta.session_response(
        &sid,
        ResponseTemplate::new(200)
            .set_body_json(session_body(&sid, USER, "ACTIVE", in_an_hour()))
            .set_delay(Duration::from_millis(200)),
    )
    .await;
    let guard = okta.guard(okta.builder());
    let now = SystemTime::now();
    let tokens: Vec<String> = (0..20).map(|_| token_for(&okta, &sid)).collect();

    let results = futures::future::join_all(
        tokens
            .iter()
            .map(|token| guard.authorize(token, Policy::LiveSession, now)),
    )
    .await;

    assert!(results.iter().all(Result::is_ok));
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn sessions_api_receives_ssws_token() {
    let okta = FakeOkta::start().await;
    let sid = session_id(19);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());

    guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await
        .expect("alive");

    let requests = okta.server.received_requests().await.unwrap_or_default();
    let call = requests
        .iter()
        .find(|request| request.url.path().starts_with("/api/v1/sessions/"))
        .expect("one Sessions API call");
    assert_eq!(
        call.headers
            .get("authorization")
            .and_then(|value| value.to_str().ok()),
        Some(format!("SSWS {API_TOKEN}").as_str())
    );
}
