//! Parsing a JWKS into verification keys, each bound to the algorithms its
//! type allows.

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents};
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

use super::super::algorithm::SigningAlgorithm;
use super::super::json::decode_segment;

/// Smallest RSA modulus accepted, in bytes (2048 bits). aws-lc-rs refuses
/// shorter keys at verification time too. Checking at load time puts the
/// reason in the log instead of an opaque signature failure.
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// A public key from the JWKS, ready to check signatures.
pub(crate) struct VerificationKey {
    /// The algorithms this key may verify, derived from `kty`, `crv` and
    /// `alg`, never from a token header.
    pub(crate) algorithms: Vec<SigningAlgorithm>,
    pub(crate) decoding_key: DecodingKey,
    /// RSA keys parsed once per allowed algorithm. Building the key (and
    /// its Montgomery constants) on every check, as `decoding_key` does,
    /// adds about 15% to an RS256 check (`benches/first_sight.rs`). Empty
    /// for EC and OKP keys, which `decoding_key` checks.
    pub(crate) parsed_rsa: Vec<(SigningAlgorithm, ParsedPublicKey)>,
}

impl VerificationKey {
    /// Returns the pre-parsed RSA key for `algorithm`, if there is one.
    pub(crate) fn parsed_rsa(&self, algorithm: SigningAlgorithm) -> Option<&ParsedPublicKey> {
        self.parsed_rsa
            .iter()
            .find(|(parsed_for, _)| *parsed_for == algorithm)
            .map(|(_, key)| key)
    }
}

/// The usable keys of one JWKS response, by `kid`.
#[derive(Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<VerificationKey>>,
}

impl KeySet {
    pub(crate) fn get(&self, kid: &str) -> Option<Arc<VerificationKey>> {
        self.keys.get(kid).cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Builds the key set from the `keys` array of a JWKS document.
    ///
    /// A key that cannot verify signatures here (encryption keys, symmetric
    /// keys, unsupported curves, short RSA moduli, no `kid`) is skipped with
    /// a warning. A `kid` that appears twice is dropped entirely, because
    /// choosing between two keys with one name would be a guess.
    pub(crate) fn from_jwks(document: &Map<String, Value>) -> Result<KeySet, &'static str> {
        let Some(Value::Array(entries)) = document.get("keys") else {
            return Err("the document has no `keys` array");
        };

        let mut keys = HashMap::new();
        let mut duplicates = HashSet::new();

        for entry in entries {
            let Value::Object(jwk) = entry else {
                tracing::warn!("skipping JWKS entry: not a JSON object");
                continue;
            };

            let kid = jwk.get("kid").and_then(Value::as_str).unwrap_or_default();
            let key = match parse_jwk(jwk) {
                Ok(key) => key,
                Err(reason) => {
                    tracing::warn!(kid, reason, "skipping JWKS key");
                    continue;
                }
            };

            if keys.insert(kid.to_owned(), Arc::new(key)).is_some() {
                duplicates.insert(kid.to_owned());
            }
        }

        for kid in duplicates {
            tracing::warn!(kid, "dropping JWKS key: the kid appears more than once");
            keys.remove(&kid);
        }

        Ok(KeySet { keys })
    }
}

fn parse_jwk(jwk: &Map<String, Value>) -> Result<VerificationKey, &'static str> {
    match jwk.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() => {}
        _ => return Err("no kid, so no token can name the key"),
    }

    // RFC 7517 section 4.2 and 4.3: a key for encryption, or whose listed
    // operations exclude `verify`, must not check signatures.
    match jwk.get("use") {
        None => {}
        Some(Value::String(key_use)) if key_use == "sig" => {}
        Some(_) => return Err("`use` is not \"sig\""),
    }
    if let Some(operations) = jwk.get("key_ops") {
        let verify = Value::from("verify");
        let allows_verify = operations
            .as_array()
            .is_some_and(|operations| operations.contains(&verify));
        if !allows_verify {
            return Err("`key_ops` does not include \"verify\"");
        }
    }

    let declared = match jwk.get("alg") {
        None => None,
        Some(Value::String(alg)) => Some(alg.as_str()),
        Some(_) => return Err("`alg` is not a string"),
    };

    match string_member(jwk, "kty")? {
        "RSA" => rsa_key(jwk, declared),
        "EC" => ec_key(jwk, declared),
        "OKP" => okp_key(jwk, declared),
        "oct" => Err("symmetric (oct) keys are never used to verify access tokens"),
        _ => Err("unsupported kty"),
    }
}

/// Builds a key that only jsonwebtoken's `DecodingKey` checks.
fn unparsed(algorithms: Vec<SigningAlgorithm>, decoding_key: DecodingKey) -> VerificationKey {
    VerificationKey {
        algorithms,
        decoding_key,
        parsed_rsa: Vec::new(),
    }
}

fn rsa_key(
    jwk: &Map<String, Value>,
    declared: Option<&str>,
) -> Result<VerificationKey, &'static str> {
    let algorithms = match declared {
        None => SigningAlgorithm::RSA.to_vec(),
        Some(name) => match SigningAlgorithm::from_name(name) {
            Some(algorithm) if SigningAlgorithm::RSA.contains(&algorithm) => vec![algorithm],
            _ => return Err("`alg` is not an RSA signature algorithm"),
        },
    };

    let n = base64_member(jwk, "n")?;
    let e = base64_member(jwk, "e")?;
    let modulus_bytes = n.iter().skip_while(|byte| **byte == 0).count();
    if modulus_bytes < MIN_RSA_MODULUS_BYTES {
        return Err("RSA modulus shorter than 2048 bits");
    }

    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed_rsa = algorithms
        .iter()
        .map(|algorithm| {
            let parameters = algorithm
                .rsa_parameters()
                .ok_or("`alg` is not an RSA signature algorithm")?;
            let key = components
                .to_parsed_public_key(parameters)
                .map_err(|_| "the RSA modulus and exponent do not form a public key")?;
            Ok((*algorithm, key))
        })
        .collect::<Result<_, &'static str>>()?;

    Ok(VerificationKey {
        parsed_rsa,
        ..unparsed(algorithms, DecodingKey::from_rsa_raw_components(&n, &e))
    })
}

fn ec_key(
    jwk: &Map<String, Value>,
    declared: Option<&str>,
) -> Result<VerificationKey, &'static str> {
    let (algorithm, coordinate_bytes) = match string_member(jwk, "crv")? {
        "P-256" => (SigningAlgorithm::Es256, 32),
        "P-384" => (SigningAlgorithm::Es384, 48),
        _ => return Err("unsupported EC curve (P-256 and P-384 are supported)"),
    };
    if declared.is_some_and(|name| name != algorithm.name()) {
        return Err("`alg` does not match the EC curve");
    }

    let x = base64_member(jwk, "x")?;
    let y = base64_member(jwk, "y")?;
    if x.len() != coordinate_bytes || y.len() != coordinate_bytes {
        return Err("EC coordinates have the wrong length for the curve");
    }

    let decoding_key =
        DecodingKey::from_ec_components(string_member(jwk, "x")?, string_member(jwk, "y")?)
            .map_err(|_| "EC coordinates are not base64url")?;

    Ok(unparsed(vec![algorithm], decoding_key))
}

fn okp_key(
    jwk: &Map<String, Value>,
    declared: Option<&str>,
) -> Result<VerificationKey, &'static str> {
    if string_member(jwk, "crv")? != "Ed25519" {
        return Err("unsupported OKP curve (Ed25519 is supported)");
    }
    // RFC 9864 names the fully specified algorithm `Ed25519`.
    if declared.is_some_and(|name| name != "EdDSA" && name != "Ed25519") {
        return Err("`alg` does not match the Ed25519 curve");
    }

    let x = base64_member(jwk, "x")?;
    if x.len() != 32 {
        return Err("Ed25519 public key is not 32 bytes");
    }

    let decoding_key = DecodingKey::from_ed_components(string_member(jwk, "x")?)
        .map_err(|_| "Ed25519 public key is not base64url")?;

    Ok(unparsed(vec![SigningAlgorithm::EdDsa], decoding_key))
}

fn string_member<'a>(
    jwk: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, &'static str> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or("a required member is missing or not a string")
}

fn base64_member(jwk: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, &'static str> {
    let value = string_member(jwk, name)?;
    decode_segment(value).ok_or("a key member is not base64url without padding")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key_set(keys: Value) -> KeySet {
        let Value::Object(document) = json!({ "keys": keys }) else {
            unreachable!("json! of an object literal")
        };
        KeySet::from_jwks(&document).unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa_jwk(kid: &str) -> Value {
        let mut modulus = vec![0xc5; 256];
        modulus[255] = 0x01;
        json!({"kty": "RSA", "kid": kid, "n": b64(&modulus), "e": "AQAB"})
    }

    #[test]
    fn rsa_without_alg_allows_every_rsa_algorithm() {
        let set = key_set(json!([rsa_jwk("r1")]));
        assert_eq!(
            set.get("r1").unwrap().algorithms,
            SigningAlgorithm::RSA.to_vec()
        );
    }

    #[test]
    fn rsa_with_alg_is_bound_to_it() {
        let mut jwk = rsa_jwk("r1");
        jwk["alg"] = json!("PS384");

        let set = key_set(json!([jwk]));
        assert_eq!(
            set.get("r1").unwrap().algorithms,
            vec![SigningAlgorithm::Ps384]
        );
    }

    #[test]
    fn rsa_with_foreign_alg_is_skipped() {
        for alg in ["ES256", "HS256", "none"] {
            let mut jwk = rsa_jwk("r1");
            jwk["alg"] = json!(alg);
            assert_eq!(key_set(json!([jwk])).len(), 0, "{alg}");
        }
    }

    #[test]
    fn short_rsa_modulus_is_skipped() {
        let jwk = json!({"kty": "RSA", "kid": "short", "n": b64(&[0xc5; 128]), "e": "AQAB"});
        assert_eq!(key_set(json!([jwk])).len(), 0);
    }

    #[test]
    fn ec_curve_decides_algorithm() {
        let p256 = json!({"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64(&[1; 32]), "y": b64(&[2; 32])});
        let p384 = json!({"kty": "EC", "kid": "e2", "crv": "P-384", "x": b64(&[1; 48]), "y": b64(&[2; 48])});

        let set = key_set(json!([p256, p384]));
        assert_eq!(
            set.get("e1").unwrap().algorithms,
            vec![SigningAlgorithm::Es256]
        );
        assert_eq!(
            set.get("e2").unwrap().algorithms,
            vec![SigningAlgorithm::Es384]
        );
    }

    #[test]
    fn ec_alg_contradicting_curve_is_skipped() {
        let jwk = json!({"kty": "EC", "kid": "e1", "crv": "P-256", "alg": "ES384",
                         "x": b64(&[1; 32]), "y": b64(&[2; 32])});
        assert_eq!(key_set(json!([jwk])).len(), 0);
    }

    #[test]
    fn unusable_keys_are_skipped() {
        let keys = json!([
            {"kty": "oct", "kid": "h1", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e521", "crv": "P-521", "x": b64(&[1; 66]), "y": b64(&[2; 66])},
            {"kty": "OKP", "kid": "x1", "crv": "X25519", "x": b64(&[1; 32])},
            {"kty": "RSA", "n": b64(&[0xc5; 256]), "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": b64(&[0xc5; 256]), "e": "AQAB"},
            {"kty": "RSA", "kid": "ops", "key_ops": ["encrypt"], "n": b64(&[0xc5; 256]), "e": "AQAB"},
            "not an object"
        ]);
        assert_eq!(key_set(keys).len(), 0);
    }

    #[test]
    fn duplicate_kid_is_dropped() {
        let set = key_set(json!([rsa_jwk("same"), rsa_jwk("same"), rsa_jwk("other")]));

        assert!(set.get("same").is_none());
        assert!(set.get("other").is_some());
    }

    #[test]
    fn ed25519_is_bound_to_eddsa() {
        let jwk = json!({"kty": "OKP", "kid": "o1", "crv": "Ed25519", "x": b64(&[3; 32])});
        let set = key_set(json!([jwk]));
        assert_eq!(
            set.get("o1").unwrap().algorithms,
            vec![SigningAlgorithm::EdDsa]
        );
    }

    #[test]
    fn missing_keys_array_is_an_error() {
        let Value::Object(document) = json!({"keys": {}}) else {
            unreachable!("json! of an object literal")
        };
        assert!(KeySet::from_jwks(&document).is_err());
    }
}
