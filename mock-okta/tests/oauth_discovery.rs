//! Discovery documents, the JWKS with key rotation, and CORS over real HTTP.

mod oauth_support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_support::*;
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

async fn get_json(okta: &Okta, path: &str) -> Value {
    let response = okta.http.get(okta.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    json(response).await
}

#[tokio::test]
async fn openid_configuration_urls() {
    let okta = Okta::start().await;
    let issuer = okta.issuer();

    let document = get_json(&okta, "/.well-known/openid-configuration").await;

    assert_eq!(document["issuer"], issuer);
    for (field, path) in [
        ("authorization_endpoint", "/v1/authorize"),
        ("token_endpoint", "/v1/token"),
        ("userinfo_endpoint", "/v1/userinfo"),
        ("jwks_uri", "/v1/keys"),
        ("introspection_endpoint", "/v1/introspect"),
        ("revocation_endpoint", "/v1/revoke"),
        ("end_session_endpoint", "/v1/logout"),
    ] {
        assert_eq!(document[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(
        document["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        document["scopes_supported"],
        serde_json::json!([
            "openid",
            "profile",
            "email",
            "offline_access",
            "demo.read",
            "demo.write"
        ])
    );
}

#[tokio::test]
async fn oauth_metadata_has_no_oidc_fields() {
    let okta = Okta::start().await;

    let document = get_json(&okta, "/.well-known/oauth-authorization-server").await;

    assert_eq!(document["issuer"], okta.issuer());
    assert!(document.get("userinfo_endpoint").is_none(), "{document}");
    assert!(
        document
            .get("id_token_signing_alg_values_supported")
            .is_none()
    );
}

#[tokio::test]
async fn discovery_unknown_server_404() {
    let okta = Okta::start().await;
    for path in [
        "/oauth2/nope/.well-known/openid-configuration",
        "/oauth2/nope/.well-known/oauth-authorization-server",
        "/oauth2/nope/v1/keys",
    ] {
        let response = okta
            .http
            .get(format!("{}{path}", okta.running.base_url))
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = json(response).await;
        assert_eq!(body["errorCode"], "E0000007", "{path}");
        assert!(body["errorSummary"].as_str().unwrap().contains("nope"));
    }
}

#[tokio::test]
async fn discovery_unknown_client_id_400() {
    let okta = Okta::start().await;

    let known = okta
        .http
        .get(okta.url(&format!(
            "/.well-known/openid-configuration?client_id={SPA}"
        )))
        .send()
        .await
        .unwrap();
    let unknown = okta
        .http
        .get(okta.url("/.well-known/openid-configuration?client_id=0oanope"))
        .send()
        .await
        .unwrap();

    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(unknown).await["errorCode"], "invalid_client");
}

#[tokio::test]
async fn jwks_serves_rsa_2048_keys() {
    let okta = Okta::start().await;

    let response = okta.http.get(okta.url("/v1/keys")).send().await.unwrap();

    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "max-age=300, must-revalidate"
    );
    let keys = json(response).await["keys"].as_array().unwrap().clone();
    // The active key and the next one, published before it signs.
    assert_eq!(keys.len(), 2);
    for key in keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
        assert!(!key["kid"].as_str().unwrap().is_empty());
        let modulus = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
        assert_eq!(modulus.len() * 8, 2048);
    }
}

#[tokio::test]
async fn jwks_max_age_from_config() {
    let mut config = mock_okta::Config::embedded_default();
    config.authorization_servers[0].jwks_max_age_seconds = 42;
    let okta = Okta::start_with(config).await;

    let response = okta.http.get(okta.url("/v1/keys")).send().await.unwrap();

    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "max-age=42, must-revalidate"
    );
}

#[tokio::test]
async fn rotation_signs_with_new_key_and_prunes_old() {
    let okta = Okta::start().await;
    let state = &okta.running.state;
    let first = okta.login().await;
    let old_kid = decode_jwt(first.access_token()).0["kid"].clone();

    let new_kid = state
        .key_rings()
        .get_mut(SERVER)
        .unwrap()
        .rotate(state.clock.now(), Duration::from_secs(3600))
        .unwrap();
    let second = okta.login().await;

    assert_eq!(decode_jwt(second.access_token()).0["kid"], new_kid.as_str());
    let kids = |keys: Value| -> Vec<Value> {
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].clone())
            .collect()
    };
    assert!(kids(get_json(&okta, "/v1/keys").await).contains(&old_kid));
    // Tokens of the retired key still introspect while it is published.
    assert_eq!(okta.introspect(first.access_token()).await["active"], true);

    okta.advance(3601);
    assert!(!kids(get_json(&okta, "/v1/keys").await).contains(&old_kid));
}

#[tokio::test]
async fn cors_preflight_for_trusted_origin() {
    let okta = Okta::start().await;
    for path in [
        "/v1/token",
        "/v1/keys",
        "/v1/introspect",
        "/v1/revoke",
        "/v1/userinfo",
    ] {
        let response = okta
            .http
            .request(Method::OPTIONS, okta.url(path))
            .header(header::ORIGIN, TRUSTED_ORIGIN)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send()
            .await
            .unwrap();

        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let headers = response.headers();
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            TRUSTED_ORIGIN,
            "{path}"
        );
        assert!(
            !headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            "{path}"
        );
        let methods = headers[header::ACCESS_CONTROL_ALLOW_METHODS]
            .to_str()
            .unwrap();
        assert!(methods.contains("POST"), "{path}: {methods}");
    }
}

#[tokio::test]
async fn cors_on_token_response() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .header(header::ORIGIN, "http://localhost:9403")
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:9403"
    );
}

#[tokio::test]
async fn cors_ignores_untrusted_origin() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .request(Method::OPTIONS, okta.url("/v1/token"))
        .header(header::ORIGIN, "http://evil.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .send()
        .await
        .unwrap();

    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}

#[tokio::test]
async fn cors_absent_on_authorize() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = okta
        .http
        .get(url)
        .header(header::ORIGIN, TRUSTED_ORIGIN)
        .send()
        .await
        .unwrap();

    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}
