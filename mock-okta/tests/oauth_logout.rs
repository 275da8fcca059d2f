//! `/v1/logout` over real HTTP: the session ends, tokens stay active.

mod oauth_support;

use mock_okta::sessions::SessionEnd;
use oauth_support::*;
use reqwest::{StatusCode, header};

async fn logout(
    okta: &Okta,
    browser: &reqwest::Client,
    params: &[(&str, &str)],
) -> reqwest::Response {
    let mut url = url::Url::parse(&okta.url("/v1/logout")).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    browser.get(url.as_str()).send().await.unwrap()
}

#[tokio::test]
async fn logout_ends_session_and_redirects() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    let response = logout(
        &okta,
        &login.browser,
        &[
            ("id_token_hint", login.id_token()),
            ("post_logout_redirect_uri", SPA_LOGOUT_REDIRECT),
            ("state", "bye"),
        ],
    )
    .await;

    let location = response.location();
    assert_eq!(
        location.as_str(),
        format!("{SPA_LOGOUT_REDIRECT}?state=bye")
    );
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("sid=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert!(okta.running.state.live_session(&session).is_none());
}

#[tokio::test]
async fn logout_keeps_tokens_active() {
    let okta = Okta::start().await;
    let login = okta.login().await;

    logout(
        &okta,
        &login.browser,
        &[("id_token_hint", login.id_token())],
    )
    .await;

    assert_eq!(okta.introspect(login.access_token()).await["active"], true);
    assert_eq!(okta.introspect(login.refresh_token()).await["active"], true);
}

#[tokio::test]
async fn logout_records_session_end() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    logout(
        &okta,
        &login.browser,
        &[("id_token_hint", login.id_token())],
    )
    .await;

    let events = okta.running.state.system_log.events();
    let end = events
        .iter()
        .find(|e| e.event_type == "user.session.end")
        .expect("user.session.end recorded");
    assert_eq!(
        end.debug_context.debug_data["EndedSessionId"],
        session.as_str()
    );
}

#[tokio::test]
async fn logout_then_authorize_shows_form() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    logout(
        &okta,
        &login.browser,
        &[("id_token_hint", login.id_token())],
    )
    .await;

    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    let response = login.browser.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_without_cookie_ends_hinted_session() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    let response = logout(&okta, &okta.http, &[("id_token_hint", login.id_token())]).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Signed out"));
    assert!(okta.running.state.live_session(&session).is_none());
}

#[tokio::test]
async fn logout_leaves_other_users_cookie_session() {
    let okta = Okta::start().await;
    let demo = okta.login().await;
    let demo_session = okta.session_ids().remove(0);
    let alice_browser = okta.browser();
    let url = AuthorizeUrl::new(&okta).pkce(&Pkce::new()).build();
    sign_in(&alice_browser, &url, "alice@example.com", "Alice-Passw0rd!").await;
    let alice_session = okta
        .session_ids()
        .into_iter()
        .find(|id| *id != demo_session)
        .unwrap();

    // Alice's browser presents the demo user's ID token.
    logout(&okta, &alice_browser, &[("id_token_hint", demo.id_token())]).await;

    assert!(okta.running.state.live_session(&alice_session).is_some());
    assert!(okta.running.state.live_session(&demo_session).is_none());
}

#[tokio::test]
async fn logout_accepts_expired_hint() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    // Past the ID token's hour, within the session's two idle hours.
    okta.advance(3700);
    let response = logout(
        &okta,
        &login.browser,
        &[
            ("id_token_hint", login.id_token()),
            ("post_logout_redirect_uri", SPA_LOGOUT_REDIRECT),
        ],
    )
    .await;

    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(okta.running.state.live_session(&session).is_none());
}

#[tokio::test]
async fn logout_post_form() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);

    let response = login
        .browser
        .post(okta.url("/v1/logout"))
        .form(&[
            ("id_token_hint", login.id_token()),
            ("post_logout_redirect_uri", SPA_LOGOUT_REDIRECT),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.location().as_str(), SPA_LOGOUT_REDIRECT);
    assert!(okta.running.state.live_session(&session).is_none());
}

#[tokio::test]
async fn logout_with_ended_session_still_redirects() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    okta.running
        .state
        .end_session(&session, SessionEnd::AdminRevoke);

    let response = logout(
        &okta,
        &login.browser,
        &[
            ("id_token_hint", login.id_token()),
            ("post_logout_redirect_uri", SPA_LOGOUT_REDIRECT),
        ],
    )
    .await;

    assert_eq!(response.status(), StatusCode::FOUND);
}

/// Bad logout requests get an error page and end nothing.
#[tokio::test]
async fn bad_logout_requests_error_page() {
    let okta = Okta::start().await;
    let login = okta.login().await;
    let session = okta.session_ids().remove(0);
    let mut tampered = login.id_token().to_owned();
    tampered.truncate(tampered.len() - 4);
    tampered.push_str("AAAA");
    let foreign = Okta::start().await.login().await;

    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("id_token_hint", "garbage")],
        vec![("id_token_hint", tampered.as_str())],
        vec![("id_token_hint", foreign.id_token())],
        vec![("id_token_hint", login.access_token())],
        vec![
            ("id_token_hint", login.id_token()),
            ("post_logout_redirect_uri", "http://evil.example/"),
        ],
    ];
    for params in cases {
        let response = logout(&okta, &login.browser, &params).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{params:?}");
        assert!(
            !response.headers().contains_key(header::LOCATION),
            "{params:?}"
        );
        assert!(
            okta.running.state.live_session(&session).is_some(),
            "{params:?}"
        );
    }
}
