//! Cost of `TokenVerifier::verify` with cached keys against a bare
//! jsonwebtoken RS256 decode of the same token. Goal: within 1.2x.
//!
//! Run with:
//! `cargo bench -p session-guard --bench verify -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/token_support/mod.rs"]
mod token_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use session_guard::token::SigningAlgorithm;
use token_support::{AUDIENCE, Issuer, TestKey, okta_claims};

/// The claims a typical hand-written jsonwebtoken user would decode into.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded to measure the work, not read.
struct BareClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: u64,
    cid: String,
    uid: String,
    scp: Vec<String>,
    okta_sid: String,
}

fn verify(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");

    let key = TestKey::rsa("bench");
    let issuer = runtime.block_on(Issuer::with_keys(&[&key]));

    // Real time, since the bare decode checks `exp` against the system clock.
    let now = SystemTime::now();
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut claims = okta_claims(&issuer.issuer);
    claims["iat"] = now_secs.into();
    claims["exp"] = (now_secs + 86_400).into();
    let token = key.sign(SigningAlgorithm::Rs256, &claims);

    let jwk = key.jwk();
    let decoding_key = DecodingKey::from_rsa_components(
        jwk["n"].as_str().expect("RSA JWK has n"),
        jwk["e"].as_str().expect("RSA JWK has e"),
    )
    .expect("RSA components decode");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[&issuer.issuer]);

    let verifier = issuer.verifier();
    runtime
        .block_on(verifier.fetch_keys(now))
        .expect("the wiremock JWKS loads");

    let mut group = c.benchmark_group("rs256");
    group.measurement_time(Duration::from_secs(3));

    group.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<BareClaims>(&token, &decoding_key, &validation)
                .expect("bare decode succeeds")
        })
    });

    group.bench_function("token_verifier_cached_keys", |b| {
        b.to_async(&runtime).iter(|| async {
            verifier
                .verify(&token, now)
                .await
                .expect("verification succeeds")
        })
    });

    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
