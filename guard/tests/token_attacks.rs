//! Known attacks on JWT verification, one test each. Every forged token
//! must be rejected with the reason that names the attack.

mod token_support;

use serde_json::json;
use session_guard::Reason;
use session_guard::token::{SigningAlgorithm, TokenError};
use token_support::*;

const RS256: SigningAlgorithm = SigningAlgorithm::Rs256;

#[tokio::test]
async fn alg_none_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "kid": "k1"});
        let token = format!(
            "{}.{}.",
            b64(header.to_string().as_bytes()),
            b64(issuer.claims().to_string().as_bytes())
        );

        let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

        assert_eq!(
            error.reason(),
            Reason::AlgorithmNotAllowed,
            "alg {alg}: {error}"
        );
    }
}

#[tokio::test]
async fn alg_none_rejected_even_when_all_allowed() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().algorithms(SigningAlgorithm::ALL));
    let header = json!({"alg": "none"});
    let token = format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(issuer.claims().to_string().as_bytes())
    );

    let error = verifier.verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::AlgorithmNotAllowed, "{error}");
}

#[tokio::test]
async fn hs256_with_rsa_public_key_rejected() {
    // Algorithm confusion: the attacker signs with HMAC, using the issuer's
    // public RSA key (known to everyone) as the secret.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().algorithms(SigningAlgorithm::ALL));
    let header = json!({"alg": "HS256", "kid": "k1"});
    let jwk_json = key.jwk().to_string();
    let secrets: [&[u8]; 2] = [&key.rsa_public_der(), jwk_json.as_bytes()];

    for secret in secrets {
        let token = hs256(secret, &header, &issuer.claims());

        let error = verifier.verify(&token, now()).await.unwrap_err();

        assert!(
            matches!(&error, TokenError::AlgorithmNotAllowed { alg, .. } if alg == "HS256"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn unknown_kid_rejected() {
    let key = TestKey::rsa("k1");
    let stranger = TestKey::rsa_attacker("k-attacker");
    let issuer = Issuer::with_keys(&[&key]).await;

    let error = issuer
        .verifier()
        .verify(&stranger.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert_eq!(error.reason(), Reason::UnknownKey);
    assert!(
        matches!(&error, TokenError::UnknownKey { kid } if kid == "k-attacker"),
        "{error}"
    );
}

#[tokio::test]
async fn missing_kid_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let header = json!({"alg": "RS256"});
    let token = key.sign_with_header(RS256, &header, &issuer.claims());

    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert!(matches!(error, TokenError::MissingKeyId), "{error}");
    assert_eq!(error.reason(), Reason::MalformedToken);
}

#[tokio::test]
async fn stripped_signature_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let token = key.sign(RS256, &issuer.claims());
    let stripped = &token[..=token.rfind('.').unwrap()];

    let error = issuer.verifier().verify(stripped, now()).await.unwrap_err();

    assert!(matches!(error, TokenError::MissingSignature), "{error}");
    assert_eq!(error.reason(), Reason::InvalidSignature);
}

#[tokio::test]
async fn tampered_payload_rejected() {
    // Keep the signature, swap in claims with a different subject.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let token = key.sign(RS256, &issuer.claims());
    let mut claims = issuer.claims();
    claims["sub"] = json!("admin@example.com");
    let forged_payload = b64(claims.to_string().as_bytes());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);

    let error = issuer.verifier().verify(&forged, now()).await.unwrap_err();

    assert!(
        matches!(&error, TokenError::InvalidSignature { kid, alg: SigningAlgorithm::Rs256 } if kid == "k1"),
        "{error}"
    );
}

#[tokio::test]
async fn signature_by_other_key_rejected() {
    // The attacker names a published kid but signs with its own key.
    let key = TestKey::rsa("k1");
    let impostor = TestKey::rsa_attacker("k1");
    let issuer = Issuer::with_keys(&[&key]).await;

    let result = issuer
        .verifier()
        .verify(&impostor.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(result.unwrap_err().reason(), Reason::InvalidSignature);
}

#[tokio::test]
async fn rsa_key_with_es256_header_rejected() {
    // ES256 is allowed, but kid k1 is an RSA key: the key decides.
    let key = TestKey::rsa("k1");
    let ec_key = TestKey::p256("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Rs256, SigningAlgorithm::Es256]),
    );

    let token = ec_key.sign(SigningAlgorithm::Es256, &issuer.claims());
    let error = verifier.verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::AlgorithmNotAllowed);
    assert!(
        matches!(
            &error,
            TokenError::KeyAlgorithmMismatch {
                alg: SigningAlgorithm::Es256,
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn ec_key_with_rs256_header_rejected() {
    let ec_key = TestKey::p256("e1");
    let rsa_key = TestKey::rsa("e1");
    let issuer = Issuer::with_keys(&[&ec_key]).await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Rs256, SigningAlgorithm::Es256]),
    );

    let error = verifier
        .verify(&rsa_key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(error, TokenError::KeyAlgorithmMismatch { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn jwk_alg_binds_rsa_key() {
    // The JWK's `alg` is RS256, so a PS256 token under that kid is rejected even
    // though PS256 is on the allow-list and the key is RSA.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer
        .mount_jwks(json!({"keys": [key.jwk_with_alg("RS256")]}), None)
        .await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Rs256, SigningAlgorithm::Ps256]),
    );

    let error = verifier
        .verify(&key.sign(SigningAlgorithm::Ps256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, TokenError::KeyAlgorithmMismatch { key_algorithms, .. }
            if key_algorithms == &[SigningAlgorithm::Rs256]),
        "{error}"
    );
}

#[tokio::test]
async fn algorithm_outside_allow_list_rejected() {
    // The default allow-list is RS256 only; a valid PS256 signature does not help.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;

    let error = issuer
        .verifier()
        .verify(&key.sign(SigningAlgorithm::Ps256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, TokenError::AlgorithmNotAllowed { alg, allowed }
            if alg == "PS256" && allowed == &[SigningAlgorithm::Rs256]),
        "{error}"
    );
}

#[tokio::test]
async fn embedded_jwk_header_ignored() {
    // The attacker ships its own public key in the header (and a jku URL).
    // Only the issuer's JWKS counts, so the attacker's kid stays unknown.
    let key = TestKey::rsa("k1");
    let attacker = TestKey::rsa_attacker("evil");
    let issuer = Issuer::with_keys(&[&key]).await;
    let header = json!({
        "alg": "RS256",
        "kid": "evil",
        "jwk": attacker.jwk(),
        "jku": "https://evil.example.com/keys",
    });

    let token = attacker.sign_with_header(RS256, &header, &issuer.claims());
    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::UnknownKey, "{error}");
}

#[tokio::test]
async fn critical_header_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let header = json!({"alg": "RS256", "kid": "k1", "crit": ["exp"], "exp": 1});

    let token = key.sign_with_header(RS256, &header, &issuer.claims());
    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert!(
        matches!(error, TokenError::UnsupportedCriticalHeader { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn short_rsa_key_in_jwks_unusable() {
    // A 1024-bit key in the JWKS is skipped, so its kid is unknown. The
    // signature is never checked, so a dummy one will do.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::start().await;
    issuer.mount_discovery().await;
    issuer
        .mount_jwks(json!({"keys": [key.jwk(), short_rsa_jwk("weak")]}), None)
        .await;

    let header = json!({"alg": "RS256", "kid": "weak"});
    let token = format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(issuer.claims().to_string().as_bytes()),
        b64(&[0u8; 128])
    );
    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert!(
        matches!(&error, TokenError::UnknownKey { kid } if kid == "weak"),
        "{error}"
    );
}

#[tokio::test]
async fn malformed_structure_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let token = key.sign(RS256, &issuer.claims());
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        (String::new(), "empty"),
        ("abc".to_owned(), "one segment"),
        ("a.b".to_owned(), "two segments"),
        (format!("{token}.extra"), "four segments"),
        (
            format!("!!!.{}.{}", parts[1], parts[2]),
            "header not base64url",
        ),
        (
            format!("W10.{}.{}", parts[1], parts[2]),
            "header is an array",
        ),
        (
            format!("{}.!!!.{}", parts[0], parts[2]),
            "payload not base64url",
        ),
        (
            format!("{}.W10.{}", parts[0], parts[2]),
            "payload is an array",
        ),
    ];

    for (token, case) in &cases {
        let error = issuer.verifier().verify(token, now()).await.unwrap_err();

        assert_eq!(error.reason(), Reason::MalformedToken, "{case}: {error}");
    }
}

#[tokio::test]
async fn signature_not_base64url_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let token = key.sign(RS256, &issuer.claims());
    let bad = format!(
        "{}.sig+with/standard=alphabet",
        &token[..token.rfind('.').unwrap()]
    );

    let error = issuer.verifier().verify(&bad, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::MalformedToken, "{error}");
}

/// Returns a JWK for a 1024-bit RSA key, from `tests/fixtures/rsa-1024.pem`.
fn short_rsa_jwk(kid: &str) -> serde_json::Value {
    // The modulus is read from the fixture at test time: aws-lc-rs refuses
    // to load RSA keys below 2048 bits, so parse the PKCS#8 DER by hand.
    let pem = include_str!("fixtures/rsa-1024.pem");
    let (n, e) = rsa_components_from_pkcs8(pem);
    json!({"kty": "RSA", "kid": kid, "n": b64(&n), "e": b64(&e)})
}

/// Extracts (n, e) from an RSA PKCS#8 PEM with a minimal DER walk.
fn rsa_components_from_pkcs8(pem: &str) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();

    // PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING }
    let (info, _) = der_element(&der);
    let (_version, rest) = der_element(info);
    let (_algorithm, rest) = der_element(rest);
    let (octets, _) = der_element(rest);
    // RSAPrivateKey ::= SEQUENCE { version, n, e, ... }
    let (rsa, _) = der_element(octets);
    let (_version, rest) = der_element(rsa);
    let (n, rest) = der_element(rest);
    let (e, _) = der_element(rest);

    let trim = |bytes: &[u8]| bytes.iter().skip_while(|b| **b == 0).copied().collect();
    (trim(n), trim(e))
}

/// Returns the contents of the DER element at the start of `input` and the rest.
fn der_element(input: &[u8]) -> (&[u8], &[u8]) {
    let first_length = input[1] as usize;
    let (length, header) = if first_length < 0x80 {
        (first_length, 2)
    } else {
        let count = first_length & 0x7f;
        let length = input[2..2 + count]
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | *byte as usize);
        (length, 2 + count)
    };
    (&input[header..header + length], &input[header + length..])
}
