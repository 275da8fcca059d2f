//! Start-up: configuration errors, the binary's readiness line, and the
//! internal deadline.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use async_trait::async_trait;
use common::{Harness, error_summary, fixture};
use serde_json::Value;
use session_hook::store::{RefreshLink, RefreshStore, RevocationStore, SessionRef, StoreError};
use session_hook::{AppState, Config, ConfigError};

fn invalid(toml: &str) -> String {
    match Config::from_toml(toml) {
        Ok(_) => panic!("accepted: {toml}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn reserved_claim_sid_is_rejected() {
    let message = invalid("[claims]\nname = \"sid\"\n");

    assert!(message.contains("claims.name"), "{message}");
    assert!(message.contains("\"sid\""), "{message}");
    assert!(message.contains("fix: set claims.name"), "{message}");
}

#[test]
fn every_reserved_claim_is_rejected() {
    for name in session_hook::config::RESERVED_CLAIMS {
        let result = Config::from_toml(&format!("[claims]\nname = \"{name}\"\n"));
        assert!(
            matches!(
                result,
                Err(ConfigError::Invalid {
                    key: "claims.name",
                    ..
                })
            ),
            "{name} accepted"
        );
    }
}

#[test]
fn config_errors_name_key() {
    let cases = [
        ("listen = \"localhost\"\n", "`listen`"),
        ("deadline_ms = 3000\n", "`deadline_ms`"),
        ("[okta]\ntimeout_ms = 2500\n", "`okta.timeout_ms`"),
        (
            "[okta]\norg_url = \"ftp://example.com\"\n",
            "`okta.org_url`",
        ),
        ("[okta]\napi_token = \"\"\n", "`okta.api_token`"),
        (
            "[inline_hook]\nheader_secret = \"short\"\n",
            "`inline_hook.header_secret`",
        ),
        (
            "[inline_hook]\nheader_name = \"bad header\"\n",
            "`inline_hook.header_name`",
        ),
        (
            "[inline_hook]\nauth = \"bearer\"\n[inline_hook.bearer]\nissuer = \"https://example.okta.com/oauth2/default\"\n",
            "`inline_hook.bearer.audience`",
        ),
        (
            "[claims]\nsession_grants = [\"refresh_token\"]\n",
            "`claims.session_grants`",
        ),
        ("[refresh]\nttl_seconds = 5\n", "`refresh.ttl_seconds`"),
        (
            "[event_hooks]\nsecret = \"short\"\n",
            "`event_hooks.secret`",
        ),
    ];
    for (toml, key) in cases {
        let message = invalid(toml);
        assert!(message.contains(key), "{key}: {message}");
        assert!(message.contains("fix:"), "{key}: {message}");
    }
}

#[test]
fn secrets_not_in_config_errors() {
    let message = invalid("[inline_hook]\nheader_secret = \"short\"\n");

    assert!(!message.contains("short\""), "{message}");
}

#[test]
fn unknown_key_is_rejected() {
    let message = invalid("[claims]\nnmae = \"okta_sid\"\n");

    assert!(message.contains("nmae"), "{message}");
}

#[test]
fn missing_config_file_is_error() {
    let result = Config::load(Some(std::path::Path::new("/nonexistent/session-hook.toml")));

    assert!(matches!(result, Err(ConfigError::FileUnreadable { .. })));
}

#[test]
fn defaults_match_demo_constants() {
    let config = Config::from_toml("").unwrap();

    assert_eq!(config.listen, "127.0.0.1:9401");
    assert_eq!(config.okta.org_url, "http://127.0.0.1:9400");
    assert_eq!(config.okta.api_token.expose(), common::API_TOKEN);
    assert_eq!(
        config.inline_hook.header_secret.expose(),
        common::HOOK_SECRET
    );
    assert_eq!(config.claims.name, "okta_sid");
    assert_eq!(config.deadline_ms, 2000);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_session-hook"))
}

/// Kills the child on drop so a failed assertion leaves no process behind.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_rejects_reserved_claim_from_env() {
    let output = binary()
        .env("SESSION_HOOK_CLAIMS__NAME", "sid")
        .output()
        .expect("binary runs");

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`claims.name` = \"sid\""),
        "stderr: {stderr}"
    );
}

#[test]
fn binary_reads_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hook.toml");
    std::fs::write(&file, "[claims]\nname = \"iat\"\n").unwrap();

    let output = binary()
        .arg("--config")
        .arg(&file)
        .arg("--check")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"iat\""), "stderr: {stderr}");
}

#[test]
fn binary_logs_listening_url() {
    let dir = tempfile::tempdir().unwrap();
    let child = binary()
        .env("SESSION_HOOK_LISTEN", "127.0.0.1:0")
        .env("SESSION_HOOK_STORE__PATH", dir.path().join("hook.redb"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let stdout = child.0.stdout.take().unwrap();

    // Reading blocks until the line or the end of output: no timing.
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("session-hook listening on http://127.0.0.1:"));

    assert!(line.is_some(), "no readiness line");
}

/// A store whose every call takes longer than any deadline.
struct StalledStore;

#[async_trait]
impl RefreshStore for StalledStore {
    async fn link(&self, _: Vec<String>, _: RefreshLink) -> Result<(), StoreError> {
        std::future::pending().await
    }
    async fn lookup(&self, _: &str, _: i64) -> Result<Option<RefreshLink>, StoreError> {
        std::future::pending().await
    }
    async fn purge_expired_links(&self, _: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[async_trait]
impl RevocationStore for StalledStore {
    async fn end_session(&self, _: &str, _: i64, _: i64) -> Result<(), StoreError> {
        std::future::pending().await
    }
    async fn end_user_sessions(&self, _: &str, _: i64, _: i64) -> Result<(), StoreError> {
        std::future::pending().await
    }
    async fn is_ended(&self, _: SessionRef<'_>, _: i64) -> Result<bool, StoreError> {
        std::future::pending().await
    }
    async fn event_seen(&self, _: &str, _: i64) -> Result<bool, StoreError> {
        std::future::pending().await
    }
    async fn remember_event(&self, _: &str, _: i64) -> Result<(), StoreError> {
        std::future::pending().await
    }
    async fn purge_expired_revocations(&self, _: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[tokio::test]
async fn deadline_denies_refresh() {
    let harness = Harness::start("deadline_ms = 200\n[okta]\ntimeout_ms = 100\n").await;
    let config = harness.config();
    let store = Arc::new(StalledStore);
    let state = AppState::with_stores(&config, store.clone(), store).unwrap();
    let service = session_hook::start_with_state(&config, Arc::new(state))
        .await
        .unwrap();

    let response = harness
        .http
        .post(format!("{}/okta/token-inline-hook", service.url()))
        .header("Authorization", common::HOOK_SECRET)
        .json(&fixture("token_hook_refresh.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let summary = error_summary(&body).unwrap_or_default();
    assert!(summary.contains("in time"), "summary: {summary}");
}
