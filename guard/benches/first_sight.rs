//! Cost of a first-sight decision (a token the guard has not seen) next to
//! the bare RS256 signature check of the same tokens, the floor of any
//! verifier. Goal: within 1.2 times the floor.
//!
//! Run with `cargo bench -p session-guard --bench first_sight`.
//!
//! Each measured batch runs on a guard with empty token caches whose JWKS
//! and session are already cached, so a decision pays for exactly what a
//! new token costs: parsing, signature, claims, deny list and caching.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use session_guard::{Guard, Policy};
use support::*;

/// Distinct tokens per batch; a fresh guard serves each batch.
const TOKENS: usize = 512;

fn first_sight(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime starts");

    let sid = session_id(1);
    let okta = runtime.block_on(async {
        let okta = FakeOkta::start().await;
        okta.session_alive(&sid, USER, "ACTIVE", in_an_hour()).await;
        okta
    });
    let tokens: Vec<String> = (0..TOKENS).map(|_| token_for(&okta, &sid)).collect();
    let warm = token_for(&okta, &sid);

    let key = signing_key();
    let n = URL_SAFE_NO_PAD.decode(&key.n).expect("n is base64url");
    let e = URL_SAFE_NO_PAD.decode(&key.e).expect("e is base64url");
    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("the test key parses");

    let mut group = c.benchmark_group("first_sight");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));

    group.bench_function("floor_rs256_parsed_key", |b| {
        let mut next = tokens.iter().cycle();
        b.iter(|| {
            let token = next.next().expect("cycle never ends");
            let (input, signature) = split_signature(token);
            black_box(parsed.verify_sig(input, &signature).is_ok())
        })
    });
    group.bench_function("floor_rs256_components", |b| {
        let mut next = tokens.iter().cycle();
        b.iter(|| {
            let token = next.next().expect("cycle never ends");
            let (input, signature) = split_signature(token);
            black_box(
                components
                    .verify(&RSA_PKCS1_2048_8192_SHA256, input, &signature)
                    .is_ok(),
            )
        })
    });

    for (name, policy) in [
        ("guard_token_only", Policy::TokenOnly),
        ("guard_live_session", Policy::LiveSession),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                let mut done = 0;
                while done < iterations {
                    let guard = runtime.block_on(warmed_guard(&okta, &warm, policy));
                    let batch = (iterations - done).min(TOKENS as u64) as usize;

                    let started = Instant::now();
                    for token in &tokens[..batch] {
                        let decision =
                            runtime.block_on(guard.authorize(token, policy, SystemTime::now()));
                        black_box(decision.is_ok());
                    }
                    elapsed += started.elapsed();
                    done += batch as u64;
                }
                elapsed
            })
        });
    }
    group.finish();
}

/// Builds a guard with its JWKS and the session verdict cached, but with
/// none of the measured tokens seen.
async fn warmed_guard(okta: &FakeOkta, warm: &str, policy: Policy) -> Guard {
    let guard = okta.guard(okta.builder());
    guard
        .authorize(warm, policy, SystemTime::now())
        .await
        .expect("the warm-up token is allowed");
    guard
}

/// Splits a compact JWS into its signing input and decoded signature.
fn split_signature(token: &str) -> (&[u8], Vec<u8>) {
    let (input, signature) = token.rsplit_once('.').expect("three segments");
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .expect("signature is base64url");
    (input.as_bytes(), signature)
}

criterion_group!(benches, first_sight);
criterion_main!(benches);
