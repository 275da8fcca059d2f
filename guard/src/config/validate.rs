//! Validation of [`GuardConfig`] and its construction helpers.

use std::time::Duration;

use url::Url;

use super::{ConfigError, GuardConfig, GuardConfigBuilder, OktaAuthConfig, OutageMode};
use crate::session::SessionStatus;

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
