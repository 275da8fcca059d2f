//! The guard against the Okta emulator over real HTTP: tokens come from
//! the emulator's sign-in form and token endpoint (with a token inline hook
//! stamping `okta_sid`), and sessions are checked with its Sessions API.
//! Logout, admin revocation, expiry, event hook pushes, key rotation, rate
//! limits, outages and a failed inline hook are all produced by the
//! emulator itself, through its OAuth, Management and control APIs.
//!
//! The guard caches an alive verdict for `session.verdict_ttl_secs` (30 s
//! by default). Tests that need the verdict to lapse pass a later `now` to
//! `Guard::authorize` instead of waiting, and leave the emulator clock
//! alone unless the test is about that clock.

mod emulator;

use std::time::{Duration, SystemTime};

use emulator::{
    DEMO_USER_ID, EVENT_HOOK_SECRET, INLINE_HOOK_ID, Org, bind, get, guard_from, serve_guard,
};
use reqwest::Method;
use serde_json::{Value, json};
use session_guard::{Policy, Reason, Secret};

/// Upper bound for an event hook push to reach the guard. Reaching it
/// fails the test; it is not a speed goal.
const PUSH_DEADLINE: Duration = Duration::from_secs(20);

/// Returns a time past the default verdict TTL of 30 s, so the guard calls Okta again.
fn past_verdict_ttl() -> SystemTime {
    SystemTime::now() + Duration::from_secs(31)
}

/// Returns the reason of a rejected decision, or `None` if it was allowed.
fn reason_of<T>(decision: &Result<T, session_guard::Rejection>) -> Option<Reason> {
    decision
        .as_ref()
        .err()
        .map(session_guard::Rejection::reason)
}

#[tokio::test]
async fn logout_replay_is_session_ended() {
    let org = Org::start().await;
    let guard = org.guard();
    let (listener, _) = bind().await;
    let base = serve_guard(&guard, listener);
    let login = org.sign_in().await;

    let before = get(&base, "/profile", &login.access_token).await;
    org.log_out(&login).await;
    let replay = guard
        .authorize(&login.access_token, Policy::LiveSession, past_verdict_ttl())
        .await;

    assert_eq!(login.claim("okta_sid"), login.session_id.as_str());
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(before.body["session"], login.session_id.as_str());
    assert_eq!(reason_of(&replay), Some(Reason::SessionEnded));
    assert_eq!(org.sessions_calls().await, 2);
    assert_eq!(guard.metrics().okta_calls("not_found"), 1);
}

#[tokio::test]
async fn admin_session_clear_refuses_replay() {
    let org = Org::start().await;
    let guard = org.guard();
    let login = org.sign_in().await;

    let before = guard
        .authorize(&login.access_token, Policy::LiveSession, SystemTime::now())
        .await;
    let cleared = org
        .management(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions"),
        )
        .await;
    let replay = guard
        .authorize(&login.access_token, Policy::LiveSession, past_verdict_ttl())
        .await;

    assert!(before.is_ok());
    assert_eq!(cleared.status(), 204);
    assert_eq!(reason_of(&replay), Some(Reason::SessionEnded));
}

#[tokio::test]
async fn expired_session_is_refused() {
    let org = Org::start().await;
    let guard = org.guard();
    let login = org.sign_in().await;

    let before = guard
        .authorize(&login.access_token, Policy::LiveSession, SystemTime::now())
        .await;
    // Natural expiry: the session's expiry moves into the past, no event.
    org.control(
        Method::POST,
        &format!("/mock/sessions/{}/expire", login.session_id),
        None,
    )
    .await;
    let replay = guard
        .authorize(&login.access_token, Policy::LiveSession, past_verdict_ttl())
        .await;
    let token_only = guard
        .authorize(&login.access_token, Policy::TokenOnly, past_verdict_ttl())
        .await;

    assert!(before.is_ok());
    assert_eq!(reason_of(&replay), Some(Reason::SessionEnded));
    assert!(token_only.is_ok());
}

/// Starts an org whose event hook delivers to a guard served on a port
/// bound first, and the guard with a verdict TTL far longer than the
/// test, so that only the push can end a cached verdict.
async fn org_pushing_to_guard() -> (Org, session_guard::Guard, String) {
    let (listener, guard_url) = bind().await;
    let org = Org::start_with_event_hook(&format!("{guard_url}/okta/event-hooks")).await;
    let long = Duration::from_secs(600);
    let guard = guard_from(
        org.guard_builder()
            .event_hooks(Secret::new(EVENT_HOOK_SECRET))
            .verdict_ttl(long)
            .budget_stretching(long, 0.5),
    );
    let base = serve_guard(&guard, listener);
    (org, guard, base)
}

/// GETs `/profile` until it is no longer 200, or the deadline passes.
async fn profile_until_rejected(base: &str, token: &str) -> emulator::Reply {
    let deadline = tokio::time::Instant::now() + PUSH_DEADLINE;
    loop {
        let reply = get(base, "/profile", token).await;
        if reply.status != 200 || tokio::time::Instant::now() >= deadline {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn logout_push_ends_session() {
    let (org, guard, base) = org_pushing_to_guard().await;
    let login = org.sign_in().await;

    let before = get(&base, "/profile", &login.access_token).await;
    org.log_out(&login).await;
    let replay = profile_until_rejected(&base, &login.access_token).await;
    let catalog = get(&base, "/catalog", &login.access_token).await;

    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert_eq!(replay.reason(), Some("session_ended"));
    assert_eq!(catalog.status, 200);
    // Only the first request asked Okta: the push ended the session.
    assert_eq!(org.sessions_calls().await, 1);
    assert_eq!(guard.metrics().okta_calls("found"), 1);
    assert_eq!(guard.metrics().okta_calls("not_found"), 0);
}

#[tokio::test]
async fn admin_clear_push_ends_session() {
    let (org, guard, base) = org_pushing_to_guard().await;
    let login = org.sign_in().await;

    let before = get(&base, "/profile", &login.access_token).await;
    let cleared = org
        .management(
            Method::DELETE,
            &format!("/api/v1/users/{DEMO_USER_ID}/sessions"),
        )
        .await;
    let replay = profile_until_rejected(&base, &login.access_token).await;

    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(cleared.status(), 204);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert_eq!(replay.reason(), Some("session_ended"));
    assert_eq!(org.sessions_calls().await, 1);
    assert_eq!(guard.metrics().okta_calls("not_found"), 0);
}

#[tokio::test]
async fn rotation_keeps_old_token_in_overlap() {
    let org = Org::start().await;
    let guard = org.guard();
    let first = org.sign_in().await;
    let before = guard
        .authorize(&first.access_token, Policy::LiveSession, SystemTime::now())
        .await;

    let keys = org
        .control(
            Method::POST,
            "/mock/authorization-servers/default/keys/rotate",
            None,
        )
        .await;
    let second = org.sign_in_again(&first).await;
    let new_on_warm = guard
        .authorize(&second.access_token, Policy::LiveSession, SystemTime::now())
        .await;
    let fresh = org.guard();
    let old_on_fresh = fresh
        .authorize(&first.access_token, Policy::LiveSession, SystemTime::now())
        .await;
    let new_on_fresh = fresh
        .authorize(&second.access_token, Policy::LiveSession, SystemTime::now())
        .await;

    let new_kid = keys["signing_kid"].as_str().unwrap_or_default();
    assert!(before.is_ok());
    assert_ne!(first.kid(), new_kid);
    assert_eq!(second.kid(), new_kid);
    assert_eq!(reason_of(&new_on_warm), None);
    assert_eq!(reason_of(&old_on_fresh), None);
    assert_eq!(reason_of(&new_on_fresh), None);
}

#[tokio::test]
async fn rotation_retires_old_key_after_overlap() {
    let org = Org::start().await;
    let first = org.sign_in().await;
    org.control(
        Method::POST,
        "/mock/authorization-servers/default/keys/rotate",
        None,
    )
    .await;
    let second = org.sign_in_again(&first).await;

    // The embedded server keeps a rotated-out key published for 3600 s.
    let keys = org
        .control(
            Method::POST,
            "/mock/clock/advance",
            Some(json!({ "seconds": 3601 })),
        )
        .await;
    let published = org
        .control(
            Method::GET,
            "/mock/authorization-servers/default/keys",
            None,
        )
        .await;
    let guard = org.guard();
    let old = guard
        .authorize(&first.access_token, Policy::TokenOnly, SystemTime::now())
        .await;
    let new = guard
        .authorize(&second.access_token, Policy::TokenOnly, SystemTime::now())
        .await;

    assert_eq!(keys["offset_seconds"], 3601);
    assert!(
        !published["published_kids"]
            .as_array()
            .is_some_and(|kids| kids.contains(&Value::from(first.kid()))),
        "{published}"
    );
    assert_eq!(reason_of(&old), Some(Reason::UnknownKey));
    assert!(new.is_ok());
}

#[tokio::test]
async fn rate_limit_is_503_then_recovers() {
    let org = Org::start().await;
    org.control(
        Method::PUT,
        "/mock/rate-limits",
        Some(json!({ "sessions": 1 })),
    )
    .await;
    let guard = org.guard();
    let (listener, _) = bind().await;
    let base = serve_guard(&guard, listener);
    let first = org.sign_in().await;
    let second = org.sign_in().await;

    // The first check spends the budget of this minute: remaining 0.
    let allowed = get(&base, "/profile", &first.access_token).await;
    // The guard skips a call that would get 429 until the reset.
    let held_back = get(&base, "/profile", &second.access_token).await;
    let calls_after_hold = org.sessions_calls().await;
    // A guard that has not seen the budget calls and gets Okta's 429.
    let unaware = org
        .guard()
        .authorize(&second.access_token, Policy::LiveSession, SystemTime::now())
        .await;
    let calls_after_429 = org.sessions_calls().await;
    // The next minute: a new emulator window and a guard clock past the reset.
    org.control(
        Method::POST,
        "/mock/clock/advance",
        Some(json!({ "seconds": 60 })),
    )
    .await;
    let recovered = guard
        .authorize(
            &second.access_token,
            Policy::LiveSession,
            SystemTime::now() + Duration::from_secs(61),
        )
        .await;

    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(held_back.status, 503, "{}", held_back.body);
    assert_eq!(held_back.reason(), Some("okta_rate_limited"));
    assert!(
        held_back
            .retry_after
            .is_some_and(|seconds| (1..=60).contains(&seconds)),
        "Retry-After {:?}",
        held_back.retry_after
    );
    assert_eq!(held_back.challenge, None);
    assert_eq!(calls_after_hold, 1);
    assert_eq!(reason_of(&unaware), Some(Reason::OktaRateLimited));
    assert!(
        unaware
            .as_ref()
            .err()
            .and_then(session_guard::Rejection::retry_after)
            .is_some()
    );
    assert_eq!(calls_after_429, 2);
    assert!(recovered.is_ok(), "{:?}", reason_of(&recovered));
    assert_eq!(org.sessions_calls().await, 3);
}

#[tokio::test]
async fn sessions_outage_is_503_not_401() {
    let org = Org::start().await;
    // Shorter than the latency fault below, so that case times out.
    let guard = guard_from(org.guard_builder().okta_timeout(Duration::from_millis(500)));
    let (listener, _) = bind().await;
    let base = serve_guard(&guard, listener);
    let cases = [
        ("status 500", json!({ "kind": "status", "status": 500 })),
        ("status 502", json!({ "kind": "status", "status": 502 })),
        ("status 503", json!({ "kind": "status", "status": 503 })),
        ("status 504", json!({ "kind": "status", "status": 504 })),
        ("dropped connection", json!({ "kind": "drop" })),
        ("timeout", json!({ "kind": "latency", "latency_ms": 3000 })),
    ];

    for (case, fault) in cases {
        let login = org.sign_in().await;
        org.sessions_fault(fault).await;

        let during = get(&base, "/profile", &login.access_token).await;
        org.control(Method::DELETE, "/mock/faults", None).await;
        let after = get(&base, "/profile", &login.access_token).await;

        assert_eq!(during.status, 503, "{case}: {}", during.body);
        assert_eq!(during.reason(), Some("okta_unavailable"), "{case}");
        assert!(during.retry_after.is_some(), "{case}");
        assert_eq!(during.challenge, None, "{case}");
        assert_eq!(after.status, 200, "{case} recovery: {}", after.body);
    }
    assert_eq!(guard.metrics().decisions(Reason::OktaUnavailable), 6);
}

#[tokio::test]
async fn hook_down_token_is_unbound() {
    let org = Org::start().await;
    let guard = org.guard();
    let (listener, _) = bind().await;
    let base = serve_guard(&guard, listener);
    org.control(
        Method::PUT,
        &format!("/mock/inline-hooks/{INLINE_HOOK_ID}/faults"),
        Some(json!({ "unreachable": true })),
    )
    .await;

    // Okta fails open: the token is issued without the session claim.
    let login = org.sign_in().await;
    let profile = get(&base, "/profile", &login.access_token).await;
    let catalog = get(&base, "/catalog", &login.access_token).await;

    assert_eq!(login.claim("okta_sid"), Value::Null);
    assert_eq!(profile.status, 401, "{}", profile.body);
    assert_eq!(profile.reason(), Some("not_session_bound"));
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    assert_eq!(org.sessions_calls().await, 0);
}

// Two worker threads, so that requests really run in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_session_one_call() {
    const REQUESTS: usize = 1000;
    let org = Org::start().await;
    let guard = org.guard();
    let login = org.sign_in().await;
    let mut headers = http::HeaderMap::new();
    let bearer = format!("Bearer {}", login.access_token);
    headers.insert(
        http::header::AUTHORIZATION,
        bearer.parse().expect("token is a header value"),
    );
    // Holds the one Sessions API call open while the other requests arrive.
    org.sessions_fault(json!({ "kind": "latency", "latency_ms": 500, "count": 1 }))
        .await;

    let tasks: Vec<_> = (0..REQUESTS)
        .map(|_| {
            let guard = guard.clone();
            let headers = headers.clone();
            tokio::spawn(async move {
                guard
                    .authorize_headers(&headers, Policy::LiveSession)
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.unwrap_or(false) {
            allowed += 1;
        }
    }

    assert_eq!(allowed, REQUESTS);
    assert_eq!(org.sessions_calls().await, 1);
    assert_eq!(guard.metrics().okta_calls("found"), 1);
}
