//! Start-up: readiness by log line and by health URL, deadlines, and
//! services that exit while the stack starts.

mod support;

use std::time::Duration;

use demo_stack::{ServiceSpec, Stack, StartError};
use support::{DEADLINE, fake_program, fake_spec, free_port, quiet_options, read_pid, wait_gone};

#[tokio::test]
async fn start_ready_by_log_line() {
    // The fake prints its ready line after 200 ms; start returns after it.
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("logged", pid_dir.path());
    let spec = spec.arg("--ready-delay-ms").arg("200");

    let stack = Stack::start(vec![spec], quiet_options())
        .await
        .expect("the service prints its ready line");
    let pid = stack.pid("logged").expect("started");

    assert!(support::is_running(pid));
    assert_eq!(read_pid(pid_dir.path(), "stack-fake-service.pid"), pid);
    stack.shutdown().await;
}

#[tokio::test]
async fn start_ready_by_health_url() {
    // No log line condition: only `/healthz` turning 200 after 300 ms.
    let port = free_port();
    let spec = ServiceSpec::new("healthy", fake_program())
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--ready-delay-ms",
            "300",
        ])
        .port(port, "--healthy-port")
        .ready_when_healthy(format!("http://127.0.0.1:{port}/healthz"))
        .ready_timeout(DEADLINE);

    let stack = Stack::start(vec![spec], quiet_options())
        .await
        .expect("the health URL turns 2xx");

    assert!(stack.pid("healthy").is_some());
    stack.shutdown().await;
}

#[tokio::test]
async fn start_health_url_gates() {
    // The fake never turns healthy, so a health-only spec must time out even
    // though the process runs and listens.
    let port = free_port();
    let spec = ServiceSpec::new("unhealthy", fake_program())
        .args(["--listen", &format!("127.0.0.1:{port}"), "--never-ready"])
        .port(port, "--unhealthy-port")
        .ready_when_healthy(format!("http://127.0.0.1:{port}/healthz"))
        .ready_timeout(Duration::from_millis(500));

    let error = Stack::start(vec![spec], quiet_options())
        .await
        .expect_err("/healthz keeps returning 503");

    assert!(matches!(error, StartError::ReadyTimeout { .. }), "{error}");
}

#[tokio::test]
async fn start_timeout_names_service() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (first, _) = fake_spec("first", pid_dir.path());
    let (slow, _) = fake_spec("slow", pid_dir.path());
    let slow = slow
        .arg("--never-ready")
        .ready_timeout(Duration::from_millis(500));

    let error = Stack::start(vec![first, slow], quiet_options())
        .await
        .expect_err("slow never prints its ready line");
    let message = error.to_string();

    assert_eq!(error.service(), Some("slow"));
    assert!(
        message.starts_with("slow did not become ready within 500ms"),
        "{message}"
    );
    assert!(
        message.contains("log line containing \"fake-service ready on\""),
        "{message}"
    );
    assert!(
        error
            .last_lines()
            .iter()
            .any(|line| line.contains("starting as pid")),
        "{:?}",
        error.last_lines()
    );
}

#[tokio::test]
async fn start_timeout_stops_started() {
    // Both services write the same pid file name, so each gets its own dir.
    let first_dir = tempfile::tempdir().expect("temporary directory");
    let slow_dir = tempfile::tempdir().expect("temporary directory");
    let (first, _) = fake_spec("first", first_dir.path());
    let (slow, _) = fake_spec("slow", slow_dir.path());
    let slow = slow
        .arg("--never-ready")
        .ready_timeout(Duration::from_millis(500));

    let _ = Stack::start(vec![first, slow], quiet_options()).await;
    let first_pid = read_pid(first_dir.path(), "stack-fake-service.pid");
    let slow_pid = read_pid(slow_dir.path(), "stack-fake-service.pid");

    assert!(
        wait_gone(first_pid).await,
        "first (pid {first_pid}) still runs"
    );
    assert!(
        wait_gone(slow_pid).await,
        "slow (pid {slow_pid}) still runs"
    );
}

#[tokio::test]
async fn start_exit_reports_status() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("crashing", pid_dir.path());
    let spec = spec.args(["--never-ready", "--exit-after-ms", "0", "--exit-code", "7"]);

    let error = Stack::start(vec![spec], quiet_options())
        .await
        .expect_err("the service exits before it is ready");

    let StartError::ExitedDuringStart(exit) = &error else {
        panic!("expected ExitedDuringStart, got {error}");
    };
    assert_eq!(exit.service, "crashing");
    assert_eq!(
        exit.termination.status().and_then(|status| status.code()),
        Some(7)
    );
    assert_eq!(
        error.to_string(),
        "crashing exited with exit status: 7 while the stack was starting"
    );
    assert!(
        exit.last_lines
            .iter()
            .any(|line| line == "exiting with code 7"),
        "{:?}",
        exit.last_lines
    );
}

#[tokio::test]
async fn start_missing_program() {
    let spec = ServiceSpec::new("ghost", "/nonexistent/ghost-service");

    let error = Stack::start(vec![spec], quiet_options())
        .await
        .expect_err("the program does not exist");

    assert!(
        error
            .to_string()
            .starts_with("failed to start ghost (/nonexistent/ghost-service)"),
        "{error}"
    );
}
