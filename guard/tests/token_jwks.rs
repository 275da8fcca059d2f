//! Key retrieval and caching: discovery or explicit JWKS URL, TTL from
//! `Cache-Control` within bounds, the coalesced and rate-limited refetch
//! for an unknown `kid`, and stale keys during an outage.
//!
//! Time moves by passing a later `now`; the wiremock server counts requests.

mod token_support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use session_guard::Reason;
use session_guard::token::{JwksError, SigningAlgorithm, TokenError, TokenVerifierConfig};
use token_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const RS256: SigningAlgorithm = SigningAlgorithm::Rs256;

fn reason<T>(result: Result<T, TokenError>) -> Reason {
    match result {
        Ok(_) => Reason::Allowed,
        Err(error) => error.reason(),
    }
}

/// Returns a config whose JWKS TTL is `[60 s, 1 h]` and refetch interval 30 s, so
/// tests can step over each bound.
fn bounded(issuer: &Issuer) -> TokenVerifierConfig {
    issuer
        .config()
        .jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(3600))
        .refetch_min_interval(Duration::from_secs(30))
}

fn jwks_source(error: &TokenError) -> &JwksError {
    match error {
        TokenError::JwksUnavailable { source } => source,
        other => panic!("expected JwksUnavailable, got {other}"),
    }
}

#[tokio::test]
async fn discovery_finds_jwks_uri() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = issuer.verifier();

    let result = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::Allowed);
    assert_eq!(
        issuer
            .requests_to("/oauth2/default/.well-known/oauth-authorization-server")
            .await,
        1
    );
    assert_eq!(issuer.jwks_requests().await, 1);
    assert_eq!(verifier.jwks_stats().discovery_requests, 1);
}

#[tokio::test]
async fn openid_configuration_fallback() {
    // Only the OpenID Connect name is served: the first well-known URL returns 404.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth2/default/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issuer.metadata()))
        .mount(&issuer.server)
        .await;
    issuer.mount_jwks(jwks(&[&key]), None).await;

    let result = issuer
        .verifier()
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::Allowed);
    assert_eq!(
        issuer
            .requests_to("/oauth2/default/.well-known/openid-configuration")
            .await,
        1
    );
}

#[tokio::test]
async fn explicit_jwks_url_skips_discovery() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_jwks(jwks(&[&key]), None).await;
    let verifier = verifier(issuer.config().jwks_url(issuer.jwks_url()));

    let result = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::Allowed);
    assert_eq!(verifier.jwks_stats().discovery_requests, 0);
    assert_eq!(issuer.jwks_requests().await, 1);
}

#[tokio::test]
async fn discovery_issuer_mismatch_rejected() {
    // A metadata document for another issuer must not supply keys.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    let mut metadata = issuer.metadata();
    metadata["issuer"] = json!(format!("{}/oauth2/other", issuer.server.uri()));
    Mock::given(method("GET"))
        .and(path(
            "/oauth2/default/.well-known/oauth-authorization-server",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(metadata))
        .mount(&issuer.server)
        .await;
    issuer.mount_jwks(jwks(&[&key]), None).await;

    let error = issuer
        .verifier()
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(
            jwks_source(&error),
            JwksError::DiscoveryIssuerMismatch { .. }
        ),
        "{error}"
    );
    assert_eq!(issuer.jwks_requests().await, 0);
}

#[tokio::test]
async fn discovery_insecure_jwks_uri_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    let mut metadata = issuer.metadata();
    metadata["jwks_uri"] = json!("http://keys.example.com/oauth2/default/v1/keys");
    Mock::given(method("GET"))
        .and(path(
            "/oauth2/default/.well-known/oauth-authorization-server",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(metadata))
        .mount(&issuer.server)
        .await;

    let error = issuer
        .verifier()
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(jwks_source(&error), JwksError::InvalidJwksUri { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn keys_cached_between_verifications() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = issuer.verifier();
    let token = key.sign(RS256, &issuer.claims());

    for offset in 0..3 {
        let result = verifier.verify(&token, at(NOW_SECS + offset)).await;
        assert_eq!(reason(result), Reason::Allowed);
    }

    assert_eq!(issuer.jwks_requests().await, 1);
    let stats = verifier.jwks_stats();
    assert_eq!(stats.jwks_requests, 1);
    assert_eq!(stats.cache_hits, 2);
    assert_eq!(stats.cached_keys, 1);
}

#[tokio::test]
async fn max_age_within_bounds_honoured() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer.mount_jwks(jwks(&[&key]), Some("max-age=600")).await;
    let verifier = verifier(bounded(&issuer));
    let token = key.sign(RS256, &issuer.claims());

    verifier.verify(&token, now()).await.unwrap();
    verifier.verify(&token, at(NOW_SECS + 599)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 1, "still fresh at 599 s");

    verifier.verify(&token, at(NOW_SECS + 600)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 2, "expired at 600 s");
}

#[tokio::test]
async fn max_age_below_min_clamped() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer.mount_jwks(jwks(&[&key]), Some("max-age=5")).await;
    let verifier = verifier(bounded(&issuer));
    let token = key.sign(RS256, &issuer.claims());

    verifier.verify(&token, now()).await.unwrap();
    verifier.verify(&token, at(NOW_SECS + 59)).await.unwrap();
    assert_eq!(
        issuer.jwks_requests().await,
        1,
        "min TTL 60 s holds at 59 s"
    );

    verifier.verify(&token, at(NOW_SECS + 60)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 2, "expired at 60 s");
}

#[tokio::test]
async fn max_age_above_max_clamped() {
    // Okta's documented max-age (about 44 days) is cut to the 1 h maximum.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer
        .mount_jwks(jwks(&[&key]), Some("max-age=3832304, must-revalidate"))
        .await;
    let verifier = verifier(bounded(&issuer));
    let token = key.sign(RS256, &issuer.claims());

    verifier.verify(&token, now()).await.unwrap();
    verifier.verify(&token, at(NOW_SECS + 3599)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 1, "still fresh at 3599 s");

    verifier.verify(&token, at(NOW_SECS + 3600)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 2, "max TTL reached at 3600 s");
}

#[tokio::test]
async fn missing_cache_control_uses_min_ttl() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer.mount_jwks(jwks(&[&key]), None).await;
    let verifier = verifier(bounded(&issuer));
    let token = key.sign(RS256, &issuer.claims());

    verifier.verify(&token, now()).await.unwrap();
    verifier.verify(&token, at(NOW_SECS + 59)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 1, "fresh at 59 s");

    verifier.verify(&token, at(NOW_SECS + 60)).await.unwrap();
    assert_eq!(issuer.jwks_requests().await, 2, "expired at 60 s");
}

#[tokio::test]
async fn removed_key_stops_verifying() {
    let old = TestKey::rsa("old");
    let current = TestKey::rsa_second("current");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer
        .mount_jwks(jwks(&[&old, &current]), Some("max-age=60"))
        .await;
    let verifier = verifier(bounded(&issuer));
    let old_token = old.sign(RS256, &issuer.claims());
    let current_token = current.sign(RS256, &issuer.claims());
    assert_eq!(
        reason(verifier.verify(&old_token, now()).await),
        Reason::Allowed
    );

    issuer
        .replace_jwks(jwks(&[&current]), Some("max-age=60"))
        .await;
    let later = at(NOW_SECS + 61);

    let error = verifier.verify(&old_token, later).await.unwrap_err();
    assert!(
        matches!(&error, TokenError::UnknownKey { kid } if kid == "old"),
        "{error}"
    );
    assert_eq!(
        reason(verifier.verify(&current_token, later).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn removed_key_verifies_until_refresh() {
    // Before the TTL ends the cache is not consulted again: documents the window.
    let old = TestKey::rsa("old");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer.mount_jwks(jwks(&[&old]), Some("max-age=60")).await;
    let verifier = verifier(bounded(&issuer));
    let token = old.sign(RS256, &issuer.claims());
    verifier.verify(&token, now()).await.unwrap();

    issuer
        .replace_jwks(jwks(&[&TestKey::rsa_second("new")]), Some("max-age=60"))
        .await;

    assert_eq!(
        reason(verifier.verify(&token, at(NOW_SECS + 59)).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn rotated_key_fetched_on_unknown_kid() {
    let first = TestKey::rsa("first");
    let second = TestKey::rsa_second("second");
    let issuer = Issuer::with_keys(&[&first]).await;
    let verifier = verifier(bounded(&issuer));
    verifier
        .verify(&first.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();

    issuer
        .replace_jwks(jwks(&[&first, &second]), Some("max-age=3600"))
        .await;
    let result = verifier
        .verify(&second.sign(RS256, &issuer.claims()), at(NOW_SECS + 30))
        .await;

    assert_eq!(reason(result), Reason::Allowed);
    assert_eq!(verifier.jwks_stats().unknown_kid_refetches, 1);
}

#[tokio::test]
async fn unknown_kid_refetch_rate_limited() {
    let key = TestKey::rsa("k1");
    let stranger = TestKey::rsa_attacker("placeholder");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(bounded(&issuer));
    verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();
    let forged = |kid: &str| {
        let header = json!({"alg": "RS256", "kid": kid});
        stranger.sign_with_header(RS256, &header, &okta_claims(&issuer.issuer))
    };

    let first = verifier.verify(&forged("x1"), at(NOW_SECS + 31)).await;
    assert_eq!(reason(first), Reason::UnknownKey);
    assert_eq!(
        issuer.jwks_requests().await,
        2,
        "first unknown kid refetches"
    );

    let second = verifier.verify(&forged("x2"), at(NOW_SECS + 32)).await;
    assert_eq!(reason(second), Reason::UnknownKey);
    assert_eq!(
        issuer.jwks_requests().await,
        2,
        "second within 30 s does not"
    );
    assert_eq!(verifier.jwks_stats().rate_limited, 1);

    let third = verifier.verify(&forged("x3"), at(NOW_SECS + 61)).await;
    assert_eq!(reason(third), Reason::UnknownKey);
    assert_eq!(
        issuer.jwks_requests().await,
        3,
        "after the interval it may again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kid_coalesced() {
    // The rate limit is off, so only coalescing can hold the count at one.
    const TASKS: usize = 16;
    let first = TestKey::rsa("first");
    let second = TestKey::rsa_second("second");
    let issuer = Issuer::with_keys(&[&first]).await;
    let verifier = verifier(issuer.config().refetch_min_interval(Duration::ZERO));
    verifier
        .verify(&first.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();

    // The new set arrives slowly, so every task is waiting while it loads.
    issuer.server.reset().await;
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(
            jwks_response(jwks(&[&first, &second]), None).set_delay(Duration::from_millis(300)),
        )
        .mount(&issuer.server)
        .await;

    let token = Arc::new(second.sign(RS256, &issuer.claims()));
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let verifier = verifier.clone();
            let token = Arc::clone(&token);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                reason(verifier.verify(&token, at(NOW_SECS + 1)).await)
            })
        })
        .collect();

    for task in tasks {
        assert_eq!(task.await.unwrap(), Reason::Allowed);
    }
    assert_eq!(
        issuer.jwks_requests().await,
        1,
        "one refetch after the reset"
    );
    assert_eq!(verifier.jwks_stats().unknown_kid_refetches, 1);
}

#[tokio::test]
async fn concurrent_unknown_kids_share_one_fetch() {
    // Kids that stay unknown: the waiters share the failed lookup's fetch.
    const TASKS: usize = 8;
    let key = TestKey::rsa("k1");
    let stranger = TestKey::rsa_attacker("placeholder");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().refetch_min_interval(Duration::ZERO));
    verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();
    let tokens: Vec<String> = (0..TASKS)
        .map(|index| {
            let header = json!({"alg": "RS256", "kid": format!("x{index}")});
            stranger.sign_with_header(RS256, &header, &issuer.claims())
        })
        .collect();

    let results = futures::future::join_all(
        tokens
            .iter()
            .map(|token| verifier.verify(token, at(NOW_SECS + 1))),
    )
    .await;

    for result in results {
        assert_eq!(reason(result), Reason::UnknownKey);
    }
    assert_eq!(
        issuer.jwks_requests().await,
        2,
        "initial fetch plus one refetch"
    );
}

#[tokio::test]
async fn outage_within_stale_bound_uses_cached_keys() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(
        bounded(&issuer)
            .jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(60))
            .max_stale_keys_age(Duration::from_secs(600)),
    );
    let token = key.sign(RS256, &issuer.claims());
    verifier.verify(&token, now()).await.unwrap();

    issuer.go_down().await;
    // Fresh until +60 s, usable stale until +660 s.
    let result = verifier.verify(&token, at(NOW_SECS + 659)).await;

    assert_eq!(reason(result), Reason::Allowed);
    let stats = verifier.jwks_stats();
    assert_eq!(stats.fetch_failures, 1);
    assert_eq!(stats.stale_uses, 1);
}

#[tokio::test]
async fn outage_beyond_stale_bound_unavailable() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(
        bounded(&issuer)
            .jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(60))
            .max_stale_keys_age(Duration::from_secs(600)),
    );
    let token = key.sign(RS256, &issuer.claims());
    verifier.verify(&token, now()).await.unwrap();

    issuer.go_down().await;
    let error = verifier
        .verify(&token, at(NOW_SECS + 660))
        .await
        .unwrap_err();

    assert_eq!(error.reason(), Reason::JwksUnavailable);
    assert!(
        matches!(jwks_source(&error), JwksError::Status { status: 503, .. }),
        "{error}"
    );
    assert_eq!(
        error.description(),
        "the issuer signing keys cannot be fetched right now; retry later"
    );
}

#[tokio::test]
async fn outage_unknown_kid_unavailable() {
    // During an outage a new kid might be a real rotation: report 503, not 401.
    let key = TestKey::rsa("k1");
    let other = TestKey::rsa_second("k2");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier =
        verifier(bounded(&issuer).jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(60)));
    verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();

    issuer.go_down().await;
    let result = verifier
        .verify(&other.sign(RS256, &issuer.claims()), at(NOW_SECS + 100))
        .await;

    assert_eq!(reason(result), Reason::JwksUnavailable);
}

#[tokio::test]
async fn outage_retries_rate_limited() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier =
        verifier(bounded(&issuer).jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(60)));
    let token = key.sign(RS256, &issuer.claims());
    verifier.verify(&token, now()).await.unwrap();
    issuer.go_down().await;

    for offset in [100, 101, 129] {
        let result = verifier.verify(&token, at(NOW_SECS + offset)).await;
        assert_eq!(reason(result), Reason::Allowed, "stale keys at +{offset} s");
    }
    // Requests since the outage began: a failed JWKS fetch makes the next
    // attempt start over with discovery, so count both paths.
    assert_eq!(issuer.all_requests().await, 1, "one attempt within 30 s");

    verifier.verify(&token, at(NOW_SECS + 130)).await.unwrap();
    assert_eq!(issuer.all_requests().await, 2, "retry after 30 s");
}

#[tokio::test]
async fn recovery_after_outage() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(
        bounded(&issuer)
            .jwks_cache_ttl(Duration::from_secs(60), Duration::from_secs(60))
            .max_stale_keys_age(Duration::ZERO),
    );
    let token = key.sign(RS256, &issuer.claims());
    verifier.verify(&token, now()).await.unwrap();

    issuer.go_down().await;
    let during = verifier.verify(&token, at(NOW_SECS + 100)).await;
    assert_eq!(reason(during), Reason::JwksUnavailable);

    issuer.replace_jwks(jwks(&[&key]), None).await;
    let after = verifier.verify(&token, at(NOW_SECS + 130)).await;
    assert_eq!(reason(after), Reason::Allowed);
}

#[tokio::test]
async fn first_fetch_failure_unavailable() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.go_down().await;

    let error = issuer
        .verifier()
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert_eq!(error.reason(), Reason::JwksUnavailable);
    assert_eq!(
        error.reason().status(),
        http::StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn oversized_jwks_rejected() {
    let keys = [
        TestKey::rsa("a"),
        TestKey::rsa_second("b"),
        TestKey::rsa_attacker("c"),
    ];
    let issuer = Issuer::with_keys(&[&keys[0], &keys[1], &keys[2]]).await;
    let verifier = verifier(issuer.config().max_jwks_size(1024));

    let error = verifier
        .verify(&keys[0].sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(jwks_source(&error), JwksError::TooLarge { max: 1024, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn jwks_without_usable_keys_unavailable() {
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer
        .mount_jwks(
            json!({"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}),
            None,
        )
        .await;

    let error = issuer
        .verifier()
        .verify(&TestKey::rsa("h").sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(jwks_source(&error), JwksError::NoUsableKeys { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn fetch_keys_warms_cache() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = issuer.verifier();

    assert_eq!(verifier.fetch_keys(now()).await.unwrap(), 1);
    verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap();

    assert_eq!(issuer.jwks_requests().await, 1);
    assert_eq!(verifier.jwks_stats().cache_hits, 1);
}
