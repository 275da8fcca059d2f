//! What the scenarios run against: the authorization server, the back end,
//! the OAuth client, the test user, and whether mock-okta's control API is
//! there.

use serde::Serialize;
use url::Url;

use crate::emulator::Emulator;
use crate::secret::Secret;

/// The demo org's SPA client (public, PKCE).
pub const DEMO_CLIENT_ID: &str = "0oademospa0000000001";
/// The SPA's registered redirect URI. Nothing needs to listen there: the
/// redirect is read from the `Location` header.
pub const DEMO_REDIRECT_URI: &str = "http://127.0.0.1:9403/callback";
/// The SPA's registered post-logout redirect URI.
pub const DEMO_POST_LOGOUT_REDIRECT_URI: &str = "http://127.0.0.1:9403/";
/// Scopes requested: `offline_access` for the refresh scenario,
/// `demo.read` and `demo.write` for the back end's routes.
pub const DEMO_SCOPES: &str = "openid profile email offline_access demo.read demo.write";
/// The emulator's demo user.
pub const DEMO_USERNAME: &str = "demo@example.com";
/// The emulator's demo user's password (a published demo value).
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
/// The emulator's SSWS API token (a published demo value).
pub const DEMO_API_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";

/// How the test user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Post the HTML sign-in form that mock-okta's authorize endpoint shows.
    Form,
    /// Okta's Authentication API (`POST /api/v1/authn`) for a one-time
    /// `sessionToken`, then the authorize endpoint with that token. Needs a
    /// user whose sign-on policy requires a password only.
    Authn,
}

/// Settings given on the command line or in the environment; empty ones
/// get the demo's values when the target is mock-okta.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    /// Issuer of the custom authorization server.
    pub issuer: Url,
    /// Base URL of the back end.
    pub api: Url,
    /// Org URL; derived from the issuer when absent.
    pub org: Option<Url>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// Registered redirect URI of that client.
    pub redirect_uri: Option<Url>,
    /// Registered post-logout redirect URI of that client.
    pub post_logout_redirect_uri: Option<Url>,
    /// Space-separated scopes.
    pub scopes: Option<String>,
    /// Test user's login.
    pub username: Option<String>,
    /// Test user's password.
    pub password: Option<Secret>,
    /// SSWS API token for the admin scenario.
    pub api_token: Option<Secret>,
    /// Sign-in method; by default `form` on mock-okta, `authn` elsewhere.
    pub sign_in: Option<SignInMethod>,
}

impl TargetSettings {
    /// Settings for `issuer` and the back end at `api`, every other one
    /// left to its default.
    pub fn new(issuer: Url, api: Url) -> Self {
        TargetSettings {
            issuer,
            api,
            org: None,
            client_id: None,
            redirect_uri: None,
            post_logout_redirect_uri: None,
            scopes: None,
            username: None,
            password: None,
            api_token: None,
            sign_in: None,
        }
    }
}

/// The settings are incomplete or inconsistent.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The issuer is not a custom authorization server URL.
    #[error(
        "issuer {0} is not a custom authorization server (https://ORG/oauth2/SERVER_ID); set --target-issuer to one, or give the org with --target-org"
    )]
    NotCustomServer(Url),
    /// A real org needs the test user's credentials.
    #[error(
        "{0} is not mock-okta, so the demo user does not exist there; export REPLAY_USERNAME and REPLAY_PASSWORD with a test user's credentials"
    )]
    MissingCredentials(Url),
}

/// The resolved target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Issuer of the custom authorization server.
    pub issuer: Url,
    /// Org URL (scheme, host, port).
    pub org: Url,
    /// Base URL of the back end.
    pub api: Url,
    /// OAuth client id (a public client using PKCE).
    pub client_id: String,
    /// Registered redirect URI.
    pub redirect_uri: Url,
    /// Registered post-logout redirect URI.
    pub post_logout_redirect_uri: Url,
    /// Scopes requested at sign-in.
    pub scopes: Vec<String>,
    /// Test user's login.
    pub username: String,
    /// Test user's password.
    pub password: Secret,
    /// SSWS API token for the admin scenario, if any.
    pub api_token: Option<Secret>,
    /// How the user signs in.
    pub sign_in: SignInMethod,
    /// mock-okta's control API, when the org is mock-okta.
    pub emulator: Option<Emulator>,
}

impl Target {
    /// Resolves `settings`, probing the org for mock-okta's control API.
    ///
    /// # Errors
    /// [`TargetError`] naming the missing or invalid setting.
    pub async fn resolve(settings: TargetSettings) -> Result<Target, TargetError> {
        let org = match settings.org {
            Some(org) => org,
            None => org_of(&settings.issuer)?,
        };
        let emulator = Emulator::detect(&org).await;
        let on_emulator = emulator.is_some();

        let (username, password) = match (settings.username, settings.password) {
            (Some(username), Some(password)) => (username, password),
            (None, None) if on_emulator => (DEMO_USERNAME.to_owned(), Secret::new(DEMO_PASSWORD)),
            _ => return Err(TargetError::MissingCredentials(org)),
        };
        let api_token = settings
            .api_token
            .or_else(|| on_emulator.then(|| Secret::new(DEMO_API_TOKEN)));
        let sign_in = settings.sign_in.unwrap_or(if on_emulator {
            SignInMethod::Form
        } else {
            SignInMethod::Authn
        });

        Ok(Target {
            issuer: settings.issuer,
            org,
            api: settings.api,
            client_id: settings
                .client_id
                .unwrap_or_else(|| DEMO_CLIENT_ID.to_owned()),
            redirect_uri: settings
                .redirect_uri
                .unwrap_or_else(|| demo_url(DEMO_REDIRECT_URI)),
            post_logout_redirect_uri: settings
                .post_logout_redirect_uri
                .unwrap_or_else(|| demo_url(DEMO_POST_LOGOUT_REDIRECT_URI)),
            scopes: settings
                .scopes
                .as_deref()
                .unwrap_or(DEMO_SCOPES)
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            username,
            password,
            api_token,
            sign_in,
            emulator,
        })
    }
}

/// Returns the org URL of a custom authorization server's issuer:
/// `https://ORG/oauth2/SERVER_ID` gives `https://ORG`.
///
/// # Errors
/// [`TargetError::NotCustomServer`] for any other issuer.
pub fn org_of(issuer: &Url) -> Result<Url, TargetError> {
    let mut segments = issuer.path_segments().into_iter().flatten();
    let is_custom = segments.next() == Some("oauth2")
        && segments.next().is_some_and(|id| !id.is_empty())
        && segments.next().is_none_or(str::is_empty);
    if !is_custom {
        return Err(TargetError::NotCustomServer(issuer.clone()));
    }

    let mut org = issuer.clone();
    org.set_path("/");
    org.set_query(None);
    Ok(org)
}

fn demo_url(text: &str) -> Url {
    // The demo constants above are valid absolute URLs.
    Url::parse(text).expect("demo URL constant parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn org_of_custom_server() {
        let org = org_of(&url("https://dev-1.okta.com/oauth2/default")).expect("custom server");

        assert_eq!(org.as_str(), "https://dev-1.okta.com/");
    }

    #[test]
    fn org_of_keeps_port() {
        let org = org_of(&url("http://127.0.0.1:9400/oauth2/default/")).expect("custom server");

        assert_eq!(org.as_str(), "http://127.0.0.1:9400/");
    }

    #[test]
    fn org_of_rejects_org_server() {
        let error = org_of(&url("https://dev-1.okta.com")).expect_err("org server");

        assert!(error.to_string().contains("--target-issuer"), "{error}");
    }
}
