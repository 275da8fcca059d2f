//! Demo API protected by `session-guard`: every `/api/...` route verifies
//! the caller's Okta access token, and the routes that need it also check
//! with Okta's Sessions API that the session named in the token's
//! `okta_sid` claim is still alive. A token replayed after logout gets a
//! 401 whose problem body carries the reason `session_ended`.
//!
//! | route | policy | scope |
//! |---|---|---|
//! | `GET /api/profile` | live session | none |
//! | `POST /api/transfers` | live session | `demo.write` |
//! | `GET /api/catalog` | token only | `demo.read` |
//! | `GET /healthz`, `GET /metrics` | none | none |
//! | `GET`/`POST /okta/event-hooks` | Okta event hook secret | none |
//! | `/admin/deny-list` | admin bearer secret (when configured) | none |

mod api;
mod app;
pub mod config;
mod problem;
mod request_metrics;
mod server;

pub use config::{Config, ConfigError, CorsConfig};
pub use server::{RunningBackend, StartError, StopError, start, start_on};

/// Scope required by `GET /api/catalog`.
pub const READ_SCOPE: &str = "demo.read";

/// Scope required by `POST /api/transfers`.
pub const WRITE_SCOPE: &str = "demo.write";
