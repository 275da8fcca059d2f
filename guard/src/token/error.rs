//! Errors of access token verification.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::algorithm::SigningAlgorithm;
use super::jwks::JwksError;
use crate::Reason;

/// A part of a compact JWS (`header.payload.signature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPart {
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for TokenPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenPart::Header => "header",
            TokenPart::Payload => "payload",
            TokenPart::Signature => "signature",
        })
    }
}

/// An access token failed verification.
///
/// Messages carry the details an operator needs, including values taken
/// from the token (quoted and escaped, since they are attacker-controlled).
/// Send clients [`TokenError::description`] and [`TokenError::reason`]
/// instead of the message.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is larger than the configured maximum. Nothing was parsed.
    #[error("token too large: {size} bytes is above the maximum of {max}")]
    TooLarge {
        /// Size of the presented token in bytes.
        size: usize,
        /// Configured maximum in bytes.
        max: usize,
    },

    /// The token does not have the three segments of a compact JWS.
    #[error("malformed token: expected 3 dot-separated segments, found {segments}")]
    NotCompactJws {
        /// Number of segments found.
        segments: usize,
    },

    /// A segment is not base64url without padding.
    #[error("malformed token: the {part} is not base64url without padding")]
    InvalidEncoding {
        /// The segment that failed to decode.
        part: TokenPart,
    },

    /// The header or payload is not a JSON object.
    #[error("malformed token: the {part} is not a JSON object: {detail}")]
    InvalidJson {
        /// The segment that failed to parse.
        part: TokenPart,
        /// The parser's message.
        detail: String,
    },

    /// A header member has the wrong JSON type, for example a numeric `alg`.
    #[error("malformed token: header member `{member}` must be a string")]
    InvalidHeader {
        /// The header member.
        member: &'static str,
    },

    /// The header lists `crit` extensions, none of which this verifier
    /// implements (RFC 7515 section 4.1.11 requires rejecting the token).
    #[error("malformed token: unsupported critical header extensions {names:?}")]
    UnsupportedCriticalHeader {
        /// The `crit` entries.
        names: Vec<String>,
    },

    /// The header has no `kid`, so no key of the issuer can be chosen.
    #[error("malformed token: the header has no `kid`")]
    MissingKeyId,

    /// The header's `alg` is not on the allow-list. This covers `none`
    /// and the HMAC algorithms, which are never supported.
    #[error("algorithm not allowed: {alg:?} is not in the allow-list {allowed:?}")]
    AlgorithmNotAllowed {
        /// The header's `alg`.
        alg: String,
        /// The configured allow-list.
        allowed: Vec<SigningAlgorithm>,
    },

    /// The header's `alg` is allowed, but not for the key named by `kid`
    /// (for example `ES256` with an RSA key).
    #[error("algorithm not allowed: key {kid:?} verifies only {key_algorithms:?}, not {alg}")]
    KeyAlgorithmMismatch {
        /// The header's `kid`.
        kid: String,
        /// The header's `alg`.
        alg: SigningAlgorithm,
        /// The algorithms the key's `kty`, `crv` and `alg` allow.
        key_algorithms: Vec<SigningAlgorithm>,
    },

    /// No key in the issuer's JWKS has the token's `kid`, even after a refetch.
    #[error("unknown key: the issuer's JWKS has no usable key with kid {kid:?}")]
    UnknownKey {
        /// The header's `kid`.
        kid: String,
    },

    /// The signature segment is empty.
    #[error("invalid signature: the signature segment is empty")]
    MissingSignature,

    /// The signature does not verify with the key named by `kid`.
    #[error("invalid signature: {alg} signature does not verify with key {kid:?}")]
    InvalidSignature {
        /// The header's `kid`.
        kid: String,
        /// The header's `alg`.
        alg: SigningAlgorithm,
    },

    /// `exp` has passed, leeway included.
    #[error("token expired: exp {exp} is not after now ({now}) minus the leeway of {}s", leeway.as_secs())]
    Expired {
        /// The token's `exp`, seconds since the Unix epoch.
        exp: u64,
        /// The verification time, seconds since the Unix epoch.
        now: u64,
        /// The configured leeway.
        leeway: Duration,
    },

    /// `nbf` is still in the future, leeway included.
    #[error("token not yet valid: nbf {nbf} is after now ({now}) plus the leeway of {}s", leeway.as_secs())]
    NotYetValid {
        /// The token's `nbf`, seconds since the Unix epoch.
        nbf: u64,
        /// The verification time, seconds since the Unix epoch.
        now: u64,
        /// The configured leeway.
        leeway: Duration,
    },

    /// `iat` is in the future, leeway included.
    #[error("token issued in the future: iat {iat} is after now ({now}) plus the leeway of {}s", leeway.as_secs())]
    IssuedInFuture {
        /// The token's `iat`, seconds since the Unix epoch.
        iat: u64,
        /// The verification time, seconds since the Unix epoch.
        now: u64,
        /// The configured leeway.
        leeway: Duration,
    },

    /// `iss` is not exactly the configured issuer.
    #[error("issuer mismatch: expected {expected:?}, found {actual:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The token's `iss`.
        actual: String,
    },

    /// The token comes from the org authorization server of the configured
    /// issuer's Okta org. Okta does not publish keys to verify those tokens.
    #[error(
        "org authorization server token: {actual:?} is Okta's org authorization server, whose \
         access tokens cannot be verified locally; expected {expected:?}"
    )]
    OrgAuthorizationServer {
        /// The configured issuer.
        expected: String,
        /// The token's `iss`.
        actual: String,
    },

    /// `aud` contains none of the configured audiences.
    #[error("audience mismatch: expected one of {expected:?}, found {actual:?}")]
    AudienceMismatch {
        /// The configured audiences.
        expected: Vec<String>,
        /// The token's `aud` values.
        actual: Vec<String>,
    },

    /// `cid` is missing or not on the configured allow-list.
    #[error("client not allowed: cid {cid:?} is not in the allow-list")]
    ClientNotAllowed {
        /// The token's `cid`, if any.
        cid: Option<String>,
    },

    /// Required scopes are missing from `scp` / `scope`.
    #[error("insufficient scope: missing {missing:?}")]
    InsufficientScope {
        /// The required scopes the token lacks.
        missing: Vec<String>,
    },

    /// The header's `typ` is not the required one.
    #[error("wrong token type: expected typ {expected:?}, found {actual:?}")]
    WrongTokenType {
        /// The required type.
        expected: String,
        /// The header's `typ`, if any.
        actual: Option<String>,
    },

    /// A required claim is absent.
    #[error("invalid claims: `{claim}` is missing")]
    MissingClaim {
        /// The claim name.
        claim: &'static str,
    },

    /// A claim has the wrong JSON type or an impossible value.
    #[error("invalid claims: `{claim}` must be {expected}")]
    InvalidClaim {
        /// The claim name.
        claim: &'static str,
        /// The required type or form.
        expected: &'static str,
    },

    /// The issuer's keys could not be fetched and no usable keys are cached.
    #[error("JWKS unavailable: {source}")]
    JwksUnavailable {
        /// The last fetch failure.
        #[source]
        source: Arc<JwksError>,
    },
}

impl TokenError {
    /// Maps the failure to its stable reason code.
    pub fn reason(&self) -> Reason {
        match self {
            TokenError::TooLarge { .. } => Reason::TokenTooLarge,
            TokenError::NotCompactJws { .. }
            | TokenError::InvalidEncoding { .. }
            | TokenError::InvalidJson { .. }
            | TokenError::InvalidHeader { .. }
            | TokenError::UnsupportedCriticalHeader { .. }
            | TokenError::MissingKeyId => Reason::MalformedToken,
            TokenError::AlgorithmNotAllowed { .. } | TokenError::KeyAlgorithmMismatch { .. } => {
                Reason::AlgorithmNotAllowed
            }
            TokenError::UnknownKey { .. } => Reason::UnknownKey,
            TokenError::MissingSignature | TokenError::InvalidSignature { .. } => {
                Reason::InvalidSignature
            }
            TokenError::Expired { .. } => Reason::TokenExpired,
            TokenError::NotYetValid { .. } => Reason::TokenNotYetValid,
            TokenError::IssuedInFuture { .. } => Reason::IssuedInFuture,
            TokenError::IssuerMismatch { .. } => Reason::IssuerMismatch,
            TokenError::OrgAuthorizationServer { .. } => Reason::OrgAuthorizationServer,
            TokenError::AudienceMismatch { .. } => Reason::AudienceMismatch,
            TokenError::ClientNotAllowed { .. } => Reason::ClientNotAllowed,
            TokenError::InsufficientScope { .. } => Reason::InsufficientScope,
            TokenError::WrongTokenType { .. } => Reason::WrongTokenType,
            TokenError::MissingClaim { .. } | TokenError::InvalidClaim { .. } => {
                Reason::InvalidClaims
            }
            TokenError::JwksUnavailable { .. } => Reason::JwksUnavailable,
        }
    }

    /// Returns a sentence safe to show the client, for example as the
    /// RFC 6750 `error_description`.
    ///
    /// It contains no value taken from the token, only fixed text, claim names
    /// and configured values (issuer, scopes, token type), so it cannot
    /// echo attacker input or leak the token.
    pub fn description(&self) -> String {
        match self {
            TokenError::TooLarge { max, .. } => {
                format!("the access token is larger than the maximum of {max} bytes")
            }
            TokenError::NotCompactJws { .. }
            | TokenError::InvalidEncoding { .. }
            | TokenError::InvalidJson { .. }
            | TokenError::InvalidHeader { .. }
            | TokenError::UnsupportedCriticalHeader { .. }
            | TokenError::MissingKeyId => "the access token is not a well-formed signed JWT".into(),
            TokenError::AlgorithmNotAllowed { .. } | TokenError::KeyAlgorithmMismatch { .. } => {
                "the access token is signed with an algorithm that is not accepted".into()
            }
            TokenError::UnknownKey { .. } => {
                "the access token is signed with a key the issuer does not publish".into()
            }
            TokenError::MissingSignature | TokenError::InvalidSignature { .. } => {
                "the access token signature is invalid".into()
            }
            TokenError::Expired { .. } => "the access token expired".into(),
            TokenError::NotYetValid { .. } => "the access token is not valid yet".into(),
            TokenError::IssuedInFuture { .. } => {
                "the access token was issued in the future; check the clocks".into()
            }
            TokenError::IssuerMismatch { expected, .. } => {
                format!("the access token was not issued by {expected}")
            }
            TokenError::OrgAuthorizationServer { expected, .. } => format!(
                "the access token comes from the Okta org authorization server, whose tokens \
                 cannot be verified locally; request it from the custom authorization server \
                 {expected}"
            ),
            TokenError::AudienceMismatch { .. } => {
                "the access token is not intended for this API".into()
            }
            TokenError::ClientNotAllowed { .. } => {
                "the client the access token was issued to may not call this API".into()
            }
            TokenError::InsufficientScope { missing } => {
                format!(
                    "the access token lacks the required scope {}",
                    missing.join(" ")
                )
            }
            TokenError::WrongTokenType { expected, .. } => {
                format!("the access token type must be {expected}")
            }
            TokenError::MissingClaim { claim } => {
                format!("the access token has no {claim} claim")
            }
            TokenError::InvalidClaim { claim, .. } => {
                format!("the access token {claim} claim is invalid")
            }
            TokenError::JwksUnavailable { .. } => {
                "the issuer signing keys cannot be fetched right now; retry later".into()
            }
        }
    }
}
