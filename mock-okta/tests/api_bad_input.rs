//! Bad input gets Okta's error bodies, never a panic or a 500: malformed
//! JSON, wrong content types, oversized bodies, unknown paths, methods and
//! ids.

mod api_common;

use api_common::{Okta, assert_okta_error, json};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn malformed_json_e0000003() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/mock/faults"))
        .header("Content-Type", "application/json")
        .body(r#"{"bucket": "sessions", "kind": "#)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    assert_okta_error(&body, "E0000003");
    assert_eq!(
        body["errorSummary"],
        "The request body was not well-formed."
    );
}

#[tokio::test]
async fn wrong_content_type_415() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/mock/clock/advance"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("seconds=5")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body = json(response).await;
    assert_okta_error(&body, "E0000003");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("application/json"),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_body_413() {
    let okta = Okta::start().await;
    let padding = "x".repeat(mock_okta::MAX_BODY_BYTES + 1);

    let response = okta
        .http
        .post(okta.url("/mock/clock/advance"))
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"seconds": 1, "pad": "{padding}"}}"#))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_okta_error(&json(response).await, "E0000003");
}

#[tokio::test]
async fn wrong_shape_e0000003() {
    let okta = Okta::start().await;

    let response = okta
        .control(
            Method::POST,
            "/mock/clock/advance",
            Some(serde_json::json!({ "seconds": "ninety" })),
        )
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = json(response).await;
    assert_okta_error(&body, "E0000003");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("seconds"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_path_e0000008() {
    let okta = Okta::start().await;

    let response = okta.api_get("/api/v1/nothing/here").await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_okta_error(&json(response).await, "E0000008");
}

#[tokio::test]
async fn unsupported_method_e0000022() {
    let okta = Okta::start().await;
    let session = okta.demo_session();

    let response = okta
        .api(Method::PUT, &format!("/api/v1/sessions/{}", session.id))
        .await;

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_okta_error(&json(response).await, "E0000022");
}

#[tokio::test]
async fn odd_session_ids_404() {
    let okta = Okta::start().await;
    let long = "x".repeat(4000);
    let ids = ["%00", "102%2Fx", "%F0%9F%92%A9", "%FF", long.as_str()];

    for id in ids {
        let response = okta.api_get(&format!("/api/v1/sessions/{id}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
        let body = json(response).await;
        let code = if id == "%FF" { "E0000008" } else { "E0000007" };
        assert_okta_error(&body, code);
    }
}

#[tokio::test]
async fn every_response_has_request_id() {
    let okta = Okta::start().await;

    let api = okta.api_get("/api/v1/logs").await;
    let control = okta.control(Method::GET, "/mock/faults", None).await;
    let unknown = okta.http.get(okta.url("/nothing")).send().await.unwrap();

    for response in [api, control, unknown] {
        let id = response.headers()["x-okta-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 27, "{id}");
    }
}

#[tokio::test]
async fn client_request_id_not_echoed() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .get(okta.url("/mock/faults"))
        .header("X-Okta-Request-Id", "client-chosen")
        .send()
        .await
        .unwrap();

    assert_ne!(response.headers()["x-okta-request-id"], "client-chosen");
}
