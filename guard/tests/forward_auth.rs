//! The forward-auth endpoint: Envoy ext_authz (HTTP) contract, Traefik and
//! Caddy header conventions with plain requests, and nginx `auth_request`
//! through a real nginx.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use session_guard::Guard;
use support::*;
use wiremock::ResponseTemplate;

async fn started(okta: &FakeOkta) -> (Guard, SocketAddr) {
    let guard = okta.guard(okta.builder());
    let address = serve(guard.forward_auth_router()).await;
    (guard, address)
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn envoy_allowed_request_gets_identity_headers() {
    // Envoy's HTTP ext_authz appends the original path to its path_prefix
    // and keeps the original method.
    let okta = FakeOkta::start().await;
    let sid = session_id(1);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = started(&okta).await;
    let token = token_for(&okta, &sid);

    let response = client()
        .post(format!(
            "http://{address}/forward-auth/session/api/orders/17?expand=items"
        ))
        .bearer_auth(&token)
        .header("x-envoy-internal", "true")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "x-auth-subject"),
        Some("demo@example.com")
    );
    assert_eq!(header(&response, "x-auth-user-id"), Some(USER));
    assert_eq!(header(&response, "x-auth-client-id"), Some(CLIENT));
    assert_eq!(header(&response, "x-auth-scopes"), Some("openid demo.read"));
    assert_eq!(header(&response, "x-auth-policy"), Some("session"));
    assert_eq!(header(&response, "x-auth-session-status"), Some("ACTIVE"));
    assert_eq!(
        header(&response, "x-auth-session-ref").map(str::len),
        Some(16)
    );
}

#[tokio::test]
async fn allowed_response_leaks_neither_token_nor_session_id() {
    let okta = FakeOkta::start().await;
    let sid = session_id(2);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = started(&okta).await;
    let token = token_for(&okta, &sid);

    let response = client()
        .get(format!("http://{address}/forward-auth/session"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("reachable");

    let leaked = response.headers().iter().any(|(_, value)| {
        let value = value.to_str().unwrap_or("");
        value.contains(&token) || value.contains(&sid)
    });
    assert_eq!(response.status(), 200);
    assert!(!leaked);
}

#[tokio::test]
async fn envoy_denied_request_gets_status_challenge_and_body() {
    let okta = FakeOkta::start().await;
    let sid = session_id(3);
    okta.session_gone(&sid).await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .delete(format!(
            "http://{address}/forward-auth/session/api/orders/17"
        ))
        .bearer_auth(token_for(&okta, &sid))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
    assert!(
        header(&response, "www-authenticate")
            .is_some_and(|value| value.contains(r#"error="invalid_token""#))
    );
    assert_eq!(
        header(&response, "content-type"),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["reason"], "session_ended");
}

#[tokio::test]
async fn envoy_client_query_cannot_downgrade_policy() {
    let okta = FakeOkta::start().await;
    let sid = session_id(4);
    okta.session_gone(&sid).await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!(
            "http://{address}/forward-auth/session/api?policy=token"
        ))
        .bearer_auth(token_for(&okta, &sid))
        .header("X-Auth-Policy", "token")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn envoy_outage_gives_503_with_retry_after() {
    let okta = FakeOkta::start().await;
    let sid = session_id(5);
    okta.session_response(&sid, ResponseTemplate::new(503))
        .await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth/session/api"))
        .bearer_auth(token_for(&okta, &sid))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 503);
    assert_eq!(header(&response, "retry-after"), Some("5"));
}

#[tokio::test]
async fn traefik_forward_auth_uses_path_policy() {
    // Traefik calls the fixed address with GET and describes the original
    // request in X-Forwarded-* headers.
    let okta = FakeOkta::start().await;
    let sid = session_id(6);
    okta.session_gone(&sid).await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth/token"))
        .bearer_auth(token_for(&okta, &sid))
        .header("X-Forwarded-Method", "DELETE")
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "api.example.com")
        .header("X-Forwarded-Uri", "/api/orders/17")
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-auth-policy"), Some("token"));
    assert!(header(&response, "x-auth-session-ref").is_none());
}

#[tokio::test]
async fn caddy_forward_auth_requires_session_by_default() {
    // Caddy's forward_auth sends GET to the configured uri with
    // X-Forwarded-Method and X-Forwarded-Uri.
    let okta = FakeOkta::start().await;
    let sid = session_id(7);
    okta.session_gone(&sid).await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth"))
        .bearer_auth(token_for(&okta, &sid))
        .header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/api/profile")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn nginx_style_original_uri_is_accepted() {
    let okta = FakeOkta::start().await;
    let sid = session_id(8);
    okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth/session"))
        .bearer_auth(token_for(&okta, &sid))
        .header("X-Original-URI", "/api/profile?tab=2")
        .header("X-Original-Method", "PUT")
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unknown_policy_is_404() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth/none"))
        .bearer_auth(token_for(&okta, &session_id(9)))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn missing_token_is_401_with_bare_challenge() {
    let okta = FakeOkta::start().await;
    let (_guard, address) = started(&okta).await;

    let response = client()
        .get(format!("http://{address}/forward-auth/session"))
        .send()
        .await
        .expect("reachable");

    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate"),
        Some(r#"Bearer realm="api""#)
    );
}

/// nginx started as a child process; killed when dropped.
struct Nginx {
    child: Child,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const NGINX: &str = "/usr/sbin/nginx";

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback bind");
    listener.local_addr().expect("bound address").port()
}

/// Writes the proxy configuration a deployment would use: `auth_request`
/// to the guard, identity headers copied (overwriting any the client sent),
/// and the guard's 503 kept as 503 with `Retry-After` (nginx turns every
/// `auth_request` status other than 2xx, 401 and 403 into 500).
fn nginx_config(dir: &Path, listen: u16, guard: SocketAddr, backend: SocketAddr) -> String {
    let dir = dir.display();
    format!(
        r#"
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    server {{
        listen 127.0.0.1:{listen};

        location = /_guard {{
            internal;
            proxy_pass http://{guard}/forward-auth/session;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Method $request_method;
        }}

        location @guard_unavailable {{
            add_header Retry-After 5 always;
            return 503;
        }}

        location /api/ {{
            auth_request /_guard;
            auth_request_set $auth_subject $upstream_http_x_auth_subject;
            auth_request_set $auth_user $upstream_http_x_auth_user_id;
            auth_request_set $auth_session $upstream_http_x_auth_session_ref;
            proxy_set_header X-Auth-Subject $auth_subject;
            proxy_set_header X-Auth-User-Id $auth_user;
            proxy_set_header X-Auth-Session-Ref $auth_session;
            error_page 500 = @guard_unavailable;
            proxy_pass http://{backend};
        }}
    }}
}}
"#
    )
}

async fn start_nginx(dir: &Path, listen: u16, config: &str) -> Nginx {
    assert!(
        Path::new(NGINX).exists(),
        "{NGINX} not found; install Debian's nginx package (apt-get install -y nginx)"
    );
    let config_path = dir.join("nginx.conf");
    std::fs::write(&config_path, config).expect("config written");
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&config_path)
        .arg("-g")
        // One process, no master: killing the child then stops nginx
        // entirely. With a master, SIGKILL would orphan its workers, which
        // keep the port open after the test.
        .arg("daemon off; master_process off; user root;")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts");
    let nginx = Nginx { child };

    // Wait (bounded) until nginx accepts connections.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", listen))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {listen}; see {}",
            dir.join("error.log").display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    nginx
}

/// Echoes the identity headers it received and whether a bearer token came along.
fn backend() -> axum::Router {
    async fn echo(headers: axum::http::HeaderMap) -> axum::Json<Value> {
        let read = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        axum::Json(json!({
            "subject": read("x-auth-subject"),
            "user": read("x-auth-user-id"),
            "session_ref": read("x-auth-session-ref"),
        }))
    }
    axum::Router::new().fallback(echo)
}

#[tokio::test]
async fn nginx_auth_request_end_to_end() {
    let okta = FakeOkta::start().await;
    let alive = session_id(10);
    let ended = session_id(11);
    let failing = session_id(12);
    okta.session_alive(&alive, USER, "ACTIVE", in_an_hour())
        .await;
    okta.session_gone(&ended).await;
    okta.session_response(&failing, ResponseTemplate::new(500))
        .await;
    let (_guard, guard_address) = started(&okta).await;
    let backend_address = serve(backend()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let listen = free_port();
    let _nginx = start_nginx(
        dir.path(),
        listen,
        &nginx_config(dir.path(), listen, guard_address, backend_address),
    )
    .await;
    let url = format!("http://127.0.0.1:{listen}/api/profile");

    // Allowed: the backend receives the identity headers, not the client's forgery.
    let allowed = client()
        .get(&url)
        .bearer_auth(token_for(&okta, &alive))
        .header("X-Auth-Subject", "forged@example.com")
        .send()
        .await
        .expect("nginx reachable");
    assert_eq!(allowed.status(), 200);
    let echoed: Value = allowed.json().await.expect("backend JSON");
    assert_eq!(echoed["subject"], "demo@example.com");
    assert_eq!(echoed["user"], USER);
    assert_eq!(echoed["session_ref"].as_str().map(str::len), Some(16));

    // Ended session: nginx passes the 401 and the guard's challenge through.
    let refused = client()
        .get(&url)
        .bearer_auth(token_for(&okta, &ended))
        .send()
        .await
        .expect("nginx reachable");
    assert_eq!(refused.status(), 401);
    assert!(
        header(&refused, "www-authenticate")
            .is_some_and(|value| value.contains(r#"error="invalid_token""#))
    );

    // No token: 401 with the bare challenge.
    let anonymous = client().get(&url).send().await.expect("nginx reachable");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        header(&anonymous, "www-authenticate"),
        Some(r#"Bearer realm="api""#)
    );

    // Okta failing: 503 with Retry-After, never 401.
    let unavailable = client()
        .get(&url)
        .bearer_auth(token_for(&okta, &failing))
        .send()
        .await
        .expect("nginx reachable");
    assert_eq!(unavailable.status(), 503);
    assert_eq!(header(&unavailable, "retry-after"), Some("5"));
}
