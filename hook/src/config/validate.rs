//! Checks of configuration values that parse but could not work.

use std::net::SocketAddr;

use axum::http::HeaderName;
use url::Url;

use super::{Config, ConfigError, InboundAuth};
use crate::secret::Secret;

/// Claims a token inline hook cannot add or change. Okta skips a patch that
/// touches one and issues the token unmodified, so a hook configured with
/// one of these would silently never link a token. `sub`, `aud` and `nbf`
/// are registered JWT claims (RFC 7519) that Okta sets itself.
pub const RESERVED_CLAIMS: &[&str] = &[
    "sid",
    "acr",
    "amr",
    "auth_time",
    "cid",
    "cnf",
    "exp",
    "groups",
    "iat",
    "iss",
    "jti",
    "scp",
    "uid",
    "ver",
    "token_type",
    "username",
    "as_uri",
    "rpt",
    "rsi",
    "authorization_details",
    "sub",
    "aud",
    "nbf",
];

/// Longest accepted claim name, in bytes.
const MAX_CLAIM_NAME_LEN: usize = 64;

/// Shortest accepted shared secret, in bytes.
const MIN_SECRET_LEN: usize = 16;

/// Okta waits 3 s for a token inline hook, so the deadline must leave
/// room for the response to travel back.
const MAX_DEADLINE_MS: u64 = 2900;
const MIN_DEADLINE_MS: u64 = 100;

/// Minimum link lifetime, in seconds: shorter than any access token.
const MIN_TTL_SECONDS: u64 = 60;

fn invalid(
    key: &'static str,
    value: &str,
    reason: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        key,
        value: format!("{value:?}"),
        reason: reason.into(),
        fix: fix.into(),
    }
}

fn invalid_secret(
    key: &'static str,
    reason: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        key,
        value: "<redacted>".to_owned(),
        reason: reason.into(),
        fix: fix.into(),
    }
}

pub(super) fn parse_listen(value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| {
        invalid(
            "listen",
            value,
            "not a socket address",
            "set IP:PORT, for example 127.0.0.1:9401",
        )
    })
}

pub(super) fn parse_http_url(key: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|error| {
        invalid(
            key,
            value,
            format!("not a URL ({error})"),
            "set an absolute http:// or https:// URL",
        )
    })?;

    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            key,
            value,
            "scheme is not http or https, or the host is missing",
            "set an absolute http:// or https:// URL",
        ));
    }
    Ok(url)
}

fn check_header_name(key: &'static str, value: &str) -> Result<(), ConfigError> {
    HeaderName::from_bytes(value.as_bytes()).map_err(|_| {
        invalid(
            key,
            value,
            "not a valid HTTP header name",
            "set a header name such as Authorization",
        )
    })?;
    Ok(())
}

fn check_secret(key: &'static str, secret: &Secret) -> Result<(), ConfigError> {
    if secret.expose().len() < MIN_SECRET_LEN {
        return Err(invalid_secret(
            key,
            format!("shorter than {MIN_SECRET_LEN} bytes"),
            "set a random secret of at least 16 characters, the same value as in Okta's hook registration",
        ));
    }
    Ok(())
}

/// Rejects reserved and malformed claim names.
pub(super) fn check_claim_name(name: &str) -> Result<(), ConfigError> {
    let fix = "set claims.name to an unreserved name such as okta_sid";

    if RESERVED_CLAIMS.contains(&name) {
        return Err(invalid(
            "claims.name",
            name,
            "Okta reserves this claim and skips a hook patch that touches it, so no token would carry the session",
            fix,
        ));
    }

    let well_formed = !name.is_empty()
        && name.len() <= MAX_CLAIM_NAME_LEN
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'));
    if !well_formed {
        return Err(invalid(
            "claims.name",
            name,
            "a claim name must be 1 to 64 characters from A-Z, a-z, 0-9, '_', '-', '.'",
            fix,
        ));
    }
    Ok(())
}

impl Config {
    /// Checks every value; the first problem found is returned.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        parse_listen(&self.listen)?;

        if !(MIN_DEADLINE_MS..=MAX_DEADLINE_MS).contains(&self.deadline_ms) {
            return Err(invalid(
                "deadline_ms",
                &self.deadline_ms.to_string(),
                "Okta waits 3000 ms for the hook, so the deadline must be 100 to 2900 ms",
                "set deadline_ms to 2000",
            ));
        }

        self.validate_okta()?;
        self.validate_inline_hook()?;
        self.validate_claims()?;

        if self.refresh.ttl_seconds < MIN_TTL_SECONDS {
            return Err(invalid(
                "refresh.ttl_seconds",
                &self.refresh.ttl_seconds.to_string(),
                "links shorter than 60 s end before the access tokens they refresh",
                "set it to the refresh token lifetime of the access policy rule, for example 7776000",
            ));
        }
        if self.store.purge_interval_seconds == 0 {
            return Err(invalid(
                "store.purge_interval_seconds",
                "0",
                "the purge would run continuously",
                "set a number of seconds such as 300",
            ));
        }

        if !(1..=60_000).contains(&self.store.flush_interval_ms) {
            return Err(invalid(
                "store.flush_interval_ms",
                &self.store.flush_interval_ms.to_string(),
                "the flush interval must be 1 to 60000 ms",
                "set it to 100, or set store.durability = \"immediate\"",
            ));
        }

        check_header_name("event_hooks.header_name", &self.event_hooks.header_name)?;
        check_secret("event_hooks.secret", &self.event_hooks.secret)?;
        Ok(())
    }

    fn validate_okta(&self) -> Result<(), ConfigError> {
        parse_http_url("okta.org_url", &self.okta.org_url)?;

        if self.okta.api_token.is_empty() {
            return Err(invalid_secret(
                "okta.api_token",
                "empty",
                "create an API token in the Okta Admin Console (Security > API > Tokens) and set SESSION_HOOK_OKTA__API_TOKEN",
            ));
        }
        if self.okta.timeout_ms == 0 || self.okta.timeout_ms >= self.deadline_ms {
            return Err(invalid(
                "okta.timeout_ms",
                &self.okta.timeout_ms.to_string(),
                format!(
                    "the Sessions API timeout must be above 0 and below deadline_ms ({})",
                    self.deadline_ms
                ),
                "set okta.timeout_ms to about three quarters of deadline_ms, for example 1500",
            ));
        }
        Ok(())
    }

    fn validate_inline_hook(&self) -> Result<(), ConfigError> {
        let hook = &self.inline_hook;
        match hook.auth {
            InboundAuth::Header => {
                check_header_name("inline_hook.header_name", &hook.header_name)?;
                check_secret("inline_hook.header_secret", &hook.header_secret)?;
            }
            InboundAuth::Bearer => {
                parse_http_url("inline_hook.bearer.issuer", &hook.bearer.issuer)?;
                if hook.bearer.audience.is_empty() {
                    return Err(invalid(
                        "inline_hook.bearer.audience",
                        "",
                        "bearer mode needs the audience of the JWT Okta sends",
                        "set the audience of the authorization server that issues the hook's token",
                    ));
                }
                self.jwks_url()?;
            }
        }
        Ok(())
    }

    fn validate_claims(&self) -> Result<(), ConfigError> {
        check_claim_name(&self.claims.name)?;

        for grant in &self.claims.session_grants {
            if matches!(grant.as_str(), "refresh_token" | "client_credentials" | "") {
                return Err(invalid(
                    "claims.session_grants",
                    grant,
                    "this grant carries no session of its own",
                    "list only grants a user signs in with, such as authorization_code",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_name_rejects_every_reserved() {
        for name in RESERVED_CLAIMS {
            assert!(check_claim_name(name).is_err(), "{name} accepted");
        }
    }

    #[test]
    fn claim_name_accepts_default() {
        assert!(check_claim_name("okta_sid").is_ok());
    }

    #[test]
    fn claim_name_rejects_slash() {
        assert!(check_claim_name("a/b").is_err());
    }

    #[test]
    fn claim_name_rejects_empty() {
        assert!(check_claim_name("").is_err());
    }
}
