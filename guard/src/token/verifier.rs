//! [`TokenVerifier`]: checks an access token's size, structure, algorithm,
//! signature and claims, in that order. `iss` is also checked before the
//! key lookup, so tokens of other issuers never cause a JWKS request.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use serde_json::Value;

use super::algorithm::SigningAlgorithm;
use super::checks::ClaimPolicy;
use super::claims::{AccessTokenClaims, RawClaims};
use super::config::{ConfigError, TokenVerifierConfig};
use super::error::{TokenError, TokenPart};
use super::header::{JoseHeader, token_type_matches};
use super::json::{decode_segment, parse_claims, parse_header};
use super::jwks::{
    CachePolicy, Counters, Fetcher, JwksCache, JwksStats, LookupError, VerificationKey,
};
use super::verified::{TokenFingerprint, VerifiedToken};

/// Tracing target of rejection events, fixed so operators can filter on it.
const TRACING_TARGET: &str = "session_guard::token";

/// Verifies Okta access tokens from one custom authorization server.
///
/// Cheap to clone: clones share the key cache and its counters.
///
/// # Example
///
/// ```no_run
/// use std::time::SystemTime;
/// use session_guard::token::{TokenVerifier, TokenVerifierConfig};
///
/// # async fn example(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let config = TokenVerifierConfig::new("https://dev-1.okta.com/oauth2/default")?
///     .audience("api://default");
/// let verifier = TokenVerifier::new(config, reqwest::Client::new())?;
///
/// let verified = verifier.verify(token, SystemTime::now()).await?;
/// let session_id = verified.claims().string_claim("okta_sid");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    algorithms: Vec<SigningAlgorithm>,
    required_token_type: Option<String>,
    max_token_bytes: usize,
    claims: ClaimPolicy,
    keys: JwksCache,
}

/// The header and payload of a compact JWS, decoded but not yet verified.
struct Unverified {
    header: JoseHeader,
    algorithm: SigningAlgorithm,
    payload: RawClaims,
}

impl TokenVerifier {
    /// Builds a verifier. No request is made until the first verification
    /// or [`TokenVerifier::fetch_keys`].
    ///
    /// `http` is used for discovery and JWKS requests. Each request also
    /// gets the configured fetch timeout.
    ///
    /// # Errors
    ///
    /// Returns the first setting of `config` that cannot work, with the fix.
    pub fn new(config: TokenVerifierConfig, http: reqwest::Client) -> Result<Self, ConfigError> {
        let jwks_uri = config.validate()?;

        let fetcher = Fetcher {
            http,
            timeout: config.jwks_fetch_timeout,
            max_bytes: config.max_jwks_bytes,
            counters: Arc::new(Counters::default()),
        };
        let policy = CachePolicy {
            min_ttl: config.jwks_min_ttl,
            max_ttl: config.jwks_max_ttl,
            refetch_min_interval: config.refetch_min_interval,
            max_stale: config.max_stale_keys_age,
        };
        let keys = JwksCache::new(config.issuer.clone(), jwks_uri, policy, fetcher);

        Ok(TokenVerifier {
            inner: Arc::new(Inner {
                algorithms: config.algorithms.clone(),
                required_token_type: config.required_token_type.clone(),
                max_token_bytes: config.max_token_bytes,
                claims: ClaimPolicy::new(&config),
                keys,
            }),
        })
    }

    /// Verifies `token` as of `now` and returns the proof.
    ///
    /// `now` is the verification time for `exp`, `nbf` and `iat`, and the
    /// clock of the key cache. Pass `SystemTime::now()` in production.
    /// NOTE: the cache trusts `now`. A call with a time far in the future
    /// records a fetch attempt at that time, which delays later fetches
    /// until the clock reaches it (rate limit).
    ///
    /// # Errors
    ///
    /// Returns the first failed check. [`TokenError::reason`] gives the
    /// stable code and [`TokenError::description`] a client-safe message.
    pub async fn verify(&self, token: &str, now: SystemTime) -> Result<VerifiedToken, TokenError> {
        let result = self.verify_token(token, now).await;

        if let Err(error) = &result {
            // A token over the size limit is not hashed: it may be huge.
            let fingerprint = (token.len() <= self.inner.max_token_bytes)
                .then(|| TokenFingerprint::of(token).to_string());
            tracing::debug!(
                target: TRACING_TARGET,
                fingerprint,
                reason = %error.reason(),
                error = %error,
                "access token rejected"
            );
        }

        result
    }

    /// Fetches the issuer's keys now, for example at startup or in a
    /// readiness check, and returns how many usable keys the set holds.
    /// Within the refetch interval of the previous attempt it returns that
    /// attempt's outcome instead of fetching.
    ///
    /// # Errors
    ///
    /// [`TokenError::JwksUnavailable`] when discovery or the JWKS fetch fails.
    pub async fn fetch_keys(&self, now: SystemTime) -> Result<usize, TokenError> {
        self.inner
            .keys
            .fetch_now(now)
            .await
            .map_err(|source| TokenError::JwksUnavailable { source })
    }

    /// Returns the JWKS cache counters, for metrics.
    pub fn jwks_stats(&self) -> JwksStats {
        self.inner.keys.stats()
    }

    /// Returns the issuer that tokens must carry in `iss`.
    pub fn issuer(&self) -> &str {
        self.inner.claims.issuer()
    }

    async fn verify_token(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<VerifiedToken, TokenError> {
        let inner = &*self.inner;

        // Size first, so an oversized token costs no decoding.
        if token.len() > inner.max_token_bytes {
            return Err(TokenError::TooLarge {
                size: token.len(),
                max: inner.max_token_bytes,
            });
        }

        let unverified = self.decode(token)?;

        // Reject other issuers before choosing a key: their `kid` would
        // otherwise trigger a pointless JWKS refetch, and an org
        // authorization server token deserves its own reason. Only a
        // rejection is based on unverified data.
        if let Some(Value::String(issuer)) = unverified.payload.get("iss") {
            inner.claims.check_issuer(issuer)?;
        }

        let kid = unverified
            .header
            .kid
            .as_deref()
            .ok_or(TokenError::MissingKeyId)?;
        let key = self.key(kid, unverified.algorithm, now).await?;

        Self::check_signature(token, kid, unverified.algorithm, &key)?;

        let claims = AccessTokenClaims::from_raw(unverified.payload)?;
        inner.claims.check(&claims, unix_seconds(now))?;

        Ok(VerifiedToken::new(claims, TokenFingerprint::of(token)))
    }

    /// Splits and decodes the token and applies the header rules that need
    /// no key: algorithm allow-list, `typ`, a present signature.
    fn decode(&self, token: &str) -> Result<Unverified, TokenError> {
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(TokenError::NotCompactJws {
                segments: token.split('.').count(),
            });
        };

        let header = JoseHeader::from_raw(decode_json(header, TokenPart::Header, parse_header)?)?;

        let algorithm = SigningAlgorithm::from_name(&header.alg)
            .filter(|algorithm| self.inner.algorithms.contains(algorithm))
            .ok_or_else(|| TokenError::AlgorithmNotAllowed {
                alg: header.alg.clone(),
                allowed: self.inner.algorithms.clone(),
            })?;

        if let Some(expected) = &self.inner.required_token_type {
            let matches = header
                .typ
                .as_deref()
                .is_some_and(|actual| token_type_matches(actual, expected));
            if !matches {
                return Err(TokenError::WrongTokenType {
                    expected: expected.clone(),
                    actual: header.typ.clone(),
                });
            }
        }

        if signature.is_empty() {
            return Err(TokenError::MissingSignature);
        }

        Ok(Unverified {
            header,
            algorithm,
            payload: decode_json(payload, TokenPart::Payload, parse_claims)?,
        })
    }

    async fn key(
        &self,
        kid: &str,
        algorithm: SigningAlgorithm,
        now: SystemTime,
    ) -> Result<Arc<VerificationKey>, TokenError> {
        let key = self
            .inner
            .keys
            .key(kid, now)
            .await
            .map_err(|error| match error {
                LookupError::UnknownKey => TokenError::UnknownKey {
                    kid: kid.to_owned(),
                },
                LookupError::Unavailable(source) => TokenError::JwksUnavailable { source },
            })?;

        // The key, not the header, decides which algorithms may be used:
        // this is what stops an RSA key from checking an ES256 or HS256 token.
        if !key.algorithms.contains(&algorithm) {
            return Err(TokenError::KeyAlgorithmMismatch {
                kid: kid.to_owned(),
                alg: algorithm,
                key_algorithms: key.algorithms.clone(),
            });
        }

        Ok(key)
    }

    /// Checks the signature over `header.payload` for the algorithm
    /// already checked against the key: RSA with the key parsed at JWKS
    /// load, EC and Ed25519 through jsonwebtoken's crypto provider (the
    /// same aws-lc-rs). Both segments were decoded and parsed above, so
    /// nothing is parsed twice.
    fn check_signature(
        token: &str,
        kid: &str,
        algorithm: SigningAlgorithm,
        key: &VerificationKey,
    ) -> Result<(), TokenError> {
        // `decode` already split the token into three segments.
        let Some((signing_input, signature)) = token.rsplit_once('.') else {
            return Err(TokenError::InvalidEncoding {
                part: TokenPart::Signature,
            });
        };
        let invalid = || TokenError::InvalidSignature {
            kid: kid.to_owned(),
            alg: algorithm,
        };

        if let Some(parsed) = key.parsed_rsa(algorithm) {
            let signature = decode_segment(signature).ok_or(TokenError::InvalidEncoding {
                part: TokenPart::Signature,
            })?;
            return parsed
                .verify_sig(signing_input.as_bytes(), &signature)
                .map_err(|_| invalid());
        }

        let verified = jsonwebtoken::crypto::verify(
            signature,
            signing_input.as_bytes(),
            &key.decoding_key,
            algorithm.to_jsonwebtoken(),
        );
        match verified {
            Ok(true) => Ok(()),
            Err(error) if matches!(error.kind(), ErrorKind::Base64(_)) => {
                Err(TokenError::InvalidEncoding {
                    part: TokenPart::Signature,
                })
            }
            Ok(false) | Err(_) => Err(invalid()),
        }
    }
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("issuer", &self.issuer())
            .field("algorithms", &self.inner.algorithms)
            .finish_non_exhaustive()
    }
}

/// Decodes a base64url segment and parses its JSON with `parse`.
fn decode_json<T>(
    segment: &str,
    part: TokenPart,
    parse: fn(&[u8]) -> Result<T, serde_json::Error>,
) -> Result<T, TokenError> {
    let bytes = decode_segment(segment).ok_or(TokenError::InvalidEncoding { part })?;
    parse(&bytes).map_err(|error| TokenError::InvalidJson {
        part,
        detail: error.to_string(),
    })
}

/// Seconds since the Unix epoch; a time before the epoch counts as 0.
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |duration| duration.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}

    #[test]
    fn verifier_and_future_are_send() {
        assert_shareable::<TokenVerifier>();

        let config = TokenVerifierConfig::new("https://dev-1.okta.com/oauth2/default")
            .unwrap()
            .audience("api://default");
        let verifier = TokenVerifier::new(config, reqwest::Client::new()).unwrap();

        // Tower services and axum handlers need a `Send` future.
        assert_send(&verifier.verify("a.b.c", SystemTime::now()));
    }
}
