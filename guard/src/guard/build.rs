//! Construction of a [`Guard`] from its configuration.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{Guard, GuardError, GuardInner};
use crate::config::{ConfigError, GuardConfig, OktaAuthConfig};
use crate::decision_cache::DecisionCache;
use crate::deny::DenyList;
use crate::epoch::RevocationEpoch;
use crate::http::rejection::ResponseStyle;
use crate::metrics::GuardMetrics;
use crate::session::okta_auth::{OktaAuth, ServiceApp};
use crate::session::oracle::SessionOracle;
use crate::session::sessions_api::SessionsApi;
use crate::token::TokenVerifier;

impl Guard {
    /// Builds a guard whose token verifier comes from `config.token`.
    ///
    /// # Errors
    ///
    /// [`GuardError::Config`] for an invalid or missing setting, an
    /// unreadable service-app key or deny list store.
    pub fn new(config: GuardConfig, http: reqwest::Client) -> Result<Self, GuardError> {
        let settings = config
            .token
            .as_ref()
            .ok_or(ConfigError::MissingTokenSettings)?;
        let verifier_config = settings.to_verifier_config().map_err(ConfigError::Token)?;
        let verifier =
            TokenVerifier::new(verifier_config, http.clone()).map_err(ConfigError::Token)?;
        Self::with_verifier(config, verifier, http)
    }

    /// Builds a guard around an existing token verifier.
    ///
    /// # Errors
    ///
    /// As [`Guard::new`].
    pub fn with_verifier(
        config: GuardConfig,
        verifier: TokenVerifier,
        http: reqwest::Client,
    ) -> Result<Self, GuardError> {
        config.validate()?;
        let metrics = GuardMetrics::new();
        let epoch = RevocationEpoch::default();

        let auth = match &config.okta.auth {
            OktaAuthConfig::ApiToken { token } => OktaAuth::ApiToken(token.clone()),
            OktaAuthConfig::ServiceApp {
                client_id,
                key_id,
                private_key_pem,
            } => {
                let key =
                    jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes())
                        .map_err(ConfigError::PrivateKey)?;
                let token_url = config.okta.org_url.join("/oauth2/v1/token").map_err(|_| {
                    ConfigError::Invalid {
                        setting: "okta.org_url",
                        value: config.okta.org_url.to_string(),
                        fix: "use the org base URL, for example https://example.okta.com",
                    }
                })?;
                OktaAuth::ServiceApp(Box::new(ServiceApp::new(
                    client_id.clone(),
                    key_id.clone(),
                    key,
                    token_url,
                )))
            }
        };
        let api = SessionsApi::new(
            http,
            &config.okta.org_url,
            auth,
            Duration::from_millis(config.okta.timeout_ms),
            metrics.clone(),
        )
        .map_err(|_| ConfigError::Invalid {
            setting: "okta.org_url",
            value: config.okta.org_url.to_string(),
            fix: "use the org base URL, for example https://example.okta.com",
        })?;
        let oracle = SessionOracle::new(api, &config, epoch.clone(), metrics.clone());

        let deny_list = match &config.deny_list {
            Some(deny) => Some(Arc::new(
                DenyList::open(
                    &deny.path,
                    SystemTime::now(),
                    epoch.clone(),
                    metrics.clone(),
                )
                .map_err(ConfigError::DenyList)?,
            )),
            None => None,
        };

        tracing::info!(
            org = %config.okta.org_url,
            session_claim = %config.session_claim,
            ttl_s = config.session.verdict_ttl_secs,
            outage = ?config.outage.mode,
            event_hooks = config.event_hooks.is_some(),
            deny_list = config.deny_list.is_some(),
            "session guard ready"
        );
        Ok(Self {
            inner: Arc::new(GuardInner {
                decisions: DecisionCache::new(config.session.max_decisions),
                style: ResponseStyle::new(&config.responses),
                config,
                verifier,
                oracle,
                deny_list,
                epoch,
                metrics,
            }),
        })
    }
}
