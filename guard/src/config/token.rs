//! Access-token settings inside [`super::GuardConfig`].

use std::time::Duration;

use serde::Deserialize;

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
