//! Guard configuration: deserializable from TOML (or any serde format) and
//! buildable in code with [`GuardConfigBuilder`].
//!
//! Every default is the strict one: only `ACTIVE` sessions pass, Okta
//! failures fail closed with 503, HTTP (not HTTPS) is refused for Okta
//! except on loopback.

use serde::Deserialize;
use std::path::PathBuf;
use url::Url;

use crate::secret::Secret;
use crate::session::SessionStatus;

mod builder;
mod token;
mod validate;

pub use builder::GuardConfigBuilder;
pub use token::TokenSettings;

/// Default name of the access-token claim that carries the Okta session id.
/// Okta reserves `sid`, so the inline hook cannot use it.
pub const DEFAULT_SESSION_CLAIM: &str = "okta_sid";

/// Everything the session side of the guard needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// Access-token claim that carries the Okta session id.
    #[serde(default = "default_session_claim")]
    pub session_claim: String,
    /// Access-token verification; needed by [`crate::Guard::new`], ignored
    /// by [`crate::Guard::with_verifier`].
    #[serde(default)]
    pub token: Option<TokenSettings>,
    /// How to reach Okta's Sessions API.
    pub okta: OktaConfig,
    /// Session verdict rules and cache sizing.
    #[serde(default)]
    pub session: SessionConfig,
    /// What to do when Okta cannot be asked.
    #[serde(default)]
    pub outage: OutageConfig,
    /// Okta event hook receiver; absent means no push revocation.
    #[serde(default)]
    pub event_hooks: Option<EventHookConfig>,
    /// Deny list of token ids; absent means no deny list.
    #[serde(default)]
    pub deny_list: Option<DenyListConfig>,
    /// How rejections are written.
    #[serde(default)]
    pub responses: ResponseConfig,
}

/// Connection to the Okta org.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OktaConfig {
    /// Org base URL, for example `https://example.okta.com`.
    pub org_url: Url,
    /// Credential for the Sessions API.
    pub auth: OktaAuthConfig,
    /// Timeout of one Sessions API call, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

/// Credential for `GET /api/v1/sessions/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum OktaAuthConfig {
    /// An SSWS API token (`Authorization: SSWS <token>`).
    ApiToken {
        /// The API token.
        token: Secret,
    },
    /// An OAuth 2.0 service app authenticating with `private_key_jwt`; it
    /// needs the `okta.sessions.read` scope granted.
    ServiceApp {
        /// The service app's client id.
        client_id: String,
        /// `kid` of the public key registered on the app, if it has several.
        #[serde(default)]
        key_id: Option<String>,
        /// RSA private key in PEM (PKCS#1 or PKCS#8), signing RS256
        /// client assertions.
        private_key_pem: Secret,
    },
}

/// Session verdict rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Session statuses that count as alive. `ACTIVE` only by default;
    /// add `MFA_REQUIRED` or `MFA_ENROLL` to accept those.
    pub accepted_statuses: Vec<SessionStatus>,
    /// How long an alive verdict is reused, in seconds, while the rate
    /// budget is healthy. Also bounded by the session's `expiresAt` and the
    /// token's `exp`.
    pub verdict_ttl_secs: u64,
    /// Upper bound, in seconds, to which the TTL stretches as the rate
    /// budget runs out.
    pub max_staleness_secs: u64,
    /// Fraction of the rate budget (0.0 to 1.0) below which TTLs stretch.
    pub stretch_below: f64,
    /// Maximum number of sessions cached.
    pub max_sessions: usize,
    /// Maximum number of token decisions cached.
    pub max_decisions: usize,
    /// Longest access-token lifetime the authorization server issues, in
    /// seconds (Okta allows at most 86400). User-wide revocations are kept
    /// this long after their event.
    pub max_token_lifetime_secs: u64,
}

/// Behaviour when Okta is unreachable, fails with 5xx, or rate-limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutageConfig {
    /// `fail_closed` (default) or `serve_stale`.
    pub mode: OutageMode,
    /// With `serve_stale`: how long past its TTL, in seconds, an alive
    /// verdict may still be served.
    pub stale_grace_secs: u64,
    /// `Retry-After` of a 503 when Okta gave no reset time, in seconds.
    pub retry_after_secs: u64,
}

/// See [`OutageConfig::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageMode {
    /// Reject with 503 and `Retry-After`.
    FailClosed,
    /// Serve the last alive verdict within the grace, else 503.
    ServeStale,
}

/// Okta event hook receiver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHookConfig {
    /// Value Okta sends in the auth header (`authScheme.value`).
    pub secret: Secret,
    /// Name of that header (`authScheme.key`).
    #[serde(default = "default_event_header")]
    pub header: String,
    /// How many event `uuid`s are remembered for de-duplication.
    #[serde(default = "default_dedupe_capacity")]
    pub dedupe_capacity: usize,
}

/// Deny list of token ids (`jti`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyListConfig {
    /// redb database file; created when missing.
    pub path: PathBuf,
    /// Bearer secret of the admin API.
    pub admin_secret: Secret,
}

/// Shape of rejection responses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseConfig {
    /// `realm` of `WWW-Authenticate`.
    pub realm: String,
    /// Base of problem `type` URIs; the reason code is appended. Without
    /// it every problem has `type` `about:blank`.
    pub problem_type_base: Option<String>,
}

/// An invalid configuration value.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting is out of range or inconsistent.
    #[error("invalid setting {setting} = {value}: {fix}")]
    Invalid {
        /// The setting's name.
        setting: &'static str,
        /// The rejected value.
        value: String,
        /// What to change.
        fix: &'static str,
    },
    /// The service app's private key does not parse.
    #[error(
        "okta.auth.private_key_pem is not an RSA private key in PEM: {0}; supply a PKCS#1 or PKCS#8 RSA key"
    )]
    PrivateKey(#[source] jsonwebtoken::errors::Error),
    /// The token verifier rejected its configuration.
    #[error("token verifier configuration: {0}")]
    Token(#[from] crate::token::ConfigError),
    /// [`crate::Guard::new`] needs a `[token]` section.
    #[error(
        "the [token] section is missing; add issuer and audiences, or build the guard with Guard::with_verifier"
    )]
    MissingTokenSettings,
    /// The deny list store could not be opened.
    #[error(transparent)]
    DenyList(#[from] crate::deny::DenyListError),
}

impl GuardConfig {
    /// Returns the configuration for the Okta connection `okta` with every
    /// other setting at its default, the strict one.
    ///
    /// A service that deserializes some sections itself starts from this
    /// with struct update syntax, so a section the guard adds later takes
    /// its default instead of breaking the build:
    ///
    /// ```
    /// use session_guard::config::{GuardConfig, OktaConfig, SessionConfig};
    /// use session_guard::{OktaAuthConfig, Secret};
    ///
    /// let okta = OktaConfig::new(
    ///     "https://example.okta.com".parse().unwrap(),
    ///     OktaAuthConfig::ApiToken { token: Secret::new("00abc") },
    /// );
    /// let session = SessionConfig { verdict_ttl_secs: 15, ..SessionConfig::default() };
    /// let config = GuardConfig { session, ..GuardConfig::new(okta) };
    /// assert!(config.validate().is_ok());
    /// ```
    pub fn new(okta: OktaConfig) -> Self {
        Self {
            session_claim: default_session_claim(),
            token: None,
            okta,
            session: SessionConfig::default(),
            outage: OutageConfig::default(),
            event_hooks: None,
            deny_list: None,
            responses: ResponseConfig::default(),
        }
    }
}

impl OktaConfig {
    /// Returns the connection to `org_url` with `auth` and the default
    /// timeout (2000 ms).
    pub fn new(org_url: Url, auth: OktaAuthConfig) -> Self {
        Self {
            org_url,
            auth,
            timeout_ms: default_timeout_ms(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            accepted_statuses: vec![SessionStatus::Active],
            verdict_ttl_secs: 30,
            max_staleness_secs: 300,
            stretch_below: 0.5,
            max_sessions: 100_000,
            max_decisions: 100_000,
            max_token_lifetime_secs: 86_400,
        }
    }
}

impl Default for OutageConfig {
    fn default() -> Self {
        Self {
            mode: OutageMode::FailClosed,
            stale_grace_secs: 0,
            retry_after_secs: 5,
        }
    }
}

impl Default for ResponseConfig {
    fn default() -> Self {
        Self {
            realm: "api".to_owned(),
            problem_type_base: None,
        }
    }
}

fn default_session_claim() -> String {
    DEFAULT_SESSION_CLAIM.to_owned()
}

fn default_timeout_ms() -> u64 {
    2_000
}

fn default_event_header() -> String {
    "Authorization".to_owned()
}

fn default_dedupe_capacity() -> usize {
    10_000
}
