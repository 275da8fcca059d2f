//! The Okta emulator (mock-okta) in-process for the guard's tests: a real
//! sign-in through its form, a token inline hook that stamps `okta_sid`,
//! its control API, and the guard served over HTTP next to it.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_okta::RunningMockOkta;
use mock_okta::config::{EventHookConfig, InlineHookAuth, InlineHookConfig};
use reqwest::cookie::{CookieStore, Jar};
use serde_json::{Value, json};
use session_guard::{
    Authorized, Guard, GuardConfig, GuardConfigBuilder, OktaAuthConfig, Policy, Secret,
    TokenSettings,
};
use tokio::net::TcpListener;

pub const API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
pub const SPA_CLIENT: &str = "0oademospa0000000001";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9403/callback";
pub const POST_LOGOUT_URI: &str = "http://127.0.0.1:9403/";
pub const DEMO_USER_ID: &str = "00udemo0000000000001";
pub const DEMO_LOGIN: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
pub const AUDIENCE: &str = "api://default";
pub const INLINE_HOOK_ID: &str = "calguardtestinline01";
pub const INLINE_HOOK_SECRET: &str = "guard-test-inline-hook-secret";
pub const EVENT_HOOK_SECRET: &str = "guard-test-event-hook-secret";

/// Starts a token inline hook that does what the session hook does on a
/// sign-in: copy `data.context.session.id` into the `okta_sid` claim with
/// a `com.okta.access.patch` command. Returns its URL.
async fn start_inline_hook() -> String {
    async fn stamp(headers: HeaderMap, Json(body): Json<Value>) -> Response {
        let authorized = headers
            .get("authorization")
            .is_some_and(|value| value.as_bytes() == INLINE_HOOK_SECRET.as_bytes());
        if !authorized {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        match body["data"]["context"]["session"]["id"].as_str() {
            Some(id) => Json(json!({
                "commands": [{
                    "type": "com.okta.access.patch",
                    "value": [{ "op": "add", "path": "/claims/okta_sid", "value": id }],
                }]
            }))
            .into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        }
    }

    let router = axum::Router::new().route("/okta/token-inline-hook", post(stamp));
    let address = serve(router).await;
    format!("http://{address}/okta/token-inline-hook")
}

/// Serves `router` on an ephemeral loopback port.
async fn serve(router: axum::Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback bind");
    serve_on(listener, router)
}

fn serve_on(listener: TcpListener, router: axum::Router) -> std::net::SocketAddr {
    let address = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    address
}

/// The emulated org with its inline hook, and a client for its APIs.
pub struct Org {
    pub okta: RunningMockOkta,
    http: reqwest::Client,
}

impl Org {
    /// Starts the embedded demo org with the inline hook on the `default`
    /// authorization server.
    pub async fn start() -> Org {
        Self::start_with(None).await
    }

    /// Starts the org with, in addition, an event hook that delivers
    /// `user.session.end` and `user.session.clear` to `receiver_url`.
    pub async fn start_with_event_hook(receiver_url: &str) -> Org {
        Self::start_with(Some(receiver_url)).await
    }

    async fn start_with(event_receiver: Option<&str>) -> Org {
        let mut config = mock_okta::Config::embedded_default();
        config.inline_hooks.push(InlineHookConfig {
            id: INLINE_HOOK_ID.to_owned(),
            name: "session link".to_owned(),
            url: start_inline_hook().await,
            auth: InlineHookAuth::Header {
                key: "Authorization".to_owned(),
                value: INLINE_HOOK_SECRET.to_owned(),
            },
            timeout_ms: 3000,
        });
        for server in &mut config.authorization_servers {
            server.token_inline_hook = Some(INLINE_HOOK_ID.to_owned());
        }
        if let Some(url) = event_receiver {
            config.event_hooks.push(EventHookConfig {
                id: "whoguardtesteventhk1".to_owned(),
                name: "guard".to_owned(),
                url: url.to_owned(),
                events: vec![
                    "user.session.end".to_owned(),
                    "user.session.clear".to_owned(),
                ],
                auth_header: "Authorization".to_owned(),
                auth_value: Some(EVENT_HOOK_SECRET.to_owned()),
                headers: Default::default(),
                timeout_ms: 3000,
            });
        }
        let okta = mock_okta::start(config, "127.0.0.1:0".parse().expect("static address"))
            .await
            .expect("emulator starts");
        Org {
            okta,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.okta.base_url)
    }

    /// Returns a guard configuration for this org: the SSWS token of the
    /// embedded config, the `default` server's issuer and audience, and
    /// the JWKS found through discovery.
    pub fn guard_builder(&self) -> GuardConfigBuilder {
        GuardConfig::builder(
            self.okta.base_url.parse().expect("org URL parses"),
            OktaAuthConfig::ApiToken {
                token: Secret::new(API_TOKEN),
            },
        )
        .token(TokenSettings {
            issuer: self.okta.issuer("default"),
            audiences: vec![AUDIENCE.to_owned()],
            required_scopes: Vec::new(),
            allowed_clients: None,
            leeway_secs: None,
            jwks_url: None,
        })
    }

    pub fn guard(&self) -> Guard {
        guard_from(self.guard_builder())
    }

    /// Calls the control API (`/mock/...`) and checks for a 2xx status.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("control API reachable");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Adds a fault to the Sessions API bucket (`kind` and its settings).
    pub async fn sessions_fault(&self, fault: Value) {
        let mut body = json!({ "bucket": "sessions" });
        if let (Some(body), Some(fault)) = (body.as_object_mut(), fault.as_object()) {
            body.extend(fault.clone());
        }
        self.control(reqwest::Method::POST, "/mock/faults", Some(body))
            .await;
    }

    /// Returns how many Sessions API requests reached the emulator.
    pub async fn sessions_calls(&self) -> u64 {
        let counts = self
            .control(reqwest::Method::GET, "/mock/request-counts", None)
            .await;
        counts["sessions"]
            .as_u64()
            .expect("sessions count is a number")
    }

    /// Calls the Management API with the SSWS token.
    pub async fn management(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.http
            .request(method, self.url(path))
            .header("Authorization", format!("SSWS {API_TOKEN}"))
            .send()
            .await
            .expect("Management API reachable")
    }

    /// Signs the demo user in through the sign-in form, in a new browser.
    pub async fn sign_in(&self) -> Login {
        let jar = Arc::new(Jar::default());
        let browser = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser client builds");
        let pkce = Pkce::new();

        let form = browser
            .get(self.authorize_url(&pkce))
            .send()
            .await
            .expect("authorize reachable");
        assert_eq!(form.status(), 200, "authorize shows the sign-in form");
        let html = form.text().await.expect("form reads");
        let action = attribute(&html, "action=\"").expect("form has an action");
        let request_id = attribute(&html, "name=\"request_id\" value=\"").expect("request id");

        let signed_in = browser
            .post(action)
            .form(&[
                ("request_id", request_id.as_str()),
                ("username", DEMO_LOGIN),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .expect("sign-in reachable");
        let tokens = self.finish_login(&browser, signed_in, &pkce).await;
        Login {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            session_id: session_cookie(&jar, &self.okta.base_url),
            browser,
            jar,
        }
    }

    /// Signs in again in `login`'s browser: the `sid` cookie makes it an
    /// SSO sign-in in the same Okta session.
    pub async fn sign_in_again(&self, login: &Login) -> Login {
        let pkce = Pkce::new();
        let redirect = login
            .browser
            .get(self.authorize_url(&pkce))
            .send()
            .await
            .expect("authorize reachable");
        let tokens = self.finish_login(&login.browser, redirect, &pkce).await;
        Login {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            session_id: login.session_id.clone(),
            browser: login.browser.clone(),
            jar: login.jar.clone(),
        }
    }

    /// Logs out through `/v1/logout` with the ID token and the browser's
    /// `sid` cookie, as the single-page app does.
    pub async fn log_out(&self, login: &Login) {
        let response = login
            .browser
            .get(self.url("/oauth2/default/v1/logout"))
            .query(&[
                ("id_token_hint", login.id_token.as_str()),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("state", "guard-test"),
            ])
            .send()
            .await
            .expect("logout reachable");
        assert_eq!(response.status(), 302, "logout redirects");
    }

    fn authorize_url(&self, pkce: &Pkce) -> String {
        let query = serde_urlencoded::to_string([
            ("client_id", SPA_CLIENT),
            ("response_type", "code"),
            ("scope", "openid profile demo.read demo.write"),
            ("redirect_uri", REDIRECT_URI),
            ("state", "guard-test"),
            ("nonce", "guard-test-nonce"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .expect("query encodes");
        self.url(&format!("/oauth2/default/v1/authorize?{query}"))
    }

    /// Follows the redirect to the client and exchanges its code.
    async fn finish_login(
        &self,
        browser: &reqwest::Client,
        redirect: reqwest::Response,
        pkce: &Pkce,
    ) -> Tokens {
        assert_eq!(redirect.status(), 302, "sign-in redirects to the client");
        let location = redirect
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .expect("redirect has a location");
        let location = url::Url::parse(location).expect("location is a URL");
        let code = location
            .query_pairs()
            .find(|(name, _)| name == "code")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no code in {location}"));

        let response = browser
            .post(self.url("/oauth2/default/v1/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", SPA_CLIENT),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", pkce.verifier.as_str()),
            ])
            .send()
            .await
            .expect("token endpoint reachable");
        let status = response.status();
        let body: Value = response.json().await.expect("token response is JSON");
        assert_eq!(status, 200, "{body}");
        let field = |name: &str| {
            body[name]
                .as_str()
                .unwrap_or_else(|| panic!("token response has no {name}"))
                .to_owned()
        };
        Tokens {
            access_token: field("access_token"),
            id_token: field("id_token"),
        }
    }
}

struct Tokens {
    access_token: String,
    id_token: String,
}

/// A signed-in browser and the tokens it received.
pub struct Login {
    pub access_token: String,
    pub id_token: String,
    /// The Okta session, from the browser's `sid` cookie.
    pub session_id: String,
    browser: reqwest::Client,
    jar: Arc<Jar>,
}

impl Login {
    /// Returns a claim of the access token (read without verification).
    pub fn claim(&self, name: &str) -> Value {
        segment(&self.access_token, 1)[name].clone()
    }

    /// Returns the `kid` of the access token's header.
    pub fn kid(&self) -> String {
        segment(&self.access_token, 0)["kid"]
            .as_str()
            .expect("token header has a kid")
            .to_owned()
    }
}

fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("token has three parts");
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("segment is base64url");
    serde_json::from_slice(&bytes).expect("segment is JSON")
}

struct Pkce {
    verifier: String,
    challenge: String,
}

impl Pkce {
    fn new() -> Pkce {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        Pkce {
            challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()),
            verifier,
        }
    }
}

/// Returns the quoted value that follows `prefix` in `html`.
fn attribute(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

fn session_cookie(jar: &Jar, org_url: &str) -> String {
    let url = url::Url::parse(org_url).expect("org URL parses");
    let cookies = jar.cookies(&url).expect("the org set a cookie");
    cookies
        .to_str()
        .expect("cookie header is ASCII")
        .split("; ")
        .find_map(|pair| pair.strip_prefix("sid="))
        .expect("the org set the sid cookie")
        .to_owned()
}

pub fn guard_from(builder: GuardConfigBuilder) -> Guard {
    let config = builder.build().expect("test configuration is valid");
    Guard::new(config, reqwest::Client::new()).expect("guard builds")
}

/// Serves `/profile` (live session) and `/catalog` (token only) behind the
/// guard, and its event hook receiver, on `listener`. Returns the base URL.
pub fn serve_guard(guard: &Guard, listener: TcpListener) -> String {
    async fn describe(authorized: Authorized) -> Json<Value> {
        Json(json!({
            "sub": authorized.claims().sub,
            "session": authorized.session().map(|session| session.id.as_str().to_owned()),
        }))
    }

    let mut router = axum::Router::new()
        .route(
            "/profile",
            routing::get(describe).route_layer(guard.layer(Policy::LiveSession)),
        )
        .route(
            "/catalog",
            routing::get(describe).route_layer(guard.layer(Policy::TokenOnly)),
        );
    // The receiver exists only when the guard has an [event_hooks] section.
    if let Ok(events) = guard.event_hook_router() {
        router = router.merge(events);
    }
    let address = serve_on(listener, router);
    format!("http://{address}")
}

/// Binds a loopback port for a guard served later.
pub async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback bind");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    (listener, url)
}

/// A response from the served guard.
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub challenge: Option<String>,
    pub body: Value,
}

impl Reply {
    pub fn reason(&self) -> Option<&str> {
        self.body["reason"].as_str()
    }
}

/// GETs `path` from the guard at `base_url` with a bearer token.
pub async fn get(base_url: &str, path: &str, token: &str) -> Reply {
    let response = reqwest::Client::new()
        .get(format!("{base_url}{path}"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("guard reachable");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after").and_then(|value| value.parse().ok());
    let challenge = header("www-authenticate");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        retry_after,
        challenge,
        body,
    }
}
