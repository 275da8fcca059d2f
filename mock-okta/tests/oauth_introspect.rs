//! `/v1/introspect`, `/v1/revoke` and `/v1/userinfo` over real HTTP.

mod oauth_support;

use oauth_support::*;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn introspect_active_access_token() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let claims = claims(login.access_token());

    let body = okta.introspect(login.access_token()).await;

    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], FULL_SCOPE);
    assert_eq!(body["client_id"], SPA);
    assert_eq!(body["username"], DEMO_LOGIN);
    assert_eq!(body["sub"], DEMO_LOGIN);
    assert_eq!(body["uid"], DEMO_ID);
    assert_eq!(body["aud"], "api://default");
    assert_eq!(body["iss"], okta.issuer());
    assert_eq!(body["jti"], claims["jti"]);
    assert_eq!(body["exp"], claims["exp"]);
    assert_eq!(body["iat"], claims["iat"]);
}

#[tokio::test]
async fn introspect_refresh_token() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let body = okta.introspect(login.refresh_token()).await;

    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], SPA);
    assert_eq!(body["username"], DEMO_LOGIN);
    assert_eq!(body["scope"], FULL_SCOPE);
    assert!(body["exp"].is_i64());
}

#[tokio::test]
async fn introspect_id_token() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let body = okta.introspect(login.id_token()).await;

    assert_eq!(body["active"], true);
    assert_eq!(body["sub"], DEMO_ID);
    assert_eq!(body["aud"], SPA);
}

#[tokio::test]
async fn introspect_inactive_cases() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let mut tampered = login.access_token().to_owned();
    tampered.pop();
    tampered.push(if login.access_token().ends_with('A') {
        'B'
    } else {
        'A'
    });
    let other_okta = Okta::start().await;
    let foreign = other_okta.login().await;

    for token in [
        "garbage",
        "a.b.c",
        tampered.as_str(),
        foreign.access_token(),
        foreign.refresh_token(),
    ] {
        let body = okta.introspect(token).await;

        assert_eq!(body, serde_json::json!({ "active": false }), "{token}");
    }
}

#[tokio::test]
async fn introspect_expired_inactive() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    okta.advance(3601);

    assert_eq!(okta.introspect(login.access_token()).await["active"], false);
    assert_eq!(okta.introspect(login.id_token()).await["active"], false);
    // The refresh token lives 90 days.
    assert_eq!(okta.introspect(login.refresh_token()).await["active"], true);
}

#[tokio::test]
async fn introspect_public_client_by_query() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .http
        .post(format!("{}?client_id={SPA}", okta.url("/v1/introspect")))
        .form(&[("token", login.access_token())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(json(response).await["active"], true);
}

#[tokio::test]
async fn introspect_requires_client_auth() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .post_form("/v1/introspect", &[("token", login.access_token())])
        .await;

    oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn introspect_requires_token() {
    let okta = Okta::start().await;

    let response = okta.post_as_service("/v1/introspect", &[]).await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn introspect_hint_checked() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    // A wrong but valid hint does not change the result.
    let mismatched = okta
        .post_as_service(
            "/v1/introspect",
            &[
                ("token", login.access_token()),
                ("token_type_hint", "refresh_token"),
            ],
        )
        .await;
    assert_eq!(json(mismatched).await["active"], true);

    let unknown = okta
        .post_as_service(
            "/v1/introspect",
            &[
                ("token", login.access_token()),
                ("token_type_hint", "cookie"),
            ],
        )
        .await;
    oauth_error(unknown, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn revoke_access_token() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .post_form(
            "/v1/revoke",
            &[
                ("client_id", SPA),
                ("token", login.access_token()),
                ("token_type_hint", "access_token"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(okta.introspect(login.access_token()).await["active"], false);
    assert_eq!(okta.introspect(login.refresh_token()).await["active"], true);
}

#[tokio::test]
async fn revoke_refresh_token_revokes_family() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .post_form(
            "/v1/revoke",
            &[("client_id", SPA), ("token", login.refresh_token())],
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        okta.introspect(login.refresh_token()).await["active"],
        false
    );
    assert_eq!(okta.introspect(login.access_token()).await["active"], false);
    let refresh = okta.refresh(login.refresh_token()).await;
    oauth_error(refresh, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn revoke_unknown_token_200() {
    let okta = Okta::start().await;

    let response = okta
        .post_form("/v1/revoke", &[("client_id", SPA), ("token", "unknown")])
        .await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoke_other_clients_token_rejected() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .post_as_service("/v1/revoke", &[("token", login.access_token())])
        .await;

    oauth_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(okta.introspect(login.access_token()).await["active"], true);
}

#[tokio::test]
async fn revoke_requires_token_and_client() {
    let okta = Okta::start().await;

    let no_token = okta.post_form("/v1/revoke", &[("client_id", SPA)]).await;
    oauth_error(no_token, StatusCode::BAD_REQUEST, "invalid_request").await;

    let no_client = okta.post_form("/v1/revoke", &[("token", "x")]).await;
    oauth_error(no_client, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let id_hint = okta
        .post_form(
            "/v1/revoke",
            &[
                ("client_id", SPA),
                ("token", "x"),
                ("token_type_hint", "id_token"),
            ],
        )
        .await;
    oauth_error(id_hint, StatusCode::BAD_REQUEST, "unsupported_token_type").await;
}

#[tokio::test]
async fn userinfo_returns_scoped_claims() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    let response = okta
        .http
        .get(okta.url("/v1/userinfo"))
        .bearer_auth(login.access_token())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body = json(response).await;
    assert_eq!(body["sub"], DEMO_ID);
    assert_eq!(body["name"], "Demo User");
    assert_eq!(body["given_name"], "Demo");
    assert_eq!(body["family_name"], "User");
    assert_eq!(body["preferred_username"], DEMO_LOGIN);
    assert_eq!(body["email"], DEMO_LOGIN);
    assert_eq!(body["email_verified"], true);
}

#[tokio::test]
async fn userinfo_openid_only_gives_sub() {
    let okta = Okta::start().await;
    let login = okta.login_with("openid").await;

    let response = okta
        .http
        .post(okta.url("/v1/userinfo"))
        .bearer_auth(login.access_token())
        .send()
        .await
        .unwrap();

    assert_eq!(json(response).await, serde_json::json!({ "sub": DEMO_ID }));
}

#[tokio::test]
async fn userinfo_invalid_tokens_401() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let revoked = okta.login().await;
    okta.post_form(
        "/v1/revoke",
        &[("client_id", SPA), ("token", revoked.access_token())],
    )
    .await;

    for authorization in [
        None,
        Some("Bearer garbage".to_owned()),
        Some(format!("Basic {}", login.access_token())),
        Some(format!("Bearer {}", revoked.access_token())),
    ] {
        let mut request = okta.http.get(okta.url("/v1/userinfo"));
        if let Some(value) = &authorization {
            request = request.header(header::AUTHORIZATION, value);
        }

        let response = request.send().await.unwrap();

        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
}

#[tokio::test]
async fn userinfo_expired_token_401() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    okta.advance(3601);
    let response = okta
        .http
        .get(okta.url("/v1/userinfo"))
        .bearer_auth(login.access_token())
        .send()
        .await
        .unwrap();

    oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn userinfo_without_openid_403() {
    let okta = Okta::start().await;
    let login = okta.login_with("demo.read").await;

    let response = okta
        .http
        .get(okta.url("/v1/userinfo"))
        .bearer_auth(login.access_token())
        .send()
        .await
        .unwrap();

    let challenge = response.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    oauth_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
}
