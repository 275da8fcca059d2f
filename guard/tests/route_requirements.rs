//! Per-route requirements over real HTTP: route scopes on the layer, the
//! rejection constructor, the count of requests without a token, and the
//! single log line of each rejection.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{Value, json};
use session_guard::{Policy, Reason};
use support::*;

/// Claims of a token for `session` carrying `scopes`.
fn token_with_scopes(okta: &FakeOkta, session: &str, scopes: &[&str]) -> String {
    let mut claims = claims(&okta.issuer(), Some(session), SystemTime::now());
    claims["scp"] = json!(scopes);
    mint(&claims)
}

#[tokio::test]
async fn route_scope_missing_is_403() {
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    let response = get(address, "/write", Some(&token_for(&okta, &sid))).await;

    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "www-authenticate"),
        Some(
            r#"Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope demo.write that this route requires; request it when signing in", scope="demo.write""#
        )
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["reason"], "insufficient_scope");
    // The scope is checked before the session, so Okta was not asked.
    assert_eq!(okta.session_calls().await, 0);
}

#[tokio::test]
async fn route_scope_present_allows() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;
    let token = token_with_scopes(&okta, &sid, &["openid", "demo.write"]);

    let response = get(address, "/write", Some(&token)).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn route_scope_applies_to_cached_decision() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;
    let token = token_for(&okta, &sid);

    let plain = get(address, "/session", Some(&token)).await;
    let scoped = get(address, "/write", Some(&token)).await;

    assert_eq!(plain.status(), 200);
    assert_eq!(scoped.status(), 403);
    assert_eq!(guard.metrics().decisions(Reason::InsufficientScope), 1);
}

#[tokio::test]
async fn authorize_for_checks_route_scopes() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let token = token_for(&okta, &session_id(4));
    let read = Policy::TokenOnly.with_scopes(["demo.read"]);
    let write = Policy::TokenOnly.with_scopes(["demo.read", "demo.write"]);

    let allowed = guard.authorize_for(&token, &read, SystemTime::now()).await;
    let rejected = guard.authorize_for(&token, &write, SystemTime::now()).await;

    assert!(allowed.is_ok());
    let rejection = rejected.expect_err("demo.write is missing");
    assert_eq!(rejection.reason(), Reason::InsufficientScope);
    assert_eq!(rejection.scope(), Some("demo.read demo.write"));
}

#[tokio::test]
async fn configured_scope_named_in_challenge() {
    let okta = FakeOkta::start().await;
    let mut settings = okta.token_settings();
    settings.required_scopes = vec!["demo.admin".to_owned()];
    let guard = okta.guard(okta.builder().token(settings));
    let address = serve(app(&guard)).await;

    let response = get(address, "/token", Some(&token_for(&okta, &session_id(5)))).await;

    assert_eq!(response.status(), 403);
    assert!(
        header(&response, "www-authenticate")
            .is_some_and(|value| value.ends_with(r#"scope="demo.admin""#))
    );
}

#[tokio::test]
async fn rejection_constructor_uses_guard_style() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder().realm("demo"));

    let rejection = guard
        .rejection(Reason::InsufficientScope, "needs demo.admin")
        .with_scope("demo.admin");

    assert_eq!(rejection.status(), 403);
    assert_eq!(
        rejection.www_authenticate().expect("403 has a challenge"),
        r#"Bearer realm="demo", error="insufficient_scope", error_description="needs demo.admin", scope="demo.admin""#
    );
}

#[tokio::test]
async fn missing_token_is_counted() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    get(address, "/session", None).await;
    get(address, "/extract/token", None).await;

    assert_eq!(guard.metrics().decisions(Reason::MissingToken), 2);
}

#[tokio::test]
async fn malformed_header_is_counted() {
    let okta = FakeOkta::start().await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;

    let response = reqwest::Client::new()
        .get(format!("http://{address}/token"))
        .header("Authorization", "Bearer a")
        .header("Authorization", "Bearer b")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
    assert_eq!(guard.metrics().decisions(Reason::MalformedToken), 1);
}

/// Log lines written by the subscriber, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Waits until at least `count` rejection lines were written, for up to
    /// 5 s, then returns all of them. The server task may log after the
    /// client has read the response.
    async fn wait_for_rejections(&self, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let lines = self.rejections();
            if lines.len() >= count || tokio::time::Instant::now() >= deadline {
                return lines;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Returns the JSON lines whose message starts with "request rejected".
    fn rejections(&self) -> Vec<Value> {
        let text = self
            .0
            .lock()
            .map(|buffer| String::from_utf8_lossy(&buffer).into_owned())
            .unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| {
                line["fields"]["message"]
                    .as_str()
                    .is_some_and(|message| message.starts_with("request rejected"))
            })
            .collect()
    }
}

/// Sends this thread's log lines, as JSON, to the returned buffer until
/// the guard is dropped. The default runtime of `tokio::test` runs every
/// task on the test's thread, so the server's lines are captured too.
fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn rejection_logged_once_with_route() {
    let (captured, _logs) = capture_logs();
    let okta = FakeOkta::start().await;
    let sid = session_id(6);
    okta.session_gone(&sid).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;
    let token = token_for(&okta, &sid);

    get(address, "/session", Some(&token)).await;
    get(address, "/session", Some(&token)).await;
    get(address, "/extract/session", None).await;

    let lines = captured.wait_for_rejections(3).await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["fields"]["route"], "/session");
    assert_eq!(lines[0]["fields"]["reason"], "session_ended");
    // The second request hit the decision cache and is logged all the same.
    assert_eq!(lines[1]["fields"]["reason"], "session_ended");
    assert_eq!(lines[2]["fields"]["route"], "/extract/session");
    assert_eq!(lines[2]["fields"]["reason"], "missing_token");
}

#[tokio::test]
async fn rejection_log_hides_token() {
    let (captured, _logs) = capture_logs();
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_gone(&sid).await;
    let guard = okta.guard(okta.builder());
    let address = serve(app(&guard)).await;
    let token = token_for(&okta, &sid);

    get(address, "/session", Some(&token)).await;

    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let fingerprint: String = digest.as_ref()[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let lines = captured.wait_for_rejections(1).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["fields"]["token"], fingerprint.as_str());
    assert!(!format!("{lines:?}").contains(&token));
}
