//! Verification of the bearer JWT Okta sends with OAuth 2.0 hook
//! authentication, against the issuing authorization server's JWKS.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::AuthError;

/// Timeout of one JWKS fetch.
const JWKS_TIMEOUT: Duration = Duration::from_secs(1);

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// Claims checked beyond the registered ones jsonwebtoken validates.
#[derive(Debug, Deserialize)]
struct HookCallerClaims {
    /// Okta's client id claim of an access token.
    #[serde(default)]
    cid: Option<String>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

/// Verifies RS256 JWTs from one issuer and audience.
///
/// Keys are fetched on first use, again when the cache is older than
/// `cache_for`, and on an unknown `kid` at most once per `refetch_every`
/// (keys rotate and Okta publishes new ones before use).
pub struct BearerVerifier {
    http: reqwest::Client,
    jwks_url: Url,
    validation: Validation,
    client_id: Option<String>,
    cache_for: Duration,
    refetch_every: Duration,
    cache: RwLock<KeyCache>,
    fetching: Mutex<()>,
}

impl BearerVerifier {
    /// Builds a verifier; `client_id`, when set, must equal the JWT's `cid`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        jwks_url: Url,
        issuer: &str,
        audience: &str,
        client_id: Option<String>,
        cache_for: Duration,
        refetch_every: Duration,
    ) -> Result<Self, AuthError> {
        // The algorithm comes from configuration, never from the token
        // header: Okta signs access tokens with RS256.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECONDS;

        let http = reqwest::Client::builder()
            .timeout(JWKS_TIMEOUT)
            .build()
            .map_err(|error| AuthError::JwksUnavailable(error.to_string()))?;

        Ok(Self {
            http,
            jwks_url,
            validation,
            client_id,
            cache_for,
            refetch_every,
            cache: RwLock::new(KeyCache::default()),
            fetching: Mutex::new(()),
        })
    }

    /// Verifies signature, `iss`, `aud`, `exp`, `nbf` and optionally `cid`.
    ///
    /// # Errors
    /// [`AuthError::InvalidJwt`] or [`AuthError::JwksUnavailable`].
    pub async fn verify(&self, token: &str) -> Result<(), AuthError> {
        let header =
            decode_header(token).map_err(|error| AuthError::InvalidJwt(error.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::InvalidJwt(format!(
                "algorithm {:?} is not RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::InvalidJwt("header has no kid".into()))?;

        let key = self.key(&kid).await?;
        let data = decode::<HookCallerClaims>(token, &key, &self.validation)
            .map_err(|error| AuthError::InvalidJwt(error.to_string()))?;

        if let Some(expected) = &self.client_id
            && data.claims.cid.as_deref() != Some(expected.as_str())
        {
            return Err(AuthError::InvalidJwt(format!(
                "cid {:?} is not the configured client id",
                data.claims.cid
            )));
        }
        Ok(())
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        {
            let cache = self.cache.read().await;
            let fresh = cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.cache_for);
            if fresh && let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
        }

        // One fetch at a time; callers that waited reuse its result.
        let _fetching = self.fetching.lock().await;
        {
            let cache = self.cache.read().await;
            let recently = cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.refetch_every);
            if let Some(key) = cache.keys.get(kid)
                && cache
                    .fetched_at
                    .is_some_and(|at| at.elapsed() < self.cache_for)
            {
                return Ok(key.clone());
            }
            if recently && !cache.keys.contains_key(kid) {
                return Err(AuthError::InvalidJwt(format!(
                    "kid {kid:?} is not in the JWKS (fetched less than {:?} ago)",
                    self.refetch_every
                )));
            }
        }

        let keys = self.fetch().await?;
        let mut cache = self.cache.write().await;
        cache.keys = keys;
        cache.fetched_at = Some(Instant::now());
        cache
            .keys
            .get(kid)
            .cloned()
            .ok_or_else(|| AuthError::InvalidJwt(format!("kid {kid:?} is not in the JWKS")))
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, AuthError> {
        let unavailable = |error: reqwest::Error| {
            AuthError::JwksUnavailable(format!("{}: {error}", self.jwks_url))
        };

        let response = self
            .http
            .get(self.jwks_url.clone())
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(unavailable)?;
        let jwks: JwkSet = response.json().await.map_err(unavailable)?;

        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
                continue;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid.clone(), key);
                }
                Err(error) => tracing::warn!(%kid, %error, "JWKS key skipped"),
            }
        }
        tracing::info!(url = %self.jwks_url, keys = keys.len(), "JWKS fetched");
        Ok(keys)
    }
}
