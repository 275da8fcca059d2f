//! Custom authorization servers: `/oauth2/{authServerId}/…`.
//!
//! Endpoints, as Okta's OAuth 2.0 / OpenID Connect API has them:
//!
//! | path under `/oauth2/{authServerId}` | methods | CORS |
//! |---|---|---|
//! | `/.well-known/openid-configuration` | GET | yes |
//! | `/.well-known/oauth-authorization-server` | GET | yes |
//! | `/v1/keys` | GET | yes |
//! | `/v1/authorize` | GET, POST | no (a browser navigation) |
//! | `/v1/token` | POST | yes |
//! | `/v1/introspect` | POST | yes |
//! | `/v1/revoke` | POST | yes |
//! | `/v1/userinfo` | GET, POST | yes |
//! | `/v1/logout` | GET, POST | no (a browser navigation) |
//!
//! plus the emulator's own sign-in form target, [`SIGN_IN_PATH`].
//!
//! CORS allows only the org's trusted origins, never with credentials.
//! Okta marks exactly these endpoints `isCorsEnabled` in its OpenAPI
//! description of the API, and documents an `OPTIONS` operation for
//! `/v1/token`.

mod authorize;
mod claims;
mod client_auth;
mod cookie;
mod discovery;
mod family;
mod html;
mod introspect;
mod jwt;
mod logout;
pub mod mint;
mod params;
mod pkce;
mod presented;
mod revoke;
mod scopes;
mod token;
mod token_hook;
mod userinfo;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::AuthorizationServerConfig;
use crate::error::{OAuthError, OktaError};
use crate::state::{MockOkta, SharedState};

pub use authorize::{AuthorizeRequest, PendingSignIn};
pub use params::MAX_BODY_BYTES;

/// The sign-in form's target. Okta's hosted sign-in page lives outside
/// `/oauth2/…` too, and this path is the emulator's own.
pub const SIGN_IN_PATH: &str = "/login/signin";

/// How long browsers may cache a CORS preflight answer, as Okta's example
/// `Access-Control-Max-Age: 3600` for `/v1/token`.
const CORS_MAX_AGE: Duration = Duration::from_secs(3600);

/// Builds the routes of every custom authorization server.
pub fn router(state: SharedState) -> Router<SharedState> {
    let cors_enabled = Router::new()
        .route(
            "/oauth2/{server_id}/.well-known/openid-configuration",
            get(discovery::openid_configuration).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/.well-known/oauth-authorization-server",
            get(discovery::oauth_authorization_server).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/v1/keys",
            get(discovery::keys).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/v1/token",
            post(token::token).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/v1/introspect",
            post(introspect::introspect).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/v1/revoke",
            post(revoke::revoke).options(preflight),
        )
        .route(
            "/oauth2/{server_id}/v1/userinfo",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(preflight),
        )
        .layer(cors_layer(&state.config.trusted_origins));

    Router::new()
        .merge(cors_enabled)
        .route(
            "/oauth2/{server_id}/v1/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(SIGN_IN_PATH, post(authorize::sign_in))
        .route(
            "/oauth2/{server_id}/v1/logout",
            get(logout::logout_get).post(logout::logout_post),
        )
}

/// Returns 204 to an `OPTIONS` request that is not a CORS preflight. The
/// CORS layer responds to preflights itself, before routing reaches this.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Allows the trusted origins, without credentials: browsers then send no
/// cookies to the token endpoints, and a stolen origin cannot ride the
/// emulator's session cookie.
fn cors_layer(trusted_origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = trusted_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-okta-user-agent-extended"),
            HeaderName::from_static("x-requested-with"),
        ])
        .max_age(CORS_MAX_AGE)
}

/// A response that ends a handler early: an OAuth error, an Okta error or
/// an HTML page, already rendered (boxed to keep `Result`s small).
#[derive(Debug)]
pub(crate) struct Reject(Box<Response>);

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<OAuthError> for Reject {
    fn from(error: OAuthError) -> Self {
        Reject(Box::new(error.into_response()))
    }
}

impl From<OktaError> for Reject {
    fn from(error: OktaError) -> Self {
        Reject(Box::new(error.into_response()))
    }
}

impl From<Response> for Reject {
    fn from(response: Response) -> Self {
        Reject(Box::new(response))
    }
}

/// Returns the authorization server `id`, or Okta's `E0000007` 404 body.
pub(crate) fn find_server<'a>(
    state: &'a MockOkta,
    id: &str,
) -> Result<&'a AuthorizationServerConfig, Reject> {
    state.auth_server(id).ok_or_else(|| {
        tracing::info!(server = %id, "request for an unknown authorization server");
        Reject::from(OktaError::not_found(id, "AuthorizationServer"))
    })
}
