//! The System Log query: filter, time bounds, limit with `Link` paging,
//! sort order, and parameter validation.

mod api_common;

use api_common::{DEMO_USER_ID, Okta, assert_okta_error, json};
use mock_okta::clock::okta_timestamp;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Returns the URL of `rel` in a `Link` header.
fn link(response: &reqwest::Response, rel: &str) -> Option<String> {
    let header = response.headers().get("link")?.to_str().ok()?;
    header.split(", ").find_map(|part| {
        let (url, params) = part.split_once(">; ")?;
        (params == format!("rel=\"{rel}\"")).then(|| url.trim_start_matches('<').to_owned())
    })
}

fn event_types(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("array of events")
        .iter()
        .map(|event| event["eventType"].as_str().unwrap().to_owned())
        .collect()
}

fn query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Starts a session, ends it by the API, and starts another: three events.
async fn three_events(okta: &Okta) -> String {
    let ended = okta.demo_session();
    okta.api(Method::DELETE, &format!("/api/v1/sessions/{}", ended.id))
        .await;
    okta.demo_session();
    ended.id
}

#[tokio::test]
async fn list_returns_events_oldest_first() {
    let okta = Okta::start().await;
    three_events(&okta).await;

    let response = okta.api_get("/api/v1/logs").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        event_types(&json(response).await),
        [
            "user.session.start",
            "user.session.end",
            "user.session.start"
        ]
    );
}

#[tokio::test]
async fn filter_event_type_eq() {
    let okta = Okta::start().await;
    let ended = three_events(&okta).await;
    let filter = query(r#"eventType eq "user.session.end""#);

    let response = okta.api_get(&format!("/api/v1/logs?filter={filter}")).await;

    let events = json(response).await;
    assert_eq!(event_types(&events), ["user.session.end"]);
    assert_eq!(
        events[0]["debugContext"]["debugData"]["EndedSessionId"],
        ended.as_str()
    );
    assert_eq!(events[0]["target"][0]["id"], DEMO_USER_ID);
}

#[tokio::test]
async fn filter_combined_and_or() {
    let okta = Okta::start().await;
    let ended = three_events(&okta).await;
    let filter = query(&format!(
        r#"(eventType eq "user.session.end" or eventType eq "user.session.clear") and debugContext.debugData.EndedSessionId eq "{ended}""#
    ));

    let response = okta.api_get(&format!("/api/v1/logs?filter={filter}")).await;

    assert_eq!(event_types(&json(response).await), ["user.session.end"]);
}

#[tokio::test]
async fn filter_malformed_e0000001() {
    let okta = Okta::start().await;
    let filter = query(r#"eventType equals "x""#);

    let response = okta.api_get(&format!("/api/v1/logs?filter={filter}")).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    assert_okta_error(&body, "E0000001");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("equals"),
        "{body}"
    );
}

#[tokio::test]
async fn since_and_until_bound_published() {
    let okta = Okta::start().await;
    okta.demo_session();
    okta.advance(3600).await;
    let middle = okta_timestamp(okta.running.state.clock.now());
    okta.advance(1).await;
    okta.demo_session();
    okta.demo_session();

    let since = okta
        .api_get(&format!("/api/v1/logs?since={}", query(&middle)))
        .await;
    let until = okta
        .api_get(&format!("/api/v1/logs?until={}", query(&middle)))
        .await;

    assert_eq!(json(since).await.as_array().unwrap().len(), 2);
    assert_eq!(json(until).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn default_since_is_seven_days() {
    let okta = Okta::start().await;
    okta.demo_session();
    okta.advance(8 * 24 * 3600).await;
    okta.demo_session();

    let response = okta.api_get("/api/v1/logs").await;

    assert_eq!(json(response).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn limit_pages_with_next_link() {
    let okta = Okta::start().await;
    three_events(&okta).await;
    let until = okta_timestamp(okta.running.state.clock.now() + std::time::Duration::from_secs(1));

    let first = okta
        .api_get(&format!("/api/v1/logs?limit=2&until={}", query(&until)))
        .await;
    let next = link(&first, "next").expect("next link while events remain");
    assert!(next.starts_with(&okta.running.base_url), "{next}");
    let first_page = json(first).await;
    let path = next.trim_start_matches(okta.running.base_url.as_str());
    let second = okta.api_get(path).await;
    let last_link = link(&second, "next");
    let second_page = json(second).await;

    assert_eq!(
        event_types(&first_page),
        ["user.session.start", "user.session.end"]
    );
    assert_eq!(event_types(&second_page), ["user.session.start"]);
    assert_eq!(last_link, None);
}

#[tokio::test]
async fn polling_always_has_next_link() {
    let okta = Okta::start().await;
    okta.demo_session();

    let first = okta.api_get("/api/v1/logs").await;
    let next = link(&first, "next").expect("polling next link");
    assert!(link(&first, "self").is_some());
    okta.demo_session();
    let path = next.trim_start_matches(okta.running.base_url.as_str());
    let polled = okta.api_get(path).await;

    assert_eq!(json(polled).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn sort_order_descending() {
    let okta = Okta::start().await;
    three_events(&okta).await;

    let response = okta.api_get("/api/v1/logs?sortOrder=DESCENDING").await;

    assert_eq!(
        event_types(&json(response).await),
        [
            "user.session.start",
            "user.session.end",
            "user.session.start"
        ]
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn q_keyword_search() {
    let okta = Okta::start().await;
    three_events(&okta).await;

    let response = okta.api_get("/api/v1/logs?q=REVOKED%20administrator").await;

    assert_eq!(event_types(&json(response).await), ["user.session.end"]);
}

#[tokio::test]
async fn bad_parameters_e0000001() {
    let okta = Okta::start().await;
    let cases = [
        "limit=1001",
        "limit=ten",
        "sortOrder=NEWEST",
        "since=yesterday",
        "until=2024-02-30T00:00:00Z",
        "after=unknown-cursor",
    ];

    for case in cases {
        let response = okta.api_get(&format!("/api/v1/logs?{case}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert_okta_error(&json(response).await, "E0000001");
    }
}
