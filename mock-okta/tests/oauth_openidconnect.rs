//! A full PKCE sign-in driven by a standards client, the `openidconnect`
//! crate: discovery, authorize URL, the sign-in form, code exchange, and
//! ID token verification with nonce and `at_hash`.

mod oauth_support;

use oauth_support::*;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

#[tokio::test]
async fn openidconnect_pkce_login() {
    let okta = Okta::start().await;
    let http = openidconnect::reqwest::ClientBuilder::new()
        .no_proxy()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(okta.issuer()).unwrap(), &http)
            .await
            .expect("discovery succeeds");
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(SPA.to_owned()), None)
        .set_redirect_uri(RedirectUrl::new(SPA_REDIRECT.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".to_owned()))
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("offline_access".to_owned()))
        .set_pkce_challenge(challenge)
        .url();

    let redirect = sign_in(
        &okta.browser(),
        authorize_url.as_str(),
        DEMO_LOGIN,
        DEMO_PASSWORD,
    )
    .await;
    let params = redirect.redirect_params();
    assert_eq!(params["state"], *csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .expect("token endpoint known")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange succeeds");

    let id_token = tokens.id_token().expect("ID token issued");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("ID token verifies with nonce");
    assert_eq!(claims.subject().as_str(), DEMO_ID);
    assert_eq!(claims.email().map(|e| e.as_str()), Some(DEMO_LOGIN));

    let expected_hash = claims.access_token_hash().expect("at_hash present");
    let actual_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(actual_hash, *expected_hash);
    assert!(tokens.refresh_token().is_some());

    let userinfo: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .expect("userinfo endpoint known")
        .request_async(&http)
        .await
        .expect("userinfo succeeds");
    assert_eq!(userinfo.subject().as_str(), DEMO_ID);
}

#[tokio::test]
async fn openidconnect_rejects_wrong_nonce() {
    let okta = Okta::start().await;
    let http = openidconnect::reqwest::ClientBuilder::new()
        .no_proxy()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(okta.issuer()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(SPA.to_owned()), None)
        .set_redirect_uri(RedirectUrl::new(SPA_REDIRECT.to_owned()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let redirect = sign_in(
        &okta.browser(),
        authorize_url.as_str(),
        DEMO_LOGIN,
        DEMO_PASSWORD,
    )
    .await;

    let tokens = client
        .exchange_code(AuthorizationCode::new(redirect.code()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let result = tokens.id_token().unwrap().claims(
        &client.id_token_verifier(),
        &Nonce::new("another".to_owned()),
    );

    assert!(result.is_err());
}
