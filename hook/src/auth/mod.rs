//! Authentication of Okta's calls: a shared header secret, or a bearer JWT
//! verified against an authorization server's JWKS.

mod bearer;

use axum::http::{HeaderMap, HeaderName, header::AUTHORIZATION};

pub use bearer::BearerVerifier;

use crate::secret::{Secret, fingerprint};

/// Reasons an Okta call is not authenticated. The HTTP response is always a
/// bare `401`; the reason goes to the log only.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The header is absent.
    #[error("header {0} is missing")]
    Missing(String),
    /// The header value is not the configured secret.
    #[error(
        "header {header} does not contain the configured secret (presented value fingerprint {presented})"
    )]
    WrongSecret {
        /// Header name.
        header: String,
        /// Fingerprint of the presented value.
        presented: String,
    },
    /// `Authorization` is not `Bearer <JWT>`.
    #[error("Authorization is not a Bearer token")]
    NotBearer,
    /// The JWT failed verification.
    #[error("bearer JWT rejected: {0}")]
    InvalidJwt(String),
    /// The JWKS could not be fetched.
    #[error("JWKS unavailable: {0}")]
    JwksUnavailable(String),
}

impl AuthError {
    /// Returns a short fixed label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Missing(_) => "missing",
            Self::WrongSecret { .. } => "wrong_secret",
            Self::NotBearer => "not_bearer",
            Self::InvalidJwt(_) => "invalid_jwt",
            Self::JwksUnavailable(_) => "jwks_unavailable",
        }
    }
}

/// Checks the credentials of an incoming Okta call.
pub enum Authenticator {
    /// Shared secret in a header, compared in constant time.
    Header {
        /// Header that carries the secret.
        name: HeaderName,
        /// Expected value.
        secret: Secret,
    },
    /// `Authorization: Bearer <JWT>`.
    Bearer(Box<BearerVerifier>),
}

impl Authenticator {
    /// Returns `Ok` when `headers` carry valid credentials.
    ///
    /// # Errors
    /// [`AuthError`] with the reason; it never contains the credential.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<(), AuthError> {
        match self {
            Self::Header { name, secret } => {
                let presented = headers
                    .get(name)
                    .ok_or_else(|| AuthError::Missing(name.to_string()))?;

                if secret.matches(presented.as_bytes()) {
                    Ok(())
                } else {
                    Err(AuthError::WrongSecret {
                        header: name.to_string(),
                        presented: fingerprint(presented.as_bytes()),
                    })
                }
            }
            Self::Bearer(verifier) => {
                let value = headers
                    .get(AUTHORIZATION)
                    .ok_or_else(|| AuthError::Missing(AUTHORIZATION.to_string()))?;
                // RFC 7235: the scheme name is case-insensitive.
                let token = value
                    .to_str()
                    .ok()
                    .and_then(|value| value.split_once(' '))
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim())
                    .ok_or(AuthError::NotBearer)?;
                verifier.verify(token).await
            }
        }
    }
}
