//! `/v1/revoke` (RFC 7009), with client authentication.
//!
//! Unknown, expired and already revoked tokens get 200 like valid ones, so
//! the response reveals nothing. A client may revoke only its own tokens: a
//! token of another client is rejected with `invalid_request`, as RFC 7009
//! section 2.1 requires. Revoking an access token marks its `jti`; revoking a
//! refresh token revokes its family, including the access tokens issued
//! from the same grant (RFC 7009 section 2.1, "SHOULD also invalidate").

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::params::Params;
use super::presented::{self, Presented};
use super::{Reject, client_auth, family, find_server};
use crate::error::OAuthError;
use crate::state::{MockOkta, SharedState};

/// `POST /oauth2/{authServerId}/v1/revoke`
pub async fn revoke(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let server = find_server(&state, &server_id)?;
    match respond(&state, &server.id, request).await {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(error) => {
            tracing::info!(
                server = %server.id,
                error = error.error,
                description = %error.description,
                "revocation rejected"
            );
            Err(Reject::from(error))
        }
    }
}

async fn respond(state: &MockOkta, server_id: &str, request: Request) -> Result<(), OAuthError> {
    let headers = request.headers().clone();
    let params = Params::from_form(request).await?;
    let client = client_auth::authenticate(state, &headers, &params, None)?;
    let client_id = client.client.client_id.as_str();
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("The `token` parameter is required."))?;
    presented::check_hint(
        params.get("token_type_hint"),
        &["access_token", "refresh_token"],
    )?;

    let now = state.clock.now();
    match presented::identify(state, server_id, token, now) {
        Presented::Access {
            record: Some(record),
            ..
        } => {
            if record.client_id != client_id {
                return Err(other_client());
            }
            if let Some(stored) = state.store().access_tokens.get_mut(&record.jti) {
                stored.revoked = true;
            }
            tracing::info!(client = %client_id, jti = %record.jti, "access token revoked");
        }
        Presented::Refresh { record } => {
            if record.client_id != client_id {
                return Err(other_client());
            }
            let revoked = family::revoke(&mut state.store(), &record.family);
            tracing::info!(
                client = %client_id,
                jti = %record.jti,
                access_tokens = revoked.access_tokens,
                refresh_tokens = revoked.refresh_tokens,
                "refresh token revoked with its family"
            );
        }
        Presented::Access { record: None, .. } | Presented::Id { .. } | Presented::Unknown => {
            tracing::debug!(client = %client_id, "revocation of an unknown token ignored");
        }
    }
    Ok(())
}

fn other_client() -> OAuthError {
    OAuthError::invalid_request(
        "The token was issued to another client; a client may only revoke its own tokens.",
    )
}
