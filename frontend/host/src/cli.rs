//! Command-line flags; each also reads a `SPA_HOST_*` environment
//! variable. Defaults are the demo's: the emulator on 9400, the back end
//! on 9402, the app on 9403.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::config::SpaConfig;

/// Serve the demo single-page app and its /config.json.
#[derive(Debug, Clone, Parser)]
#[command(name = "spa-host", version)]
pub struct Args {
    /// Address to bind (IP:PORT).
    #[arg(long, env = "SPA_HOST_LISTEN", default_value = "127.0.0.1:9403")]
    pub listen: SocketAddr,

    /// Directory of the built app (frontend/build.sh writes frontend/dist).
    #[arg(long, env = "SPA_HOST_DIST", default_value = "frontend/dist")]
    pub dist: PathBuf,

    /// Custom authorization server URL, exactly as its tokens' iss.
    #[arg(
        long,
        env = "SPA_HOST_ISSUER",
        default_value = "http://127.0.0.1:9400/oauth2/default"
    )]
    pub issuer: String,

    /// Client id of the app's public OIDC client.
    #[arg(
        long,
        env = "SPA_HOST_CLIENT_ID",
        default_value = "0oademospa0000000001"
    )]
    pub client_id: String,

    /// Sign-in redirect URI registered for the client.
    #[arg(
        long,
        env = "SPA_HOST_REDIRECT_URI",
        default_value = "http://127.0.0.1:9403/callback"
    )]
    pub redirect_uri: String,

    /// Sign-out redirect URI registered for the client.
    #[arg(
        long,
        env = "SPA_HOST_POST_LOGOUT_REDIRECT_URI",
        default_value = "http://127.0.0.1:9403/"
    )]
    pub post_logout_redirect_uri: String,

    /// Scopes to request, separated by spaces.
    #[arg(
        long,
        env = "SPA_HOST_SCOPES",
        default_value = "openid profile email offline_access demo.read demo.write"
    )]
    pub scopes: String,

    /// Base URL of the back end.
    #[arg(
        long,
        env = "SPA_HOST_API_BASE_URL",
        default_value = "http://127.0.0.1:9402"
    )]
    pub api_base_url: String,

    /// Access-token claim with the Okta session id.
    #[arg(long, env = "SPA_HOST_SESSION_CLAIM", default_value = "okta_sid")]
    pub session_claim: String,

    /// Log as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
}

impl Args {
    /// Builds the app's configuration from the flags.
    pub fn spa_config(&self) -> SpaConfig {
        SpaConfig {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            post_logout_redirect_uri: self.post_logout_redirect_uri.clone(),
            scopes: self.scopes.split_whitespace().map(str::to_owned).collect(),
            api_base_url: self.api_base_url.clone(),
            session_claim: self.session_claim.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_demo_constants() {
        let args = Args::try_parse_from(["spa-host"]).unwrap();
        let config = args.spa_config();
        assert_eq!(args.listen.to_string(), "127.0.0.1:9403");
        assert_eq!(config.issuer, "http://127.0.0.1:9400/oauth2/default");
        assert_eq!(config.client_id, "0oademospa0000000001");
        assert_eq!(config.redirect_uri, "http://127.0.0.1:9403/callback");
        assert_eq!(config.post_logout_redirect_uri, "http://127.0.0.1:9403/");
        assert_eq!(config.api_base_url, "http://127.0.0.1:9402");
        assert_eq!(config.session_claim, "okta_sid");
        assert_eq!(
            config.scopes,
            [
                "openid",
                "profile",
                "email",
                "offline_access",
                "demo.read",
                "demo.write"
            ]
        );
    }

    #[test]
    fn flags_override() {
        let args = Args::try_parse_from([
            "spa-host",
            "--issuer",
            "https://example.okta.com/oauth2/default",
            "--scopes",
            "openid  demo.read",
        ])
        .unwrap();
        let config = args.spa_config();
        assert_eq!(config.issuer, "https://example.okta.com/oauth2/default");
        assert_eq!(config.scopes, ["openid", "demo.read"]);
    }

    #[test]
    fn listen_not_an_address() {
        assert!(Args::try_parse_from(["spa-host", "--listen", "9403"]).is_err());
    }
}
