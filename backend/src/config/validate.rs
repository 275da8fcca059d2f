//! Checks of values that parse but could not work.

use std::net::SocketAddr;

use http::HeaderValue;
use session_guard::config::ConfigError as GuardConfigError;
use session_guard::{GuardConfig, OktaAuthConfig};
use url::{Host, Url};

use super::ConfigError;
use super::report::env_var;

/// Secrets of the emulator org (see `emulator.toml`). They are public, so
/// they are refused whenever the org is not on loopback.
const EMULATOR_API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
const EMULATOR_EVENT_HOOK_SECRET: &str = "demo-event-hook-secret";

fn invalid(
    key: &str,
    value: &str,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        value: format!("{value:?}"),
        problem: problem.into(),
        fix: fix.into(),
    }
}

pub(super) fn listen(value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| {
        invalid(
            "listen",
            value,
            "not a socket address",
            "set IP:PORT, for example 127.0.0.1:9402",
        )
    })
}

/// Accepts exact origins as browsers send them in `Origin`: scheme, host
/// and an optional port, nothing else (RFC 6454 serialization).
pub(super) fn cors_origins(values: &[String]) -> Result<Vec<HeaderValue>, ConfigError> {
    const KEY: &str = "cors.allowed_origins";
    const FIX: &str = "list origins such as \"http://127.0.0.1:9403\": scheme, host and port, without a path or trailing slash";

    let mut origins = Vec::with_capacity(values.len());
    for value in values {
        if value == "*" {
            return Err(invalid(
                KEY,
                value,
                "a wildcard lets every web site call the API with a user's token",
                FIX,
            ));
        }
        let url = Url::parse(value)
            .map_err(|error| invalid(KEY, value, format!("not a URL: {error}"), FIX))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(KEY, value, "not an http or https origin", FIX));
        }
        // The serialized origin must equal the value byte for byte, because
        // browsers compare `Origin` as a string.
        if url.origin().ascii_serialization() != *value {
            return Err(invalid(
                KEY,
                value,
                "not in the form browsers send in the Origin header",
                FIX,
            ));
        }
        let header = HeaderValue::from_str(value)
            .map_err(|_| invalid(KEY, value, "not a valid header value", FIX))?;
        origins.push(header);
    }
    Ok(origins)
}

/// Runs the guard's own checks, the token verifier's issuer check, and
/// refuses the emulator's public secrets for an org off loopback.
pub(super) fn guard(config: &GuardConfig) -> Result<(), ConfigError> {
    config.validate().map_err(|error| match error {
        GuardConfigError::Invalid {
            setting,
            value,
            fix,
        } => ConfigError::Invalid {
            key: setting.to_owned(),
            value,
            problem: "rejected by the session guard".to_owned(),
            fix: fix.to_owned(),
        },
        other => ConfigError::Invalid {
            key: "guard".to_owned(),
            value: "-".to_owned(),
            problem: other.to_string(),
            fix: "correct the setting named in the problem".to_owned(),
        },
    })?;

    if let Some(token) = &config.token
        && let Err(error) = token.to_verifier_config()
    {
        return Err(invalid(
            "token.issuer",
            &token.issuer,
            error.to_string(),
            "use the custom authorization server URL, for example https://example.okta.com/oauth2/default",
        ));
    }

    if !is_loopback(&config.okta.org_url) {
        if let OktaAuthConfig::ApiToken { token } = &config.okta.auth
            && token.matches(EMULATOR_API_TOKEN.as_bytes())
        {
            return Err(emulator_secret("okta.auth.token", config));
        }
        if let Some(hooks) = &config.event_hooks
            && hooks.secret.matches(EMULATOR_EVENT_HOOK_SECRET.as_bytes())
        {
            return Err(emulator_secret("event_hooks.secret", config));
        }
    }
    Ok(())
}

fn emulator_secret(key: &str, config: &GuardConfig) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        value: "[redacted]".to_owned(),
        problem: format!(
            "the emulator's public demo secret is set for the org {}",
            config.okta.org_url
        ),
        fix: format!("export {} with the secret of that org", env_var(key)),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_accept_demo_origins() {
        let values = [
            "http://127.0.0.1:9403".to_owned(),
            "http://localhost:9403".to_owned(),
        ];
        assert_eq!(cors_origins(&values).expect("valid origins").len(), 2);
    }

    #[test]
    fn cors_origins_reject_trailing_slash() {
        assert!(cors_origins(&["http://localhost:9403/".to_owned()]).is_err());
    }

    #[test]
    fn cors_origins_reject_path() {
        assert!(cors_origins(&["https://app.example.com/spa".to_owned()]).is_err());
    }

    #[test]
    fn cors_origins_reject_wildcard() {
        assert!(cors_origins(&["*".to_owned()]).is_err());
    }

    #[test]
    fn cors_origins_reject_default_port_spelled_out() {
        // Browsers drop the default port from Origin, so this would never match.
        assert!(cors_origins(&["https://app.example.com:443".to_owned()]).is_err());
    }

    #[test]
    fn listen_rejects_host_name() {
        assert!(listen("localhost:9402").is_err());
    }
}
