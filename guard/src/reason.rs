//! Stable reason codes for every decision the guard can reach.
//!
//! The code is part of the public contract: clients, dashboards and the
//! replay scenario match on it, so a variant's string never changes once
//! released. The HTTP status and the RFC 6750 error code follow from it.

use http::StatusCode;

/// Why a request was rejected (or, for [`Reason::Allowed`], that it was not).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Token and, where required, session were verified.
    Allowed,
    /// No `Authorization: Bearer` credential on the request.
    MissingToken,
    /// The credential is not a compact JWS or its JSON does not parse.
    MalformedToken,
    /// The token is larger than the configured maximum size.
    TokenTooLarge,
    /// The header's `alg` is not on the server-side allow-list (this covers
    /// `none` and every HMAC algorithm).
    AlgorithmNotAllowed,
    /// No key in the issuer's JWKS has the token's `kid`, even after a refetch.
    UnknownKey,
    /// The signature does not verify with the key named by `kid`.
    InvalidSignature,
    /// `exp` is in the past (beyond the leeway).
    TokenExpired,
    /// `nbf` is in the future (beyond the leeway).
    TokenNotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// `iss` is not exactly the configured issuer.
    IssuerMismatch,
    /// The token comes from Okta's org authorization server, whose tokens
    /// cannot be verified locally.
    OrgAuthorizationServer,
    /// `aud` contains none of the configured audiences.
    AudienceMismatch,
    /// `cid` is not on the configured client allow-list.
    ClientNotAllowed,
    /// A required scope is missing from `scp` / `scope`.
    InsufficientScope,
    /// The JWS header's `typ` is not the required one.
    WrongTokenType,
    /// A required claim (`sub`, `exp`, `iat`, `uid` and so on) is missing or
    /// has the wrong JSON type.
    InvalidClaims,
    /// The token carries no session claim, so it cannot be tied to a session.
    NotSessionBound,
    /// The Okta session named by the token has ended.
    SessionEnded,
    /// The Okta session belongs to a user other than the token's `uid`.
    SessionUserMismatch,
    /// The Okta session exists but its status is not accepted
    /// (for example `MFA_REQUIRED` when that is not allowed).
    SessionNotActive,
    /// The token's `jti` is on the deny list.
    TokenDenied,
    /// Okta could not be asked (unreachable, 5xx or timeout) and no verdict
    /// may be served.
    OktaUnavailable,
    /// Okta answered 429 and no verdict may be served.
    OktaRateLimited,
    /// The issuer's JWKS could not be fetched and no usable keys are cached.
    JwksUnavailable,
}

impl Reason {
    /// Returns the stable reason code sent to clients.
    pub const fn code(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::MissingToken => "missing_token",
            Reason::MalformedToken => "malformed_token",
            Reason::TokenTooLarge => "token_too_large",
            Reason::AlgorithmNotAllowed => "algorithm_not_allowed",
            Reason::UnknownKey => "unknown_key",
            Reason::InvalidSignature => "invalid_signature",
            Reason::TokenExpired => "token_expired",
            Reason::TokenNotYetValid => "token_not_yet_valid",
            Reason::IssuedInFuture => "issued_in_future",
            Reason::IssuerMismatch => "issuer_mismatch",
            Reason::OrgAuthorizationServer => "org_authorization_server",
            Reason::AudienceMismatch => "audience_mismatch",
            Reason::ClientNotAllowed => "client_not_allowed",
            Reason::InsufficientScope => "insufficient_scope",
            Reason::WrongTokenType => "wrong_token_type",
            Reason::InvalidClaims => "invalid_claims",
            Reason::NotSessionBound => "not_session_bound",
            Reason::SessionEnded => "session_ended",
            Reason::SessionUserMismatch => "session_user_mismatch",
            Reason::SessionNotActive => "session_not_active",
            Reason::TokenDenied => "token_denied",
            Reason::OktaUnavailable => "okta_unavailable",
            Reason::OktaRateLimited => "okta_rate_limited",
            Reason::JwksUnavailable => "jwks_unavailable",
        }
    }

    /// Returns the HTTP status of a rejection for this reason.
    ///
    /// Upstream failures are 503, never 401: the token may be fine, and a
    /// client that sees 401 would throw it away and sign the user in again.
    pub const fn status(self) -> StatusCode {
        match self {
            Reason::Allowed => StatusCode::OK,
            Reason::InsufficientScope | Reason::ClientNotAllowed => StatusCode::FORBIDDEN,
            Reason::OktaUnavailable | Reason::OktaRateLimited | Reason::JwksUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Reason::MissingToken
            | Reason::MalformedToken
            | Reason::TokenTooLarge
            | Reason::AlgorithmNotAllowed
            | Reason::UnknownKey
            | Reason::InvalidSignature
            | Reason::TokenExpired
            | Reason::TokenNotYetValid
            | Reason::IssuedInFuture
            | Reason::IssuerMismatch
            | Reason::OrgAuthorizationServer
            | Reason::AudienceMismatch
            | Reason::WrongTokenType
            | Reason::InvalidClaims
            | Reason::NotSessionBound
            | Reason::SessionEnded
            | Reason::SessionUserMismatch
            | Reason::SessionNotActive
            | Reason::TokenDenied => StatusCode::UNAUTHORIZED,
        }
    }

    /// Returns the RFC 6750 section 3.1 error code for `WWW-Authenticate`,
    /// or `None` where the RFC says to send none (no credential at all) or
    /// where the failure is not the client's (503).
    pub const fn bearer_error(self) -> Option<&'static str> {
        match self {
            Reason::Allowed
            | Reason::MissingToken
            | Reason::OktaUnavailable
            | Reason::OktaRateLimited
            | Reason::JwksUnavailable => None,
            Reason::InsufficientScope | Reason::ClientNotAllowed => Some("insufficient_scope"),
            _ => Some("invalid_token"),
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
