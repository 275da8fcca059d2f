//! Token decisions on one core: the guard (first sight and cached), the
//! bare RS256 signature check (the floor) and a hand-written jsonwebtoken
//! decode, all over the same tokens.
//!
//! Runs in a child process that the harness starts under `taskset -c 1`,
//! on a current-thread runtime, so every figure is the work of one core.
//! The guard talks to the harness's emulator only while warming up
//! (JWKS, one Sessions API call per session), never in a timed loop.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, anyhow, bail};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use session_guard::{Guard, GuardConfig, OktaAuthConfig, Policy, Secret, TokenSettings};

use crate::org::{AUDIENCE, SSWS_TOKEN, TokenFile};

/// Decisions per second of one scenario in one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    pub scenario: String,
    pub decisions: u64,
    pub seconds: f64,
    pub per_second: f64,
}

impl Throughput {
    fn new(scenario: &str, decisions: u64, seconds: f64) -> Throughput {
        Throughput {
            scenario: scenario.to_owned(),
            decisions,
            seconds,
            per_second: decisions as f64 / seconds,
        }
    }
}

/// The claims a hand-written jsonwebtoken user decodes into.
#[derive(Deserialize)]
#[allow(dead_code)] // Decoded to measure the work, not read.
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

/// Measures every scenario, each for at least `min_time`, and returns
/// the figures in a fixed order.
pub fn measure(
    tokens_path: &Path,
    jwks_path: &Path,
    min_time: Duration,
) -> anyhow::Result<Vec<Throughput>> {
    let file = TokenFile::read(tokens_path)?;
    let jwks: Value = serde_json::from_str(
        &std::fs::read_to_string(jwks_path)
            .with_context(|| format!("reading {}", jwks_path.display()))?,
    )
    .context("parsing the JWKS")?;
    let (n, e) = signing_key_components(&jwks)?;
    if file.tokens.is_empty() {
        bail!(
            "{} contains no tokens; run the harness (`bench run`), which writes it",
            tokens_path.display()
        );
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building a current-thread runtime")?;

    let mut results = vec![
        floor_signature(&file.tokens, &n, &e, min_time)?,
        signature_key_per_call(&file.tokens, &n, &e, min_time)?,
        jsonwebtoken_decode(&file, &n, &e, min_time)?,
    ];
    for policy in [Policy::TokenOnly, Policy::LiveSession] {
        let (first, cached) = runtime.block_on(guard_decisions(&file, policy, min_time))?;
        results.push(first);
        results.push(cached);
    }
    Ok(results)
}

/// Returns the base64url `n` and `e` of the JWKS's only key.
fn signing_key_components(jwks: &Value) -> anyhow::Result<(String, String)> {
    let keys = jwks["keys"]
        .as_array()
        .ok_or_else(|| anyhow!("the JWKS has no keys array"))?;
    // The emulator publishes the active and the next key; the tokens are
    // signed by the first (active) one.
    let key = keys.first().ok_or_else(|| anyhow!("the JWKS is empty"))?;
    let n = key["n"]
        .as_str()
        .ok_or_else(|| anyhow!("the JWK has no n"))?;
    let e = key["e"]
        .as_str()
        .ok_or_else(|| anyhow!("the JWK has no e"))?;
    Ok((n.to_owned(), e.to_owned()))
}

/// Measures the floor: base64url-decode the signature and check it over
/// the signing input with a key parsed once (as the guard keeps it). No
/// header or claims parsing.
fn floor_signature(
    tokens: &[String],
    n: &str,
    e: &str,
    min_time: Duration,
) -> anyhow::Result<Throughput> {
    let n = URL_SAFE_NO_PAD.decode(n).context("decoding n")?;
    let e = URL_SAFE_NO_PAD.decode(e).context("decoding e")?;
    let key = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .context("parsing the JWKS key")?;
    let check = |token: &str| {
        with_signature(token, |input, signature| {
            key.verify_sig(input, signature).is_ok()
        })
    };
    bare_signature_passes("floor_rs256_signature", tokens, min_time, check)
}

/// Measures the same check with the key built from `n` and `e` on every
/// call, which is what jsonwebtoken's `DecodingKey` does.
fn signature_key_per_call(
    tokens: &[String],
    n: &str,
    e: &str,
    min_time: Duration,
) -> anyhow::Result<Throughput> {
    let key = RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD.decode(n).context("decoding n")?,
        e: URL_SAFE_NO_PAD.decode(e).context("decoding e")?,
    };
    let check = |token: &str| {
        with_signature(token, |input, signature| {
            key.verify(&RSA_PKCS1_2048_8192_SHA256, input, signature)
                .is_ok()
        })
    };
    bare_signature_passes("rs256_signature_key_per_call", tokens, min_time, check)
}

/// Splits `token` into signing input and decoded signature for `check`;
/// `false` when the token is malformed.
fn with_signature(token: &str, check: impl FnOnce(&[u8], &[u8]) -> bool) -> bool {
    let Some((input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let mut buffer = [0u8; 512];
    let Ok(length) = URL_SAFE_NO_PAD.decode_slice(signature, &mut buffer) else {
        return false;
    };
    check(input.as_bytes(), &buffer[..length])
}

fn bare_signature_passes(
    scenario: &str,
    tokens: &[String],
    min_time: Duration,
    check: impl Fn(&str) -> bool,
) -> anyhow::Result<Throughput> {
    if !tokens.iter().all(|token| check(token)) {
        bail!("a token failed the bare signature check; the JWKS does not match the tokens");
    }
    Ok(timed_passes(scenario, tokens, min_time, |token| {
        black_box(check(token))
    }))
}

/// Measures a hand-written verification with jsonwebtoken 12: signature,
/// `exp`, `iss`, `aud`, and the claims decoded into a struct.
fn jsonwebtoken_decode(
    file: &TokenFile,
    n: &str,
    e: &str,
    min_time: Duration,
) -> anyhow::Result<Throughput> {
    let key = DecodingKey::from_rsa_components(n, e).context("building the RSA decoding key")?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[&file.issuer]);
    let check = |token: &str| jsonwebtoken::decode::<BareClaims>(token, &key, &validation).is_ok();
    if !file.tokens.iter().all(|token| check(token)) {
        bail!("a token failed jsonwebtoken::decode; check the issuer and audience");
    }
    Ok(timed_passes(
        "jsonwebtoken_decode",
        &file.tokens,
        min_time,
        |token| black_box(check(token)),
    ))
}

/// Calls `check` on every token, pass after pass, until `min_time` has
/// passed and at least one whole pass is done.
fn timed_passes(
    scenario: &str,
    tokens: &[String],
    min_time: Duration,
    mut check: impl FnMut(&str) -> bool,
) -> Throughput {
    let started = Instant::now();
    let mut decisions = 0u64;
    while decisions == 0 || started.elapsed() < min_time {
        for token in tokens {
            check(token);
        }
        decisions += tokens.len() as u64;
    }
    Throughput::new(scenario, decisions, started.elapsed().as_secs_f64())
}

/// First sight and cached decisions of the guard under `policy`.
///
/// First sight: a fresh guard per pass (empty caches, keys fetched and,
/// for live sessions, every session already checked with one warm token),
/// then each measured token once. Cached: the same tokens again on the
/// last pass's guard, whose decision cache now holds every verdict.
async fn guard_decisions(
    file: &TokenFile,
    policy: Policy,
    min_time: Duration,
) -> anyhow::Result<(Throughput, Throughput)> {
    let label = match policy {
        Policy::TokenOnly => "token_only",
        Policy::LiveSession => "live_session",
    };

    let mut first_decisions = 0u64;
    let mut first_time = Duration::ZERO;
    let mut guard = None;
    while first_decisions == 0 || first_time < min_time {
        let fresh = warmed_guard(file, policy).await?;
        let started = Instant::now();
        for token in &file.tokens {
            decide(&fresh, token, policy).await?;
        }
        first_time += started.elapsed();
        first_decisions += file.tokens.len() as u64;
        guard = Some(fresh);
    }
    let guard = guard.ok_or_else(|| anyhow!("no first-sight pass ran"))?;

    let started = Instant::now();
    let mut cached_decisions = 0u64;
    while cached_decisions == 0 || started.elapsed() < min_time {
        for token in &file.tokens {
            decide(&guard, token, policy).await?;
        }
        cached_decisions += file.tokens.len() as u64;
    }
    let cached_time = started.elapsed();

    Ok((
        Throughput::new(
            &format!("guard_first_sight_{label}"),
            first_decisions,
            first_time.as_secs_f64(),
        ),
        Throughput::new(
            &format!("guard_cached_{label}"),
            cached_decisions,
            cached_time.as_secs_f64(),
        ),
    ))
}

async fn decide(guard: &Guard, token: &str, policy: Policy) -> anyhow::Result<()> {
    match guard
        .authorize(black_box(token), policy, SystemTime::now())
        .await
    {
        Ok(authorized) => {
            black_box(authorized);
            Ok(())
        }
        Err(rejection) => Err(anyhow!(
            "the guard rejected a benchmark token: {} ({})",
            rejection.reason().code(),
            rejection.detail()
        )),
    }
}

/// Builds a guard with empty caches whose JWKS is loaded and, under
/// `LiveSession`, whose session cache holds every session of the file.
async fn warmed_guard(file: &TokenFile, policy: Policy) -> anyhow::Result<Guard> {
    let org_url = file.org_url.parse().context("parsing the org URL")?;
    let capacity = (file.tokens.len() + file.warm.len()) * 2;
    let config = GuardConfig::builder(
        org_url,
        OktaAuthConfig::ApiToken {
            token: Secret::new(SSWS_TOKEN),
        },
    )
    .token(TokenSettings {
        issuer: file.issuer.clone(),
        audiences: vec![AUDIENCE.to_owned()],
        required_scopes: Vec::new(),
        allowed_clients: None,
        leeway_secs: None,
        jwks_url: Some(file.jwks_uri.clone()),
    })
    // The session verdicts must outlive the whole measurement.
    .verdict_ttl(Duration::from_secs(300))
    .cache_capacity(capacity, capacity)
    .build()
    .context("building the guard configuration")?;
    let guard = Guard::new(config, reqwest::Client::new()).context("building the guard")?;

    // Warm tokens are never measured; one per session fills the session
    // cache and, on the first call, the JWKS cache.
    let warm: &[String] = match policy {
        Policy::TokenOnly => &file.warm[..1.min(file.warm.len())],
        Policy::LiveSession => &file.warm,
    };
    for token in warm {
        decide(&guard, token, policy).await?;
    }
    Ok(guard)
}
