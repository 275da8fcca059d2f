//! Okta unreachable, failing or rate-limiting: 503 with Retry-After, never
//! 401 and never 200 without a verdict, unless serve-stale applies.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::Value;
use session_guard::{Policy, Reason};
use support::*;
use wiremock::ResponseTemplate;

fn rate_limited(reset: u64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .set_body_json(serde_json::json!({
            "errorCode": "E0000047",
            "errorSummary": "API call exceeded rate limit due to too many requests.",
            "errorLink": "E0000047",
            "errorId": "oaeRate",
            "errorCauses": []
        }))
        .insert_header("X-Rate-Limit-Limit", "100")
        .insert_header("X-Rate-Limit-Remaining", "0")
        .insert_header("X-Rate-Limit-Reset", reset.to_string().as_str())
}

#[tokio::test]
async fn rate_limit_gives_503_with_retry_after() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    let reset = epoch(SystemTime::now()) + 20;
    okta.session_response(&sid, rate_limited(reset)).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;
    let retry_after: u64 = header(&response, "retry-after")
        .expect("Retry-After is set")
        .parse()
        .expect("seconds");
    let status = response.status();
    let body: Value = response.json().await.expect("problem body");

    assert_eq!(status, 503);
    assert!((1..=21).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(body["reason"], "okta_rate_limited");
}

#[tokio::test]
async fn rate_limit_sends_no_bearer_challenge() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_response(&sid, rate_limited(epoch(SystemTime::now()) + 20))
        .await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert!(header(&response, "www-authenticate").is_none());
}

#[tokio::test]
async fn no_call_after_429_until_reset() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    okta.session_response(&sid, rate_limited(epoch(SystemTime::now()) + 60))
        .await;
    let guard = okta.guard(okta.builder());
    let now = SystemTime::now();

    let first = guard
        .authorize(&token_for(&okta, &sid), Policy::LiveSession, now)
        .await;
    let second = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            now + Duration::from_secs(5),
        )
        .await;

    assert_eq!(
        first.expect_err("rate-limited").reason(),
        Reason::OktaRateLimited
    );
    assert_eq!(
        second.expect_err("still rate-limited").reason(),
        Reason::OktaRateLimited
    );
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn empty_budget_stops_calls_before_429() {
    // Okta's last response left 0 of 100 calls: past the (stretched) TTL the
    // guard does not call again before the reset.
    let okta = FakeOkta::start().await;
    let sid = session_id(4);
    let now = SystemTime::now();
    let reset = epoch(now) + 3600;
    okta.session_response(
        &sid,
        ResponseTemplate::new(200)
            .set_body_json(session_body(
                &sid,
                USER,
                "ACTIVE",
                now + Duration::from_secs(7200),
            ))
            .insert_header("X-Rate-Limit-Limit", "100")
            .insert_header("X-Rate-Limit-Remaining", "0")
            .insert_header("X-Rate-Limit-Reset", reset.to_string().as_str()),
    )
    .await;
    let guard = okta.guard(
        okta.builder()
            .budget_stretching(Duration::from_secs(300), 0.5),
    );
    let token = token_for(&okta, &sid);

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    let within_staleness = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(290))
        .await;
    let beyond = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(310))
        .await;

    assert!(within_staleness.is_ok(), "{within_staleness:?}");
    assert_eq!(
        beyond.expect_err("no budget").reason(),
        Reason::OktaRateLimited
    );
    assert_eq!(okta.session_calls().await, 1);
}

#[tokio::test]
async fn server_error_gives_503() {
    let okta = FakeOkta::start().await;
    let sid = session_id(5);
    okta.session_response(&sid, ResponseTemplate::new(500))
        .await;
    let guard = okta.guard(
        okta.builder()
            .retry_after(std::time::Duration::from_secs(7)),
    );
    let address = serve(app(&guard)).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 503);
    assert_eq!(header(&response, "retry-after"), Some("7"));
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["reason"], "okta_unavailable");
}

#[tokio::test]
async fn unreachable_okta_gives_503() {
    let okta = FakeOkta::start().await;
    let sid = session_id(6);
    // A port that was bound and released: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback bind");
        listener.local_addr().expect("bound address").port()
    };
    let config = session_guard::GuardConfig::builder(
        format!("http://127.0.0.1:{closed}")
            .parse()
            .expect("URL parses"),
        session_guard::OktaAuthConfig::ApiToken {
            token: session_guard::Secret::new(API_TOKEN),
        },
    )
    .token(okta.token_settings());
    let guard = okta.guard(config);
    let address = serve(app(&guard)).await;

    let response = get(address, "/session", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 503);
    assert!(header(&response, "retry-after").is_some());
}

#[tokio::test]
async fn slow_okta_times_out_with_503() {
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_response(
        &sid,
        ResponseTemplate::new(200)
            .set_body_json(session_body(&sid, USER, "ACTIVE", in_an_hour()))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let guard = okta.guard(okta.builder().okta_timeout(Duration::from_millis(200)));

    let result = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await;

    assert_eq!(
        result.expect_err("timed out").reason(),
        Reason::OktaUnavailable
    );
}

#[tokio::test]
async fn rejected_credential_gives_503_not_401() {
    // Okta rejecting the guard's API token says nothing about the user's session,
    // so the guard must not answer 401.
    let okta = FakeOkta::start().await;
    let sid = session_id(8);
    okta.session_response(
        &sid,
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "errorCode": "E0000011", "errorSummary": "Invalid token provided"
        })),
    )
    .await;
    let guard = okta.guard(okta.builder());

    let result = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await;

    let rejection = result.expect_err("no verdict");
    assert_eq!(rejection.reason(), Reason::OktaUnavailable);
    assert_eq!(rejection.status(), 503);
}

#[tokio::test]
async fn fail_closed_serves_no_stale_verdict() {
    let okta = FakeOkta::start().await;
    let sid = session_id(9);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder().verdict_ttl(Duration::from_secs(30)));
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    okta.reset().await;
    okta.session_response(&sid, ResponseTemplate::new(503))
        .await;
    let later = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(40))
        .await;

    assert_eq!(
        later.expect_err("fail closed").reason(),
        Reason::OktaUnavailable
    );
}

#[tokio::test]
async fn serve_stale_within_grace() {
    let okta = FakeOkta::start().await;
    let sid = session_id(10);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(
        okta.builder()
            .verdict_ttl(Duration::from_secs(30))
            .serve_stale(Duration::from_secs(60)),
    );
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    okta.reset().await;
    okta.session_response(&sid, ResponseTemplate::new(503))
        .await;
    let stale = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(80))
        .await
        .expect("stale verdict within grace");

    assert!(stale.session().expect("session").stale);
}

#[tokio::test]
async fn serve_stale_ends_after_grace() {
    let okta = FakeOkta::start().await;
    let sid = session_id(11);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(
        okta.builder()
            .verdict_ttl(Duration::from_secs(30))
            .serve_stale(Duration::from_secs(60)),
    );
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect("alive");
    okta.reset().await;
    okta.session_response(&sid, ResponseTemplate::new(503))
        .await;
    let late = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(91))
        .await;

    assert_eq!(
        late.expect_err("beyond grace").reason(),
        Reason::OktaUnavailable
    );
}

#[tokio::test]
async fn serve_stale_never_revives_ended_session() {
    let okta = FakeOkta::start().await;
    let sid = session_id(12);
    okta.session_gone(&sid).await;
    let guard = okta.guard(okta.builder().serve_stale(Duration::from_secs(60)));
    let token = token_for(&okta, &sid);
    let now = SystemTime::now();

    guard
        .authorize(&token, Policy::LiveSession, now)
        .await
        .expect_err("ended");
    okta.reset().await;
    okta.session_response(&sid, ResponseTemplate::new(503))
        .await;
    let later = guard
        .authorize(&token, Policy::LiveSession, now + Duration::from_secs(40))
        .await;

    assert_eq!(
        later.expect_err("still ended").reason(),
        Reason::SessionEnded
    );
}

#[tokio::test]
async fn serve_stale_needs_a_previous_verdict() {
    let okta = FakeOkta::start().await;
    let sid = session_id(13);
    okta.session_response(&sid, ResponseTemplate::new(502))
        .await;
    let guard = okta.guard(okta.builder().serve_stale(Duration::from_secs(60)));

    let result = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await;

    assert_eq!(
        result.expect_err("no verdict to serve").reason(),
        Reason::OktaUnavailable
    );
}

#[tokio::test]
async fn token_only_route_ignores_okta_outage() {
    let okta = FakeOkta::start().await;
    let sid = session_id(14);
    okta.session_response(&sid, ResponseTemplate::new(500))
        .await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    let response = get(address, "/token", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 200);
    assert_eq!(okta.session_calls().await, 0);
}
