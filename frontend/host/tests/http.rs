//! spa-host over HTTP: a real listener on an ephemeral port, a temporary
//! build directory, and reqwest as the client.

use std::path::Path;

use spa_host::cli::Args;
use spa_host::{HostError, Site};

const INDEX: &str = "<!doctype html><title>demo</title>";

/// A running host and the directory it serves.
struct Host {
    base: String,
    _dist: tempfile::TempDir,
}

fn write_build(dir: &Path) {
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("app.js"), "export default function init() {}").unwrap();
    // The WebAssembly magic number and version: enough for a content check.
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("style.css"), "body {}").unwrap();
}

fn site(dist: &Path) -> Site {
    let args = <Args as clap::Parser>::try_parse_from(["spa-host"]).unwrap();
    Site {
        dist: dist.to_owned(),
        config: args.spa_config(),
    }
}

async fn start() -> Host {
    let dist = tempfile::tempdir().unwrap();
    write_build(dist.path());
    let router = spa_host::router(&site(dist.path())).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Host {
        base: format!("http://{address}"),
        _dist: dist,
    }
}

async fn get(host: &Host, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", host.base)).await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn config_json_defaults() {
    let host = start().await;
    let response = get(&host, "/config.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(header(&response, "cache-control"), "no-store");

    let config: serde_json::Value = response.json().await.unwrap();
    assert_eq!(config["issuer"], "http://127.0.0.1:9400/oauth2/default");
    assert_eq!(config["client_id"], "0oademospa0000000001");
    assert_eq!(config["redirect_uri"], "http://127.0.0.1:9403/callback");
    assert_eq!(config["post_logout_redirect_uri"], "http://127.0.0.1:9403/");
    assert_eq!(config["api_base_url"], "http://127.0.0.1:9402");
    assert_eq!(config["session_claim"], "okta_sid");
    assert_eq!(
        config["scopes"],
        serde_json::json!([
            "openid",
            "profile",
            "email",
            "offline_access",
            "demo.read",
            "demo.write"
        ])
    );
}

#[tokio::test]
async fn root_serves_index() {
    let host = start().await;
    let response = get(&host, "/").await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/html"));
    assert_eq!(response.text().await.unwrap(), INDEX);
}

#[tokio::test]
async fn callback_falls_back_to_index() {
    let host = start().await;
    let response = get(&host, "/callback?code=abc&state=xyz").await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/html"));
    assert_eq!(response.text().await.unwrap(), INDEX);
}

#[tokio::test]
async fn wasm_content_type() {
    let host = start().await;
    let response = get(&host, "/app_bg.wasm").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/wasm");
}

#[tokio::test]
async fn javascript_content_type() {
    let host = start().await;
    let response = get(&host, "/app.js").await;
    assert!(header(&response, "content-type").contains("javascript"));
}

#[tokio::test]
async fn missing_asset_not_found() {
    let host = start().await;
    let response = get(&host, "/missing.js").await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn post_to_app_route_not_allowed() {
    let host = start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/callback", host.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn csp_allows_issuer_and_api() {
    let host = start().await;
    let response = get(&host, "/").await;
    let policy = header(&response, "content-security-policy");
    assert!(
        policy.contains("connect-src 'self' http://127.0.0.1:9400 http://127.0.0.1:9402;"),
        "{policy}"
    );
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{policy}"
    );
}

#[tokio::test]
async fn hardening_headers() {
    let host = start().await;
    let response = get(&host, "/callback").await;
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "x-frame-options"), "DENY");
}

#[tokio::test]
async fn healthz_ok() {
    let host = start().await;
    let response = get(&host, "/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[test]
fn missing_index_rejected() {
    let dist = tempfile::tempdir().unwrap();
    let error = spa_host::router(&site(dist.path())).unwrap_err();
    assert!(matches!(error, HostError::MissingIndex(_)));
    assert!(error.to_string().contains("frontend/build.sh"), "{error}");
}

#[test]
fn invalid_config_rejected() {
    let dist = tempfile::tempdir().unwrap();
    write_build(dist.path());
    let mut site = site(dist.path());
    site.config.issuer = "not a url".to_owned();
    let error = spa_host::router(&site).unwrap_err();
    assert!(matches!(error, HostError::Config(_)));
}
