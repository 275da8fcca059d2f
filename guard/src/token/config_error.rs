//! Errors of [`TokenVerifierConfig`](super::TokenVerifierConfig) validation.

use std::time::Duration;

use super::config::{MAX_MAX_TOKEN_BYTES, MIN_MAX_TOKEN_BYTES};

/// A setting of [`TokenVerifierConfig`](super::TokenVerifierConfig) that cannot work.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The issuer is not a usable URL.
    #[error("invalid issuer `{issuer}`: {reason}")]
    InvalidIssuer {
        /// The configured value.
        issuer: String,
        /// The problem found.
        reason: String,
    },

    /// The issuer is Okta's org authorization server.
    #[error(
        "invalid issuer `{issuer}`: this is Okta's org authorization server, whose access \
         tokens cannot be verified locally; use a custom authorization server such as \
         `{issuer}/oauth2/default`",
        issuer = issuer.trim_end_matches('/')
    )]
    OrgAuthorizationServer {
        /// The configured value.
        issuer: String,
    },

    /// The issuer ends in `/`, which Okta's `iss` never does.
    #[error(
        "invalid issuer `{issuer}`: remove the trailing slash, Okta's `iss` has none and is \
         compared exactly"
    )]
    IssuerTrailingSlash {
        /// The configured value.
        issuer: String,
    },

    /// The issuer path does not end in `/oauth2/{authServerId}`.
    #[error(
        "invalid issuer `{issuer}`: expected a custom authorization server URL ending in \
         `/oauth2/{{authServerId}}`, such as `https://dev-1.okta.com/oauth2/default`"
    )]
    NotCustomAuthorizationServer {
        /// The configured value.
        issuer: String,
    },

    /// A URL uses plain HTTP to a host that is not a loopback address.
    #[error(
        "insecure {setting} `{url}`: use https (plain http is accepted for loopback addresses only)"
    )]
    InsecureUrl {
        /// The setting that contains the URL.
        setting: &'static str,
        /// The URL.
        url: String,
    },

    /// The explicit JWKS URL does not parse.
    #[error("invalid JWKS URL `{url}`: {reason}")]
    InvalidJwksUrl {
        /// The configured value.
        url: String,
        /// The parser's message.
        reason: String,
    },

    /// No audience was configured.
    #[error(
        "missing audience: add at least one with `.audience(...)`, for example `api://default`"
    )]
    NoAudience,

    /// The algorithm allow-list is empty.
    #[error("empty algorithm allow-list: allow at least one algorithm, Okta signs with RS256")]
    NoAlgorithms,

    /// A list entry is the empty string.
    #[error("invalid {setting}: the value is empty")]
    EmptyValue {
        /// The setting.
        setting: &'static str,
    },

    /// The client allow-list is present but empty, so it would reject every token.
    #[error(
        "empty client allow-list: list at least one client id, or do not call `allowed_clients`"
    )]
    EmptyClientAllowList,

    /// A required scope is not an RFC 6749 scope token.
    #[error(
        "invalid required scope {scope:?}: use printable ASCII without spaces, quotes or \
         backslashes, for example `demo.read` (RFC 6749 section 3.3)"
    )]
    InvalidScope {
        /// The configured value.
        scope: String,
    },

    /// The required token type is empty or has characters a media type cannot have.
    #[error(
        "invalid required token type {token_type:?}: use a media type such as `at+jwt`, in \
         printable ASCII without spaces, quotes or backslashes"
    )]
    InvalidTokenType {
        /// The configured value.
        token_type: String,
    },

    /// The leeway is larger than [`MAX_LEEWAY`](super::MAX_LEEWAY).
    #[error("leeway too large: {leeway:?} is above the maximum of {max:?}")]
    LeewayTooLarge {
        /// The configured value.
        leeway: Duration,
        /// The maximum.
        max: Duration,
    },

    /// The maximum token size is outside the accepted range.
    #[error(
        "invalid maximum token size: {bytes} bytes is outside {MIN_MAX_TOKEN_BYTES}..={MAX_MAX_TOKEN_BYTES}"
    )]
    InvalidMaxTokenSize {
        /// The configured value.
        bytes: usize,
    },

    /// The JWKS cache TTL bounds are zero or inverted.
    #[error(
        "invalid JWKS cache TTL bounds: min {min:?} must be above zero and at most max {max:?}"
    )]
    InvalidCacheTtl {
        /// The configured minimum.
        min: Duration,
        /// The configured maximum.
        max: Duration,
    },

    /// The refetch interval is longer than the minimum TTL.
    #[error(
        "invalid JWKS refetch interval: {interval:?} is above the minimum cache TTL of \
         {min_ttl:?}; lower the interval or raise the TTL"
    )]
    RefetchIntervalAboveMinTtl {
        /// The configured interval.
        interval: Duration,
        /// The configured minimum TTL.
        min_ttl: Duration,
    },

    /// The fetch timeout is zero.
    #[error("invalid JWKS fetch timeout: it must be above zero")]
    ZeroFetchTimeout,

    /// The maximum JWKS response size is too small for any real key set.
    #[error("invalid maximum JWKS size: {bytes} bytes is below the minimum of 1024")]
    InvalidMaxJwksSize {
        /// The configured value.
        bytes: usize,
    },
}
