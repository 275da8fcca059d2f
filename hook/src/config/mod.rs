//! Configuration: embedded defaults, a TOML file, then `SESSION_HOOK_*`
//! environment variables, each overriding the one before.

mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use url::Url;

use crate::secret::Secret;

pub use validate::RESERVED_CLAIMS;

/// Embedded defaults: the local demo against the Okta emulator.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// Prefix of environment variables; `__` separates nested keys, as in
/// `SESSION_HOOK_OKTA__API_TOKEN`.
pub const ENV_PREFIX: &str = "SESSION_HOOK_";

/// Errors raised while loading or validating the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file given with `--config` does not exist or cannot be read.
    #[error("configuration file {path} cannot be read: {source}; check the --config path")]
    FileUnreadable {
        /// Path as given.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },

    /// A value has the wrong type, or a key is unknown.
    #[error("configuration is invalid: {0}")]
    Parse(#[from] Box<figment::Error>),

    /// A value parsed but is not acceptable.
    #[error("invalid configuration `{key}` = {value}: {reason}; fix: {fix}")]
    Invalid {
        /// Dotted key, as in the TOML file.
        key: &'static str,
        /// The value, quoted; `<redacted>` for secrets.
        value: String,
        /// Reason the value is rejected.
        reason: String,
        /// Suggested correction.
        fix: String,
    },
}

/// Authentication scheme of Okta's token inline hook call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundAuth {
    /// A shared secret in a header (Okta `authScheme {type: HEADER}`).
    Header,
    /// `Authorization: Bearer <JWT>` (Okta's OAuth 2.0 hook authentication).
    Bearer,
}

/// Policy for grants that have a user but no Okta session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherGrantPolicy {
    /// Respond with Okta's error object, so no token is issued.
    Error,
    /// Let Okta issue the token without the session claim.
    NoClaim,
}

/// Policy for refresh grants whose refresh token `jti` is not linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownJtiPolicy {
    /// Respond with Okta's error object, so no token is issued.
    Error,
    /// Let Okta issue the tokens without the session claim.
    NoClaim,
    /// Check the request's session block with the Sessions API, then link
    /// the refresh token to it (for refresh tokens issued before the hook).
    AdoptSession,
}

/// When store writes reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreDurability {
    /// fsync before responding to every call that wrote.
    Immediate,
    /// Refresh links are fsynced within `store.flush_interval_ms`;
    /// revocations are fsynced before responding.
    Batched,
}

/// Whole service configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: String,
    /// Internal response deadline, in milliseconds.
    pub deadline_ms: u64,
    /// Okta org and Sessions API access.
    pub okta: OktaConfig,
    /// Authentication of Okta's token inline hook call.
    pub inline_hook: InlineHookConfig,
    /// Session claim and grant handling.
    pub claims: ClaimsConfig,
    /// Refresh token links.
    pub refresh: RefreshConfig,
    /// Embedded store.
    pub store: StoreConfig,
    /// Event hook receiver.
    pub event_hooks: EventHooksConfig,
}

/// Okta org and Sessions API access.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OktaConfig {
    /// Org URL, like `https://{yourOktaDomain}`.
    pub org_url: String,
    /// API token for `Authorization: SSWS <token>`.
    pub api_token: Secret,
    /// Timeout of one Sessions API call, in milliseconds.
    pub timeout_ms: u64,
}

/// Authentication of Okta's token inline hook call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineHookConfig {
    /// Header secret or bearer JWT.
    pub auth: InboundAuth,
    /// Header that carries the shared secret.
    pub header_name: String,
    /// Shared secret.
    pub header_secret: Secret,
    /// Bearer JWT verification.
    pub bearer: BearerConfig,
}

/// Verification of the bearer JWT of Okta's OAuth 2.0 hook authentication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BearerConfig {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Expected `cid` when not empty.
    pub client_id: String,
    /// JWKS URL; empty means `{issuer}/v1/keys`.
    pub jwks_url: String,
    /// Minimum seconds between fetches caused by an unknown `kid`.
    pub jwks_refetch_interval_seconds: u64,
    /// Seconds a fetched JWKS is used.
    pub jwks_cache_seconds: u64,
}

/// Session claim and grant handling.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsConfig {
    /// Claim name.
    pub name: String,
    /// Also patch ID tokens.
    pub id_token: bool,
    /// Grants that carry an Okta session.
    pub session_grants: Vec<String>,
    /// Grants with a user but no session.
    pub other_user_grants: OtherGrantPolicy,
}

/// Refresh token links.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshConfig {
    /// Seconds a link lives after its last use.
    pub ttl_seconds: u64,
    /// Policy for refresh tokens that were never linked.
    pub unknown_jti: UnknownJtiPolicy,
}

/// Embedded store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// redb file; empty means the default under the system temp dir.
    pub path: String,
    /// Seconds between purges of expired entries.
    pub purge_interval_seconds: u64,
    /// Seconds an event `uuid` is remembered.
    pub event_dedupe_ttl_seconds: u64,
    /// When writes reach the disk.
    pub durability: StoreDurability,
    /// Maximum time a refresh link stays without fsync in batched mode,
    /// in milliseconds.
    pub flush_interval_ms: u64,
}

/// Event hook receiver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHooksConfig {
    /// Header that carries the shared secret.
    pub header_name: String,
    /// Shared secret.
    pub secret: Secret,
}

impl Config {
    /// Loads defaults, then `file` if given, then the environment, and
    /// validates the result.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key, the value and the fix.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));

        if let Some(path) = file {
            // Figment silently skips a missing file; a typo in --config
            // must not fall back to the demo defaults.
            std::fs::metadata(path).map_err(|source| ConfigError::FileUnreadable {
                path: path.to_owned(),
                source,
            })?;
            figment = figment.merge(Toml::file_exact(path));
        }

        figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__"));
        Self::from_figment(figment)
    }

    /// Loads the embedded defaults overlaid with `toml`, without reading
    /// the environment (for tests and embedding).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key, the value and the fix.
    pub fn from_toml(toml: &str) -> Result<Self, ConfigError> {
        Self::from_toml_layers(&[toml])
    }

    /// Loads the embedded defaults overlaid with each of `layers` in turn,
    /// without reading the environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key, the value and the fix.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Self, ConfigError> {
        let figment = layers.iter().fold(
            Figment::from(Toml::string(DEFAULT_TOML)),
            |figment, layer| figment.merge(Toml::string(layer)),
        );
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Returns the listen address (validated at load).
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        validate::parse_listen(&self.listen)
    }

    /// Returns the internal response deadline.
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    /// Returns the Okta org URL (validated at load).
    pub fn org_url(&self) -> Result<Url, ConfigError> {
        validate::parse_http_url("okta.org_url", &self.okta.org_url)
    }

    /// Returns the JWKS URL for bearer mode: configured or `{issuer}/v1/keys`.
    pub fn jwks_url(&self) -> Result<Url, ConfigError> {
        let bearer = &self.inline_hook.bearer;
        if bearer.jwks_url.is_empty() {
            let derived = format!("{}/v1/keys", bearer.issuer.trim_end_matches('/'));
            validate::parse_http_url("inline_hook.bearer.issuer", &derived)
        } else {
            validate::parse_http_url("inline_hook.bearer.jwks_url", &bearer.jwks_url)
        }
    }

    /// Returns the store file: configured, or
    /// `<system temp dir>/session-hook/session-hook.redb`.
    pub fn store_path(&self) -> PathBuf {
        if self.store.path.is_empty() {
            std::env::temp_dir()
                .join("session-hook")
                .join("session-hook.redb")
        } else {
            PathBuf::from(&self.store.path)
        }
    }
}
