//! Event hooks: verification, delivery of each event type, retries and the
//! delivery faults of the control API, against a real HTTP receiver.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use mock_okta::config::EventHookConfig;
use mock_okta::{Config, RunningMockOkta};
use serde_json::{Value, json};
use tokio::sync::mpsc;

const SECRET: &str = "test-event-hook-secret";

/// What the receiver does and what it saw.
#[derive(Clone)]
struct Receiver {
    /// Statuses for the next POSTs, in order; 200 once empty.
    statuses: Arc<Mutex<VecDeque<u16>>>,
    /// Whether GET echoes the challenge.
    echo: bool,
    posts: mpsc::UnboundedSender<(HeaderMap, Value)>,
}

async fn verify(State(receiver): State<Receiver>, headers: HeaderMap) -> (StatusCode, String) {
    let challenge = headers
        .get("x-okta-verification-challenge")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if receiver.echo {
        (
            StatusCode::OK,
            json!({ "verification": challenge }).to_string(),
        )
    } else {
        (
            StatusCode::OK,
            json!({ "verification": "wrong" }).to_string(),
        )
    }
}

async fn deliver(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> StatusCode {
    let status = receiver.statuses.lock().unwrap().pop_front().unwrap_or(200);
    let _ = receiver.posts.send((headers, body.0));
    StatusCode::from_u16(status).unwrap()
}

struct Harness {
    okta: RunningMockOkta,
    posts: mpsc::UnboundedReceiver<(HeaderMap, Value)>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    http: reqwest::Client,
}

async fn harness(events: &[&str], echo: bool) -> Harness {
    let (sender, posts) = mpsc::unbounded_channel();
    let statuses = Arc::new(Mutex::new(VecDeque::new()));
    let receiver = Receiver {
        statuses: statuses.clone(),
        echo,
        posts: sender,
    };
    let app = Router::new()
        .route("/hook", get(verify).post(deliver))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = Config::embedded_default();
    config.event_hooks.push(EventHookConfig {
        id: "who1test".to_owned(),
        name: "test receiver".to_owned(),
        url: format!("http://{address}/hook"),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        auth_header: "Authorization".to_owned(),
        auth_value: Some(SECRET.to_owned()),
        headers: [("X-Extra".to_owned(), "yes".to_owned())].into(),
        timeout_ms: 3000,
    });
    let okta = mock_okta::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Harness {
        okta,
        posts,
        statuses,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    /// Waits for the next delivery, failing the test after 10 s.
    async fn next_post(&mut self) -> (HeaderMap, Value) {
        tokio::time::timeout(Duration::from_secs(10), self.posts.recv())
            .await
            .expect("no delivery within 10 s")
            .expect("receiver closed")
    }

    fn demo_user(&self) -> mock_okta::config::UserConfig {
        self.okta.state.config.users[0].clone()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.okta.base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Waits until the delivery task has used up the fault `name`, so that
    /// the next event lands in a batch of its own.
    async fn wait_for_fault_used(&self, name: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let hooks = self
                .control(reqwest::Method::GET, "/mock/event-hooks", None)
                .await;
            if hooks[0]["faults"][name] == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "fault {name} never used"
            );
            tokio::task::yield_now().await;
        }
    }

    async fn deliveries(&self) -> Vec<Value> {
        let value = self
            .control(
                reqwest::Method::GET,
                "/mock/event-hooks/who1test/deliveries",
                None,
            )
            .await;
        value.as_array().unwrap().clone()
    }
}

fn event_types(body: &Value) -> Vec<String> {
    body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn delivery_has_okta_envelope_and_auth() {
    let mut h = harness(&["user.session.start"], true).await;
    let user = h.demo_user();
    let session = h.okta.state.create_session(&user, Some("127.0.0.1"));

    let (headers, body) = h.next_post().await;

    assert_eq!(headers["authorization"], SECRET);
    assert_eq!(headers["x-extra"], "yes");
    assert_eq!(body["eventType"], "com.okta.event_hook");
    assert_eq!(body["eventTypeVersion"], "1.0");
    assert_eq!(body["contentType"], "application/json");
    assert!(body["eventId"].is_string());
    assert!(body["eventTime"].as_str().unwrap().ends_with('Z'));
    let event = &body["data"]["events"][0];
    assert_eq!(event["eventType"], "user.session.start");
    assert_eq!(event["actor"]["id"], user.id);
    assert_eq!(
        event["authenticationContext"]["externalSessionId"],
        session.id
    );
    assert!(event["uuid"].is_string());
    assert!(event["published"].is_string());
}

#[tokio::test]
async fn verification_failure_keeps_hook_inactive() {
    let mut h = harness(&["user.session.start"], false).await;
    let user = h.demo_user();
    h.okta.state.create_session(&user, None);

    let hooks = h
        .control(reqwest::Method::GET, "/mock/event-hooks", None)
        .await;
    // Verification runs in the delivery task; poll its status.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut status = hooks[0]["status"].clone();
    while status != "INACTIVE" && tokio::time::Instant::now() < deadline {
        tokio::task::yield_now().await;
        status = h
            .control(reqwest::Method::GET, "/mock/event-hooks", None)
            .await[0]["status"]
            .clone();
    }
    assert_eq!(status, "INACTIVE");

    let response = h
        .http
        .post(format!(
            "{}/mock/event-hooks/who1test/verify",
            h.okta.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        h.posts.try_recv().is_err(),
        "an unverified hook received a delivery"
    );
}

#[tokio::test]
async fn each_user_wide_event_type_is_delivered() {
    let all = [
        "user.session.end",
        "user.session.clear",
        "user.lifecycle.suspend",
        "user.lifecycle.deactivate",
        "user.account.lock",
        "user.authentication.universal_logout",
    ];
    let mut h = harness(&all, true).await;
    let user = h.demo_user();
    let token = h.okta.state.config.api_tokens[0].token.clone();
    let session = h.okta.state.create_session(&user, None);

    h.okta
        .state
        .end_session(&session.id, mock_okta::sessions::SessionEnd::Logout);
    let (_, body) = h.next_post().await;
    assert_eq!(event_types(&body), ["user.session.end"]);
    assert_eq!(
        body["data"]["events"][0]["debugContext"]["debugData"]["EndedSessionId"],
        session.id
    );

    h.okta.state.create_session(&user, None);
    let response = h
        .http
        .delete(format!(
            "{}/api/v1/users/{}/sessions",
            h.okta.base_url, user.id
        ))
        .header("Authorization", format!("SSWS {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (_, body) = h.next_post().await;
    assert_eq!(event_types(&body), ["user.session.clear"]);
    assert_eq!(body["data"]["events"][0]["target"][0]["id"], user.id);

    let lifecycle = [
        (
            "/api/v1/users/{id}/lifecycle/suspend",
            "user.lifecycle.suspend",
        ),
        (
            "/api/v1/users/{id}/lifecycle/deactivate",
            "user.lifecycle.deactivate",
        ),
        ("/mock/users/{id}/lock", "user.account.lock"),
        (
            "/mock/users/{id}/universal-logout",
            "user.authentication.universal_logout",
        ),
    ];
    for (path, expected) in lifecycle {
        let live = h.okta.state.create_session(&user, None);
        let path = path.replace("{id}", &user.id);
        let response = h
            .http
            .post(format!("{}{path}", h.okta.base_url))
            .header("Authorization", format!("SSWS {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let (_, body) = h.next_post().await;
        assert_eq!(event_types(&body), [expected], "{path}");
        assert_eq!(body["data"]["events"][0]["target"][0]["id"], user.id);
        assert!(
            h.okta.state.live_session(&live.id).is_none(),
            "{path} left the session alive"
        );
    }
}

#[tokio::test]
async fn server_error_is_retried_once() {
    let mut h = harness(&["user.session.start"], true).await;
    h.statuses.lock().unwrap().extend([500, 200]);
    let user = h.demo_user();
    h.okta.state.create_session(&user, None);

    let (_, first) = h.next_post().await;
    let (_, second) = h.next_post().await;

    assert_eq!(first["eventId"], second["eventId"]);
    let deliveries = h.deliveries().await;
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0]["status"], 500);
    assert_eq!(deliveries[1]["status"], 200);
    assert_eq!(deliveries[1]["attempt"], 2);
}

#[tokio::test]
async fn client_error_is_not_retried() {
    let mut h = harness(&["user.session.start"], true).await;
    h.statuses.lock().unwrap().extend([400]);
    let user = h.demo_user();
    h.okta.state.create_session(&user, None);
    h.next_post().await;

    // A second event proves the first was not retried: the next POST the
    // receiver sees carries the new event, not a retry of the old batch.
    let second = h.okta.state.create_session(&user, None);
    let (_, body) = h.next_post().await;
    assert_eq!(
        body["data"]["events"][0]["authenticationContext"]["externalSessionId"],
        second.id
    );
    assert_eq!(h.deliveries().await.len(), 2);
}

#[tokio::test]
async fn drop_fault_skips_a_batch() {
    let mut h = harness(&["user.session.start"], true).await;
    h.control(
        reqwest::Method::PUT,
        "/mock/event-hooks/who1test/faults",
        Some(json!({ "drop": 1 })),
    )
    .await;
    let user = h.demo_user();
    h.okta.state.create_session(&user, None);
    h.wait_for_fault_used("drop").await;
    let kept = h.okta.state.create_session(&user, None);

    let (_, body) = h.next_post().await;
    assert_eq!(
        body["data"]["events"][0]["authenticationContext"]["externalSessionId"],
        kept.id
    );
}

#[tokio::test]
async fn duplicate_fault_delivers_twice() {
    let mut h = harness(&["user.session.start"], true).await;
    h.control(
        reqwest::Method::PUT,
        "/mock/event-hooks/who1test/faults",
        Some(json!({ "duplicate": 1 })),
    )
    .await;
    let user = h.demo_user();
    h.okta.state.create_session(&user, None);

    let (_, first) = h.next_post().await;
    let (_, second) = h.next_post().await;
    assert_eq!(
        first["data"]["events"][0]["uuid"],
        second["data"]["events"][0]["uuid"]
    );
}

#[tokio::test]
async fn reorder_fault_swaps_two_batches() {
    let mut h = harness(&["user.session.start", "user.session.end"], true).await;
    h.control(
        reqwest::Method::PUT,
        "/mock/event-hooks/who1test/faults",
        Some(json!({ "reorder": 1 })),
    )
    .await;
    let user = h.demo_user();
    let session = h.okta.state.create_session(&user, None);
    // Wait until the start batch is held before producing the end event, so
    // the two do not share one batch.
    h.wait_for_fault_used("reorder").await;
    h.okta
        .state
        .end_session(&session.id, mock_okta::sessions::SessionEnd::Logout);

    let (_, first) = h.next_post().await;
    let (_, second) = h.next_post().await;
    assert_eq!(event_types(&first), ["user.session.end"]);
    assert_eq!(event_types(&second), ["user.session.start"]);
}

#[tokio::test]
async fn natural_expiry_sends_nothing() {
    let mut h = harness(&["user.session.end"], true).await;
    let user = h.demo_user();
    let expiring = h.okta.state.create_session(&user, None);
    h.okta.state.clock.advance(Duration::from_secs(
        h.okta.state.config.sessions.idle_timeout_seconds + 1,
    ));
    assert!(h.okta.state.live_session(&expiring.id).is_none());

    let ended = h.okta.state.create_session(&user, None);
    h.okta
        .state
        .end_session(&ended.id, mock_okta::sessions::SessionEnd::Logout);
    let (_, body) = h.next_post().await;
    assert_eq!(
        body["data"]["events"][0]["debugContext"]["debugData"]["EndedSessionId"], ended.id,
        "the first user.session.end delivered must be the logout, not the expiry"
    );
}
