//! Shared harness of the authorization server tests: an emulator on a free
//! loopback port, browser-like and back-channel HTTP clients, the sign-in
//! flow, and a checker of JSON values against `tests/fixtures/oauth/`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_okta::{Config, RunningMockOkta};
use rand::Rng;
use rand::distr::Alphanumeric;
use reqwest::{Response, StatusCode, header};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

pub const SERVER: &str = "default";
pub const SPA: &str = "0oademospa0000000001";
pub const SPA_REDIRECT: &str = "http://127.0.0.1:9403/callback";
pub const SPA_LOGOUT_REDIRECT: &str = "http://127.0.0.1:9403/";
pub const SERVICE: &str = "0oademosvc0000000001";
pub const SERVICE_SECRET: &str = "demo-service-client-secret";
pub const DEMO_ID: &str = "00udemo0000000000001";
pub const DEMO_LOGIN: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
pub const TRUSTED_ORIGIN: &str = "http://127.0.0.1:9403";
pub const FULL_SCOPE: &str = "openid profile email offline_access demo.read";

pub struct Okta {
    pub running: RunningMockOkta,
    /// A back-channel client: no cookies, no redirects.
    pub http: reqwest::Client,
}

impl Okta {
    /// Starts the embedded demo org on a free port.
    pub async fn start() -> Okta {
        Okta::start_with(Config::embedded_default()).await
    }

    pub async fn start_with(config: Config) -> Okta {
        let running = mock_okta::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("emulator starts");
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Okta { running, http }
    }

    /// Returns `{org}/oauth2/default{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/oauth2/{SERVER}{path}", self.running.base_url)
    }

    pub fn issuer(&self) -> String {
        self.running.issuer(SERVER)
    }

    /// Returns a browser-like client: a cookie store, no redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Moves the emulator's clock forward.
    pub fn advance(&self, seconds: u64) {
        self.running
            .state
            .clock
            .advance(Duration::from_secs(seconds));
    }

    /// POSTs a form to `{server}{path}`.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request completes")
    }

    /// POSTs a form to `/v1/token`.
    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.post_form("/v1/token", form).await
    }

    /// POSTs a form to `{path}` as the service client (Basic auth).
    pub async fn post_as_service(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .basic_auth(SERVICE, Some(SERVICE_SECRET))
            .form(form)
            .send()
            .await
            .expect("request completes")
    }

    /// Introspects `token` as the service client and returns the body.
    pub async fn introspect(&self, token: &str) -> Value {
        let response = self
            .post_as_service("/v1/introspect", &[("token", token)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        json(response).await
    }

    /// Signs the demo user in through the form and exchanges the code.
    pub async fn login(&self) -> Login {
        self.login_with(FULL_SCOPE).await
    }

    pub async fn login_with(&self, scope: &str) -> Login {
        let browser = self.browser();
        let pkce = Pkce::new();
        let authorize = AuthorizeUrl::new(self).scope(scope).pkce(&pkce).build();
        let code = sign_in(&browser, &authorize, DEMO_LOGIN, DEMO_PASSWORD)
            .await
            .code();
        let response = self.exchange(&code, &pkce.verifier).await;
        assert_eq!(response.status(), StatusCode::OK);
        let tokens = json(response).await;
        Login {
            browser,
            tokens,
            code,
        }
    }

    /// Exchanges a code from the SPA's default redirect URI.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Response {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", code),
            ("redirect_uri", SPA_REDIRECT),
            ("code_verifier", verifier),
        ])
        .await
    }

    /// Refreshes as the SPA.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Returns the ids of every stored session.
    pub fn session_ids(&self) -> Vec<String> {
        self.running
            .state
            .store()
            .sessions
            .keys()
            .cloned()
            .collect()
    }
}

/// A signed-in browser and the token response of its code exchange.
pub struct Login {
    pub browser: reqwest::Client,
    pub tokens: Value,
    pub code: String,
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

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(64)
            .map(char::from)
            .collect();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// Builds an authorize URL for the SPA with sensible defaults.
pub struct AuthorizeUrl {
    base: String,
    params: Vec<(String, String)>,
}

impl AuthorizeUrl {
    pub fn new(okta: &Okta) -> AuthorizeUrl {
        AuthorizeUrl {
            base: okta.url("/v1/authorize"),
            params: vec![
                ("client_id".into(), SPA.into()),
                ("redirect_uri".into(), SPA_REDIRECT.into()),
                ("response_type".into(), "code".into()),
                ("scope".into(), FULL_SCOPE.into()),
                ("state".into(), "state-123".into()),
                ("nonce".into(), "nonce-456".into()),
            ],
        }
    }

    /// Sets (or, with `None`, removes) a parameter.
    pub fn set(mut self, name: &str, value: Option<&str>) -> AuthorizeUrl {
        self.params.retain(|(n, _)| n != name);
        if let Some(value) = value {
            self.params.push((name.into(), value.into()));
        }
        self
    }

    pub fn scope(self, scope: &str) -> AuthorizeUrl {
        self.set("scope", Some(scope))
    }

    pub fn pkce(self, pkce: &Pkce) -> AuthorizeUrl {
        self.set("code_challenge", Some(&pkce.challenge))
            .set("code_challenge_method", Some("S256"))
    }

    pub fn build(&self) -> String {
        let mut url = Url::parse(&self.base).unwrap();
        url.query_pairs_mut().extend_pairs(&self.params);
        url.into()
    }
}

/// Opens `authorize_url` in `browser`, which must show the sign-in form,
/// and submits `username` and `password`.
pub async fn sign_in(
    browser: &reqwest::Client,
    authorize_url: &str,
    username: &str,
    password: &str,
) -> Response {
    let form = browser.get(authorize_url).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK, "sign-in form expected");
    let html = form.text().await.unwrap();
    submit_sign_in(browser, &html, username, password).await
}

/// Submits the sign-in form in `html`.
pub async fn submit_sign_in(
    browser: &reqwest::Client,
    html: &str,
    username: &str,
    password: &str,
) -> Response {
    let action = form_action(html).expect("form action");
    let request_id = input_value(html, "request_id").expect("hidden request_id");
    browser
        .post(action)
        .form(&[
            ("request_id", request_id.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Returns the `value` of the input named `name` in `html`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// Returns the first form's `action`.
pub fn form_action(html: &str) -> Option<String> {
    let marker = "action=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The parameters of a redirect's `Location` (query, or fragment if set).
pub trait RedirectExt {
    fn location(&self) -> Url;
    fn redirect_params(&self) -> HashMap<String, String>;
    fn code(&self) -> String;
}

impl RedirectExt for Response {
    fn location(&self) -> Url {
        assert_eq!(self.status(), StatusCode::FOUND, "redirect expected");
        let location = self.headers()[header::LOCATION].to_str().unwrap();
        Url::parse(location).unwrap()
    }

    fn redirect_params(&self) -> HashMap<String, String> {
        let location = self.location();
        match location.fragment() {
            Some(fragment) => url::form_urlencoded::parse(fragment.as_bytes())
                .into_owned()
                .collect(),
            None => location.query_pairs().into_owned().collect(),
        }
    }

    fn code(&self) -> String {
        let params = self.redirect_params();
        params
            .get("code")
            .unwrap_or_else(|| panic!("no code in redirect: {params:?}"))
            .clone()
    }
}

/// Reads a body as JSON.
pub async fn json(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts an OAuth error body with `error`, and returns it.
pub async fn oauth_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(response.status(), status);
    let body = json(response).await;
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    body
}

/// Decodes a JWT's header and claims without verifying it.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = || {
        let bytes = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let header = part();
    let claims = part();
    (header, claims)
}

/// Returns a JWT's claims.
pub fn claims(token: &str) -> Value {
    decode_jwt(token).1
}

/// Loads `tests/fixtures/oauth/{name}`.
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oauth")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// Checks `value` against a fixture node and returns every mismatch as
/// "path: problem".
///
/// A node has `type` (a JSON type name or a list of them) and optionally
/// `enum`, `const`, `items` (arrays), `properties` and `required` (objects)
/// and `additionalProperties: true` (objects that may carry other fields).
pub fn schema_mismatches(value: &Value, schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(value, schema, "$", &mut problems);
    problems
}

fn check(value: &Value, node: &Value, path: &str, problems: &mut Vec<String>) {
    let types: Vec<&str> = match &node["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        other => panic!("fixture node at {path} has no type: {other}"),
    };
    let actual = json_type(value);
    if !types.contains(&actual) {
        problems.push(format!(
            "{path}: expected {types:?}, found {actual} ({value})"
        ));
        return;
    }
    if let Some(allowed) = node["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let Some(expected) = node.get("const")
        && expected != value
    {
        problems.push(format!("{path}: expected {expected}, found {value}"));
    }

    match value {
        Value::Array(items) => {
            if let Some(item_node) = node.get("items") {
                for (index, item) in items.iter().enumerate() {
                    check(item, item_node, &format!("{path}[{index}]"), problems);
                }
            }
        }
        Value::Object(fields) => {
            let properties = node["properties"].as_object();
            for required in node["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    problems.push(format!("{path}: missing required field {name}"));
                }
            }
            for (name, field) in fields {
                match properties.and_then(|p| p.get(name)) {
                    Some(field_node) => {
                        check(field, field_node, &format!("{path}.{name}"), problems)
                    }
                    None if node["additionalProperties"] == true => {}
                    None => problems.push(format!("{path}: field {name} is not in the spec")),
                }
            }
        }
        _ => {}
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
