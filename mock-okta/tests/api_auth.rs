//! SSWS API token authentication of the Management API.

mod api_common;

use api_common::{Okta, TOKEN, assert_okta_error, json};
use reqwest::StatusCode;

async fn get_with_authorization(okta: &Okta, value: Option<&str>) -> reqwest::Response {
    let mut request = okta.http.get(okta.url("/api/v1/logs"));
    if let Some(value) = value {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn ssws_configured_token_accepted() {
    let okta = Okta::start().await;

    let response = get_with_authorization(&okta, Some(&format!("SSWS {TOKEN}"))).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn ssws_scheme_case_insensitive() {
    let okta = Okta::start().await;

    let response = get_with_authorization(&okta, Some(&format!("ssws {TOKEN}"))).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn ssws_rejections_are_e0000011() {
    let okta = Okta::start().await;
    let cases = [
        None,
        Some("SSWS".to_owned()),
        Some(format!("Bearer {TOKEN}")),
        Some("SSWS 00wrongToken0000000000000000000000000000".to_owned()),
        Some(format!("SSWS {}", &TOKEN[..TOKEN.len() - 1])),
        Some(format!("SSWS {TOKEN}x")),
    ];

    for case in cases {
        let response = get_with_authorization(&okta, case.as_deref()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case:?}");
        let body = json(response).await;
        assert_okta_error(&body, "E0000011");
        assert_eq!(body["errorSummary"], "Invalid token provided");
    }
}

#[tokio::test]
async fn ssws_required_on_every_api_path() {
    let okta = Okta::start().await;
    let session = okta.demo_session();
    let paths = [
        format!("/api/v1/sessions/{}", session.id),
        "/api/v1/users/00udemo0000000000001/sessions".to_owned(),
        "/api/v1/logs".to_owned(),
        "/api/v1/unknown".to_owned(),
    ];

    for path in paths {
        let response = okta.http.get(okta.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn ssws_token_from_custom_config() {
    let mut config = mock_okta::Config::embedded_default();
    config.api_tokens = vec![mock_okta::config::ApiTokenConfig {
        name: "ci".to_owned(),
        token: "00ciOnlyToken00000000000000".to_owned(),
    }];
    let okta = Okta::start_with(config).await;

    let custom = get_with_authorization(&okta, Some("SSWS 00ciOnlyToken00000000000000")).await;
    let demo = get_with_authorization(&okta, Some(&format!("SSWS {TOKEN}"))).await;

    assert_eq!(custom.status(), StatusCode::OK);
    assert_eq!(demo.status(), StatusCode::UNAUTHORIZED);
}
