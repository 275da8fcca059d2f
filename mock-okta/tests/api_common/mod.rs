//! Shared harness of the Management API and control API tests: an emulator
//! on a free loopback port, an HTTP client, and a checker of JSON bodies
//! against the field tables in `tests/fixtures/`.

#![allow(dead_code)]

use std::path::PathBuf;

use mock_okta::state::Session;
use mock_okta::{Config, RunningMockOkta};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// The embedded default's SSWS API token.
pub const TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
pub const DEMO_USER_ID: &str = "00udemo0000000000001";
pub const ALICE_USER_ID: &str = "00ualice000000000002";

pub struct Okta {
    pub running: RunningMockOkta,
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
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Okta { running, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url)
    }

    /// Sends a Management API request with the demo API token.
    pub async fn api(&self, method: Method, path: &str) -> Response {
        self.http
            .request(method, self.url(path))
            .header("Authorization", format!("SSWS {TOKEN}"))
            .send()
            .await
            .expect("request completes")
    }

    pub async fn api_get(&self, path: &str) -> Response {
        self.api(Method::GET, path).await
    }

    /// Sends a control API request, with `body` as JSON if given.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request completes")
    }

    /// Creates a session for the demo user directly in the state.
    pub fn demo_session(&self) -> Session {
        self.session_for(DEMO_USER_ID)
    }

    pub fn session_for(&self, user_id: &str) -> Session {
        let state = &self.running.state;
        let user = state.user_by_id(user_id).expect("configured user").clone();
        state.create_session(&user, None)
    }

    /// Advances the emulator clock by `seconds` through the control API.
    pub async fn advance(&self, seconds: u64) {
        let response = self
            .control(
                Method::POST,
                "/mock/clock/advance",
                Some(json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// Moves the emulator clock to the first second of its next minute, so
    /// that a test has a whole rate-limit window of wall time ahead of it.
    pub async fn align_to_window_start(&self) {
        let now = self.running.state.clock.now_epoch_seconds();
        let into_window = now.rem_euclid(60) as u64;
        self.advance(60 - into_window).await;
    }
}

/// Reads a body as JSON.
pub async fn json(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts that `body` is Okta's error object with `code`.
pub fn assert_okta_error(body: &Value, code: &str) {
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorLink"], code, "{body}");
    assert!(body["errorSummary"].is_string(), "{body}");
    assert!(body["errorId"].is_string(), "{body}");
    assert!(body["errorCauses"].is_array(), "{body}");
}

/// Loads `tests/fixtures/{name}`.
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// Checks `value` against a fixture node and returns every mismatch as
/// "path: problem".
///
/// A node has `type` (a JSON type name or a list of them), and optionally
/// `format` (`date-time`: Okta's UTC timestamp), `enum`, `items` (arrays),
/// `properties` and `required` (objects) and `additionalProperties`
/// (objects whose keys are free, such as `debugData`). `{"$ref": name}`
/// stands for the root's `definitions.name`.
pub fn schema_mismatches(value: &Value, schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(value, schema, schema, "$", &mut problems);
    problems
}

fn check(value: &Value, node: &Value, root: &Value, path: &str, problems: &mut Vec<String>) {
    let node = match node["$ref"].as_str() {
        Some(name) => &root["definitions"][name],
        None => node,
    };
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

    if let (Some(allowed), false) = (node["enum"].as_array(), value.is_null())
        && !allowed.contains(value)
    {
        problems.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if node["format"] == "date-time"
        && let Some(text) = value.as_str()
        && !is_okta_timestamp(text)
    {
        problems.push(format!("{path}: {text:?} is not an Okta UTC timestamp"));
    }

    match value {
        Value::Array(items) => {
            if let Some(item_node) = node.get("items") {
                for (index, item) in items.iter().enumerate() {
                    check(item, item_node, root, &format!("{path}[{index}]"), problems);
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
                        check(field, field_node, root, &format!("{path}.{name}"), problems);
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

/// Okta's timestamps: RFC 3339 in UTC with milliseconds, for example
/// `2019-08-24T14:15:22.000Z`.
fn is_okta_timestamp(text: &str) -> bool {
    text.len() == 24 && text.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}
