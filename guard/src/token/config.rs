//! Configuration of [`TokenVerifier`](super::TokenVerifier): strict by
//! default, each loosening its own named method.

use std::time::Duration;

use url::Url;

use super::algorithm::SigningAlgorithm;
pub use super::config_error::ConfigError;
use super::issuer::{check_transport, parse_issuer};

/// Default clock-skew allowance for `exp`, `nbf` and `iat`: 30 seconds.
///
/// Hosts synchronised with NTP differ by well under a second. Every second
/// of leeway also extends how long an expired token is accepted, so the
/// default stays small.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// Largest leeway [`TokenVerifierConfig::leeway`] accepts: 5 minutes.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Default maximum size of a token, in bytes (8 KiB). An Okta access token
/// with a few custom claims is 1 to 2 KiB. Large `groups` claims can grow it.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Smallest accepted value for [`TokenVerifierConfig::max_token_size`], in bytes.
pub const MIN_MAX_TOKEN_BYTES: usize = 512;

/// Largest accepted value for [`TokenVerifierConfig::max_token_size`], in bytes (1 MiB).
pub const MAX_MAX_TOKEN_BYTES: usize = 1024 * 1024;

/// Default lower bound on how long a fetched JWKS is used: 5 minutes, even
/// when `Cache-Control` requests less or is missing.
pub const DEFAULT_JWKS_MIN_TTL: Duration = Duration::from_secs(5 * 60);

/// Default upper bound on how long a fetched JWKS is used: 1 hour.
///
/// Okta sends `max-age` of several weeks. A key that Okta removes from
/// the set keeps verifying tokens until the cache refreshes, so the bound
/// caps that window.
pub const DEFAULT_JWKS_MAX_TTL: Duration = Duration::from_secs(60 * 60);

/// Default minimum interval between two JWKS fetch attempts: 30 seconds.
///
/// Tokens with made-up `kid` values, or an issuer that is down, therefore
/// cause at most one fetch per interval.
pub const DEFAULT_REFETCH_MIN_INTERVAL: Duration = Duration::from_secs(30);

/// Default time the last good keys stay usable after their TTL ran out while
/// the JWKS endpoint cannot be reached: 6 hours.
pub const DEFAULT_MAX_STALE_KEYS_AGE: Duration = Duration::from_secs(6 * 60 * 60);

/// Default timeout of one discovery or JWKS request: 5 seconds.
pub const DEFAULT_JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Default maximum size of a discovery document or JWKS response, in bytes (64 KiB).
pub const DEFAULT_MAX_JWKS_BYTES: usize = 64 * 1024;

/// The source of the issuer's signing keys.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Read `jwks_uri` from `{issuer}/.well-known/oauth-authorization-server`,
    /// falling back to `{issuer}/.well-known/openid-configuration` when the
    /// first returns 404. Okta serves both for custom authorization servers.
    Discovery,
    /// Fetch the JWKS from this URL directly, for example
    /// `https://dev-1.okta.com/oauth2/default/v1/keys`.
    JwksUrl(String),
}

/// Settings for a [`TokenVerifier`](super::TokenVerifier).
///
/// Only the issuer and at least one audience are required. Everything else
/// starts strict: RS256 only, 30 s leeway, 8 KiB tokens, keys from OIDC
/// discovery. Values are checked by
/// [`TokenVerifier::new`](super::TokenVerifier::new), apart from the issuer,
/// which [`TokenVerifierConfig::new`] checks at once.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use session_guard::token::TokenVerifierConfig;
///
/// let config = TokenVerifierConfig::new("https://dev-1.okta.com/oauth2/default")?
///     .audience("api://default")
///     .require_scopes(["demo.read"])
///     .leeway(Duration::from_secs(10));
/// # Ok::<(), session_guard::token::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenVerifierConfig {
    pub(crate) issuer: Url,
    pub(crate) audiences: Vec<String>,
    pub(crate) algorithms: Vec<SigningAlgorithm>,
    pub(crate) leeway: Duration,
    pub(crate) allowed_clients: Option<Vec<String>>,
    pub(crate) required_scopes: Vec<String>,
    pub(crate) required_token_type: Option<String>,
    pub(crate) max_token_bytes: usize,
    pub(crate) key_source: KeySource,
    pub(crate) jwks_min_ttl: Duration,
    pub(crate) jwks_max_ttl: Duration,
    pub(crate) refetch_min_interval: Duration,
    pub(crate) max_stale_keys_age: Duration,
    pub(crate) jwks_fetch_timeout: Duration,
    pub(crate) max_jwks_bytes: usize,
}

impl TokenVerifierConfig {
    /// Starts a configuration for tokens from the custom authorization
    /// server `issuer`, for example `https://dev-1.okta.com/oauth2/default`.
    ///
    /// # Errors
    ///
    /// Rejects an issuer that no verifiable Okta token can carry: Okta's org
    /// authorization server (`https://dev-1.okta.com`), a trailing slash, a
    /// path not ending in `/oauth2/{authServerId}`, plain HTTP to anything
    /// but a loopback address, or a spelling other than the normalised URL.
    pub fn new(issuer: &str) -> Result<Self, ConfigError> {
        let issuer = parse_issuer(issuer)?;

        Ok(TokenVerifierConfig {
            issuer,
            audiences: Vec::new(),
            algorithms: vec![SigningAlgorithm::Rs256],
            leeway: DEFAULT_LEEWAY,
            allowed_clients: None,
            required_scopes: Vec::new(),
            required_token_type: None,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            key_source: KeySource::Discovery,
            jwks_min_ttl: DEFAULT_JWKS_MIN_TTL,
            jwks_max_ttl: DEFAULT_JWKS_MAX_TTL,
            refetch_min_interval: DEFAULT_REFETCH_MIN_INTERVAL,
            max_stale_keys_age: DEFAULT_MAX_STALE_KEYS_AGE,
            jwks_fetch_timeout: DEFAULT_JWKS_FETCH_TIMEOUT,
            max_jwks_bytes: DEFAULT_MAX_JWKS_BYTES,
        })
    }

    /// Adds an accepted audience. A token's `aud` must contain at least one
    /// of them. Okta's default custom server uses `api://default`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Replaces the algorithm allow-list (default: RS256 only, which is what
    /// Okta signs with).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = SigningAlgorithm>) -> Self {
        self.algorithms.clear();
        for algorithm in algorithms {
            if !self.algorithms.contains(&algorithm) {
                self.algorithms.push(algorithm);
            }
        }
        self
    }

    /// Sets the clock-skew allowance applied to `exp`, `nbf` and `iat`
    /// (default [`DEFAULT_LEEWAY`], at most [`MAX_LEEWAY`]).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Accepts only tokens whose `cid` (the OAuth client id Okta issued the
    /// token to) is in `client_ids`. By default any client is accepted.
    pub fn allowed_clients<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_clients = Some(client_ids.into_iter().map(Into::into).collect());
        self
    }

    /// Adds scopes every token must carry in `scp` (or `scope`).
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Requires the JWS header `typ` to be `token_type`, compared as a media
    /// type (case-insensitive, `application/` optional; RFC 7515 section 4.1.9).
    ///
    /// Off by default: Okta access tokens carry no `typ` header, so
    /// requiring one (for example RFC 9068's `at+jwt`) rejects every Okta
    /// token. Use it for issuers that do send one.
    pub fn require_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.required_token_type = Some(token_type.into());
        self
    }

    /// Sets the maximum token size in bytes, checked before any parsing
    /// (default [`DEFAULT_MAX_TOKEN_BYTES`]).
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// Fetches keys from `url` instead of the URL named by discovery.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.key_source = KeySource::JwksUrl(url.into());
        self
    }

    /// Bounds the time a fetched JWKS is used. `Cache-Control: max-age` is
    /// honoured within `[min, max]`, and a response without it is kept for `min`.
    pub fn jwks_cache_ttl(mut self, min: Duration, max: Duration) -> Self {
        self.jwks_min_ttl = min;
        self.jwks_max_ttl = max;
        self
    }

    /// Sets the minimum interval between two JWKS fetch attempts (default
    /// [`DEFAULT_REFETCH_MIN_INTERVAL`]). It limits refetches for an unknown
    /// `kid` and retries during an outage. Zero turns the limit off.
    pub fn refetch_min_interval(mut self, interval: Duration) -> Self {
        self.refetch_min_interval = interval;
        self
    }

    /// Sets how long the last good keys stay usable past their TTL while the
    /// JWKS cannot be fetched (default [`DEFAULT_MAX_STALE_KEYS_AGE`]). After
    /// that, verification fails with `jwks_unavailable`. Zero disables stale use.
    pub fn max_stale_keys_age(mut self, age: Duration) -> Self {
        self.max_stale_keys_age = age;
        self
    }

    /// Sets the timeout of one discovery or JWKS request (default
    /// [`DEFAULT_JWKS_FETCH_TIMEOUT`]).
    pub fn jwks_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.jwks_fetch_timeout = timeout;
        self
    }

    /// Sets the maximum size of a discovery or JWKS response in bytes
    /// (default [`DEFAULT_MAX_JWKS_BYTES`]).
    pub fn max_jwks_size(mut self, bytes: usize) -> Self {
        self.max_jwks_bytes = bytes;
        self
    }

    /// Returns the configured issuer, exactly as tokens must carry it in `iss`.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Returns the accepted audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// Returns where keys come from.
    pub fn key_source(&self) -> &KeySource {
        &self.key_source
    }

    /// Checks every setting and resolves an explicit JWKS URL.
    pub(crate) fn validate(&self) -> Result<Option<Url>, ConfigError> {
        if self.audiences.is_empty() {
            return Err(ConfigError::NoAudience);
        }
        if self.audiences.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyValue {
                setting: "audience",
            });
        }

        if self.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }

        if self.leeway > MAX_LEEWAY {
            return Err(ConfigError::LeewayTooLarge {
                leeway: self.leeway,
                max: MAX_LEEWAY,
            });
        }

        if let Some(clients) = &self.allowed_clients {
            if clients.is_empty() {
                return Err(ConfigError::EmptyClientAllowList);
            }
            if clients.iter().any(String::is_empty) {
                return Err(ConfigError::EmptyValue {
                    setting: "client id",
                });
            }
        }

        if let Some(scope) = self
            .required_scopes
            .iter()
            .find(|scope| !is_scope_token(scope))
        {
            return Err(ConfigError::InvalidScope {
                scope: scope.clone(),
            });
        }

        if let Some(token_type) = &self.required_token_type
            && !is_scope_token(token_type)
        {
            return Err(ConfigError::InvalidTokenType {
                token_type: token_type.clone(),
            });
        }

        if !(MIN_MAX_TOKEN_BYTES..=MAX_MAX_TOKEN_BYTES).contains(&self.max_token_bytes) {
            return Err(ConfigError::InvalidMaxTokenSize {
                bytes: self.max_token_bytes,
            });
        }

        self.validate_jwks_settings()?;

        match &self.key_source {
            KeySource::Discovery => Ok(None),
            KeySource::JwksUrl(value) => {
                let url = Url::parse(value).map_err(|error| ConfigError::InvalidJwksUrl {
                    url: value.clone(),
                    reason: error.to_string(),
                })?;
                check_transport(&url, "JWKS URL")?;
                Ok(Some(url))
            }
        }
    }

    fn validate_jwks_settings(&self) -> Result<(), ConfigError> {
        if self.jwks_min_ttl.is_zero() || self.jwks_min_ttl > self.jwks_max_ttl {
            return Err(ConfigError::InvalidCacheTtl {
                min: self.jwks_min_ttl,
                max: self.jwks_max_ttl,
            });
        }

        // A refreshed set must stay fresh for at least one interval, or the
        // next refresh could be held back by the rate limit while the keys
        // are already expired.
        if self.refetch_min_interval > self.jwks_min_ttl {
            return Err(ConfigError::RefetchIntervalAboveMinTtl {
                interval: self.refetch_min_interval,
                min_ttl: self.jwks_min_ttl,
            });
        }

        if self.jwks_fetch_timeout.is_zero() {
            return Err(ConfigError::ZeroFetchTimeout);
        }

        if self.max_jwks_bytes < 1024 {
            return Err(ConfigError::InvalidMaxJwksSize {
                bytes: self.max_jwks_bytes,
            });
        }

        Ok(())
    }
}

/// Reports whether `value` is a scope token (RFC 6749 section 3.3): one or
/// more of `%x21 / %x23-5B / %x5D-7E`. The same characters are safe inside
/// an RFC 6750 `error_description`, where scopes and the token type appear.
fn is_scope_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|byte| matches!(byte, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TokenVerifierConfig {
        TokenVerifierConfig::new("https://dev-1.okta.com/oauth2/default")
            .unwrap()
            .audience("api://default")
    }

    #[test]
    fn defaults_are_strict() {
        let config = config();

        assert_eq!(config.algorithms, vec![SigningAlgorithm::Rs256]);
        assert_eq!(config.leeway, DEFAULT_LEEWAY);
        assert_eq!(config.allowed_clients, None);
        assert_eq!(config.required_token_type, None);
        assert_eq!(config.key_source, KeySource::Discovery);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn validate_rejects_missing_audience() {
        let config = TokenVerifierConfig::new("https://dev-1.okta.com/oauth2/default").unwrap();
        assert!(matches!(config.validate(), Err(ConfigError::NoAudience)));
    }

    #[test]
    fn validate_rejects_empty_algorithms() {
        let config = config().algorithms([]);
        assert!(matches!(config.validate(), Err(ConfigError::NoAlgorithms)));
    }

    #[test]
    fn validate_rejects_large_leeway() {
        let config = config().leeway(Duration::from_secs(301));
        assert!(matches!(
            config.validate(),
            Err(ConfigError::LeewayTooLarge { .. })
        ));
    }

    #[test]
    fn validate_rejects_empty_client_list() {
        let config = config().allowed_clients(Vec::<String>::new());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::EmptyClientAllowList)
        ));
    }

    #[test]
    fn validate_rejects_bad_scopes() {
        for scope in [
            "",
            "demo.read demo.write",
            "demo\"read",
            "demo\\read",
            "démo",
        ] {
            let config = config().require_scopes([scope]);
            assert!(
                matches!(config.validate(), Err(ConfigError::InvalidScope { .. })),
                "{scope:?}"
            );
        }
    }

    #[test]
    fn validate_rejects_bad_token_type() {
        for token_type in ["", "at jwt", "at+jwt\""] {
            let config = config().require_token_type(token_type);
            assert!(
                matches!(config.validate(), Err(ConfigError::InvalidTokenType { .. })),
                "{token_type:?}"
            );
        }
    }

    #[test]
    fn algorithms_deduplicates() {
        let config = config().algorithms([
            SigningAlgorithm::Es256,
            SigningAlgorithm::Rs256,
            SigningAlgorithm::Es256,
        ]);
        assert_eq!(
            config.algorithms,
            vec![SigningAlgorithm::Es256, SigningAlgorithm::Rs256]
        );
    }

    #[test]
    fn validate_rejects_token_size_out_of_range() {
        for bytes in [0, 511, MAX_MAX_TOKEN_BYTES + 1] {
            let config = config().max_token_size(bytes);
            assert!(
                matches!(
                    config.validate(),
                    Err(ConfigError::InvalidMaxTokenSize { .. })
                ),
                "{bytes}"
            );
        }
    }

    #[test]
    fn validate_rejects_inverted_ttl() {
        let config = config().jwks_cache_ttl(Duration::from_secs(600), Duration::from_secs(60));
        assert!(matches!(
            config.validate(),
            Err(ConfigError::InvalidCacheTtl { .. })
        ));
    }

    #[test]
    fn validate_rejects_interval_above_min_ttl() {
        let config = config()
            .jwks_cache_ttl(Duration::from_secs(10), Duration::from_secs(60))
            .refetch_min_interval(Duration::from_secs(11));
        assert!(matches!(
            config.validate(),
            Err(ConfigError::RefetchIntervalAboveMinTtl { .. })
        ));
    }

    #[test]
    fn validate_rejects_remote_http_jwks_url() {
        let config = config().jwks_url("http://dev-1.okta.com/oauth2/default/v1/keys");
        assert!(matches!(
            config.validate(),
            Err(ConfigError::InsecureUrl { .. })
        ));
    }

    #[test]
    fn validate_resolves_jwks_url() {
        let config = config().jwks_url("https://dev-1.okta.com/oauth2/default/v1/keys");
        let url = config.validate().unwrap().unwrap();
        assert_eq!(
            url.as_str(),
            "https://dev-1.okta.com/oauth2/default/v1/keys"
        );
    }
}
