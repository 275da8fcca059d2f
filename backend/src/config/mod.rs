//! Configuration: embedded defaults, then either the emulator org or a TOML
//! file given with `--config`, then `DEMO_BACKEND_*` environment variables,
//! each layer overriding the one before.
//!
//! The emulator layer is left out when a file is given, so a profile for a
//! real Okta org never inherits the emulator's demo credentials. A secret
//! that neither the file nor the environment sets is a startup error that
//! names the variable to export.

mod report;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use http::HeaderValue;
use serde::Deserialize;
use session_guard::GuardConfig;
use session_guard::config::{
    DenyListConfig, EventHookConfig, OktaConfig, OutageConfig, ResponseConfig, SessionConfig,
    TokenSettings,
};

pub use report::FieldProblem;

/// Embedded defaults that hold for any org: listen address, session claim,
/// CORS origins, cache and outage policy.
pub const BASE_TOML: &str = include_str!("base.toml");

/// Embedded emulator org: issuer, org URL, SSWS token and event hook secret
/// of the local mock-okta. Used only when no file is given.
pub const EMULATOR_TOML: &str = include_str!("emulator.toml");

/// Prefix of environment variables; `__` separates nested keys, as in
/// `DEMO_BACKEND_OKTA__AUTH__TOKEN` for `okta.auth.token`.
pub const ENV_PREFIX: &str = "DEMO_BACKEND_";

/// Environment keys (after the prefix) that belong to other programs and
/// are skipped: the demo orchestrator reads `DEMO_BACKEND_PORT` itself, and
/// its children inherit it.
const FOREIGN_ENV_KEYS: &[&str] = &["port"];

/// Failure to load or validate the configuration.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config` does not exist or cannot be read.
    #[error("configuration file {path} cannot be read: {source}; check the --config path")]
    FileUnreadable {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Keys are missing, unknown or have the wrong type; one entry per problem.
    #[error("{}", report::render(.0))]
    Fields(Vec<FieldProblem>),
    /// A value parsed but cannot work.
    #[error("invalid setting {key} = {value}: {problem}; fix: {fix}")]
    Invalid {
        /// Dotted key, as in the TOML file.
        key: String,
        /// The value, quoted; `[redacted]` for secrets.
        value: String,
        /// The problem with the value.
        problem: String,
        /// The change that fixes it.
        fix: String,
    },
}

/// The deserialized file layout; [`Config::from_figment`] validates it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: String,
    session_claim: String,
    cors: RawCors,
    token: TokenSettings,
    okta: OktaConfig,
    #[serde(default)]
    session: SessionConfig,
    #[serde(default)]
    outage: OutageConfig,
    #[serde(default)]
    event_hooks: Option<EventHookConfig>,
    #[serde(default)]
    deny_list: Option<DenyListConfig>,
    #[serde(default)]
    responses: ResponseConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCors {
    allowed_origins: Vec<String>,
    max_age_secs: u64,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server binds; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Cross-origin access for the single-page app.
    pub cors: CorsConfig,
    /// Everything the session guard needs; its `token` section is always set.
    pub guard: GuardConfig,
}

/// Cross-origin access to `/api/...`.
#[derive(Debug, Clone)]
pub struct CorsConfig {
    /// Exact origins allowed (scheme, host and port, no path); empty allows none.
    pub allowed_origins: Vec<HeaderValue>,
    /// How long a browser may cache a preflight response.
    pub max_age: Duration,
}

impl Config {
    /// Loads the embedded defaults, then `file` (or, without one, the
    /// emulator org), then `DEMO_BACKEND_*` environment variables.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming each bad key, its value and the fix; a
    /// missing key also names the environment variable that would set it.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        if let Some(path) = file
            && let Err(source) = std::fs::File::open(path)
        {
            return Err(ConfigError::FileUnreadable {
                path: path.to_owned(),
                source,
            });
        }
        Self::from_figment(Self::figment(file))
    }

    /// Returns the layers [`Config::load`] reads, for callers that add their own.
    pub fn figment(file: Option<&Path>) -> Figment {
        let figment = Figment::from(Toml::string(BASE_TOML));
        let figment = match file {
            Some(path) => figment.merge(Toml::file_exact(path)),
            None => figment.merge(Toml::string(EMULATOR_TOML)),
        };
        figment.merge(
            Env::prefixed(ENV_PREFIX)
                .split("__")
                .ignore(FOREIGN_ENV_KEYS),
        )
    }

    /// Returns the embedded defaults for the emulator org, without reading
    /// the environment.
    pub fn emulator() -> Self {
        let figment = Figment::from(Toml::string(BASE_TOML)).merge(Toml::string(EMULATOR_TOML));
        // The embedded files are fixed at compile time and the unit test
        // `emulator_defaults_load` loads them, so this cannot fail at run time.
        Self::from_figment(figment).expect("embedded defaults are valid")
    }

    /// Returns the embedded defaults overridden by `toml` (a complete org
    /// section is needed, as with `--config`), without reading the environment.
    ///
    /// # Errors
    ///
    /// As [`Config::load`].
    pub fn from_toml(toml: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::from(Toml::string(BASE_TOML)).merge(Toml::string(toml)))
    }

    /// Extracts and validates the configuration from `figment`.
    ///
    /// # Errors
    ///
    /// As [`Config::load`].
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawConfig = figment
            .extract()
            .map_err(|error| report::from_figment(&error))?;

        let listen = validate::listen(&raw.listen)?;
        let cors = CorsConfig {
            allowed_origins: validate::cors_origins(&raw.cors.allowed_origins)?,
            max_age: Duration::from_secs(raw.cors.max_age_secs),
        };
        // Sections the guard adds later keep their defaults until the file
        // layout above names them.
        let guard = GuardConfig {
            session_claim: raw.session_claim,
            token: Some(raw.token),
            session: raw.session,
            outage: raw.outage,
            event_hooks: raw.event_hooks,
            deny_list: raw.deny_list,
            responses: raw.responses,
            ..GuardConfig::new(raw.okta)
        };
        validate::guard(&guard)?;
        Ok(Self {
            listen,
            cors,
            guard,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulator_defaults_load() {
        let config = Config::emulator();
        assert_eq!(
            config.listen,
            "127.0.0.1:9402"
                .parse::<SocketAddr>()
                .expect("static address")
        );
        assert_eq!(config.guard.session_claim, "okta_sid");
        assert_eq!(config.cors.allowed_origins.len(), 2);
        assert!(config.guard.event_hooks.is_some());
    }

    #[test]
    fn emulator_defaults_name_issuer() {
        let token = Config::emulator()
            .guard
            .token
            .expect("token section is always set");
        assert_eq!(token.issuer, "http://127.0.0.1:9400/oauth2/default");
        assert_eq!(token.audiences, ["api://default"]);
    }
}
