//! OAuth 2.0 service app credentials for the Sessions API: a
//! `private_key_jwt` client assertion traded for an access token with
//! scope `okta.sessions.read`, cached until shortly before it expires.

mod support;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use session_guard::{GuardConfig, OktaAuthConfig, Policy, Secret};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const SERVICE_CLIENT: &str = "0oaservice0000000001";

async fn mount_token_endpoint(okta: &FakeOkta, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": expires_in,
            "access_token": "mgmt-access-token-1",
            "scope": "okta.sessions.read"
        })))
        .mount(&okta.server)
        .await;
}

fn service_app_guard(okta: &FakeOkta) -> session_guard::Guard {
    let builder = GuardConfig::builder(
        okta.url().parse().expect("mock URL parses"),
        OktaAuthConfig::ServiceApp {
            client_id: SERVICE_CLIENT.to_owned(),
            key_id: Some("svc-key-1".to_owned()),
            private_key_pem: Secret::new(signing_key().pkcs8_pem.clone()),
        },
    )
    .token(okta.token_settings());
    okta.guard(builder)
}

async fn token_requests(okta: &FakeOkta) -> Vec<HashMap<String, String>> {
    okta.server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.url.path() == "/oauth2/v1/token")
        .map(|request| serde_urlencoded::from_bytes(&request.body).expect("form body"))
        .collect()
}

#[tokio::test]
async fn assertion_is_signed_and_scoped() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    mount_token_endpoint(&okta, 3600).await;
    let guard = service_app_guard(&okta);

    guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await
        .expect("alive");

    let requests = token_requests(&okta).await;
    let form = requests.first().expect("one token request");
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "okta.sessions.read");
    assert_eq!(
        form["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );

    let key = signing_key();
    let mut validation = Validation::new(Algorithm::RS256);
    let token_url = format!("{}/oauth2/v1/token", okta.url());
    validation.set_audience(&[token_url.as_str()]);
    validation.set_issuer(&[SERVICE_CLIENT]);
    let decoded = jsonwebtoken::decode::<Value>(
        &form["client_assertion"],
        &DecodingKey::from_rsa_components(&key.n, &key.e).expect("public key"),
        &validation,
    )
    .expect("assertion verifies with the app's public key");
    assert_eq!(decoded.claims["sub"], SERVICE_CLIENT);
    assert_eq!(decoded.header.kid.as_deref(), Some("svc-key-1"));
}

#[tokio::test]
async fn sessions_api_gets_bearer_access_token() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    mount_token_endpoint(&okta, 3600).await;
    let guard = service_app_guard(&okta);

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
        Some("Bearer mgmt-access-token-1")
    );
}

#[tokio::test]
async fn access_token_is_cached() {
    let okta = FakeOkta::start().await;
    let first = session_id(3);
    let second = session_id(4);
    okta.session_alive(&first, USER, "ACTIVE", in_an_hour())
        .await;
    okta.session_alive(&second, USER, "ACTIVE", in_an_hour())
        .await;
    mount_token_endpoint(&okta, 3600).await;
    let guard = service_app_guard(&okta);
    let now = SystemTime::now();

    guard
        .authorize(&token_for(&okta, &first), Policy::LiveSession, now)
        .await
        .expect("alive");
    guard
        .authorize(&token_for(&okta, &second), Policy::LiveSession, now)
        .await
        .expect("alive");

    assert_eq!(token_requests(&okta).await.len(), 1);
    assert_eq!(okta.session_calls().await, 2);
}

#[tokio::test]
async fn access_token_is_renewed_near_expiry() {
    // expires_in 120 s: renewed 60 s before expiry.
    let okta = FakeOkta::start().await;
    let first = session_id(5);
    let second = session_id(6);
    okta.session_alive(&first, USER, "ACTIVE", in_an_hour())
        .await;
    okta.session_alive(&second, USER, "ACTIVE", in_an_hour())
        .await;
    mount_token_endpoint(&okta, 120).await;
    let guard = service_app_guard(&okta);
    let now = SystemTime::now();

    guard
        .authorize(&token_for(&okta, &first), Policy::LiveSession, now)
        .await
        .expect("alive");
    guard
        .authorize(
            &token_for(&okta, &second),
            Policy::LiveSession,
            now + Duration::from_secs(61),
        )
        .await
        .expect("alive");

    assert_eq!(token_requests(&okta).await.len(), 2);
}

#[tokio::test]
async fn token_endpoint_failure_gives_503() {
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "The client_assertion signature is invalid."
        })))
        .mount(&okta.server)
        .await;
    let guard = service_app_guard(&okta);

    let result = guard
        .authorize(
            &token_for(&okta, &sid),
            Policy::LiveSession,
            SystemTime::now(),
        )
        .await;

    assert_eq!(result.expect_err("no credential").status(), 503);
    assert_eq!(okta.session_calls().await, 0);
}

#[test]
fn invalid_private_key_is_a_config_error() {
    let config = GuardConfig::builder(
        "https://example.okta.com".parse().expect("URL parses"),
        OktaAuthConfig::ServiceApp {
            client_id: SERVICE_CLIENT.to_owned(),
            key_id: None,
            private_key_pem: Secret::new("not a key"),
        },
    )
    .token(session_guard::TokenSettings {
        issuer: "https://example.okta.com/oauth2/default".to_owned(),
        audiences: vec![AUDIENCE.to_owned()],
        required_scopes: vec![],
        allowed_clients: None,
        leeway_secs: None,
        jwks_url: None,
    })
    .build()
    .expect("configuration values are valid");

    let result = session_guard::Guard::new(config, reqwest::Client::new());

    assert!(result.is_err());
}
