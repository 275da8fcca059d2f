//! Push revocation through Okta event hooks, over real HTTP.

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use session_guard::Guard;
use support::*;

async fn start(okta: &FakeOkta) -> (Guard, std::net::SocketAddr) {
    let guard = okta.guard(
        okta.builder()
            .event_hooks(session_guard::Secret::new(EVENT_SECRET)),
    );
    let router = app(&guard).merge(guard.event_hook_router().expect("event hooks configured"));
    let address = serve(router).await;
    (guard, address)
}

async fn reason_of(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("JSON body");
    body["reason"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn verification_echoes_challenge() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;

    let response = reqwest::Client::new()
        .get(format!("http://{address}/okta/event-hooks"))
        .header("X-Okta-Verification-Challenge", "rB8d-a_challenge")
        .send()
        .await
        .expect("request reaches the test server");

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(
        body,
        serde_json::json!({"verification": "rB8d-a_challenge"})
    );
}

#[tokio::test]
async fn verification_without_challenge_is_400() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;

    let response = reqwest::get(format!("http://{address}/okta/event-hooks"))
        .await
        .expect("reachable");

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn verification_with_wrong_secret_is_401() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;

    let response = reqwest::Client::new()
        .get(format!("http://{address}/okta/event-hooks"))
        .header("X-Okta-Verification-Challenge", "abc")
        .header("Authorization", "not-the-secret")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn wrong_secret_is_401_and_not_applied() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = start(&okta).await;
    let token = token_for(&okta, &sid);
    let event = session_end_event("ev-1", &sid, USER, SystemTime::now());

    let hook = post_events(address, "demo-event-hook-secreT", &delivery(vec![event])).await;
    let api = get(address, "/session", Some(&token)).await;

    assert_eq!(hook.status(), 401);
    assert_eq!(api.status(), 200);
}

#[tokio::test]
async fn missing_secret_is_401() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;

    let response = reqwest::Client::new()
        .post(format!("http://{address}/okta/event-hooks"))
        .json(&delivery(vec![]))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn malformed_delivery_is_400() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;

    let response = post_events(
        address,
        EVENT_SECRET,
        &serde_json::json!({"eventType": "x", "data": {}}),
    )
    .await;

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn session_end_revokes_cached_session_at_once() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = start(&okta).await;
    let token = token_for(&okta, &sid);

    let before = get(address, "/session", Some(&token)).await;
    let hook = post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![session_end_event(
            "ev-2",
            &sid,
            USER,
            SystemTime::now(),
        )]),
    )
    .await;
    let after = get(address, "/session", Some(&token)).await;

    assert_eq!(before.status(), 200);
    assert_eq!(hook.status(), 200);
    assert_eq!(after.status(), 401);
    assert_eq!(reason_of(after).await, "session_ended");
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn session_end_before_first_use_needs_no_okta_call() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    let (_guard, address) = start(&okta).await;

    post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![session_end_event(
            "ev-3",
            &sid,
            USER,
            SystemTime::now(),
        )]),
    )
    .await;
    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 401);
    assert_eq!(okta.session_calls().await, 0);
}

#[tokio::test]
async fn session_end_stays_when_okta_lags() {
    // Okta still reports the session as ACTIVE after the logout event (for
    // example a lookup that raced the event): the end sticks.
    let okta = FakeOkta::start().await;
    let sid = session_id(4);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (guard, address) = start(&okta).await;
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![session_end_event("ev-4", &sid, USER, now)]),
    )
    .await;
    let result = guard
        .authorize(
            &token,
            session_guard::Policy::LiveSession,
            now + Duration::from_secs(120),
        )
        .await;

    assert_eq!(
        result.expect_err("ended").reason(),
        session_guard::Reason::SessionEnded
    );
}

#[tokio::test]
async fn session_end_spares_other_sessions() {
    let okta = FakeOkta::start().await;
    let ended = session_id(5);
    let other = session_id(6);
    okta.session_alive(&ended, USER, "ACTIVE", in_an_hour())
        .await;
    okta.session_alive(&other, USER, "ACTIVE", in_an_hour())
        .await;
    let (_guard, address) = start(&okta).await;

    post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![session_end_event(
            "ev-5",
            &ended,
            USER,
            SystemTime::now(),
        )]),
    )
    .await;
    let response = get(address, "/session", Some(&token_for(&okta, &other))).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn each_user_wide_event_revokes_cached_sessions() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;
    let issued = SystemTime::now() - Duration::from_secs(120);
    let types = [
        "user.session.clear",
        "user.authentication.universal_logout",
        "user.lifecycle.suspend",
        "user.lifecycle.deactivate",
        "user.account.lock",
    ];

    for (n, event_type) in types.iter().enumerate() {
        let user = format!("00uwide{n:013}");
        let sid = session_id(100 + u32::try_from(n).expect("small"));
        okta.session_alive(&sid, &user, "ACTIVE", in_an_hour())
            .await;
        let token = token_for_user(&okta, &sid, &user, issued);

        let before = get(address, "/session", Some(&token)).await;
        let event = user_event(
            &format!("wide-{n}"),
            event_type,
            &user,
            &session_id(999),
            SystemTime::now(),
        );
        post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
        let after = get(address, "/session", Some(&token)).await;

        assert_eq!(before.status(), 200, "{event_type} before");
        assert_eq!(after.status(), 401, "{event_type} after");
    }
}

#[tokio::test]
async fn user_wide_event_refuses_uncached_sessions() {
    // The session was never seen: tokens authenticated before the event
    // are refused without asking Okta.
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = start(&okta).await;
    let now = SystemTime::now();
    let event = user_event(
        "ev-7",
        "user.session.clear",
        USER,
        &session_id(999),
        now - Duration::from_secs(60),
    );

    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let response = get(
        address,
        "/session",
        Some(&token_for_user(
            &okta,
            &sid,
            USER,
            now - Duration::from_secs(120),
        )),
    )
    .await;

    assert_eq!(response.status(), 401);
    assert_eq!(reason_of(response).await, "session_ended");
    assert_eq!(okta.session_calls().await, 0);
}

#[tokio::test]
async fn user_wide_event_spares_later_sign_in() {
    let okta = FakeOkta::start().await;
    let sid = session_id(8);
    // `session_body` puts createdAt two hours before expiresAt: here an hour
    // after the event, as for a sign-in that followed it.
    okta.session_alive(
        &sid,
        USER,
        "ACTIVE",
        SystemTime::now() + Duration::from_secs(3 * 3600),
    )
    .await;
    let (_guard, address) = start(&okta).await;
    let now = SystemTime::now();
    let event = user_event(
        "ev-8",
        "user.lifecycle.suspend",
        USER,
        &session_id(999),
        now - Duration::from_secs(60),
    );

    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let response = get(
        address,
        "/session",
        Some(&token_for_user(&okta, &sid, USER, now)),
    )
    .await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn user_wide_event_spares_sign_in_same_second() {
    // The event at X.700 s, a new session created at X.900 s: the token's
    // whole-second auth_time (X) is not proof that it predates the event.
    let okta = FakeOkta::start().await;
    let sid = session_id(9);
    let second = UNIX_EPOCH
        + Duration::from_secs(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                - 60,
        );
    let created = second + Duration::from_millis(900);
    okta.session_alive(&sid, USER, "ACTIVE", created + Duration::from_secs(7200))
        .await;
    let (_guard, address) = start(&okta).await;
    let event = user_event(
        "ev-9",
        "user.session.clear",
        USER,
        &session_id(999),
        second + Duration::from_millis(700),
    );

    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let response = get(
        address,
        "/session",
        Some(&token_for_user(&okta, &sid, USER, created)),
    )
    .await;

    assert_eq!(response.status(), 200);
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn user_wide_event_spares_other_users() {
    let okta = FakeOkta::start().await;
    let sid = session_id(9);
    okta.session_alive(&sid, OTHER_USER, "ACTIVE", in_an_hour())
        .await;
    let (_guard, address) = start(&okta).await;
    let now = SystemTime::now();
    let event = user_event("ev-9", "user.session.clear", USER, &session_id(999), now);

    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let response = get(
        address,
        "/session",
        Some(&token_for_user(
            &okta,
            &sid,
            OTHER_USER,
            now - Duration::from_secs(60),
        )),
    )
    .await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn admin_clear_keeps_admin_session() {
    // user.session.clear carries the admin's session in
    // authenticationContext.externalSessionId; only the target user loses
    // sessions.
    let okta = FakeOkta::start().await;
    let admin_sid = session_id(10);
    okta.session_alive(&admin_sid, OTHER_USER, "ACTIVE", in_an_hour())
        .await;
    let (_guard, address) = start(&okta).await;
    let now = SystemTime::now();
    let admin_token = token_for_user(&okta, &admin_sid, OTHER_USER, now - Duration::from_secs(60));

    let event = user_event("ev-10", "user.session.clear", USER, &admin_sid, now);
    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let response = get(address, "/session", Some(&admin_token)).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn duplicate_uuid_applied_once() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;
    let body = delivery(vec![session_end_event(
        "ev-dup",
        &session_id(11),
        USER,
        SystemTime::now(),
    )]);

    let first: Value = post_events(address, EVENT_SECRET, &body)
        .await
        .json()
        .await
        .expect("JSON");
    let second: Value = post_events(address, EVENT_SECRET, &body)
        .await
        .json()
        .await
        .expect("JSON");

    assert_eq!(first["applied"], 1);
    assert_eq!(second["applied"], 0);
    assert_eq!(second["duplicates"], 1);
}

#[tokio::test]
async fn duplicate_within_one_delivery_applied_once() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;
    let event = session_end_event("ev-twice", &session_id(12), USER, SystemTime::now());

    let summary: Value = post_events(address, EVENT_SECRET, &delivery(vec![event.clone(), event]))
        .await
        .json()
        .await
        .expect("JSON");

    assert_eq!(summary["applied"], 1);
    assert_eq!(summary["duplicates"], 1);
}

#[tokio::test]
async fn older_event_after_newer_keeps_newer_cutoff() {
    // Delivered out of order: the newer user-wide event (t2) first, then an
    // older one (t1). A token authenticated between t1 and t2 stays refused.
    let okta = FakeOkta::start().await;
    let sid = session_id(13);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = start(&okta).await;
    let now = SystemTime::now();
    let t1 = now - Duration::from_secs(600);
    let t2 = now - Duration::from_secs(60);

    post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![user_event("new", "user.account.lock", USER, "x", t2)]),
    )
    .await;
    post_events(
        address,
        EVENT_SECRET,
        &delivery(vec![user_event("old", "user.account.lock", USER, "x", t1)]),
    )
    .await;
    let between = token_for_user(&okta, &sid, USER, now - Duration::from_secs(300));
    let response = get(address, "/session", Some(&between)).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unrelated_event_is_ignored() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;
    let mut event = session_end_event("ev-start", &session_id(14), USER, SystemTime::now());
    event["eventType"] = Value::String("user.session.start".to_owned());

    let summary: Value = post_events(address, EVENT_SECRET, &delivery(vec![event]))
        .await
        .json()
        .await
        .expect("JSON");

    assert_eq!(summary["ignored"], 1);
    assert_eq!(summary["applied"], 0);
}

#[tokio::test]
async fn session_end_without_ended_id_is_ignored() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = start(&okta).await;
    let mut event = session_end_event("ev-noid", &session_id(15), USER, SystemTime::now());
    event["debugContext"] = serde_json::json!({"debugData": {}});

    let summary: Value = post_events(address, EVENT_SECRET, &delivery(vec![event]))
        .await
        .json()
        .await
        .expect("JSON");

    assert_eq!(summary["ignored"], 1);
}

fn decision_cache_hits(guard: &Guard) -> u64 {
    let text = guard.metrics().encode();
    text.lines()
        .find(|line| {
            line.starts_with(r#"session_guard_cache_lookups_total{tier="decision",result="hit"}"#)
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn session_end_keeps_other_cached_decisions() {
    // Ending one session retires only the decisions that relied on it.
    let okta = FakeOkta::start().await;
    let ended = session_id(16);
    let other = session_id(17);
    okta.session_alive(&ended, USER, "ACTIVE", in_an_hour())
        .await;
    okta.session_alive(&other, USER, "ACTIVE", in_an_hour())
        .await;
    let (guard, address) = start(&okta).await;
    let other_token = token_for(&okta, &other);
    get(address, "/session", Some(&token_for(&okta, &ended))).await;
    get(address, "/session", Some(&other_token)).await;

    let event = session_end_event("ev-16", &ended, USER, SystemTime::now());
    post_events(address, EVENT_SECRET, &delivery(vec![event])).await;
    let hits_before = decision_cache_hits(&guard);
    let response = get(address, "/session", Some(&other_token)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(decision_cache_hits(&guard), hits_before + 1);
}
