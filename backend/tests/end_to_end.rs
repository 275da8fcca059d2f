//! The whole chain against the Okta emulator. A real sign-in mints the
//! token and a token inline hook stamps the session id into it. A logout
//! pushed by the emulator's event hook then makes the replayed token fail
//! with `session_ended`, while the token-only route still accepts it.

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use demo_backend::Config;
use mock_okta::config::{EventHookConfig, InlineHookAuth, InlineHookConfig};
use mock_okta::sessions::SessionEnd;
use serde_json::{Value, json};
use support::{Reply, get};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SPA_CLIENT: &str = "0oademospa0000000001";
const REDIRECT_URI: &str = "http://127.0.0.1:9403/callback";
const INLINE_HOOK_SECRET: &str = "e2e-inline-hook-secret";
const EVENT_HOOK_SECRET: &str = "e2e-event-hook-secret";
const API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
/// Upper bound for the pushed logout to arrive; reaching it fails the
/// test, it is not a speed goal.
const PUSH_DEADLINE: Duration = Duration::from_secs(20);

/// Starts a token inline hook that does what the session hook does: it
/// copies `data.context.session.id` into the `okta_sid` access-token claim.
async fn start_inline_hook() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/okta/token-inline-hook"))
        .and(header("authorization", INLINE_HOOK_SECRET))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            match body["data"]["context"]["session"]["id"].as_str() {
                Some(id) => ResponseTemplate::new(200).set_body_json(json!({
                    "commands": [{
                        "type": "com.okta.access.patch",
                        "value": [{ "op": "add", "path": "/claims/okta_sid", "value": id }],
                    }]
                })),
                None => ResponseTemplate::new(204),
            }
        })
        .mount(&server)
        .await;
    server
}

/// Signs in with the authorization code flow and PKCE, using the browser
/// session cookie `sid`, and returns the access token.
async fn sign_in(base_url: &str, session_id: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds");
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ));

    let authorize = http
        .get(format!("{base_url}/oauth2/default/v1/authorize"))
        .query(&[
            ("client_id", SPA_CLIENT),
            ("response_type", "code"),
            ("scope", "openid profile demo.read demo.write"),
            ("redirect_uri", REDIRECT_URI),
            ("state", "e2e-state"),
            ("nonce", "e2e-nonce"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .header("cookie", format!("sid={session_id}"))
        .send()
        .await
        .expect("authorize request succeeds");
    assert_eq!(
        authorize.status().as_u16(),
        302,
        "authorize did not redirect"
    );
    let location = authorize
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let location = url::Url::parse(location).expect("redirect is a URL");
    let code = location
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned());
    let code = code.unwrap_or_else(|| panic!("no code in {location}"));

    let token = http
        .post(format!("{base_url}/oauth2/default/v1/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA_CLIENT),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .expect("token request succeeds");
    let reply = Reply::read(token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["access_token"]
        .as_str()
        .expect("token response has access_token")
        .to_owned()
}

#[tokio::test]
async fn logout_push_ends_replayed_token() {
    let inline_hook = start_inline_hook().await;
    // Bound first, so that the emulator's event hook can name the back end.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port binds");
    let backend_url = format!("http://{}", listener.local_addr().expect("bound address"));

    let mut okta_config = mock_okta::Config::embedded_default();
    okta_config.inline_hooks.push(InlineHookConfig {
        id: "cal0e2einlinehook001".to_owned(),
        name: "session link".to_owned(),
        url: format!("{}/okta/token-inline-hook", inline_hook.uri()),
        auth: InlineHookAuth::Header {
            key: "Authorization".to_owned(),
            value: INLINE_HOOK_SECRET.to_owned(),
        },
        timeout_ms: 3000,
    });
    for server in &mut okta_config.authorization_servers {
        server.token_inline_hook = Some("cal0e2einlinehook001".to_owned());
    }
    okta_config.event_hooks.push(EventHookConfig {
        id: "who0e2eeventhook0001".to_owned(),
        name: "back end".to_owned(),
        url: format!("{backend_url}/okta/event-hooks"),
        events: vec!["user.session.end".to_owned()],
        auth_header: "Authorization".to_owned(),
        auth_value: Some(EVENT_HOOK_SECRET.to_owned()),
        headers: Default::default(),
        timeout_ms: 3000,
    });
    let okta = mock_okta::start(okta_config, "127.0.0.1:0".parse().expect("static address"))
        .await
        .expect("emulator starts");

    let config = Config::from_toml(&format!(
        r#"
        [token]
        issuer = "{issuer}"
        audiences = ["api://default"]
        [okta]
        org_url = "{org}"
        [okta.auth]
        method = "api_token"
        token = "{API_TOKEN}"
        [event_hooks]
        secret = "{EVENT_HOOK_SECRET}"
        "#,
        issuer = okta.issuer("default"),
        org = okta.base_url,
    ))
    .expect("configuration is valid");
    let backend = demo_backend::start_on(&config, listener)
        .await
        .expect("back end starts");

    let user = okta
        .state
        .user_by_login("demo@example.com")
        .expect("demo user exists")
        .clone();
    let session = okta.state.create_session(&user, None);
    let token = sign_in(&okta.base_url, &session.id).await;

    let profile = get(&backend, "/api/profile", Some(&token)).await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.body["session"]["id"], session.id.as_str());

    okta.state
        .end_session(&session.id, SessionEnd::Logout)
        .expect("session was live");
    let deadline = tokio::time::Instant::now() + PUSH_DEADLINE;
    let replay = loop {
        let reply = get(&backend, "/api/profile", Some(&token)).await;
        if reply.status != 200 || tokio::time::Instant::now() >= deadline {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let catalog = get(&backend, "/api/catalog", Some(&token)).await;

    assert_eq!(replay.status, 401, "{}", replay.body);
    assert_eq!(replay.reason(), Some("session_ended"));
    assert_eq!(catalog.status, 200, "{}", catalog.body);
    // The push, not a Sessions API lookup, ended the session.
    assert_eq!(backend.guard().metrics().okta_calls("found"), 1);
    assert_eq!(backend.guard().metrics().okta_calls("not_found"), 0);
    backend.shutdown().await.expect("clean stop");
}
