//! Authentication of Okta's calls: header secret and bearer JWT.

mod common;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{HOOK_SECRET, Harness, fixture};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUER: &str = "http://127.0.0.1:9400/oauth2/aushooks";
const AUDIENCE: &str = "api://session-hook";
const CLIENT_ID: &str = "0oahookcaller0000001";
const KID: &str = "test-key-1";

async fn call_with(harness: &Harness, header: Option<(&str, &str)>) -> reqwest::Response {
    let mut request = harness
        .http
        .post(harness.url("/okta/token-inline-hook"))
        .json(&fixture("token_hook_authorization_code.json"));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn missing_secret_is_401() {
    let harness = Harness::start("").await;

    let response = call_with(&harness, None).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn wrong_secret_is_401() {
    let harness = Harness::start("").await;

    let response = call_with(&harness, Some(("Authorization", "demo-inline-hook-secreT"))).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn secret_prefix_is_401() {
    let harness = Harness::start("").await;

    let response = call_with(&harness, Some(("Authorization", "demo-inline-hook"))).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn custom_header_name_is_used() {
    let harness =
        Harness::start("[inline_hook]\nheader_name = \"X-Hook-Secret\"\nheader_secret = \"another-long-secret-1\"\n").await;

    let in_authorization =
        call_with(&harness, Some(("Authorization", "another-long-secret-1"))).await;
    let in_custom = call_with(&harness, Some(("x-hook-secret", "another-long-secret-1"))).await;

    assert_eq!(in_authorization.status(), 401);
    assert_eq!(in_custom.status(), 200);
}

#[tokio::test]
async fn unauthenticated_call_is_counted() {
    let harness = Harness::start("").await;
    call_with(&harness, Some(("Authorization", "wrong-secret-value"))).await;

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
            r#"session_hook_auth_failures_total{endpoint="token_hook",reason="wrong_secret"} 1"#
        ),
        "metrics: {text}"
    );
}

#[tokio::test]
async fn event_hook_requires_secret() {
    let harness = Harness::start("").await;

    let response = harness
        .http
        .post(harness.url("/okta/event-hooks"))
        .json(&fixture("event_hook_session_end.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
}

/// RSA key pair for minting test JWTs, and its JWKS.
struct SigningKey {
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    fn generate(kid: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = pair.as_der().unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(pkcs8.as_ref())
        );
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();

        let public = pair.public_key();
        let modulus = public.modulus().big_endian_without_leading_zero();
        let exponent = public.exponent().big_endian_without_leading_zero();
        let jwk = json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(modulus),
            "e": URL_SAFE_NO_PAD.encode(exponent),
        });
        Self { encoding, jwk }
    }

    fn mint(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        encode(&header, claims, &self.encoding).unwrap()
    }
}

fn claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "ver": 1,
        "jti": "AT.hookcaller",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "cid": CLIENT_ID,
        "sub": CLIENT_ID,
        "scp": ["okta.hooks"],
    })
}

/// Starts the service in bearer mode with `key` served as the JWKS.
async fn bearer_harness(key: &SigningKey) -> Harness {
    let okta = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth2/aushooks/v1/keys"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [key.jwk]})))
        .mount(&okta)
        .await;

    let toml = format!(
        "[inline_hook]\nauth = \"bearer\"\n[inline_hook.bearer]\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n\
         client_id = \"{CLIENT_ID}\"\njwks_url = \"{}/oauth2/aushooks/v1/keys\"\n",
        okta.uri()
    );
    Harness::start_on(okta, &toml).await
}

async fn call_bearer(harness: &Harness, token: &str) -> reqwest::Response {
    call_with(harness, Some(("Authorization", &format!("Bearer {token}")))).await
}

#[tokio::test]
async fn bearer_valid_jwt_is_accepted() {
    let key = SigningKey::generate(KID);
    let harness = bearer_harness(&key).await;

    let response = call_bearer(&harness, &key.mint(KID, &claims())).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn bearer_rejections() {
    let key = SigningKey::generate(KID);
    let impostor = SigningKey::generate(KID);
    let harness = bearer_harness(&key).await;
    let now = chrono::Utc::now().timestamp();

    let mut wrong_issuer = claims();
    wrong_issuer["iss"] = json!("http://127.0.0.1:9400/oauth2/default");
    let mut wrong_audience = claims();
    wrong_audience["aud"] = json!("api://default");
    let mut expired = claims();
    expired["exp"] = json!(now - 3600);
    let mut wrong_client = claims();
    wrong_client["cid"] = json!("0oaother000000000001");
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");

    let cases = [
        ("wrong issuer", key.mint(KID, &wrong_issuer)),
        ("wrong audience", key.mint(KID, &wrong_audience)),
        ("wrong signature", impostor.mint(KID, &claims())),
        ("unknown kid", key.mint("other-kid", &claims())),
        ("expired", key.mint(KID, &expired)),
        ("wrong client", key.mint(KID, &wrong_client)),
        ("no exp", key.mint(KID, &no_exp)),
        ("not a JWT", "not-a-jwt".to_owned()),
    ];

    for (name, token) in cases {
        let response = call_bearer(&harness, &token).await;
        assert_eq!(response.status(), 401, "{name}");
    }
}

#[tokio::test]
async fn bearer_mode_rejects_header_secret() {
    let key = SigningKey::generate(KID);
    let harness = bearer_harness(&key).await;

    let response = call_with(&harness, Some(("Authorization", HOOK_SECRET))).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bearer_hs256_token_is_rejected() {
    let key = SigningKey::generate(KID);
    let harness = bearer_harness(&key).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.to_owned());
    let token = encode(
        &header,
        &claims(),
        &EncodingKey::from_secret(b"guessable").unwrap(),
    )
    .unwrap();

    let response = call_bearer(&harness, &token).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bearer_slow_jwks_is_401_within_deadline() {
    let key = SigningKey::generate(KID);
    let okta = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({"keys": [key.jwk]}))
        .set_delay(std::time::Duration::from_secs(10));
    Mock::given(method("GET"))
        .and(path("/oauth2/aushooks/v1/keys"))
        .respond_with(slow)
        .mount(&okta)
        .await;
    let toml = format!(
        "deadline_ms = 200\n[okta]\ntimeout_ms = 100\n[inline_hook]\nauth = \"bearer\"\n[inline_hook.bearer]\n\
         issuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\njwks_url = \"{}/oauth2/aushooks/v1/keys\"\n",
        okta.uri()
    );
    let harness = Harness::start_on(okta, &toml).await;

    let response = call_bearer(&harness, &key.mint(KID, &claims())).await;

    assert_eq!(response.status(), 401);
}
