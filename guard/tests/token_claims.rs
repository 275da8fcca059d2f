//! Claim checks of `TokenVerifier`: each rule accepts the valid case and
//! rejects the invalid one with its own reason. Keys come over real HTTP
//! from a wiremock issuer.

mod token_support;

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use session_guard::Reason;
use session_guard::token::{SigningAlgorithm, TokenError, TokenFingerprint};
use token_support::*;

const RS256: SigningAlgorithm = SigningAlgorithm::Rs256;

/// Verifies `claims` signed by `key` with the issuer's default verifier.
async fn verify_claims(
    issuer: &Issuer,
    key: &TestKey,
    claims: &serde_json::Value,
) -> Result<session_guard::VerifiedToken, TokenError> {
    issuer
        .verifier()
        .verify(&key.sign(RS256, claims), now())
        .await
}

fn reason<T>(result: Result<T, TokenError>) -> Reason {
    match result {
        Ok(_) => Reason::Allowed,
        Err(error) => error.reason(),
    }
}

#[tokio::test]
async fn valid_okta_token_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let token = key.sign(RS256, &issuer.claims());

    let verified = issuer.verifier().verify(&token, now()).await.unwrap();

    let claims = verified.claims();
    assert_eq!(claims.iss, issuer.issuer);
    assert_eq!(claims.sub, "demo@example.com");
    assert_eq!(claims.aud, vec![AUDIENCE.to_owned()]);
    assert_eq!(claims.uid.as_deref(), Some(USER_ID));
    assert_eq!(claims.cid.as_deref(), Some(SPA_CLIENT));
    assert_eq!(claims.jti.as_deref(), Some("AT.test-token-id"));
    assert_eq!(claims.scopes, ["openid", "profile", "demo.read"]);
    assert_eq!(claims.auth_time, Some(NOW_SECS - 120));
    assert_eq!(claims.string_claim("okta_sid"), Some(SESSION_ID));
    assert_eq!(
        verified.expires_at(),
        UNIX_EPOCH + Duration::from_secs(NOW_SECS + 3600)
    );
    assert_eq!(verified.fingerprint(), TokenFingerprint::of(&token));
}

#[tokio::test]
async fn expired_token_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    // Expired 31 s ago: one second beyond the default 30 s leeway.
    claims["exp"] = json!(NOW_SECS - 31);

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::TokenExpired);
    assert!(
        matches!(error, TokenError::Expired { exp, now, .. } if exp == NOW_SECS - 31 && now == NOW_SECS),
        "{error}"
    );
}

#[tokio::test]
async fn expiry_within_leeway_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["exp"] = json!(NOW_SECS - 29);

    assert_eq!(
        reason(verify_claims(&issuer, &key, &claims).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn expiry_boundary_rejected() {
    // At exactly exp + leeway the token has expired (RFC 7519: now must be before exp).
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["exp"] = json!(NOW_SECS - 30);

    assert_eq!(
        reason(verify_claims(&issuer, &key, &claims).await),
        Reason::TokenExpired
    );
}

#[tokio::test]
async fn configured_leeway_applies() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().leeway(Duration::ZERO));
    let mut claims = issuer.claims();
    claims["exp"] = json!(NOW_SECS - 1);

    let result = verifier.verify(&key.sign(RS256, &claims), now()).await;

    assert_eq!(reason(result), Reason::TokenExpired);
}

#[tokio::test]
async fn not_yet_valid_token_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["nbf"] = json!(NOW_SECS + 31);

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::TokenNotYetValid);
    assert!(
        matches!(error, TokenError::NotYetValid { nbf, .. } if nbf == NOW_SECS + 31),
        "{error}"
    );
}

#[tokio::test]
async fn nbf_within_leeway_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["nbf"] = json!(NOW_SECS + 30);

    assert_eq!(
        reason(verify_claims(&issuer, &key, &claims).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn future_iat_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iat"] = json!(NOW_SECS + 31);

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::IssuedInFuture);
    assert!(
        matches!(error, TokenError::IssuedInFuture { iat, .. } if iat == NOW_SECS + 31),
        "{error}"
    );
}

#[tokio::test]
async fn iat_within_leeway_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iat"] = json!(NOW_SECS + 30);

    assert_eq!(
        reason(verify_claims(&issuer, &key, &claims).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn other_issuer_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!("https://evil.example.com/oauth2/default");

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::IssuerMismatch);
    assert!(
        matches!(&error, TokenError::IssuerMismatch { expected, actual }
            if *expected == issuer.issuer && actual == "https://evil.example.com/oauth2/default"),
        "{error}"
    );
}

#[tokio::test]
async fn issuer_trailing_slash_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!(format!("{}/", issuer.issuer));

    let result = verify_claims(&issuer, &key, &claims).await;

    assert_eq!(reason(result), Reason::IssuerMismatch);
}

#[tokio::test]
async fn issuer_other_server_same_org_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!(format!(
        "{}/oauth2/aus59pz16qgMvHvBS0g7",
        issuer.server.uri()
    ));

    let result = verify_claims(&issuer, &key, &claims).await;

    assert_eq!(reason(result), Reason::IssuerMismatch);
}

#[tokio::test]
async fn org_server_token_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!(issuer.server.uri());

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::OrgAuthorizationServer);
    assert!(
        error.description().contains("cannot be verified locally"),
        "{}",
        error.description()
    );
}

#[tokio::test]
async fn org_server_token_triggers_no_key_fetch() {
    // The org server signs with keys the custom server's JWKS lacks. Its
    // unknown kid must not cause a JWKS request.
    let key = TestKey::rsa("k1");
    let org_key = TestKey::rsa_second("org-key");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!(issuer.server.uri());

    let result = issuer
        .verifier()
        .verify(&org_key.sign(RS256, &claims), now())
        .await;

    assert_eq!(reason(result), Reason::OrgAuthorizationServer);
    assert_eq!(issuer.jwks_requests().await, 0);
}

#[tokio::test]
async fn audience_mismatch_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["aud"] = json!("api://other");

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert_eq!(error.reason(), Reason::AudienceMismatch);
    assert!(
        matches!(&error, TokenError::AudienceMismatch { actual, .. } if actual == &["api://other"]),
        "{error}"
    );
}

#[tokio::test]
async fn array_audience_containing_ours_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["aud"] = json!(["api://other", AUDIENCE]);

    let verified = verify_claims(&issuer, &key, &claims).await.unwrap();

    assert_eq!(verified.claims().aud, ["api://other", AUDIENCE]);
}

#[tokio::test]
async fn array_audience_without_ours_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    for audience in [json!(["api://other", "api://third"]), json!([])] {
        let mut claims = issuer.claims();
        claims["aud"] = audience.clone();

        let result = verify_claims(&issuer, &key, &claims).await;

        assert_eq!(reason(result), Reason::AudienceMismatch, "aud = {audience}");
    }
}

#[tokio::test]
async fn second_configured_audience_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().audience("api://second"));
    let mut claims = issuer.claims();
    claims["aud"] = json!("api://second");

    let result = verifier.verify(&key.sign(RS256, &claims), now()).await;

    assert_eq!(reason(result), Reason::Allowed);
}

#[tokio::test]
async fn client_allow_list_accepts_listed() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().allowed_clients([SPA_CLIENT]));

    let result = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::Allowed);
}

#[tokio::test]
async fn client_allow_list_rejects_others() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().allowed_clients(["0oademosvc0000000001"]));

    let error = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert_eq!(error.reason(), Reason::ClientNotAllowed);
    assert!(
        matches!(&error, TokenError::ClientNotAllowed { cid: Some(cid) } if cid == SPA_CLIENT),
        "{error}"
    );
}

#[tokio::test]
async fn client_allow_list_rejects_missing_cid() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().allowed_clients([SPA_CLIENT]));
    let mut claims = issuer.claims();
    claims.as_object_mut().unwrap().remove("cid");

    let result = verifier.verify(&key.sign(RS256, &claims), now()).await;

    assert_eq!(reason(result), Reason::ClientNotAllowed);
}

#[tokio::test]
async fn required_scope_present_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_scopes(["demo.read", "openid"]));

    let result = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::Allowed);
}

#[tokio::test]
async fn missing_scope_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_scopes(["demo.read", "demo.write"]));

    let error = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await
        .unwrap_err();

    assert_eq!(error.reason(), Reason::InsufficientScope);
    assert!(
        matches!(&error, TokenError::InsufficientScope { missing } if missing == &["demo.write"]),
        "{error}"
    );
    assert_eq!(
        error.description(),
        "the access token lacks the required scope demo.write"
    );
}

#[tokio::test]
async fn scope_string_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_scopes(["demo.write"]));
    let mut claims = issuer.claims();
    claims.as_object_mut().unwrap().remove("scp");
    claims["scope"] = json!("openid demo.read demo.write");

    let verified = verifier
        .verify(&key.sign(RS256, &claims), now())
        .await
        .unwrap();

    assert_eq!(
        verified.claims().scopes,
        ["openid", "demo.read", "demo.write"]
    );
}

#[tokio::test]
async fn token_without_scopes_rejected_when_required() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_scopes(["demo.read"]));
    let mut claims = issuer.claims();
    claims.as_object_mut().unwrap().remove("scp");

    let result = verifier.verify(&key.sign(RS256, &claims), now()).await;

    assert_eq!(reason(result), Reason::InsufficientScope);
}

#[tokio::test]
async fn typ_not_required_by_default() {
    // Okta sends no `typ`. Other issuers send `JWT`. Both pass by default.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let header = json!({"alg": "RS256", "kid": "k1", "typ": "JWT"});

    let with_typ = key.sign_with_header(SigningAlgorithm::Rs256, &header, &issuer.claims());
    let without_typ = key.sign(RS256, &issuer.claims());

    assert_eq!(
        reason(issuer.verifier().verify(&with_typ, now()).await),
        Reason::Allowed
    );
    assert_eq!(
        reason(issuer.verifier().verify(&without_typ, now()).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn required_typ_matches_media_type() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_token_type("at+jwt"));
    let header = json!({"alg": "RS256", "kid": "k1", "typ": "application/AT+JWT"});

    let token = key.sign_with_header(SigningAlgorithm::Rs256, &header, &issuer.claims());

    assert_eq!(
        reason(verifier.verify(&token, now()).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn required_typ_wrong_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_token_type("at+jwt"));
    let header = json!({"alg": "RS256", "kid": "k1", "typ": "JWT"});

    let token = key.sign_with_header(SigningAlgorithm::Rs256, &header, &issuer.claims());
    let error = verifier.verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::WrongTokenType);
    assert!(
        matches!(&error, TokenError::WrongTokenType { actual: Some(actual), .. } if actual == "JWT"),
        "{error}"
    );
}

#[tokio::test]
async fn required_typ_missing_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let verifier = verifier(issuer.config().require_token_type("at+jwt"));

    let result = verifier
        .verify(&key.sign(RS256, &issuer.claims()), now())
        .await;

    assert_eq!(reason(result), Reason::WrongTokenType);
}

#[tokio::test]
async fn oversized_token_rejected_before_parsing() {
    // Not even a JWT: only the size may decide, so the reason is not "malformed".
    let issuer = Issuer::with_keys(&[&TestKey::rsa("k1")]).await;
    let token = "x".repeat(8 * 1024 + 1);

    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::TokenTooLarge);
    assert!(
        matches!(
            error,
            TokenError::TooLarge {
                size: 8193,
                max: 8192
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn token_at_size_limit_accepted() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let base = key.sign(RS256, &issuer.claims());
    let mut claims = issuer.claims();
    // Pad with a custom claim; base64 makes 3 bytes of JSON 4 bytes of token.
    let padding = (2048 - base.len()) * 3 / 4;
    claims["padding"] = json!("p".repeat(padding));
    let token = key.sign(RS256, &claims);
    let verifier = verifier(issuer.config().max_token_size(token.len()));

    assert_eq!(
        reason(verifier.verify(&token, now()).await),
        Reason::Allowed
    );
}

#[tokio::test]
async fn missing_required_claim_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    for claim in ["sub", "exp", "iat", "aud", "iss"] {
        let mut claims = issuer.claims();
        claims.as_object_mut().unwrap().remove(claim);

        let result = verify_claims(&issuer, &key, &claims).await;

        assert_eq!(reason(result), Reason::InvalidClaims, "without {claim}");
    }
}

#[tokio::test]
async fn mistyped_claim_rejected() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    for (claim, value) in [
        ("exp", json!("soon")),
        ("uid", json!(42)),
        ("scp", json!(7)),
    ] {
        let mut claims = issuer.claims();
        claims[claim] = value;

        let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

        assert_eq!(error.reason(), Reason::InvalidClaims, "{claim}: {error}");
    }
}

#[tokio::test]
async fn duplicate_claim_rejected() {
    // Two `iss` members: a parser keeping the first would see another issuer.
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let claims = issuer.claims().to_string();
    let duplicated = claims.replacen('{', r#"{"iss":"https://evil.example.com/oauth2/x","#, 1);
    let token = key.sign_raw(RS256, r#"{"alg":"RS256","kid":"k1"}"#, &duplicated);

    let error = issuer.verifier().verify(&token, now()).await.unwrap_err();

    assert_eq!(error.reason(), Reason::MalformedToken, "{error}");
}

#[tokio::test]
async fn description_hides_token_values() {
    let key = TestKey::rsa("k1");
    let issuer = Issuer::with_keys(&[&key]).await;
    let mut claims = issuer.claims();
    claims["iss"] = json!("https://evil.example.com/\"injected\"");

    let error = verify_claims(&issuer, &key, &claims).await.unwrap_err();

    assert!(error.to_string().contains("evil.example.com"), "{error}");
    assert!(
        !error.description().contains("evil"),
        "{}",
        error.description()
    );
}
