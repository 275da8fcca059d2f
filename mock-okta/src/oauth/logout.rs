//! `/v1/logout`: RP-initiated logout (OpenID Connect RP-Initiated Logout).
//!
//! The `id_token_hint` must be an ID token this server signed; an expired
//! one is accepted, as Okta does. The session ended is the one named by the
//! `sid` cookie when it belongs to the hint's subject. Without such a
//! cookie the emulator ends the session the ID token was issued for, so
//! that a test or an app on another origin can sign out without the
//! emulator's cookie (Okta itself then has nothing to end).
//!
//! Tokens stay valid. Like Okta, logout ends the session only, and
//! `/v1/introspect` keeps returning `active: true` until the tokens expire
//! or are revoked.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use url::Url;

use super::authorize::found;
use super::jwt::{self, string_claim};
use super::params::Params;
use super::{Reject, cookie, find_server, html};
use crate::sessions::SessionEnd;
use crate::state::{MockOkta, SharedState, fingerprint};

/// `GET /oauth2/{authServerId}/v1/logout`
pub async fn logout_get(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let headers = request.headers().clone();
    let params = Params::from_query(request.uri().query()).map_err(bad_params)?;
    logout(&state, &server_id, &headers, &params)
}

/// `POST /oauth2/{authServerId}/v1/logout`: the same parameters as a form.
pub async fn logout_post(
    State(state): State<SharedState>,
    Path(server_id): Path<String>,
    request: Request,
) -> Result<Response, Reject> {
    let headers = request.headers().clone();
    let params = Params::from_form(request).await.map_err(bad_params)?;
    logout(&state, &server_id, &headers, &params)
}

fn logout(
    state: &MockOkta,
    server_id: &str,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Reject> {
    let server = find_server(state, server_id)?;
    let Some(hint) = params.get("id_token_hint") else {
        return Err(page(
            "The 'id_token_hint' parameter is required; send the ID token of the session to end.",
        ));
    };
    let claims = jwt::verify(state, &server.id, hint, state.clock.now()).map_err(|error| {
        tracing::info!(server = %server.id, %error, "logout with an invalid id_token_hint");
        page("The 'id_token_hint' is not a valid ID token of this authorization server.")
    })?;
    if !string_claim(&claims, "jti").is_some_and(|jti| jti.starts_with("ID.")) {
        return Err(page(
            "The 'id_token_hint' is not an ID token; send the ID token, not the access token.",
        ));
    }
    let subject = string_claim(&claims, "sub").unwrap_or_default();
    let client_id = string_claim(&claims, "aud").unwrap_or_default();
    let Some(client) = state.client(client_id) else {
        return Err(page("The 'id_token_hint' was issued to an unknown client."));
    };

    let redirect = params.get("post_logout_redirect_uri");
    if let Some(uri) = redirect
        && !client
            .post_logout_redirect_uris
            .iter()
            .any(|known| known == uri)
    {
        tracing::info!(client = %client.client_id, "logout with an unregistered post_logout_redirect_uri");
        return Err(page(&format!(
            "The 'post_logout_redirect_uri' must be a Logout redirect URI in the client app settings; '{uri}' is not one of them (exact match)."
        )));
    }

    let cookie_session = cookie::session_id(headers).and_then(|id| state.live_session(&id));
    let (ended, clear_cookie) = match cookie_session {
        Some(session) if session.user_id == subject => {
            (state.end_session(&session.id, SessionEnd::Logout), true)
        }
        // The browser is signed in as someone else: leave that session.
        Some(_) => (end_hinted_session(state, &claims), false),
        None => (end_hinted_session(state, &claims), true),
    };
    tracing::info!(
        server = %server.id,
        client = %client.client_id,
        user = %subject,
        session = %ended.as_ref().map(|s| fingerprint(&s.id)).unwrap_or_default(),
        ended = ended.is_some(),
        "logout"
    );

    let mut response = match redirect {
        Some(uri) => found(&with_state(uri, params.get("state"))),
        None => html::signed_out_page(),
    };
    if clear_cookie {
        let secure = state.org_url.starts_with("https://");
        response
            .headers_mut()
            .insert(header::SET_COOKIE, cookie::clear(secure));
    }
    Ok(response)
}

/// Ends the session the hint's ID token was issued for, if still live.
fn end_hinted_session(
    state: &MockOkta,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Option<crate::state::Session> {
    let jti = string_claim(claims, "jti")?;
    let session_id = state.store().id_token_sessions.get(jti).cloned()?;
    state.end_session(&session_id, SessionEnd::Logout)
}

/// Appends `state` to the post-logout redirect URI's query.
fn with_state(uri: &str, state: Option<&str>) -> String {
    let Some(state) = state else {
        return uri.to_owned();
    };
    match Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair("state", state);
            url.into()
        }
        Err(_) => uri.to_owned(),
    }
}

fn page(description: &str) -> Reject {
    Reject::from(html::error_page(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        description,
    ))
}

fn bad_params(error: super::params::ParamsError) -> Reject {
    tracing::info!(%error, "logout parameters unreadable");
    page(&error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_appended_to_query() {
        assert_eq!(
            with_state("http://127.0.0.1:9403/?a=1", Some("x y")),
            "http://127.0.0.1:9403/?a=1&state=x+y"
        );
    }
}
