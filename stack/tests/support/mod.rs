//! Helpers shared by the integration tests: the fake service, free ports
//! and process liveness checks.

#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use demo_stack::{ServiceSpec, StackOptions};
use tokio::time::{Instant, sleep};

/// Upper bound for conditions polled in tests; only a broken supervisor or a
/// badly overloaded machine reaches it.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Returns the path of the fake service binary that cargo built for tests.
pub fn fake_program() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stack-fake-service"))
}

/// Returns a port that was free a moment ago.
pub fn free_port() -> u16 {
    // Binding port 0 makes the kernel pick a free ephemeral port.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
    listener.local_addr().expect("local address").port()
}

/// Options that keep test output quiet and stops quick.
pub fn quiet_options() -> StackOptions {
    StackOptions {
        forward_output: false,
        tail_lines: 50,
        stop_grace: Duration::from_secs(5),
    }
}

/// Builds the spec of a fake service called `name` on a free port, ready by
/// its log line, that writes its pid into `pid_dir`. Returns the spec and
/// the port.
pub fn fake_spec(name: &str, pid_dir: &Path) -> (ServiceSpec, u16) {
    let port = free_port();
    let spec = ServiceSpec::new(name, fake_program())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("FAKE_SERVICE_PID_DIR", pid_dir.display().to_string())
        .port(port, format!("--{name}-port"))
        .ready_when_log_contains("fake-service ready on")
        .ready_timeout(DEADLINE);
    (spec, port)
}

/// Reads a pid file the fake service wrote.
pub fn read_pid(pid_dir: &Path, file: &str) -> u32 {
    let text = std::fs::read_to_string(pid_dir.join(file))
        .unwrap_or_else(|error| panic!("pid file {file}: {error}"));
    text.trim().parse().expect("pid file holds a number")
}

/// Tells whether `pid` is a live process. A zombie counts as gone, because
/// it runs no code and owns no port, and a PID 1 that does not reap keeps it.
pub fn is_running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may
    // itself contain spaces or parentheses.
    let state = stat
        .rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().next());
    !matches!(state, Some("Z" | "X") | None)
}

/// Polls until `pid` is gone; returns false if it still runs at the deadline.
pub async fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + DEADLINE;
    let mut pause = Duration::from_millis(10);
    while Instant::now() < deadline {
        if !is_running(pid) {
            return true;
        }
        sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
    !is_running(pid)
}
