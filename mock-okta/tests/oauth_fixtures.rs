//! Live responses checked field by field against the shapes of Okta's
//! OAuth API, written down as fixtures in `tests/fixtures/oauth/`.

mod oauth_support;

use oauth_support::*;
use reqwest::StatusCode;
use serde_json::Value;

fn assert_matches(value: &Value, fixture_name: &str) {
    let problems = schema_mismatches(value, &fixture(fixture_name));
    assert!(
        problems.is_empty(),
        "{fixture_name}: {problems:#?}\n{value:#}"
    );
}

#[tokio::test]
async fn discovery_documents_match_spec() {
    let okta = Okta::start().await;
    for (path, fixture_name) in [
        ("/.well-known/openid-configuration", "oidc_metadata.json"),
        (
            "/.well-known/oauth-authorization-server",
            "oauth_metadata.json",
        ),
    ] {
        let document = json(okta.http.get(okta.url(path)).send().await.unwrap()).await;

        assert_matches(&document, fixture_name);
    }
}

#[tokio::test]
async fn jwks_matches_spec() {
    let okta = Okta::start().await;

    let keys = json(okta.http.get(okta.url("/v1/keys")).send().await.unwrap()).await;

    assert_matches(&keys, "jwks.json");
}

#[tokio::test]
async fn token_response_matches_spec() {
    let okta = Okta::start().await;

    let login = okta.login().await;

    assert_matches(&login.tokens, "token_response.json");
    for token in [login.access_token(), login.id_token()] {
        assert_matches(&decode_jwt(token).0, "jwt_header.json");
    }
    assert_matches(&claims(login.access_token()), "access_token_claims.json");
    assert_matches(&claims(login.id_token()), "id_token_claims.json");
}

#[tokio::test]
async fn service_token_matches_spec() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service(
            "/v1/token",
            &[("grant_type", "client_credentials"), ("scope", "demo.read")],
        )
        .await;

    let body = json(response).await;
    assert_matches(
        &claims(body["access_token"].as_str().unwrap()),
        "service_token_claims.json",
    );
}

#[tokio::test]
async fn introspection_matches_spec() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    for token in [
        login.access_token(),
        login.refresh_token(),
        login.id_token(),
        "garbage",
    ] {
        assert_matches(&okta.introspect(token).await, "introspection.json");
    }
}

#[tokio::test]
async fn userinfo_matches_spec() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .http
        .get(okta.url("/v1/userinfo"))
        .bearer_auth(login.access_token())
        .send()
        .await
        .unwrap();

    assert_matches(&json(response).await, "userinfo.json");
}

#[tokio::test]
async fn oauth_errors_match_spec() {
    let okta = Okta::start().await;

    let response = okta.token(&[("grant_type", "client_credentials")]).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_matches(&json(response).await, "oauth_error.json");
}

/// The checker itself must catch a wrong type and a missing field.
#[test]
fn checker_reports_mismatches() {
    let document = serde_json::json!({ "issuer": 1 });

    let problems = schema_mismatches(&document, &fixture("oauth_metadata.json"));

    assert!(
        problems.iter().any(|p| p.contains("$.issuer: expected")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing required field jwks_uri")),
        "{problems:?}"
    );
}
