//! JWS signature algorithms the verifier supports.
//!
//! Only asymmetric algorithms are listed: a resource server has the
//! issuer's public keys, never a shared secret, so `none` and the HMAC
//! family (`HS256`, `HS384`, `HS512`) cannot even be named in the allow-list.

use std::fmt;

use aws_lc_rs::signature::{self, RsaParameters};

/// A JWS `alg` value (RFC 7518 section 3.1, RFC 8037 for `EdDSA`) that the
/// verifier can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, the algorithm Okta signs access tokens with.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// Ed25519 (`EdDSA` with the `Ed25519` curve).
    EdDsa,
}

impl SigningAlgorithm {
    /// Every supported algorithm, in the order RFC 7518 lists them.
    pub const ALL: [SigningAlgorithm; 9] = [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Rs384,
        SigningAlgorithm::Rs512,
        SigningAlgorithm::Ps256,
        SigningAlgorithm::Ps384,
        SigningAlgorithm::Ps512,
        SigningAlgorithm::Es256,
        SigningAlgorithm::Es384,
        SigningAlgorithm::EdDsa,
    ];

    /// Every RSA algorithm: the set an RSA key without an `alg` member may verify.
    pub(crate) const RSA: [SigningAlgorithm; 6] = [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Rs384,
        SigningAlgorithm::Rs512,
        SigningAlgorithm::Ps256,
        SigningAlgorithm::Ps384,
        SigningAlgorithm::Ps512,
    ];

    /// Returns the algorithm's JWS name, exactly as it appears in `alg`.
    pub const fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::Rs256 => "RS256",
            SigningAlgorithm::Rs384 => "RS384",
            SigningAlgorithm::Rs512 => "RS512",
            SigningAlgorithm::Ps256 => "PS256",
            SigningAlgorithm::Ps384 => "PS384",
            SigningAlgorithm::Ps512 => "PS512",
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::Es384 => "ES384",
            SigningAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// Looks up a JWS `alg` value. The match is case-sensitive, as JWS
    /// requires, so `rs256` is not `RS256`.
    pub fn from_name(name: &str) -> Option<SigningAlgorithm> {
        SigningAlgorithm::ALL
            .into_iter()
            .find(|algorithm| algorithm.name() == name)
    }

    /// Returns aws-lc-rs's verification parameters for an RSA algorithm:
    /// the same ones jsonwebtoken uses (moduli of 2048 to 8192 bits).
    pub(crate) fn rsa_parameters(self) -> Option<&'static RsaParameters> {
        match self {
            SigningAlgorithm::Rs256 => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
            SigningAlgorithm::Rs384 => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
            SigningAlgorithm::Rs512 => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
            SigningAlgorithm::Ps256 => Some(&signature::RSA_PSS_2048_8192_SHA256),
            SigningAlgorithm::Ps384 => Some(&signature::RSA_PSS_2048_8192_SHA384),
            SigningAlgorithm::Ps512 => Some(&signature::RSA_PSS_2048_8192_SHA512),
            SigningAlgorithm::Es256 | SigningAlgorithm::Es384 | SigningAlgorithm::EdDsa => None,
        }
    }

    pub(crate) const fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            SigningAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
            SigningAlgorithm::Rs384 => jsonwebtoken::Algorithm::RS384,
            SigningAlgorithm::Rs512 => jsonwebtoken::Algorithm::RS512,
            SigningAlgorithm::Ps256 => jsonwebtoken::Algorithm::PS256,
            SigningAlgorithm::Ps384 => jsonwebtoken::Algorithm::PS384,
            SigningAlgorithm::Ps512 => jsonwebtoken::Algorithm::PS512,
            SigningAlgorithm::Es256 => jsonwebtoken::Algorithm::ES256,
            SigningAlgorithm::Es384 => jsonwebtoken::Algorithm::ES384,
            SigningAlgorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::SigningAlgorithm;

    #[test]
    fn from_name_round_trips_every_algorithm() {
        for algorithm in SigningAlgorithm::ALL {
            assert_eq!(
                SigningAlgorithm::from_name(algorithm.name()),
                Some(algorithm)
            );
        }
    }

    #[test]
    fn from_name_rejects_none_hmac_and_wrong_case() {
        for name in [
            "none", "None", "HS256", "HS384", "HS512", "rs256", "ES512", "",
        ] {
            assert_eq!(SigningAlgorithm::from_name(name), None, "{name}");
        }
    }
}
