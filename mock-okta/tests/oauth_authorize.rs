//! `/v1/authorize` and the sign-in form over real HTTP: sessions, SSO,
//! prompt handling, response modes and every rejected request.

mod oauth_support;

use std::time::Duration;

use oauth_support::*;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn sign_in_form_has_labelled_fields() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = okta.browser().get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();

    assert!(html.contains("<label for=\"username\">"), "{html}");
    assert!(html.contains("<label for=\"password\">"), "{html}");
    assert!(html.contains("type=\"password\""), "{html}");
    assert!(input_value(&html, "request_id").is_some(), "{html}");
    assert_eq!(
        form_action(&html).unwrap(),
        format!("{}/login/signin", okta.running.base_url)
    );
}

#[tokio::test]
async fn sign_in_redirects_with_code_and_state() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    let location = response.location();
    assert_eq!(location.origin().ascii_serialization(), TRUSTED_ORIGIN);
    assert_eq!(location.path(), "/callback");
    let params = response.redirect_params();
    assert_eq!(params["state"], "state-123");
    assert_eq!(params["code"].len(), 43);
    assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
}

#[tokio::test]
async fn sign_in_sets_session_cookie() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let sessions = okta.session_ids();
    assert_eq!(sessions.len(), 1);
    assert!(
        cookie.starts_with(&format!("sid={};", sessions[0])),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn sign_in_records_session_start() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    let session = okta.session_ids().remove(0);
    let events = okta.running.state.system_log.events();
    let start = events
        .iter()
        .find(|e| e.event_type == "user.session.start" && e.outcome.result == "SUCCESS")
        .expect("user.session.start recorded");
    assert_eq!(
        start.authentication_context.external_session_id.as_deref(),
        Some(session.as_str())
    );
    assert_eq!(start.actor.id, DEMO_ID);
}

#[tokio::test]
async fn wrong_password_reshows_form_with_401() {
    let okta = Okta::start().await;
    let browser = okta.browser();
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&browser, &url, DEMO_LOGIN, "wrong-password").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Unable to sign in"), "{html}");
    assert!(okta.session_ids().is_empty());

    // The same pending request accepts a corrected password.
    let retry = submit_sign_in(&browser, &html, DEMO_LOGIN, DEMO_PASSWORD).await;
    assert_eq!(retry.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn wrong_password_records_failure() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    sign_in(&okta.browser(), &url, DEMO_LOGIN, "wrong-password").await;

    let events = okta.running.state.system_log.events();
    let failure = events
        .iter()
        .find(|e| e.event_type == "user.session.start")
        .expect("failed sign-in recorded");
    assert_eq!(failure.outcome.result, "FAILURE");
    assert_eq!(
        failure.outcome.reason.as_deref(),
        Some("INVALID_CREDENTIALS")
    );
}

#[tokio::test]
async fn unknown_user_gets_same_message() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&okta.browser(), &url, "nobody@example.com", "x").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.text().await.unwrap().contains("Unable to sign in"));
}

#[tokio::test]
async fn login_is_case_insensitive() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&okta.browser(), &url, "DEMO@Example.com", DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn sign_in_request_id_single_use() {
    let okta = Okta::start().await;
    let browser = okta.browser();
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let html = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let first = submit_sign_in(&browser, &html, DEMO_LOGIN, DEMO_PASSWORD).await;
    let second = submit_sign_in(&browser, &html, DEMO_LOGIN, DEMO_PASSWORD).await;

    assert_eq!(first.status(), StatusCode::FOUND);
    assert_eq!(second.status(), StatusCode::BAD_REQUEST);
    assert_eq!(okta.session_ids().len(), 1);
}

#[tokio::test]
async fn sign_in_request_expires() {
    let okta = Okta::start().await;
    let browser = okta.browser();
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let html = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    okta.advance(601);
    let response = submit_sign_in(&browser, &html, DEMO_LOGIN, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn sign_in_rejects_suspended_user() {
    let okta = Okta::start().await;
    okta.running
        .state
        .apply_user_action(DEMO_ID, mock_okta::lifecycle::UserAction::Suspend);
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();

    let response = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn live_session_reused_without_form() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(response.redirect_params().contains_key("code"));
    assert_eq!(okta.session_ids(), vec![session]);
}

#[tokio::test]
async fn session_reuse_restarts_idle_timer() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    let idle = okta.running.state.idle_timeout();
    let before = okta.running.state.live_session(&session).unwrap();

    okta.advance(3600);
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    login.browser.get(url).send().await.unwrap();

    // Wall time also passes between the two reads, so the expiry moves by
    // at least the hour the clock was advanced.
    let after = okta.running.state.live_session(&session).unwrap();
    assert!(after.expires_at(idle) >= before.expires_at(idle) + Duration::from_secs(3600));
}

#[tokio::test]
async fn ended_session_cookie_shows_form() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    okta.running
        .state
        .end_session(&session, mock_okta::sessions::SessionEnd::AdminRevoke);

    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("request_id"));
}

#[tokio::test]
async fn expired_session_cookie_shows_form() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    okta.advance(7201);
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn prompt_none_without_session_login_required() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("prompt", Some("none"))
        .build();

    let response = okta.browser().get(url).send().await.unwrap();

    let params = response.redirect_params();
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "state-123");
}

#[tokio::test]
async fn prompt_none_with_session_issues_code() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("prompt", Some("none"))
        .build();

    let response = login.browser.get(url).send().await.unwrap();

    assert!(response.redirect_params().contains_key("code"));
}

#[tokio::test]
async fn prompt_login_shows_form_despite_session() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("prompt", Some("login"))
        .build();

    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn max_age_exceeded_requires_login() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    okta.advance(120);
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("prompt", Some("none"))
        .set("max_age", Some("60"))
        .build();

    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.redirect_params()["error"], "login_required");
}

#[tokio::test]
async fn fragment_mode_puts_code_in_fragment() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("response_mode", Some("fragment"))
        .build();

    let response = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    let location = response.location();
    assert_eq!(location.query(), None);
    assert!(location.fragment().unwrap().contains("code="));
}

#[tokio::test]
async fn form_post_mode_renders_form() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("response_mode", Some("form_post"))
        .build();

    let response = sign_in(&okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(header::SET_COOKIE));
    let html = response.text().await.unwrap();
    assert_eq!(form_action(&html).unwrap(), SPA_REDIRECT);
    assert_eq!(input_value(&html, "code").unwrap().len(), 43);
    assert_eq!(input_value(&html, "state").unwrap(), "state-123");
}

#[tokio::test]
async fn authorize_post_shows_form() {
    let okta = Okta::start().await;
    let pkce = Pkce::new();

    let response = okta
        .browser()
        .post(okta.url("/v1/authorize"))
        .form(&[
            ("client_id", SPA),
            ("redirect_uri", SPA_REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("request_id"));
}

#[tokio::test]
async fn login_hint_prefills_username() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("login_hint", Some("alice@example.com"))
        .build();

    let html = okta
        .browser()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(input_value(&html, "username").unwrap(), "alice@example.com");
}

/// Requests that must get an HTML error page, never a redirect.
#[tokio::test]
async fn untrusted_targets_get_error_page() {
    let okta = Okta::start().await;
    let cases = [
        ("client_id", None, "invalid_request"),
        ("client_id", Some("0oaunknown0000000000"), "invalid_client"),
        ("redirect_uri", None, "invalid_request"),
        (
            "redirect_uri",
            Some("http://evil.example/callback"),
            "invalid_request",
        ),
        (
            "redirect_uri",
            Some("http://127.0.0.1:9403/callback/"),
            "invalid_request",
        ),
    ];
    for (name, value, error) in cases {
        let url = AuthorizeUrl::new(&okta)
            .pkce(&Pkce::new())
            .set(name, value)
            .build();

        let response = okta.browser().get(url).send().await.unwrap();

        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{name}={value:?}"
        );
        assert!(
            !response.headers().contains_key(header::LOCATION),
            "{name}={value:?}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("<dd id=\"error\">{error}</dd>")),
            "{html}"
        );
    }
}

/// Requests whose errors are redirected to the client with `state`.
#[tokio::test]
async fn bad_requests_redirect_errors() {
    let okta = Okta::start().await;
    let pkce = Pkce::new();
    let cases: [(&str, Option<&str>, &str); 11] = [
        ("response_type", None, "invalid_request"),
        ("response_type", Some("token"), "unsupported_response_type"),
        (
            "response_type",
            Some("id_token"),
            "unsupported_response_type",
        ),
        ("scope", None, "invalid_scope"),
        ("scope", Some("openid demo.unknown"), "invalid_scope"),
        ("scope", Some("profile demo.read"), "access_denied"),
        ("code_challenge", None, "invalid_request"),
        ("code_challenge_method", Some("plain"), "invalid_request"),
        (
            "response_mode",
            Some("okta_post_message"),
            "unsupported_response_mode",
        ),
        ("prompt", Some("select_account"), "invalid_request"),
        ("max_age", Some("-1"), "invalid_request"),
    ];
    for (name, value, error) in cases {
        let url = AuthorizeUrl::new(&okta)
            .pkce(&pkce)
            .set(name, value)
            .build();

        let response = okta.browser().get(url).send().await.unwrap();

        let params = response.redirect_params();
        assert_eq!(params["error"], error, "{name}={value:?}: {params:?}");
        assert_eq!(params["state"], "state-123", "{name}={value:?}");
        assert!(params.contains_key("error_description"), "{name}={value:?}");
    }
}

#[tokio::test]
async fn missing_state_redirects_invalid_request() {
    let okta = Okta::start().await;
    let url = AuthorizeUrl::new(&okta)
        .pkce(&Pkce::new())
        .set("state", None)
        .build();

    let response = okta.browser().get(url).send().await.unwrap();

    let params = response.redirect_params();
    assert_eq!(params["error"], "invalid_request");
    assert!(!params.contains_key("state"));
}

#[tokio::test]
async fn service_client_cannot_authorize() {
    let mut config = mock_okta::Config::embedded_default();
    config.clients[1].redirect_uris = vec!["http://127.0.0.1:9402/callback".to_owned()];
    let okta = Okta::start_with(config).await;
    let url = AuthorizeUrl::new(&okta)
        .set("client_id", Some(SERVICE))
        .set("redirect_uri", Some("http://127.0.0.1:9402/callback"))
        .build();

    let response = okta.browser().get(url).send().await.unwrap();

    assert_eq!(response.redirect_params()["error"], "unauthorized_client");
}

#[tokio::test]
async fn duplicate_parameter_shows_error_page() {
    let okta = Okta::start().await;
    let url = format!(
        "{}&state=again",
        AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build()
    );

    let response = okta.browser().get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("more than once"));
}

#[tokio::test]
async fn unknown_server_404_json() {
    let okta = Okta::start().await;
    let url = format!(
        "{}/oauth2/nosuchserver/v1/authorize?client_id={SPA}",
        okta.running.base_url
    );

    let response = okta.browser().get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = json(response).await;
    assert_eq!(body["errorCode"], "E0000007");
}
