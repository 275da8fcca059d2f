//! Guard configuration: deserializable from TOML (or any serde format) and
//! buildable in code with [`GuardConfigBuilder`].
//!
//! Every default is the strict one: only `ACTIVE` sessions pass, Okta
//! failures fail closed with 503, HTTP (not HTTPS) is refused for Okta
//! except on loopback.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::secret::Secret;
use crate::session::SessionStatus;

mod builder;

pub use builder::GuardConfigBuilder;

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

/// Access-token rules, turned into a [`crate::token::TokenVerifierConfig`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// Custom authorization server URL, for example
    /// `https://example.okta.com/oauth2/default`.
    pub issuer: String,
    /// Accepted audiences; the token must name at least one.
    pub audiences: Vec<String>,
    /// Scopes every token must carry.
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Client ids (`cid`) allowed; absent means any client.
    #[serde(default)]
    pub allowed_clients: Option<Vec<String>>,
    /// Clock leeway for `exp`, `nbf` and `iat`, in seconds.
    #[serde(default)]
    pub leeway_secs: Option<u64>,
    /// JWKS URL, when not discovered from the issuer.
    #[serde(default)]
    pub jwks_url: Option<String>,
}

impl TokenSettings {
    /// Builds the verifier configuration.
    ///
    /// # Errors
    ///
    /// The verifier's own [`crate::token::ConfigError`] for a bad issuer.
    pub fn to_verifier_config(
        &self,
    ) -> Result<crate::token::TokenVerifierConfig, crate::token::ConfigError> {
        let mut config = crate::token::TokenVerifierConfig::new(&self.issuer)?;
        for audience in &self.audiences {
            config = config.audience(audience.clone());
        }
        if !self.required_scopes.is_empty() {
            config = config.require_scopes(self.required_scopes.iter().cloned());
        }
        if let Some(clients) = &self.allowed_clients {
            config = config.allowed_clients(clients.iter().cloned());
        }
        if let Some(leeway) = self.leeway_secs {
            config = config.leeway(Duration::from_secs(leeway));
        }
        if let Some(url) = &self.jwks_url {
            config = config.jwks_url(url.clone());
        }
        Ok(config)
    }
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

impl GuardConfig {
    /// Starts a builder with strict defaults.
    pub fn builder(org_url: Url, auth: OktaAuthConfig) -> GuardConfigBuilder {
        GuardConfigBuilder::new(org_url, auth)
    }

    /// Checks every value; [`crate::Guard::new`] calls this.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] names the first bad setting and the fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, value: String, fix| {
            Err(ConfigError::Invalid {
                setting,
                value,
                fix,
            })
        };

        if self.session_claim.is_empty() || self.session_claim == "sid" {
            return invalid(
                "session_claim",
                format!("{:?}", self.session_claim),
                "use a custom claim name such as \"okta_sid\"; Okta reserves \"sid\"",
            );
        }
        validate_org_url(&self.okta.org_url)?;
        if self.okta.timeout_ms == 0 || self.okta.timeout_ms > 30_000 {
            return invalid(
                "okta.timeout_ms",
                self.okta.timeout_ms.to_string(),
                "use 1 to 30000 milliseconds",
            );
        }
        if let OktaAuthConfig::ApiToken { token } = &self.okta.auth
            && token.is_empty()
        {
            return invalid(
                "okta.auth.token",
                "\"\"".to_owned(),
                "set the SSWS API token",
            );
        }

        let session = &self.session;
        if session.accepted_statuses.is_empty()
            || session.accepted_statuses.contains(&SessionStatus::Unknown)
        {
            return invalid(
                "session.accepted_statuses",
                format!("{:?}", session.accepted_statuses),
                "list one or more of ACTIVE, MFA_REQUIRED, MFA_ENROLL",
            );
        }
        if session.verdict_ttl_secs == 0 {
            return invalid(
                "session.verdict_ttl_secs",
                "0".to_owned(),
                "use at least 1 second",
            );
        }
        if session.max_staleness_secs < session.verdict_ttl_secs {
            return invalid(
                "session.max_staleness_secs",
                session.max_staleness_secs.to_string(),
                "use a value at least as large as session.verdict_ttl_secs",
            );
        }
        if !(0.0..=1.0).contains(&session.stretch_below) {
            return invalid(
                "session.stretch_below",
                session.stretch_below.to_string(),
                "use a fraction from 0.0 to 1.0",
            );
        }
        if session.max_sessions == 0 || session.max_decisions == 0 {
            return invalid(
                "session.max_sessions / max_decisions",
                "0".to_owned(),
                "use at least 1",
            );
        }
        if session.max_token_lifetime_secs == 0 || session.max_token_lifetime_secs > 86_400 {
            return invalid(
                "session.max_token_lifetime_secs",
                session.max_token_lifetime_secs.to_string(),
                "use the authorization server's access-token lifetime, 1 to 86400 seconds",
            );
        }

        if self.outage.retry_after_secs == 0 {
            return invalid(
                "outage.retry_after_secs",
                "0".to_owned(),
                "use at least 1 second",
            );
        }
        if self.outage.mode == OutageMode::ServeStale && self.outage.stale_grace_secs == 0 {
            return invalid(
                "outage.stale_grace_secs",
                "0".to_owned(),
                "set a grace period for serve_stale, for example 60",
            );
        }
        if self.outage.stale_grace_secs > 3_600 {
            return invalid(
                "outage.stale_grace_secs",
                self.outage.stale_grace_secs.to_string(),
                "use at most 3600 seconds",
            );
        }

        if let Some(hooks) = &self.event_hooks {
            if hooks.secret.is_empty() {
                return invalid(
                    "event_hooks.secret",
                    "\"\"".to_owned(),
                    "set the secret configured on the Okta event hook",
                );
            }
            if http::HeaderName::from_bytes(hooks.header.as_bytes()).is_err() {
                return invalid(
                    "event_hooks.header",
                    hooks.header.clone(),
                    "use a valid HTTP header name",
                );
            }
            if hooks.dedupe_capacity == 0 {
                return invalid(
                    "event_hooks.dedupe_capacity",
                    "0".to_owned(),
                    "use at least 1",
                );
            }
        }
        if let Some(deny) = &self.deny_list
            && deny.admin_secret.expose().len() < 16
        {
            return invalid(
                "deny_list.admin_secret",
                "[redacted]".to_owned(),
                "use a random secret of at least 16 characters",
            );
        }
        if let Some(token) = &self.token
            && token.audiences.is_empty()
        {
            return invalid(
                "token.audiences",
                "[]".to_owned(),
                "list the API's audience, for example \"api://default\"",
            );
        }
        if self.responses.realm.contains(['"', '\\']) {
            return invalid(
                "responses.realm",
                self.responses.realm.clone(),
                "remove quotes and backslashes",
            );
        }
        Ok(())
    }

    pub(crate) fn verdict_ttl(&self) -> Duration {
        Duration::from_secs(self.session.verdict_ttl_secs)
    }
}

/// Okta must be reached over HTTPS; plain HTTP is allowed only on
/// loopback, for the local emulator and tests.
fn validate_org_url(url: &Url) -> Result<(), ConfigError> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    let fix = match url.scheme() {
        "https" => None,
        "http" if loopback => None,
        _ => Some("use https://<your org>.okta.com (plain http only on loopback)"),
    };
    if let Some(fix) = fix {
        return Err(ConfigError::Invalid {
            setting: "okta.org_url",
            value: url.to_string(),
            fix,
        });
    }
    if url.path().contains("/oauth2") {
        return Err(ConfigError::Invalid {
            setting: "okta.org_url",
            value: url.to_string(),
            fix: "use the org base URL without /oauth2/...",
        });
    }
    Ok(())
}
