//! The Sessions API reached with an OAuth 2.0 service app (private_key_jwt)
//! instead of an SSWS token.

mod support;

use serde_json::json;
use support::{FakeOkta, get, new_session_id, signing_key};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

const SERVICE_CLIENT: &str = "0oaservice0000000001";
const SERVICE_TOKEN: &str = "service-access-token-for-tests";

#[tokio::test]
async fn service_app_token_reaches_sessions_api() {
    let okta = FakeOkta::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"))
        .and(body_string_contains("okta.sessions.read"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": 3600,
            "access_token": SERVICE_TOKEN,
            "scope": "okta.sessions.read",
        })))
        .mount(&okta.server)
        .await;
    let session = new_session_id();
    okta.session_alive_for(&session, &format!("Bearer {SERVICE_TOKEN}"))
        .await;

    let mut config = okta.config();
    config.guard.okta.auth = session_guard::OktaAuthConfig::ServiceApp {
        client_id: SERVICE_CLIENT.to_owned(),
        key_id: Some(signing_key().kid.to_owned()),
        private_key_pem: session_guard::Secret::new(signing_key().pem.clone()),
    };
    let backend = support::start_with(&config).await;

    let reply = get(
        &backend,
        "/api/profile",
        Some(&okta.token(&session, &["openid"])),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["session"]["status"], "ACTIVE");
    backend.shutdown().await.expect("clean stop");
}
