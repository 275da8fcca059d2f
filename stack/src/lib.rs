//! Start, wire and supervise the local demo's processes.
//!
//! A [`Stack`] runs a list of [`ServiceSpec`]s on 127.0.0.1. It checks every
//! port before starting anything, then starts the services in order and
//! waits for each to be ready: a log line and/or a 2xx health URL, within a
//! deadline. It forwards their output prefixed with their names. When one
//! exits, or on request, it stops all of them with SIGTERM, a grace period,
//! then SIGKILL to each process group. [`demo`] composes the demo's specs.
//!
//! # Example
//! ```no_run
//! use demo_stack::{ServiceSpec, Stack, StackOptions, StopReason};
//!
//! # async fn run() -> Result<(), demo_stack::StartError> {
//! let specs = vec![
//!     ServiceSpec::new("mock-okta", "target/debug/mock-okta")
//!         .args(["--listen", "127.0.0.1:9400"])
//!         .port(9400, "--mock-okta-port")
//!         .ready_when_log_contains("mock-okta serving org URL"),
//! ];
//! let stack = Stack::start(specs, StackOptions::default()).await?;
//! let ctrl_c = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! let (reason, _stopped) = stack.run_until(ctrl_c).await;
//! if let StopReason::ServiceExited(exit) = reason {
//!     eprintln!("{exit}");
//! }
//! # Ok(())
//! # }
//! ```

pub mod demo;
mod error;
mod output;
mod ports;
mod process;
mod readiness;
mod spec;
mod supervisor;

pub use error::{ServiceExit, StartError, Termination};
pub use ports::check_ports;
pub use spec::{DEFAULT_READY_TIMEOUT, PortBinding, Readiness, ServiceSpec};
pub use supervisor::{ServiceInfo, Stack, StackOptions, StopReason, StoppedService};
