//! Shared pieces of the token verification tests: fixture keys that sign
//! tokens, and a wiremock identity provider serving discovery and a JWKS.

#![allow(dead_code)] // Each test crate uses a different subset.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use session_guard::token::{SigningAlgorithm, TokenVerifier, TokenVerifierConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The verification time of most tests: 2027-01-15T08:00:00Z.
pub const NOW_SECS: u64 = 1_800_000_000;

pub const AUDIENCE: &str = "api://default";
pub const SPA_CLIENT: &str = "0oademospa0000000001";
pub const USER_ID: &str = "00udemo0000000000001";
pub const SESSION_ID: &str = "102AbCdEfGhIjKlMnOpQrStUv";
pub const JWKS_PATH: &str = "/oauth2/default/v1/keys";

pub fn now() -> SystemTime {
    at(NOW_SECS)
}

pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A private key from `tests/fixtures`, with the `kid` it is published under.
pub struct TestKey {
    pub kid: String,
    pair: Pair,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair, &'static str),
    Ed(Ed25519KeyPair),
}

impl TestKey {
    pub fn rsa(kid: &str) -> Self {
        Self::rsa_from(kid, include_str!("../fixtures/rsa-a.pem"))
    }

    pub fn rsa_second(kid: &str) -> Self {
        Self::rsa_from(kid, include_str!("../fixtures/rsa-b.pem"))
    }

    pub fn rsa_attacker(kid: &str) -> Self {
        Self::rsa_from(kid, include_str!("../fixtures/rsa-attacker.pem"))
    }

    fn rsa_from(kid: &str, pem: &str) -> Self {
        let pair = RsaKeyPair::from_pkcs8(&pem_der(pem)).expect("fixture is an RSA PKCS#8 key");
        TestKey {
            kid: kid.to_owned(),
            pair: Pair::Rsa(pair),
        }
    }

    pub fn p256(kid: &str) -> Self {
        let der = pem_der(include_str!("../fixtures/ec-p256.pem"));
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
            .expect("fixture is a P-256 PKCS#8 key");
        TestKey {
            kid: kid.to_owned(),
            pair: Pair::Ec(pair, "P-256"),
        }
    }

    pub fn p384(kid: &str) -> Self {
        let der = pem_der(include_str!("../fixtures/ec-p384.pem"));
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &der)
            .expect("fixture is a P-384 PKCS#8 key");
        TestKey {
            kid: kid.to_owned(),
            pair: Pair::Ec(pair, "P-384"),
        }
    }

    pub fn ed25519(kid: &str) -> Self {
        let der = pem_der(include_str!("../fixtures/ed25519.pem"));
        let pair = Ed25519KeyPair::from_pkcs8(&der).expect("fixture is an Ed25519 PKCS#8 key");
        TestKey {
            kid: kid.to_owned(),
            pair: Pair::Ed(pair),
        }
    }

    /// Returns the public key as a JWK, without `alg`.
    pub fn jwk(&self) -> Value {
        match &self.pair {
            Pair::Rsa(pair) => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                json!({"kty": "RSA", "use": "sig", "kid": self.kid, "n": b64(&public.n), "e": b64(&public.e)})
            }
            Pair::Ec(pair, curve) => {
                // Uncompressed point: 0x04 || x || y.
                let point = pair.public_key().as_ref();
                let (x, y) = point[1..].split_at((point.len() - 1) / 2);
                json!({"kty": "EC", "use": "sig", "kid": self.kid, "crv": curve, "x": b64(x), "y": b64(y)})
            }
            Pair::Ed(pair) => {
                json!({"kty": "OKP", "use": "sig", "kid": self.kid, "crv": "Ed25519", "x": b64(pair.public_key().as_ref())})
            }
        }
    }

    /// Returns the public key as a JWK with `alg` set.
    pub fn jwk_with_alg(&self, alg: &str) -> Value {
        let mut jwk = self.jwk();
        jwk["alg"] = json!(alg);
        jwk
    }

    /// Returns the RSA public key as PKCS#1 DER, the bytes an algorithm-confusion
    /// attacker would use as an HMAC secret.
    pub fn rsa_public_der(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Rsa(pair) => pair.public_key().as_ref().to_vec(),
            _ => panic!("not an RSA key"),
        }
    }

    /// Signs `claims` with `algorithm` under a header `{"alg", "kid"}`.
    pub fn sign(&self, algorithm: SigningAlgorithm, claims: &Value) -> String {
        let header = json!({"alg": algorithm.name(), "kid": self.kid});
        self.sign_with_header(algorithm, &header, claims)
    }

    /// Signs with `algorithm` whatever header and claims are given, so tests
    /// can put any `alg`, `typ` or extra member in the header.
    pub fn sign_with_header(
        &self,
        algorithm: SigningAlgorithm,
        header: &Value,
        claims: &Value,
    ) -> String {
        self.sign_raw(algorithm, &header.to_string(), &claims.to_string())
    }

    /// Signs header and claims given as JSON text, kept byte for byte (for
    /// example with duplicate members, which `Value` would merge).
    pub fn sign_raw(&self, algorithm: SigningAlgorithm, header: &str, claims: &str) -> String {
        let message = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let signature = self.signature(algorithm, message.as_bytes());
        format!("{message}.{}", b64(&signature))
    }

    fn signature(&self, algorithm: SigningAlgorithm, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();

        match (&self.pair, algorithm) {
            (Pair::Rsa(pair), _) => {
                let padding: &'static dyn signature::RsaEncoding = match algorithm {
                    SigningAlgorithm::Rs256 => &signature::RSA_PKCS1_SHA256,
                    SigningAlgorithm::Rs384 => &signature::RSA_PKCS1_SHA384,
                    SigningAlgorithm::Rs512 => &signature::RSA_PKCS1_SHA512,
                    SigningAlgorithm::Ps256 => &signature::RSA_PSS_SHA256,
                    SigningAlgorithm::Ps384 => &signature::RSA_PSS_SHA384,
                    SigningAlgorithm::Ps512 => &signature::RSA_PSS_SHA512,
                    other => panic!("an RSA key cannot sign {other}"),
                };
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut signature)
                    .expect("RSA signing succeeds");
                signature
            }
            (Pair::Ec(pair, _), SigningAlgorithm::Es256 | SigningAlgorithm::Es384) => pair
                .sign(&rng, message)
                .expect("ECDSA signing succeeds")
                .as_ref()
                .to_vec(),
            (Pair::Ed(pair), SigningAlgorithm::EdDsa) => pair.sign(message).as_ref().to_vec(),
            (_, other) => panic!("this key cannot sign {other}"),
        }
    }
}

/// Signs with HMAC-SHA256, as an attacker holding only public data would.
pub fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", b64(tag.as_ref()))
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("fixture PEM is base64")
}

/// Claims as Okta's custom authorization server issues them, with the
/// session claim the token inline hook adds, valid at [`NOW_SECS`].
pub fn okta_claims(issuer: &str) -> Value {
    json!({
        "ver": 1,
        "jti": "AT.test-token-id",
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": NOW_SECS - 60,
        "exp": NOW_SECS + 3600,
        "cid": SPA_CLIENT,
        "uid": USER_ID,
        "scp": ["openid", "profile", "demo.read"],
        "auth_time": NOW_SECS - 120,
        "sub": "demo@example.com",
        "okta_sid": SESSION_ID
    })
}

/// A wiremock server standing in for an Okta custom authorization server.
pub struct Issuer {
    pub server: MockServer,
    pub issuer: String,
}

impl Issuer {
    /// Starts a server that serves nothing yet.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let issuer = format!("{}/oauth2/default", server.uri());
        Issuer { server, issuer }
    }

    /// Starts a server serving discovery and a JWKS of `keys` with
    /// `Cache-Control: max-age=3600`.
    pub async fn with_keys(keys: &[&TestKey]) -> Self {
        let issuer = Self::start().await;
        issuer.mount_discovery().await;
        issuer.mount_jwks(jwks(keys), Some("max-age=3600")).await;
        issuer
    }

    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.server.uri())
    }

    /// Serves `/.well-known/oauth-authorization-server` naming this issuer.
    pub async fn mount_discovery(&self) {
        Mock::given(method("GET"))
            .and(path(
                "/oauth2/default/.well-known/oauth-authorization-server",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(self.metadata()))
            .mount(&self.server)
            .await;
    }

    pub fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": format!("{}/v1/authorize", self.issuer),
            "token_endpoint": format!("{}/v1/token", self.issuer),
            "jwks_uri": self.jwks_url(),
        })
    }

    /// Serves `document` at the JWKS path with an optional `Cache-Control`.
    pub async fn mount_jwks(&self, document: Value, cache_control: Option<&str>) {
        Mock::given(method("GET"))
            .and(path(JWKS_PATH))
            .respond_with(jwks_response(document, cache_control))
            .mount(&self.server)
            .await;
    }

    /// Replaces every mock with a JWKS of `keys`.
    pub async fn replace_jwks(&self, document: Value, cache_control: Option<&str>) {
        self.server.reset().await;
        self.mount_discovery().await;
        self.mount_jwks(document, cache_control).await;
    }

    /// Makes every request fail with 503, as during an outage.
    pub async fn go_down(&self) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&self.server)
            .await;
    }

    /// Number of JWKS requests the server received.
    pub async fn jwks_requests(&self) -> usize {
        self.requests_to(JWKS_PATH).await
    }

    /// Number of requests of any kind since the server started or was reset.
    pub async fn all_requests(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }

    pub async fn requests_to(&self, request_path: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|request| request.url.path() == request_path)
            .count()
    }

    /// Returns a strict config for this issuer: audience `api://default`, keys by discovery.
    pub fn config(&self) -> TokenVerifierConfig {
        TokenVerifierConfig::new(&self.issuer)
            .expect("the wiremock issuer is a valid custom server URL")
            .audience(AUDIENCE)
    }

    pub fn verifier(&self) -> TokenVerifier {
        verifier(self.config())
    }

    pub fn claims(&self) -> Value {
        okta_claims(&self.issuer)
    }
}

pub fn verifier(config: TokenVerifierConfig) -> TokenVerifier {
    TokenVerifier::new(config, reqwest::Client::new()).expect("test config is valid")
}

pub fn jwks_response(document: Value, cache_control: Option<&str>) -> ResponseTemplate {
    let response = ResponseTemplate::new(200).set_body_json(document);
    match cache_control {
        Some(value) => response.insert_header("cache-control", value),
        None => response,
    }
}

pub fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>() })
}
