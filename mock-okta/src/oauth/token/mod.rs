//! `/v1/token`: form-encoded requests only, client authentication first,
//! then one of the grants the emulator supports.

mod client_credentials;
mod code;
mod refresh;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::response::{IntoResponse, Response};

use super::client_auth::{self, AuthenticatedClient};
use super::mint::{IssuedTokens, RequestContext};
use super::params::Params;
use super::{Reject, find_server};
use crate::config::{AuthorizationServerConfig, ClientConfig};
use crate::error::OAuthError;
use crate::state::{MockOkta, SharedState};

/// `POST /oauth2/{authServerId}/v1/token`
pub async fn token(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let server = find_server(&state, &server_id)?;
    let headers = request.headers().clone();
    let context = RequestContext {
        http_method: request.method().to_string(),
        http_url: format!("{}{}", state.org_url, request.uri()),
        ip_address: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_string()),
    };
    let result = match Params::from_form(request).await {
        Ok(params) => match client_auth::authenticate(&state, &headers, &params, None) {
            Ok(client) => grant(&state, server, client, &params, context).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(OAuthError::from(error)),
    };

    match result {
        Ok(tokens) => Ok(tokens.into_response()),
        Err(error) => {
            tracing::info!(
                server = %server.id,
                error = error.error,
                description = %error.description,
                "token request rejected"
            );
            Err(Reject::from(error))
        }
    }
}

async fn grant(
    state: &MockOkta,
    server: &AuthorizationServerConfig,
    client: AuthenticatedClient<'_>,
    params: &Params,
    context: RequestContext,
) -> Result<IssuedTokens, OAuthError> {
    let grant_type = params.require("grant_type")?;
    tracing::debug!(
        server = %server.id,
        client = %client.client.client_id,
        auth_method = ?client.method,
        grant_type,
        "token request"
    );
    match grant_type {
        "authorization_code" => code::exchange(state, server, client, params, context).await,
        "refresh_token" => refresh::exchange(state, server, client, params, context).await,
        "client_credentials" => {
            client_credentials::exchange(state, server, client, params, context).await
        }
        other => Err(OAuthError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "The grant type '{other}' isn't supported by mock-okta; use authorization_code, refresh_token or client_credentials."
            ),
        )),
    }
}

/// Checks that the client's settings allow `grant_type`.
///
/// # Errors
/// `unauthorized_client` listing the client's grant types.
fn require_grant(client: &ClientConfig, grant_type: &str) -> Result<(), OAuthError> {
    if client.grant_types.iter().any(|g| g == grant_type) {
        return Ok(());
    }
    Err(OAuthError::unauthorized_client(format!(
        "The client is not authorized to use the provided grant type. Configured grant types: [{}].",
        client.grant_types.join(", ")
    )))
}

/// Okta's message when a code or refresh token belongs to another client.
const MISMATCHED_CLIENT: &str = "The grant was issued to another client. Ensure that the `client_id` matches the one used at the authorize request.";
