//! Validation of an authorization request (`/v1/authorize` parameters).
//!
//! RFC 6749 section 4.1.2.1 decides where an error goes. A missing or
//! unknown `client_id` or an unregistered `redirect_uri` is shown to the
//! user as a page, because redirecting would make the server an open
//! redirector. Every later error is redirected to the client with `error`,
//! `error_description` and `state`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::response::{RedirectTarget, ResponseMode};
use crate::config::{AuthorizationServerConfig, ClientType};
use crate::error::OAuthError;
use crate::oauth::params::Params;
use crate::oauth::{pkce, scopes};
use crate::state::MockOkta;

/// The `prompt` parameter (OpenID Connect Core section 3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prompt {
    /// Reuse a live session, else show the sign-in form.
    #[default]
    Default,
    /// Never show a form: `login_required` without a live session.
    None,
    /// Always show the sign-in form.
    Login,
}

/// A validated authorization request, also what a pending sign-in keeps.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub server_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Prompt,
    /// Maximum seconds since the user last entered a password.
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
}

impl AuthorizeRequest {
    /// Returns the parameters a token inline hook receives in
    /// `data.context.protocol.request` for the code grant.
    pub fn protocol_request(&self) -> Map<String, Value> {
        let response_mode = match self.response_mode {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
        };
        Map::from_iter([
            ("client_id".to_owned(), json!(self.client_id)),
            ("redirect_uri".to_owned(), json!(self.redirect_uri)),
            ("response_mode".to_owned(), json!(response_mode)),
            ("response_type".to_owned(), json!("code")),
            ("scope".to_owned(), json!(self.scopes.join(" "))),
            ("state".to_owned(), json!(self.state)),
        ])
    }

    /// Returns where and how responses to this request are sent.
    pub fn target(&self) -> RedirectTarget {
        RedirectTarget {
            redirect_uri: self.redirect_uri.clone(),
            response_mode: self.response_mode,
            state: Some(self.state.clone()),
        }
    }
}

/// A rejected authorization request.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown to the user as an HTML error page, never redirected.
    Page {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    /// Sent to the client's registered redirect URI.
    Redirect {
        target: RedirectTarget,
        error: OAuthError,
    },
}

/// Validates `params` for `server` in RFC 6749's order.
///
/// # Errors
/// [`AuthorizeError`] for the first problem found.
pub fn parse(
    state: &MockOkta,
    server: &AuthorizationServerConfig,
    params: &Params,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let page = |error: &'static str, description: String| AuthorizeError::Page {
        status: StatusCode::BAD_REQUEST,
        error,
        description,
    };

    let client_id = params.get("client_id").ok_or_else(|| {
        page(
            "invalid_request",
            "The 'client_id' parameter is required.".to_owned(),
        )
    })?;
    let client = state.client(client_id).ok_or_else(|| {
        page(
            "invalid_client",
            format!("Invalid value for 'client_id' parameter: no client '{client_id}' exists."),
        )
    })?;
    let redirect_uri = params.get("redirect_uri").ok_or_else(|| {
        page(
            "invalid_request",
            "The 'redirect_uri' parameter is required.".to_owned(),
        )
    })?;
    if !client.redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return Err(page(
            "invalid_request",
            format!(
                "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings; '{redirect_uri}' is not one of them (exact match)."
            ),
        ));
    }

    // From here on errors go to the client. An unknown response_mode is
    // itself reported with the default mode for `code`, the query string.
    let mut target = RedirectTarget {
        redirect_uri: redirect_uri.to_owned(),
        response_mode: ResponseMode::Query,
        state: params.get("state").map(str::to_owned),
    };
    let redirect = |target: &RedirectTarget, error: OAuthError| AuthorizeError::Redirect {
        target: target.clone(),
        error,
    };

    if let Some(mode) = params.get("response_mode") {
        target.response_mode = ResponseMode::parse(mode).ok_or_else(|| {
            redirect(
                &target,
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_response_mode",
                    format!(
                        "The response mode '{mode}' isn't supported by the authorization server. Valid response modes: [query, fragment, form_post]."
                    ),
                ),
            )
        })?;
    }
    for unsupported in ["request", "request_uri", "sessionToken"] {
        if params.get(unsupported).is_some() {
            let error = match unsupported {
                "request" => "request_not_supported",
                "request_uri" => "request_uri_not_supported",
                _ => "invalid_request",
            };
            return Err(redirect(
                &target,
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    error,
                    format!(
                        "The '{unsupported}' parameter is not supported by mock-okta; send plain authorize parameters and sign in with the form."
                    ),
                ),
            ));
        }
    }

    let Some(state_value) = params.get("state") else {
        return Err(redirect(
            &target,
            OAuthError::invalid_request(
                "The 'state' parameter is required; Okta requires it on every authorize request.",
            ),
        ));
    };

    match params.get("response_type") {
        None => {
            return Err(redirect(
                &target,
                OAuthError::invalid_request("The 'response_type' parameter is required."),
            ));
        }
        Some("code") => {}
        Some(other) => {
            return Err(redirect(
                &target,
                OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_response_type",
                    format!(
                        "The response type '{other}' is not supported by the authorization server. Configured response types: [code]."
                    ),
                ),
            ));
        }
    }
    if !client.grant_types.iter().any(|g| g == "authorization_code") {
        return Err(redirect(
            &target,
            OAuthError::unauthorized_client(format!(
                "The client is not authorized to use the provided grant type. Configured grant types: [{}].",
                client.grant_types.join(", ")
            )),
        ));
    }

    let requested = scopes::parse(params.get("scope").unwrap_or_default());
    scopes::check_known(server, &requested).map_err(|error| redirect(&target, error))?;
    scopes::check_openid_present(&requested).map_err(|error| redirect(&target, error))?;

    let code_challenge = params.get("code_challenge");
    let code_challenge_method = params.get("code_challenge_method");
    match code_challenge {
        Some(challenge) => pkce::check_challenge(challenge, code_challenge_method)
            .map_err(|message| redirect(&target, OAuthError::invalid_request(message)))?,
        None if code_challenge_method.is_some() => {
            return Err(redirect(
                &target,
                OAuthError::invalid_request(
                    "'code_challenge_method' was sent without 'code_challenge'; send both.",
                ),
            ));
        }
        None if client.client_type == ClientType::Public => {
            return Err(redirect(
                &target,
                OAuthError::invalid_request(
                    "PKCE code challenge is required when the token endpoint authentication method is 'NONE'.",
                ),
            ));
        }
        None => {}
    }

    let prompt = parse_prompt(params.get("prompt")).map_err(|error| redirect(&target, error))?;
    let max_age = params
        .get("max_age")
        .map(|value| {
            value.parse::<u64>().map_err(|_| {
                redirect(
                    &target,
                    OAuthError::invalid_request(format!(
                        "The 'max_age' value '{value}' is not a number of seconds."
                    )),
                )
            })
        })
        .transpose()?;

    Ok(AuthorizeRequest {
        server_id: server.id.clone(),
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        response_mode: target.response_mode,
        state: state_value.to_owned(),
        scopes: requested,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge: code_challenge.map(str::to_owned),
        code_challenge_method: code_challenge_method.map(str::to_owned),
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_owned),
    })
}

/// Reads `prompt`. `consent` is accepted and has no effect, because the
/// emulator's clients need no consent.
fn parse_prompt(value: Option<&str>) -> Result<Prompt, OAuthError> {
    let Some(value) = value else {
        return Ok(Prompt::Default);
    };
    let words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
    let known = |word: &&str| matches!(*word, "none" | "login" | "consent");
    if !words.iter().all(known) {
        return Err(OAuthError::invalid_request(format!(
            "The 'prompt' value '{value}' is not supported; use none, login, consent or 'login consent'."
        )));
    }
    let none = words.contains(&"none");
    if none && words.len() > 1 {
        return Err(OAuthError::invalid_request(
            "The 'prompt' value 'none' cannot be combined with other values.",
        ));
    }
    Ok(if none {
        Prompt::None
    } else if words.contains(&"login") {
        Prompt::Login
    } else {
        Prompt::Default
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_login_consent_is_login() {
        assert_eq!(parse_prompt(Some("consent login")).unwrap(), Prompt::Login);
    }

    #[test]
    fn prompt_none_with_login_rejected() {
        assert!(parse_prompt(Some("none login")).is_err());
    }

    #[test]
    fn prompt_unknown_rejected() {
        assert!(parse_prompt(Some("select_account")).is_err());
    }
}
