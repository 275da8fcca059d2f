//! The `/config.json` document the app reads at start-up, and its checks.

use serde::Serialize;
use url::Url;

/// The app's runtime configuration, served as `/config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpaConfig {
    /// Custom authorization server URL, exactly as its tokens' `iss`.
    pub issuer: String,
    /// Client id of the app's public OIDC client.
    pub client_id: String,
    /// Redirect URI that receives the authorization code.
    pub redirect_uri: String,
    /// Redirect URI the browser returns to after logout.
    pub post_logout_redirect_uri: String,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// Base URL of the back end.
    pub api_base_url: String,
    /// Access-token claim with the Okta session id.
    pub session_claim: String,
}

/// A setting that would give the app an unusable configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A URL setting does not parse or is not http(s).
    #[error("{setting} is not an http(s) URL ({value:?}): {reason}")]
    InvalidUrl {
        /// The flag.
        setting: &'static str,
        /// The value.
        value: String,
        /// Why.
        reason: String,
    },

    /// A URL uses plain `http` on a host other than loopback.
    #[error(
        "{setting} must use https ({value:?}); plain http is accepted only for loopback hosts (127.0.0.0/8, localhost, [::1])"
    )]
    InsecureUrl {
        /// The flag.
        setting: &'static str,
        /// The value.
        value: String,
    },

    /// A base URL ends with `/` or has a query.
    #[error(
        "{setting} must not end with '/' or carry a query ({value:?}); the app appends paths to it"
    )]
    NotBaseUrl {
        /// The flag.
        setting: &'static str,
        /// The value.
        value: String,
    },

    /// A text setting is empty.
    #[error("{0} is empty; give it a value")]
    Empty(&'static str),

    /// The scopes lack `openid`.
    #[error("--scopes must contain openid (got {0:?}); without it Okta issues no ID token")]
    MissingOpenid(String),
}

impl SpaConfig {
    /// Checks the settings the way the app will, so that a mistake stops
    /// the host at start-up instead of showing up in the browser.
    ///
    /// # Errors
    /// The first [`ConfigError`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        base_url("--issuer", &self.issuer)?;
        base_url("--api-base-url", &self.api_base_url)?;
        http_url("--redirect-uri", &self.redirect_uri)?;
        http_url("--post-logout-redirect-uri", &self.post_logout_redirect_uri)?;
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::Empty("--client-id"));
        }
        if self.session_claim.trim().is_empty() {
            return Err(ConfigError::Empty("--session-claim"));
        }
        if !self.scopes.iter().any(|scope| scope == "openid") {
            return Err(ConfigError::MissingOpenid(self.scopes.join(" ")));
        }
        Ok(())
    }

    /// Returns the origins the app fetches from (issuer and back end), for
    /// the Content-Security-Policy's `connect-src`.
    pub fn connect_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = [&self.issuer, &self.api_base_url]
            .into_iter()
            .filter_map(|value| Url::parse(value).ok())
            .map(|url| url.origin().ascii_serialization())
            .collect();
        origins.dedup();
        origins
    }
}

fn http_url(setting: &'static str, value: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidUrl {
        setting,
        value: value.to_owned(),
        reason,
    };
    let url = Url::parse(value).map_err(|error| invalid(error.to_string()))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureUrl {
            setting,
            value: value.to_owned(),
        }),
        other => Err(invalid(format!("scheme {other:?}"))),
    }
}

/// Tells whether a URL's host is a loopback name or address, the only
/// hosts where the app accepts plain http.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

fn base_url(setting: &'static str, value: &str) -> Result<(), ConfigError> {
    let url = http_url(setting, value)?;
    if value.ends_with('/') || url.query().is_some() {
        return Err(ConfigError::NotBaseUrl {
            setting,
            value: value.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> SpaConfig {
        SpaConfig {
            issuer: "http://127.0.0.1:9400/oauth2/default".to_owned(),
            client_id: "0oademospa0000000001".to_owned(),
            redirect_uri: "http://127.0.0.1:9403/callback".to_owned(),
            post_logout_redirect_uri: "http://127.0.0.1:9403/".to_owned(),
            scopes: vec!["openid".to_owned(), "offline_access".to_owned()],
            api_base_url: "http://127.0.0.1:9402".to_owned(),
            session_claim: "okta_sid".to_owned(),
        }
    }

    #[test]
    fn validate_demo() {
        assert_eq!(demo().validate(), Ok(()));
    }

    #[test]
    fn validate_trailing_slash_issuer() {
        let config = SpaConfig {
            issuer: "http://127.0.0.1:9400/oauth2/default/".to_owned(),
            ..demo()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::NotBaseUrl {
                setting: "--issuer",
                ..
            })
        ));
    }

    #[test]
    fn validate_bad_redirect() {
        let config = SpaConfig {
            redirect_uri: "callback".to_owned(),
            ..demo()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::InvalidUrl {
                setting: "--redirect-uri",
                ..
            })
        ));
    }

    #[test]
    fn validate_plain_http_off_loopback() {
        let config = SpaConfig {
            api_base_url: "http://api.example.com".to_owned(),
            ..demo()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::InsecureUrl {
                setting: "--api-base-url",
                ..
            })
        ));
    }

    #[test]
    fn validate_https_real_org() {
        let config = SpaConfig {
            issuer: "https://example.okta.com/oauth2/default".to_owned(),
            ..demo()
        };
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn validate_without_openid() {
        let config = SpaConfig {
            scopes: vec!["profile".to_owned()],
            ..demo()
        };
        assert_eq!(
            config.validate(),
            Err(ConfigError::MissingOpenid("profile".to_owned()))
        );
    }

    #[test]
    fn validate_empty_client() {
        let config = SpaConfig {
            client_id: String::new(),
            ..demo()
        };
        assert_eq!(config.validate(), Err(ConfigError::Empty("--client-id")));
    }

    #[test]
    fn connect_origins_issuer_and_api() {
        assert_eq!(
            demo().connect_origins(),
            vec![
                "http://127.0.0.1:9400".to_owned(),
                "http://127.0.0.1:9402".to_owned()
            ]
        );
    }

    #[test]
    fn json_keys() {
        let json = serde_json::to_value(demo()).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "api_base_url",
                "client_id",
                "issuer",
                "post_logout_redirect_uri",
                "redirect_uri",
                "scopes",
                "session_claim"
            ]
        );
    }
}
