//! Access token verification: signature against the issuer's JWKS, then
//! issuer, lifetime, audience, client, scopes and type.
//!
//! [`TokenVerifier::verify`] returns a [`VerifiedToken`], which nothing
//! else can construct. Code that needs a checked token takes that type.
//!
//! What is rejected, and why:
//! - `alg` outside the allow-list (RS256 by default). `none` and HMAC can
//!   never be allowed, and each key only checks the algorithms its `kty`,
//!   `crv` and `alg` permit, so an RSA public key cannot double as an HMAC
//!   secret or check an ES256 signature.
//! - Keys named by the token itself (`jku`, `jwk`, `x5u`, `x5c`): ignored.
//! - `iss` other than the configured issuer, byte for byte. A token from the
//!   same org's org authorization server gets its own reason, since Okta
//!   does not let resource servers verify those tokens locally.
//! - `exp`, `nbf`, `iat` outside the leeway; `aud` without a configured
//!   audience; `cid` outside an optional allow-list; missing scopes.

mod algorithm;
mod checks;
mod claims;
mod config;
mod config_error;
mod error;
mod header;
mod issuer;
mod json;
mod jwks;
mod verified;
mod verifier;

pub use algorithm::SigningAlgorithm;
pub use claims::AccessTokenClaims;
pub use config::{
    ConfigError, DEFAULT_JWKS_FETCH_TIMEOUT, DEFAULT_JWKS_MAX_TTL, DEFAULT_JWKS_MIN_TTL,
    DEFAULT_LEEWAY, DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_STALE_KEYS_AGE, DEFAULT_MAX_TOKEN_BYTES,
    DEFAULT_REFETCH_MIN_INTERVAL, KeySource, MAX_LEEWAY, MAX_MAX_TOKEN_BYTES, MIN_MAX_TOKEN_BYTES,
    TokenVerifierConfig,
};
pub use error::{TokenError, TokenPart};
pub use jwks::{JwksError, JwksStats};
pub use verified::{TokenFingerprint, VerifiedToken};
pub use verifier::TokenVerifier;
