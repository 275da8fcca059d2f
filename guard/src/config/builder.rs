//! Builder for [`GuardConfig`]: strict defaults, one method per loosening.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::{
    ConfigError, DenyListConfig, EventHookConfig, GuardConfig, OktaAuthConfig, OktaConfig,
    OutageMode, TokenSettings, default_dedupe_capacity, default_event_header,
};
use crate::secret::Secret;
use crate::session::SessionStatus;

/// Builds a [`GuardConfig`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use session_guard::{GuardConfig, OktaAuthConfig, Secret};
///
/// let config = GuardConfig::builder(
///     "https://example.okta.com".parse().unwrap(),
///     OktaAuthConfig::ApiToken { token: Secret::new("00abc") },
/// )
/// .verdict_ttl(Duration::from_secs(15))
/// .build()
/// .unwrap();
/// assert_eq!(config.session_claim, "okta_sid");
/// ```
#[derive(Debug, Clone)]
pub struct GuardConfigBuilder {
    config: GuardConfig,
}

impl GuardConfigBuilder {
    pub(super) fn new(org_url: Url, auth: OktaAuthConfig) -> Self {
        Self {
            config: GuardConfig::new(OktaConfig::new(org_url, auth)),
        }
    }

    /// Sets the access-token rules used by [`crate::Guard::new`].
    pub fn token(mut self, settings: TokenSettings) -> Self {
        self.config.token = Some(settings);
        self
    }

    /// Sets the access-token claim that carries the session id.
    pub fn session_claim(mut self, name: impl Into<String>) -> Self {
        self.config.session_claim = name.into();
        self
    }

    /// Also accepts sessions in status `MFA_REQUIRED`.
    pub fn accept_mfa_required(mut self) -> Self {
        self.accept(SessionStatus::MfaRequired);
        self
    }

    /// Also accepts sessions in status `MFA_ENROLL`.
    pub fn accept_mfa_enroll(mut self) -> Self {
        self.accept(SessionStatus::MfaEnroll);
        self
    }

    fn accept(&mut self, status: SessionStatus) {
        if !self.config.session.accepted_statuses.contains(&status) {
            self.config.session.accepted_statuses.push(status);
        }
    }

    /// Sets how long an alive verdict is reused (whole seconds).
    pub fn verdict_ttl(mut self, ttl: Duration) -> Self {
        self.config.session.verdict_ttl_secs = ttl.as_secs();
        self
    }

    /// Sets the bound to which the TTL stretches as Okta's rate budget
    /// runs out, and the fraction of the budget below which it stretches.
    pub fn budget_stretching(mut self, max_staleness: Duration, stretch_below: f64) -> Self {
        self.config.session.max_staleness_secs = max_staleness.as_secs();
        self.config.session.stretch_below = stretch_below;
        self
    }

    /// Sets the maximum number of cached sessions and cached decisions.
    pub fn cache_capacity(mut self, sessions: usize, decisions: usize) -> Self {
        self.config.session.max_sessions = sessions;
        self.config.session.max_decisions = decisions;
        self
    }

    /// Sets the longest access-token lifetime the authorization server issues.
    pub fn max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.session.max_token_lifetime_secs = lifetime.as_secs();
        self
    }

    /// Sets the timeout of one Sessions API call.
    pub fn okta_timeout(mut self, timeout: Duration) -> Self {
        self.config.okta.timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Serves the last alive verdict for up to `grace` past its TTL when
    /// Okta cannot be asked, instead of failing closed.
    pub fn serve_stale(mut self, grace: Duration) -> Self {
        self.config.outage.mode = OutageMode::ServeStale;
        self.config.outage.stale_grace_secs = grace.as_secs();
        self
    }

    /// Sets the `Retry-After` of a 503 when Okta gave no reset time.
    pub fn retry_after(mut self, delay: Duration) -> Self {
        self.config.outage.retry_after_secs = delay.as_secs();
        self
    }

    /// Enables the event hook receiver, authenticated by `secret` in the
    /// `Authorization` header.
    pub fn event_hooks(mut self, secret: Secret) -> Self {
        self.config.event_hooks = Some(EventHookConfig {
            secret,
            header: default_event_header(),
            dedupe_capacity: default_dedupe_capacity(),
        });
        self
    }

    /// Enables the `jti` deny list stored at `path`, with its admin API
    /// protected by `admin_secret`.
    pub fn deny_list(mut self, path: impl Into<PathBuf>, admin_secret: Secret) -> Self {
        self.config.deny_list = Some(DenyListConfig {
            path: path.into(),
            admin_secret,
        });
        self
    }

    /// Sets the `realm` of `WWW-Authenticate`.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.config.responses.realm = realm.into();
        self
    }

    /// Sets the base of problem `type` URIs.
    pub fn problem_type_base(mut self, base: impl Into<String>) -> Self {
        self.config.responses.problem_type_base = Some(base.into());
        self
    }

    /// Validates and returns the configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] names the first invalid setting.
    pub fn build(self) -> Result<GuardConfig, ConfigError> {
        self.config.validate()?;
        Ok(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> GuardConfigBuilder {
        GuardConfig::builder(
            Url::parse("http://127.0.0.1:9400").expect("static URL"),
            OktaAuthConfig::ApiToken {
                token: Secret::new("00mockOktaDemoApiToken0000000000000000000"),
            },
        )
    }

    #[test]
    fn defaults_are_strict() {
        let config = builder().build().expect("defaults are valid");
        assert_eq!(
            config.session.accepted_statuses,
            vec![SessionStatus::Active]
        );
        assert_eq!(config.outage.mode, OutageMode::FailClosed);
        assert_eq!(config.session_claim, "okta_sid");
    }

    #[test]
    fn build_rejects_sid_claim() {
        assert!(builder().session_claim("sid").build().is_err());
    }

    #[test]
    fn build_rejects_plain_http_off_loopback() {
        let config = GuardConfig::builder(
            Url::parse("http://example.okta.com").expect("static URL"),
            OktaAuthConfig::ApiToken {
                token: Secret::new("t"),
            },
        )
        .build();
        assert!(config.is_err());
    }

    #[test]
    fn build_rejects_org_url_with_oauth2_path() {
        let config = GuardConfig::builder(
            Url::parse("https://example.okta.com/oauth2/default").expect("static URL"),
            OktaAuthConfig::ApiToken {
                token: Secret::new("t"),
            },
        )
        .build();
        assert!(config.is_err());
    }

    #[test]
    fn build_rejects_staleness_below_ttl() {
        let config = builder()
            .verdict_ttl(Duration::from_secs(60))
            .budget_stretching(Duration::from_secs(30), 0.5)
            .build();
        assert!(config.is_err());
    }

    #[test]
    fn build_rejects_serve_stale_without_grace() {
        assert!(builder().serve_stale(Duration::ZERO).build().is_err());
    }

    #[test]
    fn mfa_statuses_are_opt_in() {
        let config = builder().accept_mfa_required().build().expect("valid");
        assert!(
            config
                .session
                .accepted_statuses
                .contains(&SessionStatus::MfaRequired)
        );
        assert!(
            !config
                .session
                .accepted_statuses
                .contains(&SessionStatus::MfaEnroll)
        );
    }

    #[test]
    fn toml_loads_with_defaults() {
        let text = r#"
            [okta]
            org_url = "https://example.okta.com"
            auth = { method = "api_token", token = "00abc" }

            [session]
            accepted_statuses = ["ACTIVE", "MFA_REQUIRED"]

            [outage]
            mode = "serve_stale"
            stale_grace_secs = 60
        "#;
        let config: GuardConfig = toml::from_str(text).expect("parses");
        assert!(config.validate().is_ok());
        assert_eq!(config.session.verdict_ttl_secs, 30);
        assert_eq!(config.outage.mode, OutageMode::ServeStale);
    }

    #[test]
    fn toml_rejects_unknown_key() {
        let text = r#"
            unknown = 1
            [okta]
            org_url = "https://example.okta.com"
            auth = { method = "api_token", token = "00abc" }
        "#;
        assert!(toml::from_str::<GuardConfig>(text).is_err());
    }
}
