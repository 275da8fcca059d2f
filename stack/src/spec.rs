//! What to run: one [`ServiceSpec`] per child process.

use std::path::PathBuf;
use std::time::Duration;

/// Readiness deadline used when a spec sets none, in seconds. A cold debug
/// build of the demo services starts well within it on a laptop; a slow CI
/// machine can raise it with [`ServiceSpec::ready_timeout`].
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A TCP port a service binds on 127.0.0.1, and the setting that changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortBinding {
    /// The port number.
    pub port: u16,
    /// The flag or environment variable that changes the port, quoted in
    /// errors, for example `--hook-port or DEMO_HOOK_PORT`.
    pub setting: String,
}

/// Conditions that mark a service as ready. When both are set, the log line
/// must appear first and the health URL must then return 2xx. With neither,
/// the service counts as ready as soon as it has been spawned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readiness {
    /// Text that a line on stdout or stderr must contain (ANSI colour codes
    /// are removed before matching).
    pub log_line: Option<String>,
    /// URL that must return a 2xx status to `GET`.
    pub health_url: Option<String>,
}

/// One child process of a [`crate::Stack`]: what to run, where it listens
/// and how to tell that it is ready.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use demo_stack::ServiceSpec;
///
/// let spec = ServiceSpec::new("session-hook", "target/debug/session-hook")
///     .env("SESSION_HOOK_LISTEN", "127.0.0.1:9401")
///     .port(9401, "--hook-port or DEMO_HOOK_PORT")
///     .ready_when_log_contains("listening on http://")
///     .ready_when_healthy("http://127.0.0.1:9401/healthz")
///     .ready_timeout(Duration::from_secs(20));
/// assert_eq!(spec.name, "session-hook");
/// ```
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// Name used in output prefixes, logs and errors.
    pub name: String,
    /// Path of the executable.
    pub program: PathBuf,
    /// Command-line arguments.
    pub args: Vec<String>,
    /// Environment variables set on top of the supervisor's environment.
    pub env: Vec<(String, String)>,
    /// Port checked for being free before anything starts.
    pub port: Option<PortBinding>,
    /// Conditions that mark the service as ready.
    pub readiness: Readiness,
    /// Maximum time from spawn to ready.
    pub ready_timeout: Duration,
    /// URL shown to people in summaries; not used for readiness.
    pub url: Option<String>,
}

impl ServiceSpec {
    /// Creates a spec that runs `program` with no arguments, no port and no
    /// readiness condition.
    pub fn new(name: impl Into<String>, program: impl Into<PathBuf>) -> Self {
        ServiceSpec {
            name: name.into(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            port: None,
            readiness: Readiness::default(),
            ready_timeout: DEFAULT_READY_TIMEOUT,
            url: None,
        }
    }

    /// Appends one command-line argument.
    #[must_use]
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends command-line arguments.
    #[must_use]
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable of the child.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Declares the port the service binds; `setting` names the flag or
    /// environment variable that changes it.
    #[must_use]
    pub fn port(mut self, port: u16, setting: impl Into<String>) -> Self {
        self.port = Some(PortBinding {
            port,
            setting: setting.into(),
        });
        self
    }

    /// Marks the service ready once a line of its output contains `text`.
    #[must_use]
    pub fn ready_when_log_contains(mut self, text: impl Into<String>) -> Self {
        self.readiness.log_line = Some(text.into());
        self
    }

    /// Marks the service ready once `GET url` returns a 2xx status.
    #[must_use]
    pub fn ready_when_healthy(mut self, url: impl Into<String>) -> Self {
        self.readiness.health_url = Some(url.into());
        self
    }

    /// Sets the maximum time from spawn to ready.
    #[must_use]
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// Sets the URL shown to people in summaries.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Describes the readiness conditions for error messages, for example
    /// `log line containing "ready" and 2xx from http://127.0.0.1:1/healthz`.
    pub fn readiness_description(&self) -> String {
        let log = self
            .readiness
            .log_line
            .as_ref()
            .map(|text| format!("log line containing {text:?}"));
        let health = self
            .readiness
            .health_url
            .as_ref()
            .map(|url| format!("2xx from {url}"));
        match (log, health) {
            (Some(log), Some(health)) => format!("{log} and {health}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "spawn".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_description_both() {
        let spec = ServiceSpec::new("a", "a")
            .ready_when_log_contains("ready")
            .ready_when_healthy("http://127.0.0.1:1/healthz");

        assert_eq!(
            spec.readiness_description(),
            "log line containing \"ready\" and 2xx from http://127.0.0.1:1/healthz"
        );
    }

    #[test]
    fn readiness_description_none() {
        let spec = ServiceSpec::new("a", "a");

        assert_eq!(spec.readiness_description(), "spawn");
    }
}
