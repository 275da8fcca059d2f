//! Requests to the token endpoint (RFC 6749 sections 4.1.3 and 6, with
//! RFC 7636 `code_verifier`) and their responses.

use std::fmt;

use serde::Deserialize;

use crate::config::AppConfig;
use crate::jwt::fingerprint;

/// Builds the form body that exchanges an authorization code.
pub fn code_exchange_form(code: &str, code_verifier: &str, config: &AppConfig) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", config.redirect_uri.as_str())
        .append_pair("client_id", &config.client_id)
        .append_pair("code_verifier", code_verifier)
        .finish()
}

/// Builds the form body that redeems a refresh token. Okta rotates
/// refresh tokens of public clients, so the response carries a new one and
/// the old one stops working after a short grace period.
pub fn refresh_form(refresh_token: &str, config: &AppConfig) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token)
        .append_pair("client_id", &config.client_id)
        .append_pair("scope", &config.scope_parameter())
        .finish()
}

/// A successful token response (RFC 6749 section 5.1).
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// Always `Bearer` from Okta.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// The access token.
    pub access_token: String,
    /// Granted scopes, space separated.
    #[serde(default)]
    pub scope: Option<String>,
    /// The ID token (with `openid`).
    #[serde(default)]
    pub id_token: Option<String>,
    /// The refresh token (with `offline_access`).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("access_token", &fingerprint(&self.access_token))
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.as_deref().map(fingerprint))
            .field(
                "refresh_token",
                &self.refresh_token.as_deref().map(fingerprint),
            )
            .finish()
    }
}

/// A token request that did not yield tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The endpoint returned an OAuth error (RFC 6749 section 5.2).
    #[error("the token endpoint refused the request ({status}): {error}{}", .description.as_deref().map(|text| format!(": {text}")).unwrap_or_default())]
    Rejected {
        /// HTTP status.
        status: u16,
        /// `error`, such as `invalid_grant`.
        error: String,
        /// `error_description`, when present.
        description: Option<String>,
    },

    /// The response is neither tokens nor an OAuth error.
    #[error("the token endpoint answered {status} with an unreadable body: {reason}")]
    Unreadable {
        /// HTTP status.
        status: u16,
        /// The parser's message.
        reason: String,
    },

    /// The token type is not `Bearer`.
    #[error("the token endpoint issued a {0:?} token; this app sends Bearer tokens only")]
    NotBearer(String),
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Interprets the token endpoint's response.
///
/// # Errors
/// [`TokenError`].
pub fn parse_token_response(status: u16, body: &str) -> Result<TokenResponse, TokenError> {
    if !(200..300).contains(&status) {
        return match serde_json::from_str::<OAuthErrorBody>(body) {
            Ok(error) => Err(TokenError::Rejected {
                status,
                error: error.error,
                description: error.error_description,
            }),
            Err(error) => Err(TokenError::Unreadable {
                status,
                reason: error.to_string(),
            }),
        };
    }

    let response: TokenResponse =
        serde_json::from_str(body).map_err(|error| TokenError::Unreadable {
            status,
            reason: error.to_string(),
        })?;
    if !response.token_type.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::NotBearer(response.token_type));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AppConfig {
        AppConfig::parse(
            r#"{"issuer":"http://127.0.0.1:9400/oauth2/default","client_id":"0oademospa0000000001",
            "redirect_uri":"http://127.0.0.1:9403/callback","post_logout_redirect_uri":"http://127.0.0.1:9403/",
            "scopes":["openid","offline_access"],"api_base_url":"http://127.0.0.1:9402","session_claim":"okta_sid"}"#,
        )
        .unwrap()
    }

    #[test]
    fn code_form_fields() {
        let form = code_exchange_form("c1", "v1", &config());
        assert_eq!(
            form,
            "grant_type=authorization_code&code=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A9403%2Fcallback&client_id=0oademospa0000000001&code_verifier=v1"
        );
    }

    #[test]
    fn refresh_form_fields() {
        let form = refresh_form("r1", &config());
        assert_eq!(
            form,
            "grant_type=refresh_token&refresh_token=r1&client_id=0oademospa0000000001&scope=openid+offline_access"
        );
    }

    #[test]
    fn response_tokens() {
        let body = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"a","scope":"openid","id_token":"i","refresh_token":"r"}"#;
        let response = parse_token_response(200, body).unwrap();
        assert_eq!(response.expires_in, 3600);
        assert_eq!(response.refresh_token.as_deref(), Some("r"));
    }

    #[test]
    fn response_oauth_error() {
        let body = r#"{"error":"invalid_grant","error_description":"The refresh token is invalid or expired."}"#;
        let error = parse_token_response(400, body).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the token endpoint refused the request (400): invalid_grant: The refresh token is invalid or expired."
        );
    }

    #[test]
    fn response_html_error() {
        let error = parse_token_response(502, "<html>").unwrap_err();
        assert!(matches!(error, TokenError::Unreadable { status: 502, .. }));
    }

    #[test]
    fn response_not_bearer() {
        let body = r#"{"token_type":"DPoP","expires_in":3600,"access_token":"a"}"#;
        assert_eq!(
            parse_token_response(200, body),
            Err(TokenError::NotBearer("DPoP".to_owned()))
        );
    }

    #[test]
    fn response_debug_redacts() {
        let body = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"secret-access"}"#;
        let response = parse_token_response(200, body).unwrap();
        assert!(!format!("{response:?}").contains("secret-access"));
    }
}
