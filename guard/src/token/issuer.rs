//! Issuer URL rules: what a custom authorization server issuer looks like,
//! how an org authorization server token is recognised, and which URLs may
//! be fetched without TLS.

use std::net::IpAddr;

use url::{Host, Url};

use super::config::ConfigError;

/// Parses the configured issuer and rejects anything an Okta custom
/// authorization server would never put in `iss`.
///
/// A custom authorization server issues `https://{org}/oauth2/{authServerId}`.
/// The value must be written exactly as Okta writes it, because `iss` is
/// compared byte for byte.
pub(crate) fn parse_issuer(value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|error| ConfigError::InvalidIssuer {
        issuer: value.to_owned(),
        reason: error.to_string(),
    })?;

    check_transport(&url, "issuer")?;

    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ConfigError::InvalidIssuer {
            issuer: value.to_owned(),
            reason: "an issuer has no query, fragment or user information".to_owned(),
        });
    }

    if url.path() == "/" {
        return Err(ConfigError::OrgAuthorizationServer {
            issuer: value.to_owned(),
        });
    }

    if url.path().ends_with('/') {
        return Err(ConfigError::IssuerTrailingSlash {
            issuer: value.to_owned(),
        });
    }

    if !matches!(path_segments(&url).as_slice(), [.., "oauth2", id] if !id.is_empty()) {
        return Err(ConfigError::NotCustomAuthorizationServer {
            issuer: value.to_owned(),
        });
    }

    // `Url` lowercases the scheme and host and drops a default port. Okta's
    // `iss` is already in that form, so a differently written value would
    // never match a token: ask for the normalised spelling instead.
    if url.as_str() != value {
        return Err(ConfigError::InvalidIssuer {
            issuer: value.to_owned(),
            reason: format!("write it in normalised form, `{url}`"),
        });
    }

    Ok(url)
}

/// Reports whether a token's `iss` names the org authorization server of the
/// configured issuer's Okta org: same scheme, host and port, but no
/// `/oauth2/{authServerId}` path.
///
/// Okta signs org authorization server tokens with keys it does not publish
/// for local verification, so such a token gets its own rejection reason.
pub(crate) fn is_org_authorization_server(token_issuer: &str, configured: &Url) -> bool {
    let Ok(url) = Url::parse(token_issuer) else {
        return false;
    };

    let same_org = url.scheme() == configured.scheme()
        && url.host_str() == configured.host_str()
        && url.port_or_known_default() == configured.port_or_known_default();

    let segments = path_segments(&url);
    let names_custom_server = segments
        .windows(2)
        .any(|pair| pair[0] == "oauth2" && !pair[1].is_empty());

    same_org && !names_custom_server
}

/// Rejects plain-text HTTP except to a loopback address, where nothing
/// crosses a network (the local Okta emulator, tests).
pub(crate) fn check_transport(url: &Url, setting: &'static str) -> Result<(), ConfigError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(ConfigError::InsecureUrl {
            setting,
            url: url.to_string(),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

fn path_segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|segments| segments.collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_issuer_accepts_custom_servers() {
        for value in [
            "https://dev-1.okta.com/oauth2/default",
            "https://dev-1.okta.com/oauth2/aus59pz16qgMvHvBS0g7",
            "http://127.0.0.1:9400/oauth2/default",
            "http://localhost:9400/oauth2/default",
        ] {
            assert!(parse_issuer(value).is_ok(), "{value}");
        }
    }

    #[test]
    fn parse_issuer_rejects_org_server() {
        for value in ["https://dev-1.okta.com", "https://dev-1.okta.com/"] {
            let error = parse_issuer(value).unwrap_err();
            assert!(
                matches!(error, ConfigError::OrgAuthorizationServer { .. }),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn parse_issuer_rejects_trailing_slash() {
        let error = parse_issuer("https://dev-1.okta.com/oauth2/default/").unwrap_err();
        assert!(
            matches!(error, ConfigError::IssuerTrailingSlash { .. }),
            "{error}"
        );
    }

    #[test]
    fn parse_issuer_rejects_other_paths() {
        for value in [
            "https://dev-1.okta.com/oauth2",
            "https://dev-1.okta.com/realms/demo",
            "https://dev-1.okta.com/oauth2/default/v1",
        ] {
            let error = parse_issuer(value).unwrap_err();
            assert!(
                matches!(error, ConfigError::NotCustomAuthorizationServer { .. }),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn parse_issuer_rejects_remote_http() {
        let error = parse_issuer("http://dev-1.okta.com/oauth2/default").unwrap_err();
        assert!(matches!(error, ConfigError::InsecureUrl { .. }), "{error}");
    }

    #[test]
    fn parse_issuer_rejects_unnormalised_spelling() {
        for value in [
            "HTTPS://dev-1.okta.com/oauth2/default",
            "https://DEV-1.okta.com/oauth2/default",
            "https://dev-1.okta.com:443/oauth2/default",
        ] {
            let error = parse_issuer(value).unwrap_err();
            assert!(
                matches!(error, ConfigError::InvalidIssuer { .. }),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn parse_issuer_rejects_query_and_fragment() {
        for value in [
            "https://dev-1.okta.com/oauth2/default?x=1",
            "https://dev-1.okta.com/oauth2/default#x",
            "https://user@dev-1.okta.com/oauth2/default",
            "not a url",
        ] {
            let error = parse_issuer(value).unwrap_err();
            assert!(
                matches!(error, ConfigError::InvalidIssuer { .. }),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn org_server_detected_on_same_origin_only() {
        let configured = Url::parse("https://dev-1.okta.com/oauth2/default").unwrap();

        assert!(is_org_authorization_server(
            "https://dev-1.okta.com",
            &configured
        ));
        assert!(is_org_authorization_server(
            "https://dev-1.okta.com/",
            &configured
        ));
        assert!(!is_org_authorization_server(
            "https://dev-2.okta.com",
            &configured
        ));
        assert!(!is_org_authorization_server(
            "https://dev-1.okta.com/oauth2/other",
            &configured
        ));
        assert!(!is_org_authorization_server(
            "https://dev-1.okta.com/oauth2/default/",
            &configured
        ));
        assert!(!is_org_authorization_server("not a url", &configured));
    }
}
