//! `/v1/token` over real HTTP: every grant, the claims Okta puts in
//! tokens, refresh rotation and reuse detection, and every rejected input.

mod oauth_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_support::*;
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};

/// Signs in and returns (browser, code, verifier) without exchanging.
async fn code_for(okta: &Okta, scope: &str) -> (String, Pkce) {
    let pkce = Pkce::new();
    let url = AuthorizeUrl::new(okta).scope(scope).pkce(&pkce).build();
    let code = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD)
        .await
        .code();
    (code, pkce)
}

#[tokio::test]
async fn code_exchange_returns_okta_response() {
    let okta = Okta::start().await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;

    let response = okta.exchange(&code, &pkce.verifier).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = json(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], FULL_SCOPE);
    assert!(body["access_token"].is_string());
    assert!(body["id_token"].is_string());
    assert!(body["refresh_token"].is_string());
}

#[tokio::test]
async fn access_token_has_okta_claims() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    let auth_time = mock_okta::clock::epoch_seconds(
        okta.running
            .state
            .live_session(&session)
            .unwrap()
            .created_at,
    );

    let (header, claims) = decode_jwt(login.access_token());

    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].is_string());
    assert_eq!(claims["ver"], 1);
    assert!(claims["jti"].as_str().unwrap().starts_with("AT."));
    assert_eq!(claims["iss"], okta.issuer());
    assert_eq!(claims["aud"], "api://default");
    assert_eq!(claims["sub"], DEMO_LOGIN);
    assert_eq!(claims["uid"], DEMO_ID);
    assert_eq!(claims["cid"], SPA);
    assert_eq!(
        claims["scp"],
        serde_json::json!(["openid", "profile", "email", "offline_access", "demo.read"])
    );
    assert_eq!(claims["auth_time"], auth_time);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
}

#[tokio::test]
async fn id_token_has_okta_claims() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let claims = claims(login.id_token());

    assert_eq!(claims["sub"], DEMO_ID);
    assert_eq!(claims["name"], "Demo User");
    assert_eq!(claims["email"], DEMO_LOGIN);
    assert_eq!(claims["preferred_username"], DEMO_LOGIN);
    assert_eq!(claims["ver"], 1);
    assert_eq!(claims["iss"], okta.issuer());
    assert_eq!(claims["aud"], SPA);
    assert!(claims["jti"].as_str().unwrap().starts_with("ID."));
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert_eq!(claims["idp"], "00o1mockoktaidp00000");
    assert_eq!(claims["nonce"], "nonce-456");
    assert!(claims["auth_time"].is_i64());
    let digest = Sha256::digest(login.access_token().as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));
}

#[tokio::test]
async fn id_token_claims_follow_scopes() {
    let okta = Okta::start().await;
    let login = okta.login_with("openid").await;

    let claims = claims(login.id_token());

    assert!(claims.get("name").is_none(), "{claims}");
    assert!(claims.get("email").is_none(), "{claims}");
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    assert!(login.tokens.get("refresh_token").is_none());
}

#[tokio::test]
async fn no_openid_no_id_token() {
    let okta = Okta::start().await;

    let login = okta.login_with("demo.read").await;

    assert!(login.tokens.get("id_token").is_none(), "{}", login.tokens);
    assert_eq!(login.tokens["scope"], "demo.read");
}

#[tokio::test]
async fn tokens_recorded_with_session() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    let jti = claims(login.access_token())["jti"]
        .as_str()
        .unwrap()
        .to_owned();

    let store = okta.running.state.store();
    let access = &store.access_tokens[&jti];
    assert_eq!(access.session_id.as_deref(), Some(session.as_str()));
    assert_eq!(access.user_id.as_deref(), Some(DEMO_ID));
    let refresh = &store.refresh_tokens[login.refresh_token()];
    assert_eq!(refresh.session_id, session);
    assert!(refresh.jti.starts_with("oar"));
}

#[tokio::test]
async fn code_reuse_rejected_and_tokens_revoked() {
    let okta = Okta::start().await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;
    let first = json(okta.exchange(&code, &pkce.verifier).await).await;

    let replay = okta.exchange(&code, &pkce.verifier).await;

    oauth_error(replay, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let access = okta
        .introspect(first["access_token"].as_str().unwrap())
        .await;
    assert_eq!(access["active"], false);
    let refresh = okta
        .introspect(first["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refresh["active"], false);
}

#[tokio::test]
async fn pkce_mismatch_rejected() {
    let okta = Okta::start().await;
    let (code, _) = code_for(&okta, FULL_SCOPE).await;

    let response = okta.exchange(&code, &Pkce::new().verifier).await;

    let body = oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(body["error_description"], "PKCE verification failed.");
}

#[tokio::test]
async fn pkce_failure_leaves_code_usable() {
    let okta = Okta::start().await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;
    okta.exchange(&code, &Pkce::new().verifier).await;

    let response = okta.exchange(&code, &pkce.verifier).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_verifier_rejected() {
    let okta = Okta::start().await;
    let (code, _) = code_for(&okta, FULL_SCOPE).await;

    let response = okta
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", SPA_REDIRECT),
        ])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn malformed_verifier_rejected() {
    let okta = Okta::start().await;
    let (code, _) = code_for(&okta, FULL_SCOPE).await;

    let response = okta.exchange(&code, "too-short").await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn wrong_redirect_uri_rejected() {
    let okta = Okta::start().await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;

    let response = okta
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("code", &code),
            ("redirect_uri", "http://localhost:9403/callback"),
            ("code_verifier", &pkce.verifier),
        ])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn expired_code_rejected() {
    let okta = Okta::start().await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;

    okta.advance(301);
    let response = okta.exchange(&code, &pkce.verifier).await;

    let body = oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(
        body["error_description"],
        "The authorization code is invalid or has expired."
    );
}

#[tokio::test]
async fn unknown_code_rejected() {
    let okta = Okta::start().await;

    let response = okta.exchange("not-a-code", &Pkce::new().verifier).await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn code_of_other_client_rejected() {
    let mut config = mock_okta::Config::embedded_default();
    let mut other = config.clients[0].clone();
    other.client_id = "0oaotherspa000000001".to_owned();
    config.clients.push(other);
    let okta = Okta::start_with(config).await;
    let (code, pkce) = code_for(&okta, FULL_SCOPE).await;

    let response = okta
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "0oaotherspa000000001"),
            ("code", &code),
            ("redirect_uri", SPA_REDIRECT),
            ("code_verifier", &pkce.verifier),
        ])
        .await;

    let body = oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another client")
    );
}

#[tokio::test]
async fn refresh_rotates_token() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta.refresh(login.refresh_token()).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    let rotated = body["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, login.refresh_token());
    assert!(body["id_token"].is_string());
    let old = okta.introspect(login.refresh_token()).await;
    assert_eq!(old["active"], false);
    let new = okta.introspect(rotated).await;
    assert_eq!(new["active"], true);
}

#[tokio::test]
async fn refresh_keeps_session_and_auth_time() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let original = claims(login.access_token());

    okta.advance(60);
    let body = json(okta.refresh(login.refresh_token()).await).await;

    let refreshed = claims(body["access_token"].as_str().unwrap());
    assert_eq!(refreshed["auth_time"], original["auth_time"]);
    assert_eq!(refreshed["uid"], DEMO_ID);
    let store = okta.running.state.store();
    let record = &store.refresh_tokens[body["refresh_token"].as_str().unwrap()];
    assert_eq!(record.session_id, okta_session(&store));
}

fn okta_session(store: &mock_okta::state::Store) -> String {
    store.sessions.keys().next().unwrap().clone()
}

#[tokio::test]
async fn refresh_reuse_revokes_family() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let rotated = json(okta.refresh(login.refresh_token()).await).await;
    let new_refresh = rotated["refresh_token"].as_str().unwrap();
    let new_access = rotated["access_token"].as_str().unwrap();

    let replay = okta.refresh(login.refresh_token()).await;

    oauth_error(replay, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(okta.introspect(new_refresh).await["active"], false);
    assert_eq!(okta.introspect(new_access).await["active"], false);
    assert_eq!(okta.introspect(login.access_token()).await["active"], false);
    let after = okta.refresh(new_refresh).await;
    oauth_error(after, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn refresh_scope_can_narrow() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", login.refresh_token()),
            ("scope", "openid demo.read"),
        ])
        .await;

    let body = json(response).await;
    assert_eq!(body["scope"], "openid demo.read");
}

#[tokio::test]
async fn refresh_scope_cannot_widen() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", login.refresh_token()),
            ("scope", "openid demo.write"),
        ])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    // A rejected request does not spend the token.
    assert_eq!(okta.introspect(login.refresh_token()).await["active"], true);
}

#[tokio::test]
async fn refresh_still_works_after_logout() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    okta.running
        .state
        .end_session(&session, mock_okta::sessions::SessionEnd::Logout);

    let response = okta.refresh(login.refresh_token()).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_expires_with_family() {
    let mut config = mock_okta::Config::embedded_default();
    config.authorization_servers[0].refresh_token_lifetime_seconds = 600;
    let okta = Okta::start_with(config).await;
    let login = okta.login().await;
    okta.advance(300);
    let rotated = json(okta.refresh(login.refresh_token()).await).await;

    okta.advance(301);
    let response = okta
        .refresh(rotated["refresh_token"].as_str().unwrap())
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn refresh_of_suspended_user_rejected() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let refresh = login.refresh_token().to_owned();
    // Unsuspending restores the status but not the tokens revoked by the
    // suspension, so the refresh must fail either way.
    okta.running
        .state
        .apply_user_action(DEMO_ID, mock_okta::lifecycle::UserAction::Suspend);

    let response = okta.refresh(&refresh).await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn client_credentials_basic() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service(
            "/v1/token",
            &[("grant_type", "client_credentials"), ("scope", "demo.read")],
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert!(body.get("id_token").is_none());
    assert!(body.get("refresh_token").is_none());
    let claims = claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["sub"], SERVICE);
    assert_eq!(claims["cid"], SERVICE);
    assert!(claims.get("uid").is_none(), "{claims}");
    assert!(claims.get("auth_time").is_none(), "{claims}");
    assert_eq!(claims["scp"], serde_json::json!(["demo.read"]));
}

#[tokio::test]
async fn client_credentials_post() {
    let okta = Okta::start().await;

    let response = okta
        .token(&[
            ("grant_type", "client_credentials"),
            ("scope", "demo.read demo.write"),
            ("client_id", SERVICE),
            ("client_secret", SERVICE_SECRET),
        ])
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["scope"], "demo.read demo.write");
}

#[tokio::test]
async fn client_credentials_scope_errors() {
    let okta = Okta::start().await;
    for scope in [
        None,
        Some("openid"),
        Some("demo.read offline_access"),
        Some("demo.nope"),
    ] {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }

        let response = okta.post_as_service("/v1/token", &form).await;

        oauth_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
}

#[tokio::test]
async fn public_client_credentials_unauthorized() {
    let okta = Okta::start().await;

    let response = okta
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", SPA),
            ("scope", "demo.read"),
        ])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

#[tokio::test]
async fn service_client_refresh_unauthorized() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service(
            "/v1/token",
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        )
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

/// Client authentication failures: 401 `invalid_client`.
#[tokio::test]
async fn client_auth_failures_401() {
    let okta = Okta::start().await;
    let cases: [&[(&str, &str)]; 4] = [
        &[("grant_type", "client_credentials"), ("scope", "demo.read")],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "0oaunknown0000000000"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SERVICE),
            ("client_secret", "wrong"),
        ],
        &[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("client_secret", "a public client has none"),
        ],
    ];
    for form in cases {
        let response = okta.token(form).await;

        assert!(
            response.headers().contains_key(header::WWW_AUTHENTICATE),
            "{form:?}"
        );
        oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    }
}

#[tokio::test]
async fn confidential_without_secret_401() {
    let okta = Okta::start().await;

    let response = okta
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", SERVICE),
            ("scope", "demo.read"),
        ])
        .await;

    oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn wrong_basic_secret_401() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .basic_auth(SERVICE, Some("wrong"))
        .form(&[("grant_type", "client_credentials"), ("scope", "demo.read")])
        .send()
        .await
        .unwrap();

    oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn two_credentials_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .basic_auth(SERVICE, Some(SERVICE_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "demo.read"),
            ("client_secret", SERVICE_SECRET),
        ])
        .send()
        .await
        .unwrap();

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn json_body_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .json(&serde_json::json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();

    let body = oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn missing_content_type_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn oversized_body_413() {
    let okta = Okta::start().await;
    let padding = "a".repeat(70 * 1024);

    let response = okta
        .token(&[("grant_type", "client_credentials"), ("padding", &padding)])
        .await;

    oauth_error(response, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request").await;
}

#[tokio::test]
async fn malformed_body_is_400_not_500() {
    let okta = Okta::start().await;

    let response = okta
        .http
        .post(okta.url("/v1/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(b"%%%\xff\xfe=&&==grant_type".to_vec())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(response).await["error"], "invalid_client");
}

#[tokio::test]
async fn duplicate_parameter_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service(
            "/v1/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", "demo.read"),
                ("scope", "demo.write"),
            ],
        )
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn missing_grant_type_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service("/v1/token", &[("scope", "demo.read")])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn unsupported_grant_type_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .post_as_service(
            "/v1/token",
            &[
                ("grant_type", "password"),
                ("username", DEMO_LOGIN),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
}

#[tokio::test]
async fn missing_code_rejected() {
    let okta = Okta::start().await;

    let response = okta
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", SPA),
            ("redirect_uri", SPA_REDIRECT),
        ])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn get_token_not_allowed() {
    let okta = Okta::start().await;

    let response = okta.http.get(okta.url("/v1/token")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn tokens_signed_by_active_key() {
    let okta = Okta::start().await;
    let active = {
        let rings = okta.running.state.key_rings();
        rings[SERVER].active().kid.clone()
    };

    let login = okta.login().await;

    assert_eq!(decode_jwt(login.access_token()).0["kid"], active);
    assert_eq!(decode_jwt(login.id_token()).0["kid"], active);
}
