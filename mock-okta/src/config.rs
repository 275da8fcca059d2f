//! The emulator's configuration: one TOML file seeds the org.
//!
//! With no file, [`Config::embedded_default`] gives a ready demo org. Every
//! value is checked in [`Config::validate`] so that a typo fails at start-up
//! with the key, the value and the fix, rather than as a confusing 400 later.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("default.toml");

/// Okta's bounds on an access token's lifetime: 5 minutes to 24 hours.
pub const ACCESS_TOKEN_LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 300..=86_400;

/// The whole org as seeded at start-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Org URL advertised in discovery and `iss`; empty means "derive from
    /// the listen address".
    #[serde(default)]
    pub org_url: String,
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    #[serde(default)]
    pub sessions: SessionPolicy,
    #[serde(default)]
    pub rate_limits: RateLimits,
    #[serde(default)]
    pub users: Vec<UserConfig>,
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    #[serde(default)]
    pub authorization_servers: Vec<AuthorizationServerConfig>,
    #[serde(default)]
    pub api_tokens: Vec<ApiTokenConfig>,
    #[serde(default)]
    pub event_hooks: Vec<EventHookConfig>,
    #[serde(default)]
    pub inline_hooks: Vec<InlineHookConfig>,
}

/// Global session policy: idle timeout and maximum lifetime, in seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPolicy {
    pub idle_timeout_seconds: u64,
    pub max_lifetime_seconds: u64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout_seconds: 7200,
            max_lifetime_seconds: 86_400,
        }
    }
}

/// Requests per minute for each endpoint bucket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub sessions: u32,
    pub users: u32,
    pub logs: u32,
    pub oauth_authorize: u32,
    pub oauth_token: u32,
    pub oauth_keys: u32,
    pub oauth_other: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            sessions: 600,
            users: 600,
            logs: 120,
            oauth_authorize: 600,
            oauth_token: 600,
            oauth_keys: 600,
            oauth_other: 600,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub id: String,
    pub login: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    /// Defaults to the login.
    #[serde(default)]
    pub email: Option<String>,
}

/// OAuth client type, as in Okta's application settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientType {
    /// A browser or native app without a secret: PKCE is mandatory.
    Public,
    /// A server-side app that authenticates with `client_secret`.
    Confidential,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub client_type: ClientType,
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationServerConfig {
    pub id: String,
    pub name: String,
    pub audiences: Vec<String>,
    pub scopes: Vec<String>,
    pub access_token_lifetime_seconds: u64,
    pub id_token_lifetime_seconds: u64,
    pub refresh_token_lifetime_seconds: u64,
    pub key_overlap_seconds: u64,
    pub jwks_max_age_seconds: u64,
    /// Id of the token inline hook bound to this server's access policy
    /// rule (the emulator models one policy with one rule per server).
    #[serde(default)]
    pub token_inline_hook: Option<String>,
    /// What the hook request's `data.context.session` contains on refresh
    /// grants, which Okta does not document.
    #[serde(default)]
    pub refresh_hook_session: RefreshHookSession,
}

/// The session block of token inline hook requests on refresh grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshHookSession {
    /// No `data.context.session` at all.
    #[default]
    Absent,
    /// The session of the sign-in that started the refresh token's family.
    Present,
    /// Another session of the same browser (possibly another user's), as in
    /// the Okta defect fixed in 2025.
    OtherSession,
}

/// How Okta authenticates its call to an inline hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InlineHookAuth {
    /// `channel.type HTTP` with `authScheme {type: HEADER, key, value}`.
    Header { key: String, value: String },
    /// `channel.type OAUTH`: Okta sends `Authorization: Bearer <JWT>`, an
    /// access token the emulator mints from `authorization_server` for
    /// `client_id` with `audience` and `scope`.
    Oauth {
        authorization_server: String,
        client_id: String,
        audience: String,
        #[serde(default)]
        scope: Vec<String>,
    },
}

/// A token inline hook (`com.okta.oauth2.tokens.transform`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineHookConfig {
    pub id: String,
    pub name: String,
    pub url: String,
    pub auth: InlineHookAuth,
    /// Milliseconds before Okta gives up and issues the token unmodified;
    /// Okta's is 3 seconds.
    #[serde(default = "default_event_hook_timeout_ms")]
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenConfig {
    pub name: String,
    pub token: String,
}

/// An event hook: where the emulator POSTs System Log events, as an Okta
/// admin registers it (`channel.config.uri`, `authScheme`, `headers`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHookConfig {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Event types delivered, for example `user.session.end`.
    pub events: Vec<String>,
    /// Header that carries the secret (`authScheme.key`).
    #[serde(default = "default_auth_header")]
    pub auth_header: String,
    /// Secret header value (`authScheme.value`); none sends no auth header.
    #[serde(default)]
    pub auth_value: Option<String>,
    /// Extra headers sent with every request (`channel.config.headers`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Per-request timeout in milliseconds; Okta's is 3 seconds.
    #[serde(default = "default_event_hook_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_auth_header() -> String {
    "Authorization".to_owned()
}

fn default_event_hook_timeout_ms() -> u64 {
    3000
}

/// Event types the emulator produces and can deliver to event hooks.
pub const EVENT_HOOK_EVENT_TYPES: [&str; 8] = [
    "user.session.start",
    "user.session.end",
    "user.session.clear",
    "user.authentication.universal_logout",
    "user.lifecycle.suspend",
    "user.lifecycle.deactivate",
    "user.account.lock",
    "user.account.reset_password",
];

/// A configuration file that cannot be used, with the fix in the message.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
}

const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];

impl Config {
    /// Returns the demo org compiled into the binary.
    pub fn embedded_default() -> Config {
        // The embedded file is checked by a unit test, so this cannot fail.
        toml::from_str(DEFAULT_TOML).expect("embedded default.toml parses")
    }

    /// Reads and validates a TOML file.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML of this schema, or fails
    /// [`Config::validate`].
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: display.clone(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: display,
            source: Box::new(source),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks cross-references and Okta's bounds.
    ///
    /// # Errors
    /// The first problem found, naming the key, the value and the fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |message: String| Err(ConfigError::Invalid(message));

        if !self.org_url.is_empty() && url::Url::parse(&self.org_url).is_err() {
            return invalid(format!(
                "org_url {:?} is not an absolute URL; use for example \"http://127.0.0.1:9400\" or leave it empty",
                self.org_url
            ));
        }
        for origin in &self.trusted_origins {
            if url::Url::parse(origin).is_err() {
                return invalid(format!(
                    "trusted_origins entry {origin:?} is not an origin; use scheme://host:port"
                ));
            }
        }
        if self.sessions.idle_timeout_seconds == 0 || self.sessions.max_lifetime_seconds == 0 {
            return invalid(
                "sessions.idle_timeout_seconds and sessions.max_lifetime_seconds must be at least 1"
                    .to_owned(),
            );
        }

        let mut user_ids = HashSet::new();
        let mut logins = HashSet::new();
        for user in &self.users {
            if !user_ids.insert(user.id.as_str()) {
                return invalid(format!("users: duplicate id {:?}", user.id));
            }
            if !logins.insert(user.login.to_lowercase()) {
                return invalid(format!("users: duplicate login {:?}", user.login));
            }
        }

        let mut client_ids = HashSet::new();
        for client in &self.clients {
            if !client_ids.insert(client.client_id.as_str()) {
                return invalid(format!(
                    "clients: duplicate client_id {:?}",
                    client.client_id
                ));
            }
            for grant in &client.grant_types {
                if !GRANT_TYPES.contains(&grant.as_str()) {
                    return invalid(format!(
                        "clients.{}: grant type {grant:?} is not supported; use one of {}",
                        client.client_id,
                        GRANT_TYPES.join(", ")
                    ));
                }
            }
            match (client.client_type, &client.client_secret) {
                (ClientType::Confidential, None) => {
                    return invalid(format!(
                        "clients.{}: a confidential client needs client_secret",
                        client.client_id
                    ));
                }
                (ClientType::Public, Some(_)) => {
                    return invalid(format!(
                        "clients.{}: a public client must not have client_secret; remove it or set type = \"confidential\"",
                        client.client_id
                    ));
                }
                _ => {}
            }
            let needs_redirect = client.grant_types.iter().any(|g| g == "authorization_code");
            if needs_redirect && client.redirect_uris.is_empty() {
                return invalid(format!(
                    "clients.{}: authorization_code needs at least one redirect_uris entry",
                    client.client_id
                ));
            }
            for uri in client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris)
            {
                if url::Url::parse(uri).is_err() {
                    return invalid(format!(
                        "clients.{}: {uri:?} is not an absolute URL",
                        client.client_id
                    ));
                }
            }
        }

        let mut server_ids = HashSet::new();
        for server in &self.authorization_servers {
            if !server_ids.insert(server.id.as_str()) {
                return invalid(format!(
                    "authorization_servers: duplicate id {:?}",
                    server.id
                ));
            }
            if server.id.is_empty()
                || !server
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return invalid(format!(
                    "authorization_servers: id {:?} must be letters, digits, '-' or '_' (it is a URL path segment)",
                    server.id
                ));
            }
            if server.audiences.is_empty() {
                return invalid(format!(
                    "authorization_servers.{}: audiences must not be empty",
                    server.id
                ));
            }
            if !ACCESS_TOKEN_LIFETIME_SECONDS.contains(&server.access_token_lifetime_seconds) {
                return invalid(format!(
                    "authorization_servers.{}: access_token_lifetime_seconds {} is outside Okta's range of 300 to 86400",
                    server.id, server.access_token_lifetime_seconds
                ));
            }
            if !ACCESS_TOKEN_LIFETIME_SECONDS.contains(&server.id_token_lifetime_seconds) {
                return invalid(format!(
                    "authorization_servers.{}: id_token_lifetime_seconds {} is outside 300 to 86400",
                    server.id, server.id_token_lifetime_seconds
                ));
            }
            if server.refresh_token_lifetime_seconds == 0 {
                return invalid(format!(
                    "authorization_servers.{}: refresh_token_lifetime_seconds must be at least 1",
                    server.id
                ));
            }
        }

        let mut hook_ids = HashSet::new();
        for hook in &self.event_hooks {
            if !hook_ids.insert(hook.id.as_str()) {
                return invalid(format!("event_hooks: duplicate id {:?}", hook.id));
            }
            match url::Url::parse(&hook.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => {
                    return invalid(format!(
                        "event_hooks.{}: url {:?} is not an absolute http(s) URL",
                        hook.id, hook.url
                    ));
                }
            }
            if hook.events.is_empty() {
                return invalid(format!("event_hooks.{}: events must not be empty", hook.id));
            }
            for event in &hook.events {
                if !EVENT_HOOK_EVENT_TYPES.contains(&event.as_str()) {
                    return invalid(format!(
                        "event_hooks.{}: event type {event:?} is not one the emulator produces; use one of {}",
                        hook.id,
                        EVENT_HOOK_EVENT_TYPES.join(", ")
                    ));
                }
            }
            if hook.timeout_ms == 0 {
                return invalid(format!(
                    "event_hooks.{}: timeout_ms must be at least 1",
                    hook.id
                ));
            }
        }

        let mut inline_ids = HashSet::new();
        for hook in &self.inline_hooks {
            if !inline_ids.insert(hook.id.as_str()) {
                return invalid(format!("inline_hooks: duplicate id {:?}", hook.id));
            }
            match url::Url::parse(&hook.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => {
                    return invalid(format!(
                        "inline_hooks.{}: url {:?} is not an absolute http(s) URL",
                        hook.id, hook.url
                    ));
                }
            }
            if hook.timeout_ms == 0 {
                return invalid(format!(
                    "inline_hooks.{}: timeout_ms must be at least 1",
                    hook.id
                ));
            }
            if let InlineHookAuth::Oauth {
                authorization_server,
                ..
            } = &hook.auth
                && !server_ids.contains(authorization_server.as_str())
            {
                return invalid(format!(
                    "inline_hooks.{}: auth.authorization_server {authorization_server:?} is not configured",
                    hook.id
                ));
            }
        }
        for server in &self.authorization_servers {
            if let Some(hook) = &server.token_inline_hook
                && !inline_ids.contains(hook.as_str())
            {
                return invalid(format!(
                    "authorization_servers.{}: token_inline_hook {hook:?} is not in inline_hooks",
                    server.id
                ));
            }
        }

        for (bucket, limit) in self.rate_limit_table() {
            if limit == 0 {
                return invalid(format!(
                    "rate_limits.{bucket} is 0, which would reject every request; use a limit of at least 1 request per minute"
                ));
            }
        }

        if self.api_tokens.iter().any(|t| t.token.len() < 16) {
            return invalid("api_tokens: every token must be at least 16 characters".to_owned());
        }
        Ok(())
    }

    /// Returns the per-bucket limits keyed by bucket name.
    pub fn rate_limit_table(&self) -> BTreeMap<&'static str, u32> {
        let r = &self.rate_limits;
        BTreeMap::from([
            ("sessions", r.sessions),
            ("users", r.users),
            ("logs", r.logs),
            ("oauth_authorize", r.oauth_authorize),
            ("oauth_token", r.oauth_token),
            ("oauth_keys", r.oauth_keys),
            ("oauth_other", r.oauth_other),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_valid() {
        Config::embedded_default().validate().unwrap();
    }

    #[test]
    fn lifetime_below_okta_minimum_rejected() {
        let mut config = Config::embedded_default();
        config.authorization_servers[0].access_token_lifetime_seconds = 60;
        let error = config.validate().unwrap_err().to_string();
        assert!(
            error.contains("access_token_lifetime_seconds 60"),
            "{error}"
        );
    }

    #[test]
    fn zero_rate_limit_rejected() {
        let mut config = Config::embedded_default();
        config.rate_limits.sessions = 0;
        let error = config.validate().unwrap_err().to_string();
        assert!(error.contains("rate_limits.sessions is 0"), "{error}");
    }

    #[test]
    fn public_client_with_secret_rejected() {
        let mut config = Config::embedded_default();
        config.clients[0].client_secret = Some("x".to_owned());
        let error = config.validate().unwrap_err().to_string();
        assert!(
            error.contains("public client must not have client_secret"),
            "{error}"
        );
    }
}
