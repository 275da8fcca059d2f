//! What the emulator sends a token inline hook, over real HTTP. The body of
//! each grant is checked field by field against Okta's `TokenPayLoad`
//! schema, and the session block against each `refresh_hook_session` mode.
//! Both ways Okta authenticates its call are covered, and so is the record
//! of every call in the control API and the System Log.

mod inline_hook_support;
mod oauth_support;

use std::path::PathBuf;

use inline_hook_support::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use mock_okta::config::{InlineHookAuth, RefreshHookSession};
use oauth_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ALICE_LOGIN: &str = "alice@example.com";
const ALICE_PASSWORD: &str = "Alice-Passw0rd!";
/// Audience of the bearer JWT in OAuth 2.0 hook authentication.
const HOOK_AUDIENCE: &str = "https://hook.example.test/okta/token-inline-hook";

/// Loads `tests/fixtures/inline_hook/{name}`.
fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inline_hook")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// Asserts that `body` has only fields of Okta's token hook request, each
/// with the JSON type the schema gives.
fn assert_matches_schema(body: &Value) {
    let problems = schema_mismatches(body, &fixture("token_payload.json"));
    assert!(problems.is_empty(), "{problems:#?}\n{body:#}");
}

/// Returns the `jti` the emulator stored for `refresh_token`.
fn refresh_jti(hooked: &Hooked, refresh_token: &str) -> String {
    hooked.okta.running.state.store().refresh_tokens[refresh_token]
        .jti
        .clone()
}

#[test]
fn schema_fixture_accepts_okta_example() {
    assert_matches_schema(&fixture("okta_example.json"));
}

#[tokio::test]
async fn code_grant_payload_matches_okta() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    let tokens = hooked.login().await;

    let body = hooked.receiver.last_body();
    assert_matches_schema(&body);
    let issuer = hooked.okta.issuer();
    assert_eq!(body["eventType"], "com.okta.oauth2.tokens.transform");
    assert_eq!(body["source"], format!("{issuer}/v1/token"));

    let context = &body["data"]["context"];
    assert_eq!(context["request"]["method"], "POST");
    assert_eq!(
        context["request"]["url"]["value"],
        hooked.okta.url("/v1/token")
    );
    assert_eq!(context["request"]["ipAddress"], "127.0.0.1");

    let protocol = &context["protocol"];
    assert_eq!(protocol["type"], "OAUTH2.0");
    assert_eq!(protocol["request"]["grant_type"], "authorization_code");
    assert_eq!(protocol["request"]["client_id"], SPA);
    assert_eq!(protocol["request"]["redirect_uri"], SPA_REDIRECT);
    assert_eq!(protocol["request"]["response_type"], "code");
    assert_eq!(protocol["request"]["scope"], FULL_SCOPE);
    assert_eq!(protocol["request"]["state"], "state-123");
    assert_eq!(protocol["issuer"]["uri"], issuer);
    assert_eq!(protocol["client"]["id"], SPA);
    assert_eq!(protocol["client"]["name"], "Session demo SPA");
    assert_eq!(protocol["client"]["type"], "PUBLIC");
    assert!(protocol.get("OriginalGrant").is_none(), "{protocol}");

    let session_id = hooked.okta.session_ids().remove(0);
    let session = &context["session"];
    assert_eq!(session["id"], session_id.as_str());
    assert_eq!(session["userId"], DEMO_ID);
    assert_eq!(session["login"], DEMO_LOGIN);
    assert_eq!(session["status"], "ACTIVE");
    assert_eq!(session["amr"], json!(["PASSWORD"]));
    assert_eq!(session["idp"]["type"], "OKTA");
    assert_eq!(context["user"]["id"], DEMO_ID);
    assert_eq!(context["user"]["profile"]["login"], DEMO_LOGIN);
    assert!(context["policy"]["id"].as_str().unwrap().starts_with("00p"));
    assert!(
        context["policy"]["rule"]["id"]
            .as_str()
            .unwrap()
            .starts_with("0pr")
    );

    let data = &body["data"];
    assert_eq!(data["identity"]["claims"]["sub"], DEMO_ID);
    assert_eq!(data["identity"]["claims"]["nonce"], "nonce-456");
    assert_eq!(data["identity"]["token"]["lifetime"]["expiration"], 3600);
    assert_eq!(data["access"]["claims"]["uid"], DEMO_ID);
    assert_eq!(data["access"]["claims"]["cid"], SPA);
    assert_eq!(data["access"]["token"]["lifetime"]["expiration"], 3600);
    let scopes: Vec<&String> = data["access"]["scopes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let mut granted: Vec<&str> = FULL_SCOPE.split(' ').collect();
    granted.sort_unstable();
    assert_eq!(scopes, granted);
    assert_eq!(data["access"]["scopes"]["openid"]["action"], "GRANT");
    let jti = refresh_jti(&hooked, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(data["refresh_token"]["jti"], jti.as_str());
}

#[tokio::test]
async fn refresh_payload_names_both_refresh_tokens() {
    let hooked = Hooked::start(Reply::Status(204)).await;
    let tokens = hooked.login().await;
    let presented = tokens["refresh_token"].as_str().unwrap();
    let presented_jti = refresh_jti(&hooked, presented);

    let refreshed = json(hooked.okta.refresh(presented).await).await;

    let body = hooked.receiver.last_body();
    assert_matches_schema(&body);
    let context = &body["data"]["context"];
    assert_eq!(
        context["protocol"]["request"]["grant_type"],
        "refresh_token"
    );
    assert_eq!(
        context["protocol"]["OriginalGrant"]["refresh_token"]["jti"],
        presented_jti.as_str()
    );
    let issued_jti = refresh_jti(&hooked, refreshed["refresh_token"].as_str().unwrap());
    assert_ne!(
        issued_jti, presented_jti,
        "a public client's refresh token rotates"
    );
    assert_eq!(body["data"]["refresh_token"]["jti"], issued_jti.as_str());
    assert_eq!(context["user"]["id"], DEMO_ID);
    assert!(
        body["data"]["identity"].is_object(),
        "openid refresh has an ID token"
    );
}

#[tokio::test]
async fn client_credentials_payload_has_no_user() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    let response = hooked.service_token().await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = hooked.receiver.last_body();
    assert_matches_schema(&body);
    let context = &body["data"]["context"];
    assert_eq!(
        context["protocol"]["request"]["grant_type"],
        "client_credentials"
    );
    assert_eq!(context["protocol"]["request"]["scope"], SERVICE_SCOPE);
    assert_eq!(context["protocol"]["client"]["id"], SERVICE);
    assert_eq!(context["protocol"]["client"]["type"], "CONFIDENTIAL");
    assert!(context.get("session").is_none(), "{context}");
    assert!(context.get("user").is_none(), "{context}");
    assert!(body["data"].get("identity").is_none());
    assert!(body["data"].get("refresh_token").is_none());
    assert_eq!(body["data"]["access"]["claims"]["sub"], SERVICE);
}

/// Signs the demo user in, then Alice in another browser, refreshes the
/// demo user's token and returns the hook request of that refresh with the
/// two session ids (demo's, Alice's).
async fn refresh_after_second_sign_in(mode: RefreshHookSession) -> (Value, String, String) {
    let hooked = Hooked::start_with(Reply::Status(204), |config| {
        config.authorization_servers[0].refresh_hook_session = mode;
    })
    .await;
    let tokens = hooked.login().await;
    let demo_session = hooked.okta.session_ids().remove(0);
    let pkce = Pkce::new();
    let url = AuthorizeUrl::new(&hooked.okta).pkce(&pkce).build();
    sign_in(&hooked.okta.browser(), &url, ALICE_LOGIN, ALICE_PASSWORD)
        .await
        .code();
    let alice_session = hooked
        .okta
        .session_ids()
        .into_iter()
        .find(|id| *id != demo_session)
        .expect("Alice's session");

    let response = hooked
        .okta
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;

    assert_eq!(response.status(), StatusCode::OK, "refresh status");
    let body = hooked.receiver.last_body();
    assert_matches_schema(&body);
    (body, demo_session, alice_session)
}

#[tokio::test]
async fn refresh_session_absent_mode() {
    let (body, _, _) = refresh_after_second_sign_in(RefreshHookSession::Absent).await;

    assert!(body["data"]["context"].get("session").is_none(), "{body}");
}

#[tokio::test]
async fn refresh_session_present_mode() {
    let (body, demo, _) = refresh_after_second_sign_in(RefreshHookSession::Present).await;

    assert_eq!(body["data"]["context"]["session"]["id"], demo.as_str());
    assert_eq!(body["data"]["context"]["session"]["userId"], DEMO_ID);
}

#[tokio::test]
async fn refresh_session_other_session_mode() {
    let (body, _, alice) = refresh_after_second_sign_in(RefreshHookSession::OtherSession).await;

    assert_eq!(body["data"]["context"]["session"]["id"], alice.as_str());
    assert_eq!(
        body["data"]["context"]["session"]["login"], ALICE_LOGIN,
        "the block names the browser's other user"
    );
    assert_eq!(
        body["data"]["context"]["user"]["id"], DEMO_ID,
        "the user block stays the refresh token's user"
    );
}

#[tokio::test]
async fn header_secret_sent() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    hooked.login().await;

    let call = hooked.receiver.calls().pop().unwrap();
    assert_eq!(call.headers["authorization"], HOOK_SECRET);
    assert_eq!(call.headers["content-type"], "application/json");
}

#[tokio::test]
async fn bearer_token_verifies_against_jwks() {
    let hooked = Hooked::start_with(Reply::Status(204), |config| {
        config.inline_hooks[0].auth = InlineHookAuth::Oauth {
            authorization_server: SERVER.to_owned(),
            client_id: SERVICE.to_owned(),
            audience: HOOK_AUDIENCE.to_owned(),
            scope: vec!["okta.inlinehooks.execute".to_owned()],
        };
    })
    .await;

    hooked.login().await;

    let call = hooked.receiver.calls().pop().unwrap();
    let authorization = call.headers["authorization"].to_str().unwrap();
    let token = authorization
        .strip_prefix("Bearer ")
        .unwrap_or_else(|| panic!("not a bearer token: {authorization}"));
    let jwks: JwkSet = hooked
        .okta
        .http
        .get(hooked.okta.url("/v1/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = decode_header(token)
        .unwrap()
        .kid
        .expect("kid in the header");
    let jwk = jwks.find(&kid).expect("the kid is in the JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[HOOK_AUDIENCE]);
    validation.set_issuer(&[hooked.okta.issuer()]);

    let verified = decode::<Value>(token, &key, &validation).expect("the bearer JWT verifies");

    assert_eq!(verified.claims["cid"], SERVICE);
    assert_eq!(verified.claims["sub"], SERVICE);
    assert_eq!(verified.claims["scp"], json!(["okta.inlinehooks.execute"]));
    let mut other_audience = validation.clone();
    other_audience.set_audience(&["api://default"]);
    assert!(
        decode::<Value>(token, &key, &other_audience).is_err(),
        "the JWT also verified for another audience"
    );
}

#[tokio::test]
async fn every_call_recorded_with_outcome() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" }
    ])))
    .await;
    let tokens = hooked.login().await;
    hooked.receiver.reply_with(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/sid", "value": "102abc" }
    ])));
    hooked
        .okta
        .refresh(tokens["refresh_token"].as_str().unwrap())
        .await;
    hooked.receiver.reply_with(Reply::Status(500));
    hooked.service_token().await;
    hooked.receiver.reply_with(Reply::Json(json!({
        "error": { "errorSummary": "No" }
    })));
    hooked.service_token().await;

    let records = hooked.recorded_calls().await;
    let events = hooked.hook_log_events().await;

    let results: Vec<&Value> = records.iter().map(|r| &r["outcome"]["result"]).collect();
    assert_eq!(
        results,
        ["applied", "patch_skipped", "failed_open", "denied"]
    );
    let grants: Vec<&Value> = records.iter().map(|r| &r["grant_type"]).collect();
    assert_eq!(
        grants,
        [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "client_credentials"
        ]
    );
    let sent: Vec<Value> = hooked
        .receiver
        .calls()
        .into_iter()
        .map(|c| c.body)
        .collect();
    let recorded: Vec<Value> = records.iter().map(|r| r["request"].clone()).collect();
    assert_eq!(recorded, sent, "the records are not the requests sent");
    let log_results: Vec<&Value> = events.iter().map(|e| &e["outcome"]["result"]).collect();
    assert_eq!(log_results, ["SUCCESS", "FAILURE", "FAILURE", "DENY"]);
    let log_grants: Vec<&Value> = events
        .iter()
        .map(|e| &e["debugContext"]["debugData"]["grantType"])
        .collect();
    assert_eq!(log_grants, grants);
    assert_eq!(events[3]["outcome"]["reason"], "No");
    assert!(
        events[1]["outcome"]["reason"]
            .as_str()
            .unwrap()
            .contains("sid"),
        "{}",
        events[1]
    );
}
