//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the URL
//! that ends the Okta session and sends the browser back.

use url::Url;

/// Builds the logout URL with `id_token_hint`, `post_logout_redirect_uri`
/// and `state`; Okta returns `state` on the redirect.
///
/// # Errors
/// The endpoint's parse error, when it is not a URL.
pub fn logout_url(
    endpoint: &str,
    id_token: &str,
    post_logout_redirect_uri: &Url,
    state: &str,
) -> Result<String, url::ParseError> {
    let mut url = Url::parse(endpoint)?;
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair(
            "post_logout_redirect_uri",
            post_logout_redirect_uri.as_str(),
        )
        .append_pair("state", state);
    Ok(url.into())
}

/// Returns the `state` of a post-logout redirect's query, if any.
pub fn returned_state(query: &str) -> Option<String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logout_url_parameters() {
        let back = Url::parse("http://127.0.0.1:9403/").unwrap();
        let url = logout_url(
            "http://127.0.0.1:9400/oauth2/default/v1/logout",
            "a.b.c",
            &back,
            "s1",
        )
        .unwrap();
        assert_eq!(
            url,
            "http://127.0.0.1:9400/oauth2/default/v1/logout?id_token_hint=a.b.c&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9403%2F&state=s1"
        );
    }

    #[test]
    fn returned_state_present() {
        assert_eq!(returned_state("?state=s1"), Some("s1".to_owned()));
    }

    #[test]
    fn returned_state_absent() {
        assert_eq!(returned_state(""), None);
    }
}
