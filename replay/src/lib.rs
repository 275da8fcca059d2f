//! Replays a stolen access token against the demo's back end once the Okta
//! session has ended. The report says, step by step, whether the back end
//! rejected it, how long that took, and which path caught it: Okta's event
//! hook push, or the back end's own Sessions API check.
//!
//! [`run`] runs the selected [`Scenario`]s against a self-started
//! in-process stack or against running services, and returns a
//! [`Report`] that renders as a table or as JSON.

pub mod admin;
pub mod api;
pub mod emulator;
pub mod expect;
pub mod metrics;
pub mod oidc;
pub mod report;
pub mod run;
pub mod scenario;
pub mod secret;
pub mod stack;
pub mod target;

pub use expect::{Expected, Overrides};
pub use report::Report;
pub use run::{Mode, Options, RunError, run};
pub use scenario::{Scenario, Timing};
pub use stack::StackSettings;
pub use target::TargetSettings;
