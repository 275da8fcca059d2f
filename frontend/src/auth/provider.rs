//! The configured authorization server: `config.json` plus its discovery
//! document.

use crate::auth::AuthError;
use crate::browser::http::{self, HttpRequest};
use crate::browser::page;
use crate::config::{AppConfig, CONFIG_PATH};
use crate::oidc::discovery::{ProviderMetadata, discovery_url};

/// The configuration and the authorization server's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The validated `config.json`.
    pub config: AppConfig,
    /// The discovery document.
    pub metadata: ProviderMetadata,
}

/// Fetches `/config.json`, checks the page's origin, then fetches the
/// discovery document.
///
/// # Errors
/// [`AuthError`] naming the failed step.
pub async fn load_provider() -> Result<Provider, AuthError> {
    let config_url = format!("{}{CONFIG_PATH}", page::origin());
    let response = http::send(HttpRequest::get(config_url.clone()))
        .await
        .map_err(AuthError::ConfigUnreachable)?;
    if response.status != 200 {
        return Err(AuthError::ConfigStatus {
            url: config_url,
            status: response.status,
        });
    }
    let config = AppConfig::parse(&response.body).map_err(AuthError::Config)?;

    let expected = config.app_origin();
    let actual = page::origin();
    if expected != actual {
        return Err(AuthError::WrongOrigin { expected, actual });
    }

    let url = discovery_url(&config.issuer);
    let response = http::send(HttpRequest::get(url.clone()))
        .await
        .map_err(|source| AuthError::OktaUnreachable {
            issuer: config.issuer.clone(),
            source,
        })?;
    if response.status != 200 {
        return Err(AuthError::OktaStatus {
            url,
            status: response.status,
        });
    }
    let metadata =
        ProviderMetadata::parse(&response.body, &config.issuer).map_err(AuthError::Discovery)?;

    leptos::logging::log!(
        "demo-frontend: configuration loaded (issuer {}, client {})",
        config.issuer,
        config.client_id
    );
    Ok(Provider { config, metadata })
}
