//! The browser's part of sign-in: the authorize request, the user's
//! credentials (mock-okta's HTML form, or Okta's Authentication API), and
//! the redirect back with the authorization code.

use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, Scope,
};
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use url::Url;

use super::form::first_form;
use super::{Failure, OidcClient, REQUEST_TIMEOUT};
use crate::target::Target;

/// Returns a browser-like client: a cookie jar for Okta's session cookie,
/// and no automatic redirects, so each redirect can be checked.
pub(super) fn browser() -> Result<reqwest::Client, Failure> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|error| {
            Failure::new(
                None,
                "client_error",
                format!("cannot build the browser client: {error}"),
            )
        })
}

/// One authorize request: its URL and the values that bind its response.
pub(super) struct Authorization {
    /// The authorize URL with PKCE challenge, state and nonce.
    pub url: Url,
    /// The PKCE verifier for the code exchange.
    pub verifier: PkceCodeVerifier,
    /// The nonce the ID token must carry.
    pub nonce: Nonce,
    state: CsrfToken,
}

impl Authorization {
    /// Builds an authorize request for `scopes` (`openid` is always sent).
    pub fn start(client: &OidcClient, scopes: &[String]) -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scopes.iter().filter(|scope| *scope != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Authorization {
            url,
            verifier,
            nonce,
            state,
        }
    }

    /// Reads the authorization code from the redirect to the client,
    /// checking `state` (RFC 6749 section 10.12) and reporting an `error`.
    pub fn code_from(&self, redirect: &Url) -> Result<AuthorizationCode, Failure> {
        let parameter = |name: &str| {
            redirect
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };

        if let Some(error) = parameter("error") {
            let detail = parameter("error_description").unwrap_or_else(|| error.clone());
            return Err(Failure::new(
                Some(302),
                &error,
                format!("authorize redirected with an error: {detail}"),
            ));
        }
        if parameter("state").as_deref() != Some(self.state.secret().as_str()) {
            return Err(Failure::new(
                Some(302),
                "state_mismatch",
                "the redirect's state does not match the request's",
            ));
        }
        parameter("code")
            .map(AuthorizationCode::new)
            .ok_or_else(|| {
                Failure::new(
                    Some(302),
                    "no_code",
                    "the redirect carries no authorization code",
                )
            })
    }
}

/// Signs in through mock-okta's HTML form: the authorize request shows it,
/// and posting the credentials redirects to the client with a code.
pub(super) async fn with_form(
    browser: &reqwest::Client,
    authorize: &Url,
    target: &Target,
) -> Result<Url, Failure> {
    let page = send(browser.get(authorize.clone()), "authorize").await?;
    let status = page.status().as_u16();
    if status == 302 {
        return location(&page, authorize, target);
    }
    if status != 200 {
        return Err(Failure::new(
            Some(status),
            "authorize_failed",
            format!("authorize returned {status}, not the sign-in form"),
        ));
    }

    let html = page.text().await.unwrap_or_default();
    let Some(form) = first_form(&html) else {
        return Err(Failure::new(
            Some(status),
            "no_sign_in_form",
            "the authorize page has no sign-in form; against a real Okta org use --sign-in authn",
        ));
    };
    let action = authorize.join(&form.action).map_err(|error| {
        Failure::new(
            Some(status),
            "invalid_form_action",
            format!("form action {:?}: {error}", form.action),
        )
    })?;
    // The password goes only to the org that served the form.
    if action.origin() != target.org.origin() {
        return Err(Failure::new(
            Some(status),
            "untrusted_form_action",
            format!(
                "the sign-in form posts to {}, not to the org {}",
                action.origin().ascii_serialization(),
                target.org
            ),
        ));
    }

    let fields: Vec<(String, String)> = form
        .fields
        .into_iter()
        .map(|(name, value)| match name.as_str() {
            "username" => (name, target.username.clone()),
            "password" => (name, target.password.expose().to_owned()),
            _ => (name, value),
        })
        .collect();
    let response = send(browser.post(action.clone()).form(&fields), "sign-in form").await?;
    match response.status().as_u16() {
        302 => location(&response, &action, target),
        401 => Err(Failure::new(
            Some(401),
            "invalid_credentials",
            format!(
                "the sign-in form rejected the password of {}",
                target.username
            ),
        )),
        other => Err(Failure::new(
            Some(other),
            "sign_in_failed",
            format!("the sign-in form returned {other}"),
        )),
    }
}

/// Signs in through Okta's Authentication API: `POST /api/v1/authn` gives
/// a one-time `sessionToken`, which the authorize request exchanges for an
/// Okta session (cookie) and a code.
pub(super) async fn with_authn(
    browser: &reqwest::Client,
    authorize: &Url,
    target: &Target,
) -> Result<Url, Failure> {
    let mut authn = target.org.clone();
    authn.set_path("/api/v1/authn");
    let body = json!({ "username": target.username, "password": target.password.expose() });
    let response = send(
        browser
            .post(authn)
            .json(&body)
            .header("Accept", "application/json"),
        "authn",
    )
    .await?;

    let status = response.status().as_u16();
    let reply: Value = response.json().await.unwrap_or(Value::Null);
    let text = |key: &str| {
        reply
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if status != 200 {
        let code = Some(text("errorCode"))
            .filter(|code| !code.is_empty())
            .unwrap_or_else(|| "authn_failed".to_owned());
        return Err(Failure::new(
            Some(status),
            &code,
            format!(
                "Okta's Authentication API returned {status}: {}",
                text("errorSummary")
            ),
        ));
    }
    let transaction = text("status");
    if transaction != "SUCCESS" {
        return Err(Failure::new(
            Some(status),
            &transaction.to_lowercase(),
            format!(
                "Okta's Authentication API returned status {transaction}; use a test user whose sign-on policy asks for a password only"
            ),
        ));
    }

    let mut with_token = authorize.clone();
    with_token
        .query_pairs_mut()
        .append_pair("sessionToken", &text("sessionToken"));
    let redirect = send(browser.get(with_token), "authorize").await?;
    match redirect.status().as_u16() {
        302 => location(&redirect, authorize, target),
        other => Err(Failure::new(
            Some(other),
            "authorize_failed",
            format!("authorize with the session token returned {other}, not a redirect"),
        )),
    }
}

async fn send(request: reqwest::RequestBuilder, what: &str) -> Result<reqwest::Response, Failure> {
    request.send().await.map_err(|error| {
        Failure::new(
            None,
            "transport_error",
            format!("{what} request failed: {error}"),
        )
    })
}

/// Reads the `Location` of a redirect, which must lead to the client's
/// redirect URI.
fn location(response: &reqwest::Response, base: &Url, target: &Target) -> Result<Url, Failure> {
    let status = Some(response.status().as_u16());
    let header = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            Failure::new(status, "no_location", "the redirect has no Location header")
        })?;
    let url = base.join(header).map_err(|error| {
        Failure::new(
            status,
            "invalid_location",
            format!("Location {header:?}: {error}"),
        )
    })?;

    let expected = &target.redirect_uri;
    let leads_to_client = url.origin() == expected.origin() && url.path() == expected.path();
    if !leads_to_client {
        return Err(Failure::new(
            status,
            "unexpected_redirect",
            format!(
                "redirected to {}{}, not to the redirect URI {expected}",
                url.origin().ascii_serialization(),
                url.path()
            ),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{body_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::secret::Secret;
    use crate::target::SignInMethod;

    fn target(org: &str) -> Target {
        let url = |text: &str| Url::parse(text).expect("test URL");
        Target {
            issuer: url(&format!("{org}/oauth2/default")),
            org: url(org),
            api: url("http://127.0.0.1:1"),
            client_id: "0oatestclient0000001".into(),
            redirect_uri: url("http://127.0.0.1:9403/callback"),
            post_logout_redirect_uri: url("http://127.0.0.1:9403/"),
            scopes: vec!["openid".into()],
            username: "tester@example.com".into(),
            password: Secret::new("Test-Passw0rd!"),
            api_token: None,
            sign_in: SignInMethod::Authn,
            emulator: None,
        }
    }

    fn authorize_url(org: &str) -> Url {
        Url::parse(&format!("{org}/oauth2/default/v1/authorize?state=s1")).expect("test URL")
    }

    async fn mock_authn(server: &MockServer, status: u16, body: Value) {
        Mock::given(method("POST"))
            .and(path("/api/v1/authn"))
            .and(body_json(
                json!({"username": "tester@example.com", "password": "Test-Passw0rd!"}),
            ))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(server)
            .await;
    }

    #[tokio::test]
    async fn authn_uses_session_token() {
        let server = MockServer::start().await;
        mock_authn(
            &server,
            200,
            json!({"status": "SUCCESS", "sessionToken": "20111abc"}),
        )
        .await;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/authorize"))
            .and(query_param("sessionToken", "20111abc"))
            .respond_with(ResponseTemplate::new(302).insert_header(
                "Location",
                "http://127.0.0.1:9403/callback?code=c1&state=s1",
            ))
            .mount(&server)
            .await;
        let org = server.uri();

        let redirect = with_authn(
            &browser().expect("client"),
            &authorize_url(&org),
            &target(&org),
        )
        .await
        .expect("signed in");

        assert_eq!(redirect.query(), Some("code=c1&state=s1"));
    }

    #[tokio::test]
    async fn authn_reports_mfa() {
        let server = MockServer::start().await;
        mock_authn(&server, 200, json!({"status": "MFA_REQUIRED"})).await;
        let org = server.uri();

        let failure = with_authn(
            &browser().expect("client"),
            &authorize_url(&org),
            &target(&org),
        )
        .await
        .expect_err("MFA is not supported");

        assert_eq!(failure.outcome.reason.as_deref(), Some("mfa_required"));
        assert!(
            failure.detail.contains("password only"),
            "{}",
            failure.detail
        );
    }

    #[tokio::test]
    async fn authn_reports_bad_password() {
        let server = MockServer::start().await;
        let body = json!({"errorCode": "E0000004", "errorSummary": "Authentication failed"});
        mock_authn(&server, 401, body).await;
        let org = server.uri();

        let failure = with_authn(
            &browser().expect("client"),
            &authorize_url(&org),
            &target(&org),
        )
        .await
        .expect_err("wrong password");

        assert_eq!(failure.outcome.status, Some(401));
        assert_eq!(failure.outcome.reason.as_deref(), Some("E0000004"));
    }

    #[tokio::test]
    async fn form_keeps_password_on_org() {
        let server = MockServer::start().await;
        let page = r#"<form method="post" action="http://203.0.113.9/login"><input type="hidden" name="request_id" value="r1"><input name="username"><input name="password"></form>"#;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/authorize"))
            .respond_with(ResponseTemplate::new(200).set_body_string(page))
            .mount(&server)
            .await;
        let org = server.uri();

        let failure = with_form(
            &browser().expect("client"),
            &authorize_url(&org),
            &target(&org),
        )
        .await
        .expect_err("form posts elsewhere");

        assert_eq!(
            failure.outcome.reason.as_deref(),
            Some("untrusted_form_action")
        );
    }

    #[tokio::test]
    async fn redirect_must_reach_client() {
        let server = MockServer::start().await;
        mock_authn(
            &server,
            200,
            json!({"status": "SUCCESS", "sessionToken": "t"}),
        )
        .await;
        Mock::given(method("GET"))
            .and(path("/oauth2/default/v1/authorize"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("Location", "https://login.example.com/signin"),
            )
            .mount(&server)
            .await;
        let org = server.uri();

        let failure = with_authn(
            &browser().expect("client"),
            &authorize_url(&org),
            &target(&org),
        )
        .await
        .expect_err("redirect goes elsewhere");

        assert_eq!(
            failure.outcome.reason.as_deref(),
            Some("unexpected_redirect")
        );
    }
}
