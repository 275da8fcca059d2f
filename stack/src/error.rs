//! Errors of starting a stack, and the report of a service that exited.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// Failure to start a [`crate::Stack`]. Every service started before the
/// failure has been stopped when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A port is already bound by another process; nothing was started.
    #[error(
        "port {port} of {service} is already in use on 127.0.0.1 ({source}); \
         stop the process that holds it or choose another port with {setting}"
    )]
    PortInUse {
        /// The service that needs the port.
        service: String,
        /// The port.
        port: u16,
        /// Flag or environment variable that changes it.
        setting: String,
        /// The bind error.
        source: std::io::Error,
    },

    /// Two services are configured with one port; nothing was started.
    #[error(
        "port {port} is configured for both {first} and {second}; \
         give {second} another port with {setting}"
    )]
    PortConflict {
        /// The port.
        port: u16,
        /// The earlier service in start order.
        first: String,
        /// The later service in start order.
        second: String,
        /// Flag or environment variable that changes the later one's port.
        setting: String,
    },

    /// The executable could not be spawned.
    #[error("failed to start {service} ({program}): {source}")]
    Spawn {
        /// The service.
        service: String,
        /// Path of its executable.
        program: PathBuf,
        /// The spawn error.
        source: std::io::Error,
    },

    /// The readiness conditions were not met before the deadline.
    #[error(
        "{service} did not become ready within {timeout:?} (waiting for {waiting_for}); \
         check its output below or raise the readiness timeout"
    )]
    ReadyTimeout {
        /// The service.
        service: String,
        /// The deadline that passed.
        timeout: Duration,
        /// The readiness conditions, as text.
        waiting_for: String,
        /// Its last output lines.
        last_lines: Vec<String>,
    },

    /// A service exited before every service was ready: the one being
    /// waited for, or one started earlier.
    #[error("{} while the stack was starting", .0)]
    ExitedDuringStart(ServiceExit),

    /// The HTTP client for health checks could not be built.
    #[error("failed to build the health-check HTTP client: {0}")]
    HealthClient(#[source] reqwest::Error),
}

impl StartError {
    /// Returns the last output lines of the failed service, if any.
    pub fn last_lines(&self) -> &[String] {
        match self {
            StartError::ReadyTimeout { last_lines, .. } => last_lines,
            StartError::ExitedDuringStart(exit) => &exit.last_lines,
            _ => &[],
        }
    }

    /// Returns the name of the service the error is about, if any.
    pub fn service(&self) -> Option<&str> {
        match self {
            StartError::PortInUse { service, .. }
            | StartError::Spawn { service, .. }
            | StartError::ReadyTimeout { service, .. } => Some(service),
            StartError::PortConflict { second, .. } => Some(second),
            StartError::ExitedDuringStart(exit) => Some(&exit.service),
            StartError::HealthClient(_) => None,
        }
    }
}

/// End state of a child process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Termination {
    /// The process ended and was reaped with this status.
    Exited(ExitStatus),
    /// Waiting for the process failed; its state is unknown.
    WaitFailed(String),
}

impl Termination {
    /// Returns the exit status, when the process was reaped.
    pub fn status(&self) -> Option<ExitStatus> {
        match self {
            Termination::Exited(status) => Some(*status),
            Termination::WaitFailed(_) => None,
        }
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // ExitStatus displays as "exit status: 3" or "signal: 9 (SIGKILL)".
            Termination::Exited(status) => write!(f, "{status}"),
            Termination::WaitFailed(error) => write!(f, "unknown status (wait failed: {error})"),
        }
    }
}

/// A service that exited while the stack was starting or running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceExit {
    /// The service.
    pub service: String,
    /// Its exit status, or the wait failure.
    pub termination: Termination,
    /// Its last output lines, oldest first.
    pub last_lines: Vec<String>,
}

impl fmt::Display for ServiceExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} exited with {}", self.service, self.termination)
    }
}
