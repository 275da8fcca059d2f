//! Shared pieces of the back end's HTTP tests: an RSA key that mints
//! access tokens, a wiremock server standing in for the Okta org
//! (discovery, JWKS, Sessions API), and a back end started on a free port.

#![allow(dead_code)] // Each test crate uses a different subset.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use demo_backend::{Config, RunningBackend};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{AUTHORIZATION, HeaderMap};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const AUDIENCE: &str = "api://default";
pub const SPA_CLIENT: &str = "0oademospa0000000001";
pub const USER_ID: &str = "00udemo0000000000001";
pub const LOGIN: &str = "demo@example.com";
pub const API_TOKEN: &str = "00testOnlyApiToken000000000000000000000000";
pub const EVENT_HOOK_SECRET: &str = "test-event-hook-secret";
pub const KEY_ID: &str = "test-key-1";
pub const SESSIONS_PREFIX: &str = "/api/v1/sessions/";

/// An RSA key generated once per test binary (generation takes a while).
pub struct SigningKey {
    pub kid: &'static str,
    encoding: EncodingKey,
    jwk: Value,
    /// PKCS#8 PEM of the private key.
    pub pem: String,
}

/// Returns the key that signs every token and service-app assertion in the tests.
pub fn signing_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(KEY_ID))
}

/// Returns a second key, with the same `kid`, that the fake Okta never publishes.
pub fn foreign_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(KEY_ID))
}

impl SigningKey {
    fn generate(kid: &'static str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation succeeds");
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
            .expect("RSA key encodes as PKCS#8");
        let pem = pem("PRIVATE KEY", der.as_ref());
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).expect("jsonwebtoken reads the PKCS#8 PEM");

        let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let jwk = json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        });
        SigningKey {
            kid,
            encoding,
            jwk,
            pem,
        }
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing succeeds")
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Returns a fresh Classic-style Okta session id: `102` and 22 base62 characters.
pub fn new_session_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("102{}", &hex[..22])
}

/// Access-token claims as Okta's custom authorization server issues them
/// after the inline hook ran, valid for an hour from now.
pub fn claims(issuer: &str, session_id: Option<&str>, scopes: &[&str]) -> Value {
    let now = now_secs();
    let mut claims = json!({
        "ver": 1,
        "jti": format!("AT.{}", uuid::Uuid::new_v4().simple()),
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": now - 5,
        "exp": now + 3600,
        "cid": SPA_CLIENT,
        "uid": USER_ID,
        "scp": scopes,
        "auth_time": now - 10,
        "sub": LOGIN,
    });
    if let Some(id) = session_id {
        claims["okta_sid"] = json!(id);
    }
    claims
}

/// A wiremock server playing the Okta org and its `default` custom
/// authorization server.
pub struct FakeOkta {
    pub server: MockServer,
    pub issuer: String,
}

impl FakeOkta {
    /// Starts a server serving discovery and the JWKS of [`signing_key`].
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let issuer = format!("{}/oauth2/default", server.uri());
        let okta = FakeOkta { server, issuer };

        let metadata = json!({
            "issuer": okta.issuer,
            "authorization_endpoint": format!("{}/v1/authorize", okta.issuer),
            "token_endpoint": format!("{}/v1/token", okta.issuer),
            "jwks_uri": format!("{}/v1/keys", okta.issuer),
        });
        Mock::given(method("GET"))
            .and(path(
                "/oauth2/default/.well-known/oauth-authorization-server",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(metadata))
            .mount(&okta.server)
            .await;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/keys"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "keys": [signing_key().jwk] }))
                    .insert_header("cache-control", "max-age=3600"),
            )
            .mount(&okta.server)
            .await;
        okta
    }

    pub fn org_url(&self) -> String {
        self.server.uri()
    }

    /// Mints a token bound to `session_id` with `scopes`.
    pub fn token(&self, session_id: &str, scopes: &[&str]) -> String {
        signing_key().sign(&claims(&self.issuer, Some(session_id), scopes))
    }

    /// Mints a token without the session claim, as Okta issues it when the
    /// inline hook failed.
    pub fn unbound_token(&self, scopes: &[&str]) -> String {
        signing_key().sign(&claims(&self.issuer, None, scopes))
    }

    /// Makes `GET /api/v1/sessions/{id}` return an `ACTIVE` session of the
    /// demo user, when the request carries the test API token.
    pub async fn session_alive(&self, id: &str) {
        self.session_alive_for(id, &format!("SSWS {API_TOKEN}"))
            .await;
    }

    /// As [`FakeOkta::session_alive`], for requests with `authorization`.
    pub async fn session_alive_for(&self, id: &str, authorization: &str) {
        let expires_at = chrono::Utc::now() + chrono::Duration::hours(2);
        let body = json!({
            "id": id,
            "userId": USER_ID,
            "login": LOGIN,
            "createdAt": (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(),
            "expiresAt": expires_at.to_rfc3339(),
            "status": "ACTIVE",
            "lastPasswordVerification": (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(),
            "amr": ["pwd"],
            "idp": { "id": "00o0000000000000000", "type": "OKTA" },
        });
        Mock::given(method("GET"))
            .and(path(format!("{SESSIONS_PREFIX}{id}")))
            .and(header("authorization", authorization))
            .respond_with(rate_limited_headers(
                ResponseTemplate::new(200).set_body_json(body),
            ))
            .mount(&self.server)
            .await;
    }

    /// Makes `GET /api/v1/sessions/{id}` return Okta's 404 for an ended
    /// session. This takes precedence over [`FakeOkta::session_alive`].
    pub async fn session_ended(&self, id: &str) {
        let body = json!({
            "errorCode": "E0000007",
            "errorSummary": format!("Not found: Resource not found: {id} (Session)"),
            "errorLink": "E0000007",
            "errorId": "oaeTestNotFound",
            "errorCauses": [],
        });
        Mock::given(method("GET"))
            .and(path(format!("{SESSIONS_PREFIX}{id}")))
            .respond_with(rate_limited_headers(
                ResponseTemplate::new(404).set_body_json(body),
            ))
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Makes every Sessions API call fail with 503, as during an Okta outage.
    pub async fn sessions_down(&self) {
        Mock::given(method("GET"))
            .and(path_regex("^/api/v1/sessions/"))
            .respond_with(ResponseTemplate::new(503))
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Number of Sessions API calls received so far.
    pub async fn session_calls(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|request| request.url.path().starts_with(SESSIONS_PREFIX))
            .count()
    }

    /// Back-end configuration for this org: SSWS token, event hooks on,
    /// listening on a free loopback port.
    pub fn config(&self) -> Config {
        self.config_with("")
    }

    /// As [`FakeOkta::config`], with `extra` TOML appended (new sections only).
    pub fn config_with(&self, extra: &str) -> Config {
        let toml = format!(
            r#"
            listen = "127.0.0.1:0"

            [token]
            issuer = "{issuer}"
            audiences = ["{AUDIENCE}"]

            [okta]
            org_url = "{org}"

            [okta.auth]
            method = "api_token"
            token = "{API_TOKEN}"

            [event_hooks]
            secret = "{EVENT_HOOK_SECRET}"

            {extra}
            "#,
            issuer = self.issuer,
            org = self.org_url(),
        );
        Config::from_toml(&toml).expect("test configuration is valid")
    }
}

fn rate_limited_headers(response: ResponseTemplate) -> ResponseTemplate {
    let reset = now_secs() + 60;
    response
        .insert_header("x-rate-limit-limit", "100")
        .insert_header("x-rate-limit-remaining", "99")
        .insert_header("x-rate-limit-reset", reset.to_string().as_str())
}

/// Starts a back end for `okta` on a free port.
pub async fn start_backend(okta: &FakeOkta) -> RunningBackend {
    start_with(&okta.config()).await
}

pub async fn start_with(config: &Config) -> RunningBackend {
    demo_backend::start(config).await.expect("back end starts")
}

/// Returns a client without a connection pool, so every test request is independent.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client builds")
}

pub fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        format!("Bearer {token}")
            .parse()
            .expect("token is a valid header value"),
    );
    headers
}

/// A response read in full: status, headers and JSON body (`Null` when empty
/// or not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body reads");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn reason(&self) -> Option<&str> {
        self.body["reason"].as_str()
    }
}

/// `GET {base}{path}` with an optional bearer token.
pub async fn get(backend: &RunningBackend, path: &str, token: Option<&str>) -> Reply {
    let mut request = client().get(format!("{}{path}", backend.base_url));
    if let Some(token) = token {
        request = request.headers(bearer(token));
    }
    Reply::read(request.send().await.expect("request succeeds")).await
}

/// `POST {base}/api/transfers` with a JSON body and a bearer token.
pub async fn post_transfer(backend: &RunningBackend, token: &str, body: &Value) -> Reply {
    let response = client()
        .post(format!("{}/api/transfers", backend.base_url))
        .headers(bearer(token))
        .json(body)
        .send()
        .await
        .expect("request succeeds");
    Reply::read(response).await
}

/// Returns a valid transfer body.
pub fn transfer_body() -> Value {
    json!({ "to_account": "DE-0042", "amount_cents": 1250, "currency": "EUR", "memo": "rent" })
}

/// An event hook delivery with one `user.session.end` event for `session_id`.
pub fn session_end_delivery(session_id: &str) -> Value {
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "https://example.okta.com/api/v1/eventHooks/who0test",
        "eventId": uuid::Uuid::new_v4().to_string(),
        "eventTime": chrono::Utc::now().to_rfc3339(),
        "contentType": "application/json",
        "data": {
            "events": [{
                "uuid": uuid::Uuid::new_v4().to_string(),
                "published": chrono::Utc::now().to_rfc3339(),
                "eventType": "user.session.end",
                "version": "0",
                "severity": "INFO",
                "displayMessage": "User logout from Okta",
                "actor": { "id": USER_ID, "type": "User", "alternateId": LOGIN },
                "outcome": { "result": "SUCCESS" },
                "target": [{ "id": USER_ID, "type": "User", "alternateId": LOGIN }],
                "authenticationContext": { "externalSessionId": session_id },
                "debugContext": { "debugData": { "EndedSessionId": session_id } },
            }]
        }
    })
}
