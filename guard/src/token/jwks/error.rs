//! Errors of discovery and JWKS requests.

/// A discovery or JWKS fetch failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The request could not be sent or the response not read
    /// (connection refused, timeout, TLS failure).
    #[error("GET {url} failed: {source}")]
    Request {
        /// The requested URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },

    /// The server returned a status other than 200.
    #[error("GET {url} failed: HTTP status {status}")]
    Status {
        /// The requested URL.
        url: String,
        /// The HTTP status code.
        status: u16,
    },

    /// The response body exceeds the configured maximum.
    #[error("GET {url} failed: the response is larger than {max} bytes")]
    TooLarge {
        /// The requested URL.
        url: String,
        /// The configured maximum in bytes.
        max: usize,
    },

    /// The response is not the expected JSON document.
    #[error("invalid document from {url}: {detail}")]
    InvalidDocument {
        /// The requested URL.
        url: String,
        /// The problem found.
        detail: String,
    },

    /// The discovery document names another issuer.
    #[error("invalid discovery document from {url}: issuer is {actual:?}, expected {expected:?}")]
    DiscoveryIssuerMismatch {
        /// The discovery URL.
        url: String,
        /// The configured issuer.
        expected: String,
        /// The document's `issuer`.
        actual: String,
    },

    /// The discovery document's `jwks_uri` cannot be used.
    #[error("invalid discovery document from {url}: jwks_uri {jwks_uri:?} is unusable: {reason}")]
    InvalidJwksUri {
        /// The discovery URL.
        url: String,
        /// The document's `jwks_uri`.
        jwks_uri: String,
        /// The reason it is unusable.
        reason: String,
    },

    /// The JWKS contains no key this verifier can use.
    #[error("invalid JWKS from {url}: no usable signing key")]
    NoUsableKeys {
        /// The JWKS URL.
        url: String,
    },
}
