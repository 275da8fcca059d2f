//! Authorization responses to the client's redirect URI, in the three
//! response modes the emulator supports.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::{Url, form_urlencoded};

use crate::error::OAuthError;
use crate::oauth::html;

/// The delivery of the authorization response (`response_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query string (default for `code`).
    Query,
    /// Parameters in the redirect URI's fragment.
    Fragment,
    /// An auto-submitting HTML form that POSTs the parameters.
    FormPost,
}

impl ResponseMode {
    /// Parses a `response_mode` value; Okta's `okta_post_message` is not
    /// emulated and returns `None` like any unknown value.
    pub fn parse(value: &str) -> Option<ResponseMode> {
        match value {
            "query" => Some(ResponseMode::Query),
            "fragment" => Some(ResponseMode::Fragment),
            "form_post" => Some(ResponseMode::FormPost),
            _ => None,
        }
    }
}

/// A registered redirect URI with the response mode and the `state` to return.
#[derive(Debug, Clone)]
pub struct RedirectTarget {
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
}

/// Sends the authorization code and `state`.
pub fn success<'a>(target: &'a RedirectTarget, code: &'a str) -> Response {
    send(target, vec![("code", code)])
}

/// Sends `error` and `error_description` (RFC 6749 section 4.1.2.1).
pub fn error<'a>(target: &'a RedirectTarget, error: &'a OAuthError) -> Response {
    send(
        target,
        vec![
            ("error", error.error),
            ("error_description", error.description.as_str()),
        ],
    )
}

fn send<'a>(target: &'a RedirectTarget, mut params: Vec<(&'a str, &'a str)>) -> Response {
    if let Some(state) = &target.state {
        params.push(("state", state));
    }

    if target.response_mode == ResponseMode::FormPost {
        return html::form_post_page(&target.redirect_uri, &params);
    }

    // Registered redirect URIs are validated as absolute URLs at start-up,
    // so parsing fails only for a configuration bypassing validation.
    let Ok(mut location) = Url::parse(&target.redirect_uri) else {
        tracing::error!(redirect_uri = %target.redirect_uri, "registered redirect URI does not parse");
        return html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The registered redirect URI is not a valid URL.",
        );
    };
    match target.response_mode {
        ResponseMode::Fragment => {
            let fragment = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish();
            location.set_fragment(Some(&fragment));
        }
        _ => {
            location.query_pairs_mut().extend_pairs(&params);
        }
    }
    found(location.as_str())
}

/// Builds a 302 to `location`, uncacheable and without a `Referer` for the
/// next page, as Okta sends with codes in the URL.
pub fn found(location: &str) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        return html::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The redirect URI cannot be sent in a Location header.",
        );
    };
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response()
}
