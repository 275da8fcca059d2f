//! Static host of the demo single-page app: serves the built app from a
//! directory, generates its `/config.json` from settings, and falls back
//! to `index.html` for the app's own routes such as `/callback`.

pub mod cli;
pub mod config;
mod headers;
mod routes;

pub use config::{ConfigError, SpaConfig};
pub use routes::{HostError, Site, router};
