//! Cross-origin access from the single-page app's origins only.

mod support;

use support::{FakeOkta, client, start_backend};

const SPA_ORIGINS: [&str; 2] = ["http://127.0.0.1:9403", "http://localhost:9403"];

async fn preflight(base_url: &str, origin: &str, method: &str) -> reqwest::Response {
    client()
        .request(reqwest::Method::OPTIONS, format!("{base_url}/api/profile"))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("request succeeds")
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn preflight_from_spa_origin_allowed() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    for origin in SPA_ORIGINS {
        let response = preflight(&backend.base_url, origin, "GET").await;
        assert_eq!(response.status().as_u16(), 200, "{origin}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some(origin)
        );
        let allowed_headers = header(&response, "access-control-allow-headers").unwrap_or_default();
        assert!(
            allowed_headers.contains("authorization"),
            "{allowed_headers}"
        );
    }
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn preflight_from_other_origin_refused() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    for origin in ["http://evil.example", "http://127.0.0.1:9999", "null"] {
        let response = preflight(&backend.base_url, origin, "GET").await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn rejection_exposes_challenge_headers() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    let response = client()
        .get(format!("{}/api/profile", backend.base_url))
        .header("origin", SPA_ORIGINS[0])
        .send()
        .await
        .expect("request succeeds");

    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(SPA_ORIGINS[0])
    );
    let exposed = header(&response, "access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate"), "{exposed}");
    assert!(exposed.contains("retry-after"), "{exposed}");
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn configured_origin_replaces_defaults() {
    let okta = FakeOkta::start().await;
    let mut config = okta.config();
    config.cors.allowed_origins = vec!["https://app.example.com".parse().expect("static origin")];
    let backend = support::start_with(&config).await;

    let custom = preflight(&backend.base_url, "https://app.example.com", "POST").await;
    let default = preflight(&backend.base_url, SPA_ORIGINS[0], "POST").await;

    assert_eq!(
        header(&custom, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(header(&default, "access-control-allow-origin"), None);
    backend.shutdown().await.expect("clean stop");
}
