//! Every way sign-in, refresh and sign-out can fail, worded for the
//! person at the screen: what failed and what to do.

use crate::browser::BrowserError;
use crate::browser::http::FetchError;
use crate::config::ConfigError;
use crate::oidc::authorize::CallbackError;
use crate::oidc::discovery::DiscoveryError;
use crate::oidc::id_token::IdTokenError;
use crate::oidc::token::TokenError;

/// A failure of the OpenID Connect client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `/config.json` could not be fetched.
    #[error("the app's configuration could not be loaded: {0}")]
    ConfigUnreachable(FetchError),

    /// `/config.json` returned an error status.
    #[error(
        "the app's configuration {url} answered HTTP {status}; serve config.json next to index.html (the spa-host binary generates it)"
    )]
    ConfigStatus {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
    },

    /// `/config.json` is invalid.
    #[error(transparent)]
    Config(ConfigError),

    /// The page is open on another origin than the redirect URI's.
    #[error(
        "this page is open at {actual}, but Okta sends the browser back to {expected}; open the app at {expected}"
    )]
    WrongOrigin {
        /// The redirect URI's origin.
        expected: String,
        /// The page's origin.
        actual: String,
    },

    /// Okta (the discovery document) is unreachable.
    #[error(
        "Okta at {issuer} is unreachable: {source}. Start the emulator (`cargo run -p mock-okta`) or check `issuer` in config.json"
    )]
    OktaUnreachable {
        /// The configured issuer.
        issuer: String,
        /// Why.
        source: FetchError,
    },

    /// An Okta endpoint returned an unexpected status.
    #[error("Okta answered HTTP {status} at {url}; check `issuer` and `client_id` in config.json")]
    OktaStatus {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
    },

    /// The discovery document is unusable.
    #[error(transparent)]
    Discovery(DiscoveryError),

    /// The redirect back from Okta does not complete the sign-in.
    #[error(transparent)]
    Callback(CallbackError),

    /// The token endpoint did not issue tokens.
    #[error(transparent)]
    Token(TokenError),

    /// The token endpoint or JWKS could not be reached.
    #[error("Okta could not be reached during sign-in: {0}")]
    TokenUnreachable(FetchError),

    /// The token response lacks the ID token (`openid` not granted).
    #[error("the token response has no ID token; request the openid scope")]
    MissingIdToken,

    /// The ID token is not acceptable.
    #[error("the ID token was rejected: {0}")]
    IdToken(IdTokenError),

    /// The session has no refresh token to redeem.
    #[error("there is no refresh token; request the offline_access scope and sign in again")]
    NoRefreshToken,

    /// A browser API failed.
    #[error(transparent)]
    Browser(BrowserError),
}

impl From<CallbackError> for AuthError {
    fn from(error: CallbackError) -> Self {
        AuthError::Callback(error)
    }
}

impl From<TokenError> for AuthError {
    fn from(error: TokenError) -> Self {
        AuthError::Token(error)
    }
}

impl From<IdTokenError> for AuthError {
    fn from(error: IdTokenError) -> Self {
        AuthError::IdToken(error)
    }
}

impl From<BrowserError> for AuthError {
    fn from(error: BrowserError) -> Self {
        AuthError::Browser(error)
    }
}

impl AuthError {
    /// Returns a short heading for the error panel.
    pub fn title(&self) -> &'static str {
        match self {
            AuthError::ConfigUnreachable(_)
            | AuthError::ConfigStatus { .. }
            | AuthError::Config(_) => "Configuration problem",
            AuthError::WrongOrigin { .. } => "Wrong address",
            AuthError::OktaUnreachable { .. } | AuthError::TokenUnreachable(_) => {
                "Okta is unreachable"
            }
            AuthError::OktaStatus { .. } | AuthError::Discovery(_) => {
                "Unexpected response from Okta"
            }
            AuthError::Callback(CallbackError::Okta { .. }) => "Okta rejected the sign-in",
            AuthError::Callback(_) => "Sign-in could not be completed",
            AuthError::Token(_) | AuthError::MissingIdToken => "Token request failed",
            AuthError::IdToken(_) => "ID token rejected",
            AuthError::NoRefreshToken => "Refresh unavailable",
            AuthError::Browser(_) => "Browser error",
        }
    }

    /// Returns a stable code for tests and logs.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::ConfigUnreachable(_) | AuthError::ConfigStatus { .. } => {
                "config_unavailable"
            }
            AuthError::Config(_) => "config_invalid",
            AuthError::WrongOrigin { .. } => "wrong_origin",
            AuthError::OktaUnreachable { .. } | AuthError::TokenUnreachable(_) => {
                "okta_unreachable"
            }
            AuthError::OktaStatus { .. } => "okta_status",
            AuthError::Discovery(_) => "discovery_invalid",
            AuthError::Callback(CallbackError::Okta { .. }) => "authorize_error",
            AuthError::Callback(_) => "callback_invalid",
            AuthError::Token(_) => "token_error",
            AuthError::MissingIdToken => "missing_id_token",
            AuthError::IdToken(_) => "id_token_invalid",
            AuthError::NoRefreshToken => "no_refresh_token",
            AuthError::Browser(_) => "browser_error",
        }
    }
}
