//! Verify Okta access tokens and that the Okta session behind each one is
//! still alive, so that a token replayed after logout is rejected.

mod authorized;
pub mod config;
mod decision_cache;
pub mod deny;
mod epoch;
pub mod events;
mod guard;
mod http;
pub mod metrics;
pub mod reason;
mod secret;
pub mod session;
pub mod token;

pub use reason::Reason;
pub use token::{
    AccessTokenClaims, TokenError, TokenFingerprint, TokenVerifier, TokenVerifierConfig,
    VerifiedToken,
};

pub use config::{GuardConfig, GuardConfigBuilder, OktaAuthConfig, OutageMode, TokenSettings};
pub use guard::{Authorized, Guard, GuardError, Policy, Requirement};
pub use http::METRICS_PATH;
pub use http::extract::{LiveSession, MissingGuardLayer, TokenOnly};
pub use http::forward_auth::FORWARD_AUTH_PATH;
pub use http::layer::{GuardLayer, GuardService};
pub use http::rejection::Rejection;
pub use metrics::GuardMetrics;
pub use secret::Secret;
pub use session::{SessionId, SessionInfo, SessionStatus};
