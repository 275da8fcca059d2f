//! The few HTML pages the authorization server shows a browser: the
//! sign-in form, error pages, the signed-out page and the `form_post`
//! response. Every interpolated value is escaped.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for an HTML element body or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// The contents of the sign-in form.
#[derive(Debug)]
pub struct SignInForm<'a> {
    /// Absolute URL the form posts to.
    pub action: &'a str,
    /// Id of the pending authorize request, sent back in a hidden field.
    pub request_id: &'a str,
    pub client_name: &'a str,
    /// Pre-filled username (`login_hint`, or what the user typed).
    pub username: &'a str,
    /// Shown above the form after a failed attempt.
    pub error: Option<&'a str>,
}

/// Renders the sign-in form with `status` (200, or 401 after a failure).
pub fn sign_in_page(status: StatusCode, form: &SignInForm<'_>) -> Response {
    let error = form
        .error
        .map(|message| {
            format!(
                "<p role=\"alert\" class=\"error\">{}</p>\n",
                escape(message)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>\n<p>to continue to {client}</p>\n{error}\
<form method=\"post\" action=\"{action}\">\n\
<input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\n\
<p><label for=\"username\">Username</label>\n\
<input id=\"username\" name=\"username\" value=\"{username}\" type=\"text\" autocomplete=\"username\" required autofocus></p>\n\
<p><label for=\"password\">Password</label>\n\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\n\
<p><button type=\"submit\">Sign in</button></p>\n</form>",
        client = escape(form.client_name),
        action = escape(form.action),
        request_id = escape(form.request_id),
        username = escape(form.username),
    );
    page(status, "Sign in", &body)
}

/// Renders an error that must not be redirected to the client, such as an
/// unknown `client_id` or an unregistered `redirect_uri` (RFC 6749
/// section 4.1.2.1).
pub fn error_page(status: StatusCode, error: &str, description: &str) -> Response {
    let body = format!(
        "<h1>Error</h1>\n<dl>\n<dt>Error code</dt><dd id=\"error\">{}</dd>\n\
<dt>Description</dt><dd id=\"error_description\">{}</dd>\n</dl>",
        escape(error),
        escape(description)
    );
    page(status, "Error", &body)
}

/// Renders the page shown after logout without a post-logout redirect.
pub fn signed_out_page() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        "<h1>Signed out</h1>\n<p>You have been signed out of the Okta session.</p>",
    )
}

/// Renders the `form_post` response mode: a form that the browser posts
/// to the client's `redirect_uri` on load.
pub fn form_post_page(action: &str, fields: &[(&str, &str)]) -> Response {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(name),
                escape(value)
            )
        })
        .collect();
    let body = format!(
        "<form method=\"post\" action=\"{}\">\n{inputs}\
<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n\
<script>document.forms[0].submit();</script>",
        escape(action)
    );
    page(StatusCode::OK, "Submit this form", &body)
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let document = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>{} - mock-okta</title>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        escape(title)
    );
    let mut response = (status, Html(document)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Pages carrying credentials or codes must not be framed by other sites.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_attribute_breakers() {
        assert_eq!(
            escape("\"><script>&'"),
            "&quot;&gt;&lt;script&gt;&amp;&#39;"
        );
    }
}
