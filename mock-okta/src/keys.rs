//! Signing keys of one authorization server, their rotation and the JWKS.
//!
//! The emulator signs its own JWTs with aws-lc-rs directly rather than
//! through a JWT library, so that a bug in the library the guard verifies
//! with cannot be mirrored here and hidden from the tests.
//!
//! Rotation follows Okta's published practice: the next key appears in the
//! JWKS before it signs anything, and a retired key stays published for a
//! configured overlap so that tokens it signed keep verifying.

use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::ids;

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Published, not yet signing.
    Next,
    /// Published and signing new tokens.
    Active,
    /// Published until the time given, no longer signing.
    Retired { until: SystemTime },
}

pub struct SigningKey {
    pub kid: String,
    pub status: KeyStatus,
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key generation failed")]
    Generate,
    #[error("RSA signing failed")]
    Sign,
    #[error("failed to encode JWT part: {0}")]
    Encode(#[from] serde_json::Error),
}

/// One JWK of the published set, in Okta's field order and names.
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub alg: &'static str,
    pub kid: String,
    #[serde(rename = "use")]
    pub key_use: &'static str,
    pub e: String,
    pub n: String,
}

/// The keys of one authorization server.
#[derive(Debug)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

impl KeyRing {
    /// Generates an active key and the next one (two RSA-2048 keys).
    ///
    /// # Errors
    /// [`KeyError::Generate`] if aws-lc-rs cannot generate a key.
    pub fn generate() -> Result<KeyRing, KeyError> {
        let mut ring = KeyRing { keys: Vec::new() };
        ring.keys.push(new_key(KeyStatus::Active)?);
        ring.keys.push(new_key(KeyStatus::Next)?);
        Ok(ring)
    }

    /// Rotates: the next key starts signing, the active one is retired for
    /// `overlap`, and a new next key is published.
    ///
    /// Returns the kid of the key that now signs.
    ///
    /// # Errors
    /// [`KeyError::Generate`] if the new next key cannot be generated; the
    /// ring is then unchanged.
    pub fn rotate(&mut self, now: SystemTime, overlap: Duration) -> Result<String, KeyError> {
        let fresh = new_key(KeyStatus::Next)?;
        for key in &mut self.keys {
            key.status = match key.status {
                KeyStatus::Active => KeyStatus::Retired {
                    until: now + overlap,
                },
                KeyStatus::Next => KeyStatus::Active,
                retired => retired,
            };
        }
        self.keys.push(fresh);
        self.prune(now);
        Ok(self.active().kid.clone())
    }

    /// Drops retired keys whose overlap has passed.
    pub fn prune(&mut self, now: SystemTime) {
        self.keys
            .retain(|key| !matches!(key.status, KeyStatus::Retired { until } if until <= now));
    }

    /// Returns the key that signs new tokens.
    pub fn active(&self) -> &SigningKey {
        // Invariant: generate() creates an Active key and rotate() always
        // promotes Next to Active, so exactly one Active key exists.
        self.keys
            .iter()
            .find(|key| key.status == KeyStatus::Active)
            .expect("a key ring always has an active key")
    }

    /// Returns every key in the ring with its status.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Returns the published set at `now`: active, next and retired keys
    /// still within their overlap.
    pub fn jwks(&self, now: SystemTime) -> Vec<Jwk> {
        self.keys
            .iter()
            .filter(|key| !matches!(key.status, KeyStatus::Retired { until } if until <= now))
            .map(|key| key.jwk())
            .collect()
    }

    /// Signs `claims` as a compact JWS with RS256 and the active key.
    ///
    /// # Errors
    /// [`KeyError::Sign`] if aws-lc-rs fails, [`KeyError::Encode`] if the
    /// claims do not serialize.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        self.active().sign(claims)
    }
}

impl SigningKey {
    /// Returns the public half as a JWK.
    pub fn jwk(&self) -> Jwk {
        let public = self.pair.public_key();
        let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(public);
        Jwk {
            kty: "RSA",
            alg: "RS256",
            kid: self.kid.clone(),
            key_use: "sig",
            e: URL_SAFE_NO_PAD.encode(strip_leading_zeros(&components.e)),
            n: URL_SAFE_NO_PAD.encode(strip_leading_zeros(&components.n)),
        }
    }

    /// Signs `claims` as a compact JWS (RS256) with this key's `kid`.
    ///
    /// # Errors
    /// As [`KeyRing::sign`].
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let header = serde_json::json!({ "kid": self.kid, "alg": "RS256" });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?)
        );

        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| KeyError::Sign)?;

        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

fn new_key(status: KeyStatus) -> Result<SigningKey, KeyError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    Ok(SigningKey {
        kid: ids::key_id(),
        status,
        pair,
    })
}

/// JWK integers are unsigned big-endian with no leading zero octets
/// (RFC 7518 section 6.3.1).
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

    #[test]
    fn signature_verifies_with_published_key() {
        let ring = KeyRing::generate().unwrap();
        let token = ring.sign(&serde_json::json!({"sub": "x"})).unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let jwk = ring.active().jwk();
        let public = RsaPublicKeyComponents {
            n: URL_SAFE_NO_PAD.decode(&jwk.n).unwrap(),
            e: URL_SAFE_NO_PAD.decode(&jwk.e).unwrap(),
        };
        public
            .verify(
                &RSA_PKCS1_2048_8192_SHA256,
                input.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn rotation_publishes_next_before_signing_and_retires_old() {
        let now = SystemTime::now();
        let mut ring = KeyRing::generate().unwrap();
        let first = ring.active().kid.clone();
        let next = ring
            .keys()
            .iter()
            .find(|k| k.status == KeyStatus::Next)
            .unwrap()
            .kid
            .clone();
        assert!(ring.jwks(now).iter().any(|k| k.kid == next));

        let signing = ring.rotate(now, Duration::from_secs(60)).unwrap();
        assert_eq!(signing, next);
        assert!(ring.jwks(now).iter().any(|k| k.kid == first));
        assert!(
            !ring
                .jwks(now + Duration::from_secs(61))
                .iter()
                .any(|k| k.kid == first)
        );
        assert_eq!(ring.jwks(now).len(), 3);
    }
}
