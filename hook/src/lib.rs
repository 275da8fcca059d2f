//! Okta token inline hook that links access tokens to the Okta session.
//!
//! On sign-in grants the hook copies `data.context.session.id` into a
//! custom claim (default `okta_sid`) of the access token, so a resource
//! server can ask Okta's Sessions API whether that session still lives.
//! On refresh grants it stamps the session the refresh token was issued
//! under, and responds with Okta's error object once that session has
//! ended, so refresh tokens cannot outlive the Okta session.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = session_hook::Config::load(None)?;
//! let service = session_hook::start(&config).await?;
//! println!("serving on {}", service.url());
//! service.wait().await?;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod config;
pub mod decision;
pub mod events;
pub mod metrics;
pub mod secret;
pub mod server;
pub mod sessions_api;
pub mod store;
pub mod wire;

pub use config::{Config, ConfigError};
pub use server::{AppState, RunningService, StartError, router, start, start_with_state};
