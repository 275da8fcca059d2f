//! Every supported algorithm verifies a token signed with it, and each key
//! type refuses the algorithms of the other types.

mod token_support;

use session_guard::Reason;
use session_guard::token::SigningAlgorithm;
use token_support::*;

/// Serves `key`, allows only `algorithm`, and verifies a token it signed.
async fn verify_with(key: &TestKey, algorithm: SigningAlgorithm) -> Reason {
    let issuer = Issuer::with_keys(&[key]).await;
    let verifier = verifier(issuer.config().algorithms([algorithm]));
    let token = key.sign(algorithm, &issuer.claims());

    match verifier.verify(&token, now()).await {
        Ok(_) => Reason::Allowed,
        Err(error) => error.reason(),
    }
}

#[tokio::test]
async fn rsa_pkcs1_algorithms_verify() {
    let key = TestKey::rsa("rsa");
    for algorithm in [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Rs384,
        SigningAlgorithm::Rs512,
    ] {
        assert_eq!(
            verify_with(&key, algorithm).await,
            Reason::Allowed,
            "{algorithm}"
        );
    }
}

#[tokio::test]
async fn rsa_pss_algorithms_verify() {
    let key = TestKey::rsa("rsa");
    for algorithm in [
        SigningAlgorithm::Ps256,
        SigningAlgorithm::Ps384,
        SigningAlgorithm::Ps512,
    ] {
        assert_eq!(
            verify_with(&key, algorithm).await,
            Reason::Allowed,
            "{algorithm}"
        );
    }
}

#[tokio::test]
async fn es256_verifies() {
    let key = TestKey::p256("p256");
    assert_eq!(
        verify_with(&key, SigningAlgorithm::Es256).await,
        Reason::Allowed
    );
}

#[tokio::test]
async fn es384_verifies() {
    let key = TestKey::p384("p384");
    assert_eq!(
        verify_with(&key, SigningAlgorithm::Es384).await,
        Reason::Allowed
    );
}

#[tokio::test]
async fn eddsa_verifies() {
    let key = TestKey::ed25519("ed");
    assert_eq!(
        verify_with(&key, SigningAlgorithm::EdDsa).await,
        Reason::Allowed
    );
}

#[tokio::test]
async fn mixed_key_set_verifies_each() {
    let rsa = TestKey::rsa("rsa");
    let p256 = TestKey::p256("p256");
    let p384 = TestKey::p384("p384");
    let ed = TestKey::ed25519("ed");
    let issuer = Issuer::with_keys(&[&rsa, &p256, &p384, &ed]).await;
    let verifier = verifier(issuer.config().algorithms(SigningAlgorithm::ALL));
    let claims = issuer.claims();
    let tokens = [
        (rsa.sign(SigningAlgorithm::Ps384, &claims), "PS384"),
        (p256.sign(SigningAlgorithm::Es256, &claims), "ES256"),
        (p384.sign(SigningAlgorithm::Es384, &claims), "ES384"),
        (ed.sign(SigningAlgorithm::EdDsa, &claims), "EdDSA"),
    ];

    for (token, case) in &tokens {
        let result = verifier.verify(token, now()).await;
        assert!(result.is_ok(), "{case}: {:?}", result.err());
    }
}

#[tokio::test]
async fn p256_key_refuses_es384() {
    // kid "p" names a P-256 key; an ES384 signature under it must not be tried.
    let p256 = TestKey::p256("p");
    let p384 = TestKey::p384("p");
    let issuer = Issuer::with_keys(&[&p256]).await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Es256, SigningAlgorithm::Es384]),
    );

    let token = p384.sign(SigningAlgorithm::Es384, &issuer.claims());
    let error = verifier.verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::AlgorithmNotAllowed, "{error}");
}

#[tokio::test]
async fn ed25519_key_refuses_rs256() {
    let ed = TestKey::ed25519("k");
    let rsa = TestKey::rsa("k");
    let issuer = Issuer::with_keys(&[&ed]).await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Rs256, SigningAlgorithm::EdDsa]),
    );

    let token = rsa.sign(SigningAlgorithm::Rs256, &issuer.claims());
    let error = verifier.verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::AlgorithmNotAllowed, "{error}");
}

#[tokio::test]
async fn pkcs1_signature_under_pss_header_rejected() {
    // Same RSA key, but the header claims PS256 for an RS256 signature.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(
        issuer
            .config()
            .algorithms([SigningAlgorithm::Rs256, SigningAlgorithm::Ps256]),
    );
    let token = key.sign(SigningAlgorithm::Rs256, &issuer.claims());
    let parts: Vec<&str> = token.split('.').collect();
    let header = serde_json::json!({"alg": "PS256", "kid": "k1"});
    let relabelled = format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        parts[1],
        parts[2]
    );

    let error = verifier.verify(&relabelled, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::InvalidSignature, "{error}");
}
