//! The service and the Okta emulator in one process, wired as a team
//! deploys them. The emulator's `default` authorization server calls the
//! service as its token inline hook. The service checks sessions with the
//! emulator's Sessions API, using the org's SSWS token. Browsers are
//! reqwest clients with a cookie store that do not follow redirects, so
//! each step of the sign-in is visible.

#![allow(dead_code)]

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_okta::RunningMockOkta;
use mock_okta::config::{InlineHookAuth, InlineHookConfig, RefreshHookSession};
use reqwest::{StatusCode, header};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

/// Demo SPA (public client with PKCE and refresh tokens).
pub const SPA: &str = "0oademospa0000000001";
pub const SPA_REDIRECT: &str = "http://127.0.0.1:9403/callback";
pub const SPA_LOGOUT_REDIRECT: &str = "http://127.0.0.1:9403/";
/// Demo service client (`client_credentials`).
pub const SERVICE: &str = "0oademosvc0000000001";
pub const SERVICE_SECRET: &str = "demo-service-client-secret";
pub const DEMO_ID: &str = "00udemo0000000000001";
pub const DEMO_LOGIN: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
pub const ALICE_LOGIN: &str = "alice@example.com";
pub const ALICE_PASSWORD: &str = "Alice-Passw0rd!";
pub const SCOPE: &str = "openid profile email offline_access demo.read";
/// Id of the token inline hook in the emulator.
pub const HOOK_ID: &str = "sessionhook01";
/// Header secret of the embedded defaults of both programs.
pub const HOOK_SECRET: &str = "demo-inline-hook-secret";
/// Audience of the bearer JWT in OAuth 2.0 hook authentication.
pub const HOOK_AUDIENCE: &str = "https://hooks.example.test/okta/token-inline-hook";

/// How the emulator authenticates its calls to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAuth {
    /// A shared secret in `Authorization`.
    Header,
    /// A bearer JWT of the service client, verified against the JWKS.
    Bearer,
}

/// A running emulator and service.
pub struct Stack {
    pub okta: RunningMockOkta,
    /// A back-channel client: no cookies, no redirects.
    pub http: reqwest::Client,
    hook: JoinHandle<std::io::Result<()>>,
    _store: tempfile::TempDir,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.hook.abort();
    }
}

/// A signed-in browser and the token response of its code exchange.
pub struct Login {
    pub browser: reqwest::Client,
    pub tokens: Value,
}

impl Login {
    pub fn access_token(&self) -> &str {
        self.tokens["access_token"].as_str().expect("access_token")
    }

    pub fn id_token(&self) -> &str {
        self.tokens["id_token"].as_str().expect("id_token")
    }

    pub fn refresh_token(&self) -> &str {
        self.tokens["refresh_token"]
            .as_str()
            .expect("refresh_token")
    }
}

impl Stack {
    /// Starts both with header authentication and `mode` as the emulator's
    /// session block on refresh grants.
    pub async fn start(mode: RefreshHookSession) -> Stack {
        Stack::start_with(mode, HookAuth::Header).await
    }

    /// Starts both with `auth` as the way the emulator authenticates its
    /// calls; in bearer mode the service verifies against the emulator's JWKS.
    pub async fn start_with(mode: RefreshHookSession, auth: HookAuth) -> Stack {
        // The emulator's configuration names the service's URL and the
        // service's names the emulator's, so the service's port is bound
        // first. `session_hook::start` binds its own port, so the service
        // runs as its public router and state on this listener instead.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the service");
        let hook_address = listener.local_addr().expect("service address");

        let mut config = mock_okta::Config::embedded_default();
        config.inline_hooks.push(InlineHookConfig {
            id: HOOK_ID.to_owned(),
            name: "Session-linked tokens".to_owned(),
            url: format!("http://{hook_address}/okta/token-inline-hook"),
            auth: match auth {
                HookAuth::Header => InlineHookAuth::Header {
                    key: "Authorization".to_owned(),
                    value: HOOK_SECRET.to_owned(),
                },
                HookAuth::Bearer => InlineHookAuth::Oauth {
                    authorization_server: "default".to_owned(),
                    client_id: SERVICE.to_owned(),
                    audience: HOOK_AUDIENCE.to_owned(),
                    scope: vec!["okta.inlinehooks.execute".to_owned()],
                },
            },
            timeout_ms: 3000,
        });
        let server = &mut config.authorization_servers[0];
        server.token_inline_hook = Some(HOOK_ID.to_owned());
        server.refresh_hook_session = mode;
        let okta = mock_okta::start(config, "127.0.0.1:0".parse().expect("address"))
            .await
            .expect("emulator starts");

        let store = tempfile::tempdir().expect("temp dir");
        let hook_config = session_hook::Config::from_toml(&service_toml(&okta, &store, auth))
            .expect("service configuration is valid");
        let state = session_hook::AppState::build(&hook_config).expect("service state");
        let app = session_hook::router(Arc::new(state));
        let hook = tokio::spawn(async move { axum::serve(listener, app).await });

        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Stack {
            okta,
            http,
            hook,
            _store: store,
        }
    }

    /// Returns `{org}/oauth2/default{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.okta.issuer("default"))
    }

    /// Signs `login` in through the emulator's form with PKCE and exchanges
    /// the code, asserting each step.
    pub async fn login(&self, login: &str, password: &str) -> Login {
        let browser = browser();
        let verifier = URL_SAFE_NO_PAD.encode(random_bytes());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let mut authorize = url::Url::parse(&self.url("/v1/authorize")).expect("URL");
        authorize.query_pairs_mut().extend_pairs([
            ("client_id", SPA),
            ("redirect_uri", SPA_REDIRECT),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("state", "state-e2e"),
            ("nonce", "nonce-e2e"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]);

        let form = browser.get(authorize).send().await.expect("authorize");
        assert_eq!(form.status(), StatusCode::OK, "sign-in form status");
        let html = form.text().await.expect("form body");
        let action = attribute_after(&html, "action=\"").expect("form action");
        let request_id =
            attribute_after(&html, "name=\"request_id\" value=\"").expect("hidden request_id");
        let signed_in = browser
            .post(action)
            .form(&[
                ("request_id", request_id.as_str()),
                ("username", login),
                ("password", password),
            ])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(signed_in.status(), StatusCode::FOUND, "sign-in status");
        let location = signed_in.headers()[header::LOCATION]
            .to_str()
            .expect("Location");
        let redirect = url::Url::parse(location).expect("redirect URL");
        let code = redirect
            .query_pairs()
            .find(|(name, _)| name == "code")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no code in {location}"));

        let response = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("code", &code),
                ("redirect_uri", SPA_REDIRECT),
                ("code_verifier", &verifier),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::OK, "code exchange status");
        let tokens = response.json().await.expect("token response");
        Login { browser, tokens }
    }

    /// POSTs a form to `/v1/token`.
    pub async fn token(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/v1/token"))
            .form(form)
            .send()
            .await
            .expect("token endpoint reachable")
    }

    /// Refreshes as the SPA.
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Logs the browser out with its ID token, as the SPA does.
    pub async fn logout(&self, login: &Login) {
        let response = login
            .browser
            .get(self.url("/v1/logout"))
            .query(&[
                ("id_token_hint", login.id_token()),
                ("post_logout_redirect_uri", SPA_LOGOUT_REDIRECT),
            ])
            .send()
            .await
            .expect("logout");
        assert_eq!(response.status(), StatusCode::FOUND, "logout status");
    }

    /// Returns the live sessions as the control API lists them, each as
    /// (session id, login).
    pub async fn live_sessions(&self) -> Vec<(String, String)> {
        let sessions: Value = self
            .http
            .get(format!("{}/mock/sessions", self.okta.base_url))
            .send()
            .await
            .expect("control API reachable")
            .json()
            .await
            .expect("session list");
        sessions
            .as_array()
            .expect("array of sessions")
            .iter()
            .map(|session| {
                (
                    session["id"].as_str().expect("id").to_owned(),
                    session["login"].as_str().expect("login").to_owned(),
                )
            })
            .collect()
    }

    /// Returns the id of the only live session of `login`.
    pub async fn session_of(&self, login: &str) -> String {
        let ids: Vec<String> = self
            .live_sessions()
            .await
            .into_iter()
            .filter(|(_, owner)| owner == login)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids.len(), 1, "live sessions of {login}: {ids:?}");
        ids[0].clone()
    }

    /// Returns the request body of the emulator's last call to the service.
    pub async fn last_hook_request(&self) -> Value {
        self.last_hook_call().await["request"].clone()
    }

    /// Returns the emulator's record of its last call to the service: the
    /// request sent and the outcome.
    pub async fn last_hook_call(&self) -> Value {
        let calls: Value = self
            .http
            .get(format!(
                "{}/mock/inline-hooks/{HOOK_ID}/calls",
                self.okta.base_url
            ))
            .send()
            .await
            .expect("control API reachable")
            .json()
            .await
            .expect("call list");
        calls
            .as_array()
            .and_then(|calls| calls.last())
            .expect("the emulator called the service")
            .clone()
    }
}

/// The service's configuration: a free port, the emulator as the Okta org
/// with its SSWS token, a temporary store, and the hook authentication.
fn service_toml(okta: &RunningMockOkta, store: &tempfile::TempDir, auth: HookAuth) -> String {
    let api_token = &okta.state.config.api_tokens[0].token;
    let store_path = store.path().join("session-hook.redb");
    let mut toml = format!(
        "listen = \"127.0.0.1:0\"\n\
         [okta]\norg_url = \"{}\"\napi_token = \"{api_token}\"\n\
         [store]\npath = \"{}\"\n",
        okta.base_url,
        store_path.display(),
    );
    if auth == HookAuth::Bearer {
        toml.push_str(&format!(
            "[inline_hook]\nauth = \"bearer\"\n\
             [inline_hook.bearer]\nissuer = \"{}\"\naudience = \"{HOOK_AUDIENCE}\"\nclient_id = \"{SERVICE}\"\n",
            okta.issuer("default"),
        ));
    }
    toml
}

/// Returns a browser-like client: a cookie store, no redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("system random source");
    bytes
}

/// Returns the quoted HTML attribute value that follows `marker`.
fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let length = html[start..].find('"')?;
    Some(html[start..start + length].replace("&amp;", "&"))
}

/// Returns the claims of a JWT, without verifying it.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Returns the `okta_sid` claim of an access token in `tokens`.
pub fn session_claim(tokens: &Value) -> Option<String> {
    let access_token = tokens["access_token"].as_str().expect("access_token");
    claims(access_token)["okta_sid"].as_str().map(str::to_owned)
}
