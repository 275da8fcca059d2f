//! Shared fixtures for the session-guard integration tests: a wiremock
//! server playing Okta (JWKS and Sessions API), RS256 tokens signed with a
//! key generated per test run, and the guard served over real HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use session_guard::{
    Guard, GuardConfig, GuardConfigBuilder, OktaAuthConfig, Secret, TokenSettings,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
pub const USER: &str = "00udemo0000000000001";
pub const OTHER_USER: &str = "00ualice000000000002";
pub const CLIENT: &str = "0oademospa0000000001";
pub const AUDIENCE: &str = "api://default";
pub const KID: &str = "test-key-1";
pub const EVENT_SECRET: &str = "demo-event-hook-secret";
pub const ADMIN_SECRET: &str = "admin-secret-0123456789abcdef";

/// Session ids in Okta's Classic style: `102` and 22 base62 characters.
pub fn session_id(n: u32) -> String {
    format!("102session{n:015}")
}

/// An RSA key generated once per test binary.
pub struct SigningKey {
    pub encoding: EncodingKey,
    pub pkcs8_pem: String,
    pub n: String,
    pub e: String,
}

pub fn signing_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation works");
        let der =
            AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).expect("key encodes as PKCS#8");
        let pem = pem("PRIVATE KEY", der.as_ref());
        let public = pair.public_key();
        SigningKey {
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).expect("PEM parses"),
            pkcs8_pem: pem,
            n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        }
    })
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub fn jwks() -> Value {
    let key = signing_key();
    json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID, "n": key.n, "e": key.e}]})
}

pub fn epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

pub fn from_epoch(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

pub fn rfc3339(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Okta `Session` JSON.
pub fn session_body(id: &str, user: &str, status: &str, expires_at: SystemTime) -> Value {
    json!({
        "id": id,
        "userId": user,
        "login": "demo@example.com",
        "createdAt": rfc3339(expires_at - Duration::from_secs(7200)),
        "expiresAt": rfc3339(expires_at),
        "status": status,
        "lastPasswordVerification": rfc3339(expires_at - Duration::from_secs(7200)),
        "amr": ["pwd"],
        "idp": {"id": "00o1", "type": "OKTA"},
        "_links": {"self": {"href": format!("http://127.0.0.1/api/v1/sessions/{id}")}}
    })
}

pub fn not_found_body(id: &str) -> Value {
    json!({
        "errorCode": "E0000007",
        "errorSummary": format!("Not found: Resource not found: {id} (Session)"),
        "errorLink": "E0000007",
        "errorId": "oaeTest",
        "errorCauses": []
    })
}

/// Okta playing both authorization server (JWKS) and Sessions API.
pub struct FakeOkta {
    pub server: OffRuntimeDrop,
}

/// A `MockServer` dropped on a thread of its own.
///
/// wiremock verifies its mocks on drop with a nested executor that waits on
/// a tokio lock. In a tokio task, that executor shares the task's
/// cooperative budget of 128 operations per poll. A test that spent the
/// budget in its last poll (by awaiting thousands of finished `JoinHandle`s,
/// say) gets `Pending` from the lock forever, so the drop never returns. A
/// plain thread has no budget.
pub struct OffRuntimeDrop(Option<MockServer>);

impl std::ops::Deref for OffRuntimeDrop {
    type Target = MockServer;

    fn deref(&self) -> &MockServer {
        self.0.as_ref().expect("present until drop")
    }
}

impl Drop for OffRuntimeDrop {
    fn drop(&mut self) {
        let Some(server) = self.0.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || drop(server)).join();
        // Re-raise a failed verification unless the test is already panicking.
        if let Err(panic) = dropped
            && !std::thread::panicking()
        {
            std::panic::resume_unwind(panic);
        }
    }
}

impl FakeOkta {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/keys"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks()))
            .mount(&server)
            .await;
        Self {
            server: OffRuntimeDrop(Some(server)),
        }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub fn issuer(&self) -> String {
        format!("{}/oauth2/default", self.server.uri())
    }

    /// Mounts a `GET /api/v1/sessions/{id}` response with the session, and rate-limit
    /// headers showing a full budget.
    pub async fn session_alive(&self, id: &str, user: &str, status: &str, expires_at: SystemTime) {
        let template =
            ResponseTemplate::new(200).set_body_json(session_body(id, user, status, expires_at));
        self.session_response(id, with_budget(template, 100, 100))
            .await;
    }

    pub async fn session_gone(&self, id: &str) {
        let template = ResponseTemplate::new(404).set_body_json(not_found_body(id));
        self.session_response(id, with_budget(template, 100, 100))
            .await;
    }

    /// Mounts `template` as the `GET /api/v1/sessions/{id}` response.
    pub async fn session_response(&self, id: &str, template: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/sessions/{id}")))
            .respond_with(template)
            .mount(&self.server)
            .await;
    }

    /// Drops every mock, then serves the JWKS again (for switching a
    /// session's response mid-test).
    pub async fn reset(&self) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/keys"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks()))
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
            .filter(|request| request.url.path().starts_with("/api/v1/sessions/"))
            .count()
    }

    pub fn builder(&self) -> GuardConfigBuilder {
        GuardConfig::builder(
            self.url().parse().expect("mock URL parses"),
            OktaAuthConfig::ApiToken {
                token: Secret::new(API_TOKEN),
            },
        )
        .token(self.token_settings())
    }

    pub fn token_settings(&self) -> TokenSettings {
        TokenSettings {
            issuer: self.issuer(),
            audiences: vec![AUDIENCE.to_owned()],
            required_scopes: Vec::new(),
            allowed_clients: None,
            leeway_secs: None,
            jwks_url: Some(format!("{}/v1/keys", self.issuer())),
        }
    }

    pub fn guard(&self, builder: GuardConfigBuilder) -> Guard {
        let config = builder.build().expect("test configuration is valid");
        Guard::new(config, reqwest::Client::new()).expect("guard builds")
    }
}

pub fn with_budget(template: ResponseTemplate, limit: u32, remaining: u32) -> ResponseTemplate {
    let reset = epoch(SystemTime::now()) + 60;
    template
        .insert_header("X-Rate-Limit-Limit", limit.to_string().as_str())
        .insert_header("X-Rate-Limit-Remaining", remaining.to_string().as_str())
        .insert_header("X-Rate-Limit-Reset", reset.to_string().as_str())
}

/// Claims of an Okta access token from the `default` server, issued at
/// `issued` and valid for an hour.
pub fn claims(issuer: &str, session: Option<&str>, issued: SystemTime) -> Value {
    let iat = epoch(issued);
    let mut claims = json!({
        "ver": 1,
        "jti": format!("AT.{}", uuid::Uuid::new_v4().simple()),
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": iat,
        "exp": iat + 3600,
        "cid": CLIENT,
        "uid": USER,
        "scp": ["openid", "demo.read"],
        "auth_time": iat,
        "sub": "demo@example.com",
    });
    if let Some(session) = session {
        claims["okta_sid"] = json!(session);
    }
    claims
}

pub fn mint(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.to_owned());
    jsonwebtoken::encode(&header, claims, &signing_key().encoding).expect("token signs")
}

/// A token for `session` issued now.
pub fn token_for(okta: &FakeOkta, session: &str) -> String {
    mint(&claims(&okta.issuer(), Some(session), SystemTime::now()))
}

/// Serves `router` on an ephemeral loopback port.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback bind");
    let address = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    address
}

/// An hour from now: a session expiry far enough not to matter.
pub fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

/// A small API guarded per route: `/session` needs a live session (layer),
/// `/token` a valid token (layer), `/write` a live session and the
/// `demo.write` scope (layer), `/extract/session` and `/extract/token`
/// choose by extractor, `/unguarded` takes `Authorized` without a layer.
pub fn app(guard: &Guard) -> axum::Router {
    use axum::Json;
    use axum::routing::get;
    use session_guard::{Authorized, LiveSession, TokenOnly};

    async fn describe(authorized: Authorized) -> Json<Value> {
        Json(json!({
            "sub": authorized.claims().sub,
            "policy": authorized.policy().as_str(),
            "session": authorized.session().map(|session| session.id.as_str().to_owned()),
            "stale": authorized.session().map(|session| session.stale),
        }))
    }
    async fn live(LiveSession(authorized): LiveSession) -> Json<Value> {
        describe(authorized).await
    }
    async fn token_only(TokenOnly(authorized): TokenOnly) -> Json<Value> {
        describe(authorized).await
    }

    let layered = axum::Router::new()
        .route(
            "/session",
            get(describe).route_layer(guard.layer(session_guard::Policy::LiveSession)),
        )
        .route(
            "/token",
            get(describe).route_layer(guard.layer(session_guard::Policy::TokenOnly)),
        )
        .route(
            "/write",
            get(describe).route_layer(
                guard.layer(session_guard::Policy::LiveSession.with_scopes(["demo.write"])),
            ),
        )
        .route("/unguarded", get(describe));
    let extracted = axum::Router::new()
        .route("/extract/session", get(live))
        .route("/extract/token", get(token_only))
        .with_state(guard.clone());
    layered.merge(extracted)
}

/// GETs `path` with an optional bearer token.
pub async fn get(address: SocketAddr, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("http://{address}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("request reaches the test server")
}

pub fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// A token for `session` of `user`, issued (and authenticated) at `issued`.
pub fn token_for_user(okta: &FakeOkta, session: &str, user: &str, issued: SystemTime) -> String {
    let mut token_claims = claims(&okta.issuer(), Some(session), issued);
    token_claims["uid"] = json!(user);
    mint(&token_claims)
}

/// An Okta event hook delivery of `events`.
pub fn delivery(events: Vec<Value>) -> Value {
    json!({
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": "https://example.okta.com/api/v1/eventHooks/who1",
        "eventId": uuid::Uuid::new_v4().to_string(),
        "eventTime": rfc3339(SystemTime::now()),
        "contentType": "application/json",
        "data": {"events": events}
    })
}

/// A `user.session.end` LogEvent for `session` of `user`.
pub fn session_end_event(uuid: &str, session: &str, user: &str, published: SystemTime) -> Value {
    json!({
        "uuid": uuid,
        "published": rfc3339(published),
        "eventType": "user.session.end",
        "version": "0",
        "severity": "INFO",
        "displayMessage": "User logout from Okta",
        "actor": {"id": user, "type": "User", "alternateId": "demo@example.com", "displayName": "Demo"},
        "outcome": {"result": "SUCCESS"},
        "authenticationContext": {"externalSessionId": session},
        "debugContext": {"debugData": {"EndedSessionId": session, "requestUri": "/api/v1/sessions/me"}},
        "target": null
    })
}

/// A user-wide LogEvent of `event_type` targeting `user`, by an admin
/// whose own session is `admin_session`.
pub fn user_event(
    uuid: &str,
    event_type: &str,
    user: &str,
    admin_session: &str,
    published: SystemTime,
) -> Value {
    json!({
        "uuid": uuid,
        "published": rfc3339(published),
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "actor": {"id": "00uadmin000000000009", "type": "User", "alternateId": "admin@example.com"},
        "authenticationContext": {"externalSessionId": admin_session},
        "debugContext": {"debugData": {}},
        "target": [
            {"id": "0oa1", "type": "AppInstance"},
            {"id": user, "type": "User", "alternateId": "someone@example.com"}
        ]
    })
}

/// POSTs a delivery to the event hook receiver with `secret`.
pub async fn post_events(address: SocketAddr, secret: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{address}/okta/event-hooks"))
        .header("Authorization", secret)
        .json(body)
        .send()
        .await
        .expect("request reaches the test server")
}
