//! ID token validation (OpenID Connect Core 1.0 section 3.1.3.7): key
//! selection from the JWKS, then the claim checks. The RS256 signature
//! itself is checked by the browser's WebCrypto between
//! [`prepare`] and [`UnverifiedIdToken::finish`].

use serde::Deserialize;

use crate::jwt::{self, DecodedJwt, JsonObject, JwtError, string_claim, time_claim};

/// Allowed difference between the browser's clock and Okta's, in seconds,
/// for `exp` and `iat`.
pub const CLOCK_SKEW_SECS: i64 = 120;

/// The only signing algorithm accepted, Okta's default for ID tokens.
/// The algorithm is fixed here, never taken from the token's header.
pub const ALGORITHM: &str = "RS256";

/// A JSON Web Key Set (RFC 7517 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The members of a JWK this app reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Jwk {
    /// Key type; only `RSA` is used.
    pub kty: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
    /// Intended algorithm, when stated.
    #[serde(default)]
    pub alg: Option<String>,
    /// Intended use, when stated; `sig` for signing keys.
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default)]
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    #[serde(default)]
    pub e: Option<String>,
}

/// The RSA public key an ID token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// Key id.
    pub kid: String,
    /// Modulus, base64url.
    pub n: String,
    /// Public exponent, base64url.
    pub e: String,
}

/// An ID token that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token is not a compact JWS.
    #[error("the ID token is malformed: {0}")]
    Malformed(#[from] JwtError),

    /// The JWKS does not parse.
    #[error("the JWKS is invalid: {0}")]
    Jwks(String),

    /// The header names another algorithm.
    #[error("the ID token is signed with {0:?}; only RS256 is accepted")]
    Algorithm(String),

    /// The header has no `kid`.
    #[error("the ID token header has no kid")]
    MissingKid,

    /// No RSA signing key with that `kid` is published.
    #[error("no RSA signing key with kid {0:?} is in the authorization server's JWKS")]
    UnknownKey(String),

    /// The signature does not verify with the published key.
    #[error("the ID token's signature does not verify with key {0:?}")]
    BadSignature(String),

    /// `iss` is not the configured issuer.
    #[error("the ID token's iss is {found:?}, expected {expected:?}")]
    Issuer {
        /// Expected issuer.
        expected: String,
        /// `iss` found, empty when missing.
        found: String,
    },

    /// `aud` does not contain the client id, or `azp` names another client.
    #[error(
        "the ID token was issued to another client (aud {audience}, azp {authorized_party:?}); expected {client_id}"
    )]
    Audience {
        /// The app's client id.
        client_id: String,
        /// `aud` as JSON.
        audience: String,
        /// `azp`, when present.
        authorized_party: Option<String>,
    },

    /// `exp` is missing or past.
    #[error("the ID token expired at {exp} (now {now}, {CLOCK_SKEW_SECS} s clock skew allowed)")]
    Expired {
        /// `exp`, 0 when missing.
        exp: i64,
        /// The browser's time.
        now: i64,
    },

    /// `iat` is missing or in the future.
    #[error(
        "the ID token's iat {iat} is missing or in the future (now {now}); check the computer's clock"
    )]
    IssuedInFuture {
        /// `iat`, 0 when missing.
        iat: i64,
        /// The browser's time.
        now: i64,
    },

    /// `nonce` is not the one sent in the authorization request.
    #[error(
        "the ID token's nonce does not match the sign-in request (a replayed or injected ID token)"
    )]
    Nonce,

    /// A refreshed ID token names another user.
    #[error("the refreshed ID token's sub {found:?} is not the signed-in user {expected:?}")]
    Subject {
        /// The signed-in user.
        expected: String,
        /// `sub` found.
        found: String,
    },
}

/// The rule for the `nonce` claim.
#[derive(Debug, Clone, Copy)]
pub enum NonceRule<'a> {
    /// After sign-in: `nonce` must equal the value sent.
    Equals(&'a str),
    /// After a refresh: `nonce` may be absent; when present it must equal
    /// the original sign-in's (OpenID Connect Core 1.0 section 12.2).
    AbsentOrEquals(&'a str),
}

/// The values a valid ID token must match.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The configured issuer.
    pub issuer: &'a str,
    /// The app's client id.
    pub client_id: &'a str,
    /// The nonce check.
    pub nonce: NonceRule<'a>,
    /// After a refresh, the `sub` of the signed-in user.
    pub subject: Option<&'a str>,
    /// The browser's time, in seconds since the Unix epoch.
    pub now_secs: i64,
}

/// An ID token whose key is known and whose signature is still unchecked.
#[derive(Debug, Clone)]
pub struct UnverifiedIdToken {
    key: RsaPublicKey,
    jwt: DecodedJwt,
    raw: String,
}

/// An ID token whose signature and claims were checked.
#[derive(Clone, PartialEq)]
pub struct VerifiedIdToken {
    raw: String,
    claims: JsonObject,
}

impl std::fmt::Debug for VerifiedIdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedIdToken")
            .field("fingerprint", &jwt::fingerprint(&self.raw))
            .field("sub", &self.subject())
            .finish()
    }
}

/// Parses a JWKS document.
///
/// # Errors
/// [`IdTokenError::Jwks`].
pub fn parse_jwks(text: &str) -> Result<Jwks, IdTokenError> {
    serde_json::from_str(text).map_err(|error| IdTokenError::Jwks(error.to_string()))
}

/// Decodes an ID token and finds its signing key in the JWKS.
///
/// # Errors
/// [`IdTokenError::Malformed`], [`IdTokenError::Algorithm`],
/// [`IdTokenError::MissingKid`] or [`IdTokenError::UnknownKey`].
pub fn prepare(token: &str, jwks: &Jwks) -> Result<UnverifiedIdToken, IdTokenError> {
    let jwt = jwt::decode(token)?;

    let alg = string_claim(&jwt.header, "alg").unwrap_or_default();
    if alg != ALGORITHM {
        return Err(IdTokenError::Algorithm(alg.to_owned()));
    }
    let kid = string_claim(&jwt.header, "kid").ok_or(IdTokenError::MissingKid)?;
    let key = find_key(jwks, kid).ok_or_else(|| IdTokenError::UnknownKey(kid.to_owned()))?;

    Ok(UnverifiedIdToken {
        key,
        jwt,
        raw: token.trim().to_owned(),
    })
}

fn find_key(jwks: &Jwks, kid: &str) -> Option<RsaPublicKey> {
    jwks.keys.iter().find_map(|key| {
        let usable = key.kty == "RSA"
            && key.kid.as_deref() == Some(kid)
            && key.key_use.as_deref().is_none_or(|usage| usage == "sig")
            && key.alg.as_deref().is_none_or(|alg| alg == ALGORITHM);
        if !usable {
            return None;
        }
        Some(RsaPublicKey {
            kid: kid.to_owned(),
            n: key.n.clone()?,
            e: key.e.clone()?,
        })
    })
}

impl UnverifiedIdToken {
    /// Returns the key that must verify the signature.
    pub fn key(&self) -> &RsaPublicKey {
        &self.key
    }

    /// Returns the signed bytes.
    pub fn signing_input(&self) -> &[u8] {
        self.jwt.signing_input.as_bytes()
    }

    /// Returns the signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.jwt.signature
    }

    /// Completes validation with the outcome of the signature check, then
    /// checks the claims.
    ///
    /// # Errors
    /// [`IdTokenError::BadSignature`] when `signature_valid` is false,
    /// otherwise the first failed claim check.
    pub fn finish(
        self,
        signature_valid: bool,
        expected: &Expectations<'_>,
    ) -> Result<VerifiedIdToken, IdTokenError> {
        if !signature_valid {
            return Err(IdTokenError::BadSignature(self.key.kid));
        }
        check_claims(&self.jwt.claims, expected)?;
        Ok(VerifiedIdToken {
            raw: self.raw,
            claims: self.jwt.claims,
        })
    }
}

/// Checks `iss`, `aud`/`azp`, `exp`, `iat`, `nonce` and, after a refresh,
/// `sub`.
///
/// # Errors
/// The first failed check.
pub fn check_claims(claims: &JsonObject, expected: &Expectations<'_>) -> Result<(), IdTokenError> {
    let issuer = string_claim(claims, "iss").unwrap_or_default();
    if issuer != expected.issuer {
        return Err(IdTokenError::Issuer {
            expected: expected.issuer.to_owned(),
            found: issuer.to_owned(),
        });
    }

    check_audience(claims, expected.client_id)?;

    let now = expected.now_secs;
    let exp = time_claim(claims, "exp").unwrap_or(0);
    if exp + CLOCK_SKEW_SECS <= now {
        return Err(IdTokenError::Expired { exp, now });
    }
    let iat = time_claim(claims, "iat").unwrap_or(0);
    if iat == 0 || iat > now + CLOCK_SKEW_SECS {
        return Err(IdTokenError::IssuedInFuture { iat, now });
    }

    let nonce = string_claim(claims, "nonce");
    let nonce_ok = match expected.nonce {
        NonceRule::Equals(sent) => nonce == Some(sent),
        NonceRule::AbsentOrEquals(sent) => nonce.is_none_or(|found| found == sent),
    };
    if !nonce_ok {
        return Err(IdTokenError::Nonce);
    }

    if let Some(subject) = expected.subject {
        let found = string_claim(claims, "sub").unwrap_or_default();
        if found != subject {
            return Err(IdTokenError::Subject {
                expected: subject.to_owned(),
                found: found.to_owned(),
            });
        }
    }
    Ok(())
}

/// `aud` must contain the client id; with several audiences, `azp` must
/// be present; `azp`, when present, must be the client id.
fn check_audience(claims: &JsonObject, client_id: &str) -> Result<(), IdTokenError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    let authorized_party = string_claim(claims, "azp");

    let contains = audiences.contains(&client_id);
    let azp_ok = match authorized_party {
        Some(azp) => azp == client_id,
        None => audiences.len() == 1,
    };
    if contains && azp_ok {
        return Ok(());
    }
    Err(IdTokenError::Audience {
        client_id: client_id.to_owned(),
        audience: claims
            .get("aud")
            .map(ToString::to_string)
            .unwrap_or_else(|| "(missing)".to_owned()),
        authorized_party: authorized_party.map(str::to_owned),
    })
}

impl VerifiedIdToken {
    /// Returns the compact token, for `id_token_hint`.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Returns all claims.
    pub fn claims(&self) -> &JsonObject {
        &self.claims
    }

    /// `sub`: the Okta user id.
    pub fn subject(&self) -> &str {
        string_claim(&self.claims, "sub").unwrap_or_default()
    }

    /// Returns a string claim such as `name`, `email` or `preferred_username`.
    pub fn claim(&self, name: &str) -> Option<&str> {
        string_claim(&self.claims, name)
    }

    /// Returns the sign-in's `nonce`, kept to check refreshed ID tokens.
    pub fn nonce(&self) -> Option<&str> {
        string_claim(&self.claims, "nonce")
    }
}

#[cfg(test)]
mod tests;
