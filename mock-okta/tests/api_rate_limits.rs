//! Per-bucket rate limits: Okta's headers, 429 over the limit, and a fresh
//! budget in the next window of the emulator clock.

mod api_common;

use api_common::{Okta, assert_okta_error, json};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

fn header_i64(response: &Response, name: &str) -> i64 {
    response.headers()[name]
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{name} is an integer"))
}

async fn set_limit(okta: &Okta, bucket: &str, limit: u32) {
    let response = okta
        .control(
            Method::PUT,
            "/mock/rate-limits",
            Some(json!({ bucket: limit })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn headers_on_every_limited_response() {
    let okta = Okta::start().await;
    okta.align_to_window_start().await;
    let now = okta.running.state.clock.now_epoch_seconds();

    let found = okta.api_get("/api/v1/sessions/102missing").await;
    let unauthorized = okta
        .http
        .get(okta.url("/api/v1/logs"))
        .send()
        .await
        .unwrap();

    assert_eq!(found.status(), StatusCode::NOT_FOUND);
    assert_eq!(header_i64(&found, "x-rate-limit-limit"), 600);
    assert_eq!(header_i64(&found, "x-rate-limit-remaining"), 599);
    let reset = header_i64(&found, "x-rate-limit-reset");
    assert_eq!(reset % 60, 0);
    assert!(reset > now, "reset {reset}, now {now}");
    assert!(reset <= now + 60, "reset {reset}, now {now}");
    assert_eq!(header_i64(&unauthorized, "x-rate-limit-limit"), 120);
}

#[tokio::test]
async fn control_api_not_limited() {
    let okta = Okta::start().await;

    let response = okta.control(Method::GET, "/mock/sessions", None).await;

    assert!(response.headers().get("x-rate-limit-limit").is_none());
}

#[tokio::test]
async fn over_limit_429_then_next_window() {
    let okta = Okta::start().await;
    set_limit(&okta, "sessions", 100).await;
    okta.align_to_window_start().await;
    let session = okta.demo_session();
    let path = format!("/api/v1/sessions/{}", session.id);

    for expected_remaining in (0..100).rev() {
        let response = okta.api_get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_i64(&response, "x-rate-limit-remaining"),
            expected_remaining
        );
    }
    let limited = okta.api_get(&path).await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header_i64(&limited, "x-rate-limit-limit"), 100);
    assert_eq!(header_i64(&limited, "x-rate-limit-remaining"), 0);
    let reset = header_i64(&limited, "x-rate-limit-reset");
    let body = json(limited).await;
    assert_okta_error(&body, "E0000047");
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );

    let now = okta.running.state.clock.now_epoch_seconds();
    okta.advance((reset - now) as u64).await;
    let recovered = okta.api_get(&path).await;

    assert_eq!(recovered.status(), StatusCode::OK);
    assert_eq!(header_i64(&recovered, "x-rate-limit-remaining"), 99);
    assert_eq!(header_i64(&recovered, "x-rate-limit-reset"), reset + 60);
}

#[tokio::test]
async fn buckets_count_separately() {
    let okta = Okta::start().await;
    set_limit(&okta, "logs", 1).await;
    okta.align_to_window_start().await;

    let first_logs = okta.api_get("/api/v1/logs").await;
    let second_logs = okta.api_get("/api/v1/logs").await;
    let sessions = okta.api_get("/api/v1/sessions/102x").await;

    assert_eq!(first_logs.status(), StatusCode::OK);
    assert_eq!(second_logs.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sessions.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn oauth_bucket_uses_oauth_wording() {
    let okta = Okta::start().await;
    set_limit(&okta, "oauth_keys", 1).await;
    okta.align_to_window_start().await;
    let path = okta.url("/oauth2/default/v1/keys");

    let first = okta.http.get(&path).send().await.unwrap();
    let second = okta.http.get(&path).send().await.unwrap();

    assert_ne!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header_i64(&second, "x-rate-limit-limit"), 1);
    let body = json(second).await;
    assert_okta_error(&body, "E0000047");
    assert_eq!(
        body["errorSummary"],
        "You exceeded the maximum number of requests. Try again in a while."
    );
}

#[tokio::test]
async fn set_limits_returns_table() {
    let okta = Okta::start().await;

    let response = okta
        .control(
            Method::PUT,
            "/mock/rate-limits",
            Some(json!({ "sessions": 100, "oauth_token": 50 })),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let table = json(response).await;
    assert_eq!(table["sessions"], 100);
    assert_eq!(table["oauth_token"], 50);
    assert_eq!(table["logs"], 120);
}

#[tokio::test]
async fn set_limits_rejects_bad_input() {
    let okta = Okta::start().await;
    let cases = [
        json!({ "sessions": 0 }),
        json!({ "session": 10 }),
        json!({ "sessions": -1 }),
    ];

    for case in cases {
        let response = okta
            .control(Method::PUT, "/mock/rate-limits", Some(case.clone()))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let body = json(response).await;
        assert!(
            body["errorCode"] == "E0000001" || body["errorCode"] == "E0000003",
            "{case}: {body}"
        );
    }
}
