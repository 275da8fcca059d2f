//! Criterion benchmark of the token hook handler, called through the axum
//! router in process (no sockets), on a redb store in a temp directory.
//!
//! Run with `cargo bench -p session-hook --bench token_hook`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use session_hook::{AppState, Config};
use tower::ServiceExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(file).expect("fixture exists"))
        .expect("fixture is JSON")
}

fn request(body: Vec<u8>) -> Request<Body> {
    Request::post("/okta/token-inline-hook")
        .header("Authorization", "demo-inline-hook-secret")
        .header("Content-Type", "application/json")
        .body(Body::from(body))
        .expect("static request parts are valid")
}

fn bench_token_hook(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");

    let okta = runtime.block_on(async {
        let okta = MockServer::start().await;
        let session = serde_json::json!({
            "id": "102SessA1b2C3d4E5f6G7h8I9", "userId": "00udemo0000000000001", "status": "ACTIVE"
        });
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(session))
            .mount(&okta)
            .await;
        okta
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let toml = format!(
        "[okta]\norg_url = \"{}\"\n[store]\npath = \"{}\"\n",
        okta.uri(),
        dir.path().join("bench.redb").display()
    );
    let config = Config::from_toml(&toml).expect("bench configuration is valid");
    let state =
        runtime.block_on(async { Arc::new(AppState::build(&config).expect("state builds")) });
    let router = session_hook::router(state);

    let mut no_refresh = fixture("token_hook_authorization_code.json");
    no_refresh["data"]
        .as_object_mut()
        .expect("data is an object")
        .remove("refresh_token");
    let no_refresh = serde_json::to_vec(&no_refresh).expect("serializable");
    let client_credentials =
        serde_json::to_vec(&fixture("token_hook_client_credentials.json")).expect("serializable");
    let sign_in = serde_json::to_string(&fixture("token_hook_authorization_code.json"))
        .expect("serializable");
    let counter = AtomicU64::new(0);

    let mut group = c.benchmark_group("token_hook");

    group.bench_function("authorization_code_no_refresh_token", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = router.clone().oneshot(request(no_refresh.clone())).await;
            black_box(response.expect("infallible router"))
        });
    });

    group.bench_function("client_credentials", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = router
                .clone()
                .oneshot(request(client_credentials.clone()))
                .await;
            black_box(response.expect("infallible router"))
        });
    });

    // Each call links a new refresh token (batched durability: the link is
    // queued, and the response does not wait for the commit).
    group.bench_function("authorization_code_links_refresh_token", |b| {
        b.to_async(&runtime).iter(|| async {
            let jti = format!("rtBench{}", counter.fetch_add(1, Ordering::Relaxed));
            let body = sign_in.replace("rtDemoInitial0000001", &jti).into_bytes();
            let response = router.clone().oneshot(request(body)).await;
            black_box(response.expect("infallible router"))
        });
    });

    // Same, with every link fsynced before the response.
    let immediate_toml = format!(
        "[okta]\norg_url = \"{}\"\n[store]\npath = \"{}\"\ndurability = \"immediate\"\n",
        okta.uri(),
        dir.path().join("bench-immediate.redb").display()
    );
    let immediate_config =
        Config::from_toml(&immediate_toml).expect("bench configuration is valid");
    let immediate_state = runtime
        .block_on(async { Arc::new(AppState::build(&immediate_config).expect("state builds")) });
    let immediate_router = session_hook::router(immediate_state);
    group.bench_function("authorization_code_links_refresh_token_fsync", |b| {
        b.to_async(&runtime).iter(|| async {
            let jti = format!("rtBench{}", counter.fetch_add(1, Ordering::Relaxed));
            let body = sign_in.replace("rtDemoInitial0000001", &jti).into_bytes();
            let response = immediate_router.clone().oneshot(request(body)).await;
            black_box(response.expect("infallible router"))
        });
    });

    // Sessions API call to a loopback wiremock server plus a link renewal.
    let link = runtime.block_on(
        router
            .clone()
            .oneshot(request(sign_in.clone().into_bytes())),
    );
    drop(link);
    let refresh = serde_json::to_vec(&fixture("token_hook_refresh.json")).expect("serializable");
    group.bench_function("refresh_token_checks_session", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = router.clone().oneshot(request(refresh.clone())).await;
            black_box(response.expect("infallible router"))
        });
    });

    group.finish();
}

criterion_group!(benches, bench_token_hook);
criterion_main!(benches);
