//! Token inline hook over HTTP: sign-in grants, client credentials and
//! payload validation.

mod common;

use common::{Harness, SESSION, access_claim, claim_in, error_summary, fixture};
use serde_json::{Value, json};

#[tokio::test]
async fn authorization_code_stamps_access_token() {
    let harness = Harness::start("").await;

    let response = harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn authorization_code_response_matches_okta_shape() {
    let harness = Harness::start("").await;

    let response = harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;

    let body: Value = response.json().await.unwrap();
    let expected = json!({
        "commands": [{
            "type": "com.okta.access.patch",
            "value": [{"op": "add", "path": "/claims/okta_sid", "value": SESSION}]
        }]
    });
    assert_eq!(body, expected);
}

#[tokio::test]
async fn okta_example_payload_stamps_its_session() {
    let harness = Harness::start("").await;

    let response = harness
        .call_hook(&fixture("token_hook_okta_example.json"))
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        access_claim(&body),
        Some("102Qoe7t5PcRnSxr8j3I8I6pA".to_owned())
    );
}

#[tokio::test]
async fn id_token_option_patches_identity() {
    let harness = Harness::start("[claims]\nid_token = true\n").await;

    let response = harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(
        claim_in(&body, "com.okta.identity.patch", "/claims/okta_sid"),
        Some(SESSION.to_owned())
    );
    assert_eq!(access_claim(&body), Some(SESSION.to_owned()));
}

#[tokio::test]
async fn custom_claim_name_is_used() {
    let harness = Harness::start("[claims]\nname = \"okta_session\"\n").await;

    let response = harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(
        claim_in(&body, "com.okta.access.patch", "/claims/okta_session"),
        Some(SESSION.to_owned())
    );
}

#[tokio::test]
async fn id_token_only_request_without_option_is_unchanged() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["data"].as_object_mut().unwrap().remove("access");

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn client_credentials_gets_no_claim() {
    let harness = Harness::start("").await;

    let response = harness
        .call_hook(&fixture("token_hook_client_credentials.json"))
        .await;

    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn session_grant_without_session_is_denied() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["data"]["context"]
        .as_object_mut()
        .unwrap()
        .remove("session");

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(error_summary(&body).is_some(), "body: {body}");
    assert!(body.get("commands").is_none());
}

#[tokio::test]
async fn password_grant_denied_by_default() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["data"]["context"]["protocol"]["request"]["grant_type"] = json!("password");

    let response = harness.call_hook(&payload).await;

    let body: Value = response.json().await.unwrap();
    assert!(error_summary(&body).is_some(), "body: {body}");
}

#[tokio::test]
async fn password_grant_no_claim_policy() {
    let harness = Harness::start("[claims]\nother_user_grants = \"no_claim\"\n").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["data"]["context"]["protocol"]["request"]["grant_type"] = json!("password");

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 204);
}

/// Removes the field at JSON pointer `pointer` from `value`.
fn remove(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() {
        value
    } else {
        value.pointer_mut(parent).unwrap()
    };
    parent.as_object_mut().unwrap().remove(key);
}

#[tokio::test]
async fn missing_required_fields_named_in_400() {
    let harness = Harness::start("").await;
    let cases = [
        ("/eventId", "eventId"),
        ("/eventType", "eventType"),
        ("/data", "data"),
        ("/data/context", "data.context"),
        ("/data/context/protocol", "data.context.protocol"),
        (
            "/data/context/protocol/request",
            "data.context.protocol.request",
        ),
        ("/data/context/session/id", "data.context.session.id"),
        ("/data/refresh_token/jti", "data.refresh_token.jti"),
    ];

    for (pointer, field) in cases {
        let mut payload = fixture("token_hook_authorization_code.json");
        remove(&mut payload, pointer);

        let response = harness.call_hook(&payload).await;

        assert_eq!(response.status(), 400, "status without {field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], json!(field), "field named without {field}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("missing required field"),
            "message without {field}: {body}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_are_tolerated() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["futureField"] = json!({"nested": true});
    payload["data"]["context"]["session"]["newAttribute"] = json!(42);

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn wrong_event_type_is_400() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["eventType"] = json!("com.okta.saml.tokens.transform");

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], json!("eventType"));
}

#[tokio::test]
async fn wrong_field_type_is_400() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["data"]["context"]["session"]["id"] = json!(12345);

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], json!("data.context.session.id"));
}

#[tokio::test]
async fn malformed_json_is_400() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .post(harness.url("/okta/token-inline-hook"))
        .header("Authorization", common::HOOK_SECRET)
        .header("Content-Type", "application/json")
        .body("{\"eventId\": \"x\", \"data\": ")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], json!("invalid_request"));
}

#[tokio::test]
async fn oversized_body_is_413() {
    let harness = Harness::start("").await;
    let mut payload = fixture("token_hook_authorization_code.json");
    payload["padding"] = json!("x".repeat(300 * 1024));

    let response = harness.call_hook(&payload).await;

    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn oversized_chunked_body_is_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let harness = Harness::start("").await;
    let addr = harness.service.as_ref().unwrap().local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();

    // No Content-Length: the limit must hold on the streamed body too.
    let head = format!(
        "POST /okta/token-inline-hook HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        common::HOOK_SECRET
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 8 * 1024];
    for _ in 0..40 {
        let written = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(&chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if written.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;

    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "answer: {answer}");
}

#[tokio::test]
async fn healthz_is_ok() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .get(harness.url("/healthz"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn metrics_count_outcomes() {
    let harness = Harness::start("").await;
    harness
        .call_hook(&fixture("token_hook_authorization_code.json"))
        .await;
    harness
        .call_hook(&fixture("token_hook_client_credentials.json"))
        .await;

    let text = harness
        .http
        .get(harness.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(
        text.contains(
            r#"session_hook_token_hook_calls_total{grant="authorization_code",outcome="stamped"} 1"#
        ),
        "metrics: {text}"
    );
    assert!(
        text.contains(r#"session_hook_token_hook_calls_total{grant="client_credentials",outcome="no_claim"} 1"#),
        "metrics: {text}"
    );
    assert!(
        text.contains("session_hook_token_hook_duration_seconds_bucket"),
        "metrics: {text}"
    );
}
