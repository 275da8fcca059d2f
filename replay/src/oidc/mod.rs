//! The user's side of OpenID Connect: sign-in with the authorization code
//! flow and PKCE, refresh, and RP-initiated logout, with the
//! `openidconnect` crate. Redirects are never followed: each step reads
//! the `Location` header itself.

mod claims;
mod form;
mod recording;
mod signin;

use std::fmt;
use std::time::Duration;

use openidconnect::core::{CoreClient, CoreErrorResponseType, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, RefreshToken, RequestTokenError,
    StandardErrorResponse, TokenResponse,
};
use url::Url;

pub use claims::AccessClaims;
pub use form::{HtmlForm, first_form};
use recording::RecordingClient;

use crate::expect::Outcome;
use crate::secret::Secret;
use crate::target::Target;

/// Timeout of one request to the authorization server.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The client type after discovery: authorization and token endpoints
/// set, user info maybe.
type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovery or client setup failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// An HTTP client could not be built.
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
    /// The discovery document could not be fetched or read.
    #[error(
        "OpenID Connect discovery at {issuer} failed: {detail}; check --target-issuer and that the authorization server is up"
    )]
    Discovery {
        /// The issuer.
        issuer: Url,
        /// What went wrong.
        detail: String,
    },
    /// A configured URL is not valid where it is used.
    #[error("invalid {name} {value:?}: {detail}")]
    InvalidUrl {
        /// Which setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// Why.
        detail: String,
    },
}

/// A request to the authorization server ended without tokens.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Status and error code (OAuth `error`, Okta `errorCode`, or a code
    /// this tool names, such as `transport_error`).
    pub outcome: Outcome,
    /// A readable description.
    pub detail: String,
}

impl Failure {
    fn new(status: Option<u16>, code: &str, detail: impl Into<String>) -> Self {
        Failure {
            outcome: Outcome {
                status,
                reason: Some(code.to_owned()),
            },
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Tokens from one sign-in, and the browser whose cookie jar contains its
/// Okta session cookie.
#[derive(Debug)]
pub struct SignedIn {
    /// The access token.
    pub access_token: Secret,
    /// Its decoded claims.
    pub claims: AccessClaims,
    /// The verified ID token, the `id_token_hint` of logout.
    pub id_token: CoreIdToken,
    /// The refresh token, when `offline_access` was granted.
    pub refresh_token: Option<Secret>,
    /// The browser-like client whose cookie jar has the session cookie.
    pub browser: reqwest::Client,
    /// Status of the token endpoint's response.
    pub status: u16,
}

/// Tokens from a refresh.
#[derive(Debug)]
pub struct Refreshed {
    /// The new access token.
    pub access_token: Secret,
    /// The refresh token to use next (rotated or the same).
    pub refresh_token: Option<Secret>,
    /// Status of the token endpoint's response.
    pub status: u16,
}

/// An OpenID Connect relying party for the target's client.
#[derive(Debug)]
pub struct Oidc {
    client: OidcClient,
    http: RecordingClient,
    end_session: Option<Url>,
    target: Target,
}

impl Oidc {
    /// Discovers the authorization server of `target` and sets up the client.
    ///
    /// # Errors
    /// [`SetupError`] when discovery fails or a URL is invalid.
    pub async fn discover(target: &Target) -> Result<Oidc, SetupError> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| SetupError::Client(error.to_string()))?;
        let http = RecordingClient::new(http);

        let issuer = IssuerUrl::new(target.issuer.as_str().trim_end_matches('/').to_owned())
            .map_err(|error| invalid_url("--target-issuer", target.issuer.as_str(), error))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|error| SetupError::Discovery {
                issuer: target.issuer.clone(),
                detail: error_chain(&error),
            })?;
        let end_session = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|endpoint| endpoint.url().clone());

        let redirect = RedirectUrl::new(target.redirect_uri.to_string())
            .map_err(|error| invalid_url("--redirect-uri", target.redirect_uri.as_str(), error))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(target.client_id.clone()),
            None,
        )
        .set_redirect_uri(redirect);

        tracing::info!(issuer = %target.issuer, client = %target.client_id, "authorization server discovered");
        Ok(Oidc {
            client,
            http,
            end_session,
            target: target.clone(),
        })
    }

    /// Signs the target's user in: authorize with PKCE, the sign-in method,
    /// then the code exchange, verifying the ID token and its nonce.
    ///
    /// # Errors
    /// [`Failure`] with the status and error code of the step that failed.
    pub async fn sign_in(&self) -> Result<SignedIn, Failure> {
        let browser = signin::browser()?;
        let authorization = signin::Authorization::start(&self.client, &self.target.scopes);

        let redirect = match self.target.sign_in {
            crate::target::SignInMethod::Form => {
                signin::with_form(&browser, &authorization.url, &self.target).await?
            }
            crate::target::SignInMethod::Authn => {
                signin::with_authn(&browser, &authorization.url, &self.target).await?
            }
        };
        let code = authorization.code_from(&redirect)?;

        self.exchange(code, authorization.verifier, &authorization.nonce, browser)
            .await
    }

    async fn exchange(
        &self,
        code: AuthorizationCode,
        verifier: PkceCodeVerifier,
        nonce: &Nonce,
        browser: reqwest::Client,
    ) -> Result<SignedIn, Failure> {
        self.http.reset();
        let request = self
            .client
            .exchange_code(code)
            .map_err(|error| Failure::new(None, "no_token_endpoint", error.to_string()))?
            .set_pkce_verifier(verifier);
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|error| self.token_failure(&error))?;
        let status = self.http.last_status().unwrap_or(200);

        let id_token = response
            .id_token()
            .ok_or_else(|| {
                Failure::new(
                    Some(status),
                    "no_id_token",
                    "the token response has no ID token; request the openid scope",
                )
            })?
            .clone();
        id_token
            .claims(&self.client.id_token_verifier(), nonce)
            .map_err(|error| {
                Failure::new(
                    Some(status),
                    "invalid_id_token",
                    format!("the ID token does not verify: {error}"),
                )
            })?;

        let access_token = Secret::new(response.access_token().secret().clone());
        let claims = AccessClaims::decode(access_token.expose()).unwrap_or_default();
        tracing::info!(
            jti = claims.jti.as_deref().unwrap_or("-"),
            session_bound = claims.session_id.is_some(),
            "signed in"
        );
        Ok(SignedIn {
            access_token,
            claims,
            id_token,
            refresh_token: response
                .refresh_token()
                .map(|token| Secret::new(token.secret().clone())),
            browser,
            status,
        })
    }

    /// Exchanges `refresh_token` for new tokens.
    ///
    /// # Errors
    /// [`Failure`] with the token endpoint's status and OAuth error code,
    /// for example `server_error` when the token inline hook refused.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Refreshed, Failure> {
        self.http.reset();
        let token = RefreshToken::new(refresh_token.expose().to_owned());
        let request = self
            .client
            .exchange_refresh_token(&token)
            .map_err(|error| Failure::new(None, "no_token_endpoint", error.to_string()))?;
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|error| self.token_failure(&error))?;

        Ok(Refreshed {
            access_token: Secret::new(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|token| Secret::new(token.secret().clone())),
            status: self.http.last_status().unwrap_or(200),
        })
    }

    /// Logs out at Okta's end-session endpoint (`/v1/logout`) in the
    /// signed-in browser, with the ID token as `id_token_hint`. Returns the
    /// response status (302 to the post-logout redirect URI).
    ///
    /// # Errors
    /// [`Failure`] when the server publishes no end-session endpoint or no
    /// response arrived.
    pub async fn logout(&self, signed_in: &SignedIn) -> Result<u16, Failure> {
        let Some(endpoint) = self.end_session.clone() else {
            return Err(Failure::new(
                None,
                "no_end_session_endpoint",
                "the discovery document has no end_session_endpoint",
            ));
        };
        let post_logout =
            PostLogoutRedirectUrl::new(self.target.post_logout_redirect_uri.to_string())
                .map_err(|error| Failure::new(None, "invalid_redirect", error.to_string()))?;
        let url = LogoutRequest::from(openidconnect::EndSessionUrl::from_url(endpoint))
            .set_id_token_hint(&signed_in.id_token)
            .set_post_logout_redirect_uri(post_logout)
            .set_state(CsrfToken::new_random())
            .http_get_url();

        let response = signed_in.browser.get(url).send().await.map_err(|error| {
            Failure::new(
                None,
                "transport_error",
                format!("logout request failed: {error}"),
            )
        })?;
        Ok(response.status().as_u16())
    }

    fn token_failure<E: std::error::Error + 'static>(
        &self,
        error: &RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
    ) -> Failure {
        let status = self.http.last_status();
        match error {
            RequestTokenError::ServerResponse(response) => {
                let code = response.error().as_ref();
                let detail = response
                    .error_description()
                    .cloned()
                    .unwrap_or_else(|| code.to_owned());
                Failure::new(status, code, detail)
            }
            other => Failure::new(status, "token_request_failed", error_chain(other)),
        }
    }
}

fn invalid_url(name: &'static str, value: &str, error: impl fmt::Display) -> SetupError {
    SetupError::InvalidUrl {
        name,
        value: value.to_owned(),
        detail: error.to_string(),
    }
}

/// Joins an error and its sources with `: `.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
