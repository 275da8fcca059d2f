//! Cost of one guard decision for a repeated token with a cached verdict:
//! the fast path (SHA-256 of the token, one decision-cache lookup, no JWT
//! parsing, no signature check, no Okta call).
//!
//! Run with `cargo bench -p session-guard --bench decision`. The figure
//! per iteration is the time of one decision on one core; its inverse is
//! decisions per second.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::SystemTime;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::FutureExt;
use session_guard::session::SessionFootprint;
use session_guard::{Policy, SessionId};
use support::*;

fn decision(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime starts");

    let sid = session_id(1);
    let (okta, guard, token) = runtime.block_on(async {
        let okta = FakeOkta::start().await;
        okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
        let guard = okta.guard(okta.builder());
        let token = token_for(&okta, &sid);
        guard
            .authorize(&token, Policy::LiveSession, SystemTime::now())
            .await
            .expect("warm-up decision allows");
        (okta, guard, token)
    });
    let now = SystemTime::now();

    let footprint = SessionFootprint::measure(&SessionId::parse(&sid).expect("valid id"), USER);
    eprintln!(
        "cached session state: {} bytes in the table + {} on the heap = {} bytes",
        footprint.inline,
        footprint.heap,
        footprint.total()
    );
    eprintln!("token length: {} bytes", token.len());
    eprintln!(
        "authorize future: {} bytes",
        std::mem::size_of_val(&guard.authorize(&token, Policy::LiveSession, now))
    );

    let mut group = c.benchmark_group("decision");
    group.throughput(Throughput::Elements(1));
    group.bench_function("cached_live_session", |b| {
        b.iter(|| {
            // The fast path never awaits, so the future is ready at once.
            let decision = guard
                .authorize(black_box(&token), Policy::LiveSession, now)
                .now_or_never()
                .expect("cached decision completes without awaiting");
            black_box(decision.is_ok())
        })
    });
    group.bench_function("cached_token_only", |b| {
        b.iter(|| {
            let decision = guard
                .authorize(black_box(&token), Policy::TokenOnly, now)
                .now_or_never()
                .expect("cached decision completes without awaiting");
            black_box(decision.is_ok())
        })
    });
    group.finish();

    let calls = runtime.block_on(okta.session_calls());
    eprintln!("Sessions API calls during the benchmark: {calls}");
    drop(okta);
}

criterion_group!(benches, decision);
criterion_main!(benches);
