//! The runtime configuration read from `/config.json`, served next to the
//! app, so that one build works against the emulator or a real Okta org.

use serde::Deserialize;
use url::Url;

/// Path of the configuration document, relative to the app's origin.
pub const CONFIG_PATH: &str = "/config.json";

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// Custom authorization server URL, exactly as its tokens' `iss`
    /// (no trailing slash), for example `http://127.0.0.1:9400/oauth2/default`.
    pub issuer: String,
    /// Client id of the app's public OIDC client.
    pub client_id: String,
    /// Redirect URI that receives the authorization code.
    pub redirect_uri: Url,
    /// Redirect URI the browser returns to after `/v1/logout`.
    pub post_logout_redirect_uri: Url,
    /// Scopes requested at sign-in; always contains `openid`.
    pub scopes: Vec<String>,
    /// Base URL of the back end, without a trailing slash.
    pub api_base_url: String,
    /// Access-token claim that carries the Okta session id.
    pub session_claim: String,
}

/// A configuration document that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The document is not the expected JSON object.
    #[error(
        "config.json is invalid: {0}; expected an object with the keys issuer, client_id, redirect_uri, post_logout_redirect_uri, scopes, api_base_url and session_claim"
    )]
    Json(String),

    /// A key is present but empty.
    #[error("config.json key `{0}` is empty; set it to a non-empty value")]
    Empty(&'static str),

    /// A URL key does not parse.
    #[error("config.json key `{key}` is not a valid URL ({value:?}): {reason}")]
    InvalidUrl {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// The parse error.
        reason: String,
    },

    /// A URL key uses plain `http` on a host other than loopback.
    #[error(
        "config.json key `{key}` must use https ({value:?}); plain http is accepted only for loopback hosts (127.0.0.0/8, localhost, [::1])"
    )]
    InsecureUrl {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
    },

    /// A URL that must be a plain base carries a query, a fragment or a
    /// trailing slash.
    #[error(
        "config.json key `{key}` must be a base URL without a trailing slash, query or fragment; got {value:?}"
    )]
    NotBaseUrl {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
    },

    /// `scopes` lacks `openid`, without which Okta issues no ID token.
    #[error("config.json key `scopes` must contain \"openid\"; got {0:?}")]
    MissingOpenid(Vec<String>),

    /// A scope is empty or contains whitespace.
    #[error("config.json key `scopes` has an invalid entry {0:?}; a scope is one non-empty word")]
    InvalidScope(String),

    /// `session_claim` names a claim Okta reserves.
    #[error(
        "config.json key `session_claim` cannot be {0:?}: Okta reserves that claim name; use okta_sid"
    )]
    ReservedClaim(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    issuer: String,
    client_id: String,
    redirect_uri: String,
    post_logout_redirect_uri: String,
    scopes: Vec<String>,
    api_base_url: String,
    session_claim: String,
}

/// Claim names an inline hook cannot set in an Okta access token.
const RESERVED_CLAIMS: [&str; 9] = [
    "sid", "iss", "sub", "aud", "exp", "iat", "jti", "cid", "scp",
];

impl AppConfig {
    /// Parses and validates a `config.json` document.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key at fault and the fix.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|error| ConfigError::Json(error.to_string()))?;

        let issuer = base_url("issuer", &raw.issuer)?;
        let api_base_url = base_url("api_base_url", &raw.api_base_url)?;
        let redirect_uri = secure_url("redirect_uri", &raw.redirect_uri)?;
        let post_logout_redirect_uri =
            secure_url("post_logout_redirect_uri", &raw.post_logout_redirect_uri)?;

        let client_id = non_empty("client_id", raw.client_id)?;
        let session_claim = non_empty("session_claim", raw.session_claim)?;
        if RESERVED_CLAIMS.contains(&session_claim.as_str()) {
            return Err(ConfigError::ReservedClaim(session_claim));
        }

        for scope in &raw.scopes {
            if scope.is_empty() || scope.contains(char::is_whitespace) {
                return Err(ConfigError::InvalidScope(scope.clone()));
            }
        }
        if !raw.scopes.iter().any(|scope| scope == "openid") {
            return Err(ConfigError::MissingOpenid(raw.scopes));
        }

        Ok(AppConfig {
            issuer,
            client_id,
            redirect_uri,
            post_logout_redirect_uri,
            scopes: raw.scopes,
            api_base_url,
            session_claim,
        })
    }

    /// Returns the scopes as the space-separated `scope` parameter.
    pub fn scope_parameter(&self) -> String {
        self.scopes.join(" ")
    }

    /// Tells whether the app requests a refresh token (`offline_access`).
    pub fn wants_refresh_token(&self) -> bool {
        self.scopes.iter().any(|scope| scope == "offline_access")
    }

    /// Returns the origin the app must be opened on: the redirect URI's.
    /// The PKCE verifier lives in that origin's sessionStorage, so a
    /// sign-in started on another origin cannot be completed.
    pub fn app_origin(&self) -> String {
        self.redirect_uri.origin().ascii_serialization()
    }

    /// Returns the URL of a back-end route such as `/api/profile`.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base_url)
    }
}

fn non_empty(key: &'static str, value: String) -> Result<String, ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::Empty(key));
    }
    Ok(value)
}

/// Parses a URL that must be https, or http on a loopback host.
fn secure_url(key: &'static str, value: &str) -> Result<Url, ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::Empty(key));
    }
    let url = Url::parse(value).map_err(|error| ConfigError::InvalidUrl {
        key,
        value: value.to_owned(),
        reason: error.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureUrl {
            key,
            value: value.to_owned(),
        }),
        other => Err(ConfigError::InvalidUrl {
            key,
            value: value.to_owned(),
            reason: format!("scheme {other:?} is not http or https"),
        }),
    }
}

/// Parses a base URL and returns it as written (the `url` crate would add
/// a `/` to a bare origin, and `iss` comparison is exact).
fn base_url(key: &'static str, value: &str) -> Result<String, ConfigError> {
    let url = secure_url(key, value)?;
    if value.ends_with('/') || url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::NotBaseUrl {
            key,
            value: value.to_owned(),
        });
    }
    Ok(value.to_owned())
}

/// Tells whether a URL's host is a loopback name or address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn emulator() -> Value {
        json!({
            "issuer": "http://127.0.0.1:9400/oauth2/default",
            "client_id": "0oademospa0000000001",
            "redirect_uri": "http://127.0.0.1:9403/callback",
            "post_logout_redirect_uri": "http://127.0.0.1:9403/",
            "scopes": ["openid", "profile", "email", "offline_access", "demo.read", "demo.write"],
            "api_base_url": "http://127.0.0.1:9402",
            "session_claim": "okta_sid"
        })
    }

    fn parse_with(key: &str, value: Value) -> Result<AppConfig, ConfigError> {
        let mut document = emulator();
        document[key] = value;
        AppConfig::parse(&document.to_string())
    }

    #[test]
    fn config_emulator_defaults() {
        let config = AppConfig::parse(&emulator().to_string()).unwrap();
        assert_eq!(config.issuer, "http://127.0.0.1:9400/oauth2/default");
        assert_eq!(config.app_origin(), "http://127.0.0.1:9403");
        assert_eq!(
            config.api_url("/api/profile"),
            "http://127.0.0.1:9402/api/profile"
        );
        assert_eq!(
            config.scope_parameter(),
            "openid profile email offline_access demo.read demo.write"
        );
        assert!(config.wants_refresh_token());
    }

    #[test]
    fn config_real_org_https() {
        let config =
            parse_with("issuer", json!("https://example.okta.com/oauth2/default")).unwrap();
        assert_eq!(config.issuer, "https://example.okta.com/oauth2/default");
    }

    #[test]
    fn config_plain_http_off_loopback() {
        let error =
            parse_with("issuer", json!("http://example.okta.com/oauth2/default")).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::InsecureUrl { key: "issuer", .. }
        ));
    }

    #[test]
    fn config_localhost_and_ipv6_loopback() {
        assert!(parse_with("api_base_url", json!("http://localhost:9402")).is_ok());
        assert!(parse_with("api_base_url", json!("http://[::1]:9402")).is_ok());
    }

    #[test]
    fn config_trailing_slash_issuer() {
        let error =
            parse_with("issuer", json!("http://127.0.0.1:9400/oauth2/default/")).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::NotBaseUrl { key: "issuer", .. }
        ));
    }

    #[test]
    fn config_unknown_key() {
        let mut document = emulator();
        document["scope"] = json!("openid");
        let error = AppConfig::parse(&document.to_string()).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `scope`"),
            "{error}"
        );
    }

    #[test]
    fn config_missing_key() {
        let mut document = emulator();
        document.as_object_mut().unwrap().remove("client_id");
        let error = AppConfig::parse(&document.to_string()).unwrap_err();
        assert!(
            error.to_string().contains("missing field `client_id`"),
            "{error}"
        );
    }

    #[test]
    fn config_scopes_without_openid() {
        let error = parse_with("scopes", json!(["profile"])).unwrap_err();
        assert_eq!(
            error,
            ConfigError::MissingOpenid(vec!["profile".to_owned()])
        );
    }

    #[test]
    fn config_scope_with_space() {
        let error = parse_with("scopes", json!(["openid", "demo read"])).unwrap_err();
        assert_eq!(error, ConfigError::InvalidScope("demo read".to_owned()));
    }

    #[test]
    fn config_without_offline_access() {
        let config = parse_with("scopes", json!(["openid"])).unwrap();
        assert!(!config.wants_refresh_token());
    }

    #[test]
    fn config_reserved_session_claim() {
        let error = parse_with("session_claim", json!("sid")).unwrap_err();
        assert_eq!(error, ConfigError::ReservedClaim("sid".to_owned()));
    }

    #[test]
    fn config_empty_client_id() {
        let error = parse_with("client_id", json!(" ")).unwrap_err();
        assert_eq!(error, ConfigError::Empty("client_id"));
    }

    #[test]
    fn config_javascript_scheme() {
        let error = parse_with("redirect_uri", json!("javascript:alert(1)")).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::InvalidUrl {
                key: "redirect_uri",
                ..
            }
        ));
    }
}
