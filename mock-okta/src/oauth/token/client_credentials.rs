//! The `client_credentials` grant (RFC 6749 section 4.4): a confidential
//! client gets an access token for itself, with `sub` its client id and no
//! `uid`, no ID token and no refresh token.

use super::require_grant;
use crate::config::{AuthorizationServerConfig, ClientType};
use crate::error::OAuthError;
use crate::oauth::client_auth::AuthenticatedClient;
use crate::oauth::mint::{self, GrantType, IssuedTokens, MintRequest, RefreshPlan, RequestContext};
use crate::oauth::params::Params;
use crate::oauth::scopes;
use crate::state::MockOkta;

/// Issues an access token to an authenticated confidential client.
///
/// # Errors
/// `unauthorized_client` for public clients or clients without the grant,
/// `invalid_scope` for no scopes, unknown scopes or user scopes.
pub async fn exchange(
    state: &MockOkta,
    server: &AuthorizationServerConfig,
    client: AuthenticatedClient<'_>,
    params: &Params,
    context: RequestContext,
) -> Result<IssuedTokens, OAuthError> {
    if client.client.client_type == ClientType::Public {
        return Err(OAuthError::unauthorized_client(
            "The client_credentials grant requires a confidential client that authenticates with its client_secret.",
        ));
    }
    require_grant(client.client, "client_credentials")?;

    let requested = scopes::parse(params.get("scope").unwrap_or_default());
    scopes::check_known(server, &requested)?;
    scopes::check_no_user_scopes(&requested)?;

    let protocol_request =
        serde_json::Map::from_iter([("scope".to_owned(), serde_json::json!(requested.join(" ")))]);
    let request = MintRequest {
        context,
        protocol_request,
        server,
        client: client.client,
        grant_type: GrantType::ClientCredentials,
        user: None,
        session: None,
        session_id: None,
        scopes: requested,
        auth_time: None,
        nonce: None,
        family: None,
        refresh: RefreshPlan::None,
        presented_refresh_jti: None,
    };
    mint::mint(state, &request).await
}
