//! The authorization request (RFC 6749 section 4.1.1 with RFC 7636 PKCE
//! and the OpenID Connect `nonce`) and the callback that ends it.

use serde::{Deserialize, Serialize};
use url::Url;

use super::discovery::ProviderMetadata;
use crate::config::AppConfig;
use crate::pkce;

/// How long a started sign-in may take before its callback is refused, in
/// milliseconds: long enough to type a password, short enough that a
/// stale verifier left in sessionStorage is not reused.
pub const MAX_SIGN_IN_AGE_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The sign-in state kept in sessionStorage between the redirect to Okta
/// and the callback. Tokens are never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The `state` sent; the callback must return it.
    pub state: String,
    /// The `nonce` sent; the ID token must carry it.
    pub nonce: String,
    /// The PKCE `code_verifier`.
    pub code_verifier: String,
    /// When the sign-in started, in milliseconds since the Unix epoch.
    pub started_at_ms: f64,
}

impl PendingSignIn {
    /// Builds a sign-in from three sets of [`pkce::RANDOM_BYTES`] random
    /// bytes.
    pub fn new(state: &[u8], nonce: &[u8], verifier: &[u8], now_ms: f64) -> Self {
        PendingSignIn {
            state: pkce::encode_random(state),
            nonce: pkce::encode_random(nonce),
            code_verifier: pkce::encode_random(verifier),
            started_at_ms: now_ms,
        }
    }

    /// Builds the URL of the authorization request.
    pub fn authorize_url(
        &self,
        metadata: &ProviderMetadata,
        config: &AppConfig,
    ) -> Result<String, CallbackError> {
        let mut url = Url::parse(&metadata.authorization_endpoint).map_err(|error| {
            CallbackError::BadEndpoint(format!("{}: {error}", metadata.authorization_endpoint))
        })?;
        url.query_pairs_mut()
            .append_pair("client_id", &config.client_id)
            .append_pair("response_type", "code")
            .append_pair("response_mode", "query")
            .append_pair("scope", &config.scope_parameter())
            .append_pair("redirect_uri", config.redirect_uri.as_str())
            .append_pair("state", &self.state)
            .append_pair("nonce", &self.nonce)
            .append_pair("code_challenge", &pkce::s256_challenge(&self.code_verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Checks a callback against this sign-in and returns its code.
    ///
    /// # Errors
    /// [`CallbackError`]: Okta's own error, a `state` mismatch (a forged
    /// or crossed callback), a missing code, or a sign-in that is too old.
    pub fn accept(&self, callback: Callback, now_ms: f64) -> Result<String, CallbackError> {
        match callback {
            Callback::Error {
                error, description, ..
            } => Err(CallbackError::Okta { error, description }),
            Callback::Code { code, state } => {
                if state != self.state {
                    return Err(CallbackError::StateMismatch);
                }
                let age_ms = now_ms - self.started_at_ms;
                if !(0.0..=MAX_SIGN_IN_AGE_MS).contains(&age_ms) {
                    return Err(CallbackError::Stale {
                        age_secs: (age_ms / 1000.0).round() as i64,
                    });
                }
                Ok(code)
            }
            Callback::Incomplete => Err(CallbackError::MissingCode),
        }
    }
}

/// The parameters of the redirect back to `redirect_uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// A successful authorization.
    Code {
        /// The authorization code.
        code: String,
        /// The returned `state`.
        state: String,
    },
    /// An error response (RFC 6749 section 4.1.2.1).
    Error {
        /// The error code, such as `access_denied`.
        error: String,
        /// `error_description`, when present.
        description: Option<String>,
        /// The returned `state`, when present.
        state: Option<String>,
    },
    /// Neither a code with a state nor an error.
    Incomplete,
}

/// Parses the callback's query string (with or without the leading `?`).
pub fn parse_callback(query: &str) -> Callback {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;

    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = Some(value.into_owned()),
            _ => {}
        }
    }

    match (error, code, state) {
        (Some(error), _, state) => Callback::Error {
            error,
            description,
            state,
        },
        (None, Some(code), Some(state)) => Callback::Code { code, state },
        _ => Callback::Incomplete,
    }
}

/// A callback that does not complete the sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// Okta redirected back with `error` (and maybe `error_description`).
    #[error("Okta rejected the sign-in: {error}{}", .description.as_deref().map(|text| format!(" ({text})")).unwrap_or_default())]
    Okta {
        /// The error code.
        error: String,
        /// The description, when present.
        description: Option<String>,
    },

    /// The returned `state` is not the one sent.
    #[error(
        "the callback's state does not match the sign-in this tab started; start the sign-in again"
    )]
    StateMismatch,

    /// The callback has neither a code nor an error.
    #[error("the callback has no authorization code; start the sign-in again")]
    MissingCode,

    /// No sign-in was started in this tab (or it was already completed).
    #[error(
        "no sign-in was started in this tab, or it was already completed; start the sign-in again"
    )]
    NoPendingSignIn,

    /// The sign-in started too long ago.
    #[error(
        "the sign-in started {age_secs} s ago, longer than the 600 s allowed; start the sign-in again"
    )]
    Stale {
        /// Age of the sign-in in seconds.
        age_secs: i64,
    },

    /// The authorization endpoint in the discovery document is not a URL.
    #[error("the authorization endpoint is not a valid URL: {0}")]
    BadEndpoint(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000_000.0;

    fn pending() -> PendingSignIn {
        PendingSignIn::new(&[1; 32], &[2; 32], &[3; 32], NOW)
    }

    fn config() -> AppConfig {
        AppConfig::parse(
            r#"{"issuer":"http://127.0.0.1:9400/oauth2/default","client_id":"0oademospa0000000001",
            "redirect_uri":"http://127.0.0.1:9403/callback","post_logout_redirect_uri":"http://127.0.0.1:9403/",
            "scopes":["openid","offline_access"],"api_base_url":"http://127.0.0.1:9402","session_claim":"okta_sid"}"#,
        )
        .unwrap()
    }

    fn metadata() -> ProviderMetadata {
        let issuer = "http://127.0.0.1:9400/oauth2/default";
        ProviderMetadata {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}/v1/authorize"),
            token_endpoint: format!("{issuer}/v1/token"),
            jwks_uri: format!("{issuer}/v1/keys"),
            end_session_endpoint: None,
            code_challenge_methods_supported: None,
        }
    }

    #[test]
    fn authorize_url_parameters() {
        let sign_in = pending();
        let url = Url::parse(&sign_in.authorize_url(&metadata(), &config()).unwrap()).unwrap();
        let pairs: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();

        assert_eq!(url.path(), "/oauth2/default/v1/authorize");
        assert_eq!(pairs["response_type"], "code");
        assert_eq!(pairs["scope"], "openid offline_access");
        assert_eq!(pairs["redirect_uri"], "http://127.0.0.1:9403/callback");
        assert_eq!(pairs["state"], sign_in.state);
        assert_eq!(pairs["nonce"], sign_in.nonce);
        assert_eq!(
            pairs["code_challenge"],
            pkce::s256_challenge(&sign_in.code_verifier)
        );
        assert_eq!(pairs["code_challenge_method"], "S256");
    }

    #[test]
    fn authorize_url_keeps_verifier_out() {
        let sign_in = pending();
        let url = sign_in.authorize_url(&metadata(), &config()).unwrap();
        assert!(!url.contains(&sign_in.code_verifier));
    }

    #[test]
    fn callback_code() {
        let callback = parse_callback("?code=abc&state=xyz");
        assert_eq!(
            callback,
            Callback::Code {
                code: "abc".to_owned(),
                state: "xyz".to_owned()
            }
        );
    }

    #[test]
    fn callback_error_with_description() {
        let callback =
            parse_callback("error=access_denied&error_description=User+is+not+assigned&state=s");
        assert_eq!(
            callback,
            Callback::Error {
                error: "access_denied".to_owned(),
                description: Some("User is not assigned".to_owned()),
                state: Some("s".to_owned()),
            }
        );
    }

    #[test]
    fn callback_without_state() {
        assert_eq!(parse_callback("code=abc"), Callback::Incomplete);
    }

    #[test]
    fn accept_matching_state() {
        let sign_in = pending();
        let callback = Callback::Code {
            code: "c".to_owned(),
            state: sign_in.state.clone(),
        };
        assert_eq!(sign_in.accept(callback, NOW + 5_000.0), Ok("c".to_owned()));
    }

    #[test]
    fn accept_other_state() {
        let callback = Callback::Code {
            code: "c".to_owned(),
            state: "forged".to_owned(),
        };
        assert_eq!(
            pending().accept(callback, NOW),
            Err(CallbackError::StateMismatch)
        );
    }

    #[test]
    fn accept_stale_sign_in() {
        let sign_in = pending();
        let callback = Callback::Code {
            code: "c".to_owned(),
            state: sign_in.state.clone(),
        };
        let error = sign_in
            .accept(callback, NOW + MAX_SIGN_IN_AGE_MS + 1_000.0)
            .unwrap_err();
        assert_eq!(error, CallbackError::Stale { age_secs: 601 });
    }

    #[test]
    fn accept_okta_error() {
        let callback = parse_callback("error=access_denied&error_description=denied");
        let error = pending().accept(callback, NOW).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Okta rejected the sign-in: access_denied (denied)"
        );
    }

    #[test]
    fn pending_round_trip() {
        let sign_in = pending();
        let text = serde_json::to_string(&sign_in).unwrap();
        assert_eq!(
            serde_json::from_str::<PendingSignIn>(&text).unwrap(),
            sign_in
        );
    }
}
