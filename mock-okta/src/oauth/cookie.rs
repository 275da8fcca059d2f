//! The emulator's browser session cookie, `sid` like Okta's, on the org's
//! own origin: it names the Okta session that authorize and logout act on.

use axum::http::{HeaderMap, HeaderValue, header};

pub const NAME: &str = "sid";

/// Returns the session id in the request's `sid` cookie, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == NAME && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// Builds the `Set-Cookie` value that stores `session_id`. The cookie is
/// `HttpOnly` so page scripts cannot read it, `SameSite=Lax` so it rides
/// top-level navigations back to `/v1/authorize` but not cross-site
/// subrequests, and `Secure` when the org URL is HTTPS.
pub fn set(session_id: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    // Session ids are base62 (see `ids::session_id`), always a valid header value.
    HeaderValue::from_str(&format!(
        "{NAME}={session_id}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| clear(false))
}

/// Builds the `Set-Cookie` value that deletes the cookie.
pub fn clear(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "sid=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        )
    } else {
        HeaderValue::from_static(
            "sid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sid_among_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=102abc; b=2"),
        );
        assert_eq!(session_id(&headers).as_deref(), Some("102abc"));
    }

    #[test]
    fn empty_sid_is_none() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("sid="));
        assert_eq!(session_id(&headers), None);
    }
}
