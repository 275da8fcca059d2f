//! The authorization server's OpenID Connect discovery document.

use serde::Deserialize;

/// Path of the discovery document under the issuer (OpenID Connect
/// Discovery 1.0 section 4).
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The endpoints the app uses, read from the discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer; must equal the configured one.
    pub issuer: String,
    /// The endpoint the browser is sent to for sign-in.
    pub authorization_endpoint: String,
    /// The endpoint that exchanges codes and refresh tokens.
    pub token_endpoint: String,
    /// The signing keys of ID and access tokens.
    pub jwks_uri: String,
    /// RP-initiated logout; Okta serves `{issuer}/v1/logout`.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// PKCE methods; absent in some servers' metadata.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

/// A discovery document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The document does not parse.
    #[error("the discovery document is invalid: {0}")]
    Json(String),

    /// The document names another issuer (OpenID Connect Discovery 1.0
    /// section 4.3 requires them to be identical).
    #[error(
        "the discovery document names issuer {found:?}, not the configured {expected:?}; set `issuer` in config.json to the authorization server's issuer exactly"
    )]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer in the document.
        found: String,
    },

    /// The server does not list the S256 PKCE method.
    #[error(
        "the authorization server does not support PKCE S256 (code_challenge_methods_supported is {0:?})"
    )]
    NoS256(Vec<String>),
}

/// Returns the discovery URL of an issuer.
pub fn discovery_url(issuer: &str) -> String {
    format!("{issuer}{DISCOVERY_PATH}")
}

impl ProviderMetadata {
    /// Parses a discovery document and checks it against the configured
    /// issuer.
    ///
    /// # Errors
    /// [`DiscoveryError`].
    pub fn parse(text: &str, expected_issuer: &str) -> Result<Self, DiscoveryError> {
        let metadata: ProviderMetadata =
            serde_json::from_str(text).map_err(|error| DiscoveryError::Json(error.to_string()))?;

        if metadata.issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: expected_issuer.to_owned(),
                found: metadata.issuer,
            });
        }
        if let Some(methods) = &metadata.code_challenge_methods_supported
            && !methods.iter().any(|method| method == "S256")
        {
            return Err(DiscoveryError::NoS256(methods.clone()));
        }
        Ok(metadata)
    }

    /// Returns the logout endpoint, falling back to Okta's
    /// `{issuer}/v1/logout` when the document does not name one.
    pub fn logout_endpoint(&self) -> String {
        self.end_session_endpoint
            .clone()
            .unwrap_or_else(|| format!("{}/v1/logout", self.issuer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "http://127.0.0.1:9400/oauth2/default";

    fn document() -> serde_json::Value {
        json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/v1/authorize"),
            "token_endpoint": format!("{ISSUER}/v1/token"),
            "jwks_uri": format!("{ISSUER}/v1/keys"),
            "end_session_endpoint": format!("{ISSUER}/v1/logout"),
            "code_challenge_methods_supported": ["S256"],
            "response_types_supported": ["code"]
        })
    }

    #[test]
    fn discovery_url_okta() {
        assert_eq!(
            discovery_url(ISSUER),
            "http://127.0.0.1:9400/oauth2/default/.well-known/openid-configuration"
        );
    }

    #[test]
    fn discovery_parses_endpoints() {
        let metadata = ProviderMetadata::parse(&document().to_string(), ISSUER).unwrap();
        assert_eq!(metadata.token_endpoint, format!("{ISSUER}/v1/token"));
        assert_eq!(metadata.logout_endpoint(), format!("{ISSUER}/v1/logout"));
    }

    #[test]
    fn discovery_other_issuer() {
        let error = ProviderMetadata::parse(&document().to_string(), "https://other").unwrap_err();
        assert!(matches!(error, DiscoveryError::IssuerMismatch { .. }));
    }

    #[test]
    fn discovery_without_s256() {
        let mut doc = document();
        doc["code_challenge_methods_supported"] = json!(["plain"]);
        let error = ProviderMetadata::parse(&doc.to_string(), ISSUER).unwrap_err();
        assert_eq!(error, DiscoveryError::NoS256(vec!["plain".to_owned()]));
    }

    #[test]
    fn discovery_logout_fallback() {
        let mut doc = document();
        doc.as_object_mut().unwrap().remove("end_session_endpoint");
        let metadata = ProviderMetadata::parse(&doc.to_string(), ISSUER).unwrap();
        assert_eq!(metadata.logout_endpoint(), format!("{ISSUER}/v1/logout"));
    }

    #[test]
    fn discovery_missing_token_endpoint() {
        let mut doc = document();
        doc.as_object_mut().unwrap().remove("token_endpoint");
        let error = ProviderMetadata::parse(&doc.to_string(), ISSUER).unwrap_err();
        assert!(matches!(error, DiscoveryError::Json(_)));
    }
}
