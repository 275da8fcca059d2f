//! Supervision: a service that dies stops the rest; shutdown stops every
//! process, including children of services and services that ignore SIGTERM.

mod support;

use std::time::Duration;

use demo_stack::{Stack, StackOptions, StopReason, Termination};
use support::{fake_spec, quiet_options, read_pid, wait_gone};

#[tokio::test]
async fn service_exit_stops_others() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (first, _) = fake_spec("first", pid_dir.path());
    let (dying, dying_port) = fake_spec("dying", pid_dir.path());
    let (last, _) = fake_spec("last", pid_dir.path());
    let stack = Stack::start(vec![first, dying, last], quiet_options())
        .await
        .expect("all three start");
    let first_pid = stack.pid("first").expect("started");
    let last_pid = stack.pid("last").expect("started");

    // The fake exits with the code in the path; the connection drops.
    let _ = reqwest::get(format!("http://127.0.0.1:{dying_port}/exit/3")).await;
    let (reason, stopped) = stack.run_until(std::future::pending()).await;

    let StopReason::ServiceExited(exit) = reason else {
        panic!("expected a service exit, got {reason:?}");
    };
    assert_eq!(exit.to_string(), "dying exited with exit status: 3");
    assert!(
        exit.last_lines
            .iter()
            .any(|line| line == "exiting with code 3"),
        "{:?}",
        exit.last_lines
    );
    assert_eq!(stopped.len(), 3);
    assert!(
        wait_gone(first_pid).await,
        "first (pid {first_pid}) still runs"
    );
    assert!(
        wait_gone(last_pid).await,
        "last (pid {last_pid}) still runs"
    );
}

#[tokio::test]
async fn shutdown_stops_all() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (first, _) = fake_spec("first", pid_dir.path());
    let (second, _) = fake_spec("second", pid_dir.path());
    let stack = Stack::start(vec![first, second], quiet_options())
        .await
        .expect("both start");
    let pids: Vec<u32> = stack.services().iter().map(|service| service.pid).collect();

    let stopped = stack.shutdown().await;

    // Reverse start order; the fake exits 0 on SIGTERM.
    let names: Vec<&str> = stopped
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    assert_eq!(names, ["second", "first"]);
    for service in &stopped {
        assert!(!service.killed, "{} needed SIGKILL", service.name);
        assert_eq!(
            service.termination.status().map(|status| status.success()),
            Some(true),
            "{}: {}",
            service.name,
            service.termination
        );
    }
    for pid in pids {
        assert!(wait_gone(pid).await, "pid {pid} still runs");
    }
}

#[tokio::test]
async fn shutdown_kills_grandchildren() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("parent", pid_dir.path());
    let spec = spec.arg("--spawn-grandchild");
    let stack = Stack::start(vec![spec], quiet_options())
        .await
        .expect("parent starts");
    let grandchild = read_pid(pid_dir.path(), "stack-fake-service.grandchild.pid");

    stack.shutdown().await;

    assert!(
        wait_gone(grandchild).await,
        "grandchild {grandchild} still runs"
    );
}

#[tokio::test]
async fn shutdown_escalates_to_sigkill() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("stubborn", pid_dir.path());
    let spec = spec.arg("--ignore-sigterm");
    let options = StackOptions {
        stop_grace: Duration::from_millis(300),
        ..quiet_options()
    };
    let stack = Stack::start(vec![spec], options)
        .await
        .expect("stubborn starts");
    let pid = stack.pid("stubborn").expect("started");

    let stopped = stack.shutdown().await;

    assert!(stopped[0].killed);
    let Termination::Exited(status) = &stopped[0].termination else {
        panic!("not reaped: {}", stopped[0].termination);
    };
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(status),
        Some(9)
    );
    assert!(wait_gone(pid).await, "stubborn (pid {pid}) still runs");
}

#[tokio::test]
async fn run_until_requested() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("only", pid_dir.path());
    let stack = Stack::start(vec![spec], quiet_options())
        .await
        .expect("only starts");
    let pid = stack.pid("only").expect("started");

    let (reason, stopped) = stack.run_until(async {}).await;

    assert_eq!(reason, StopReason::Requested);
    assert_eq!(stopped.len(), 1);
    assert!(wait_gone(pid).await, "only (pid {pid}) still runs");
}

#[tokio::test]
async fn drop_kills_children() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let (spec, _) = fake_spec("dropped", pid_dir.path());
    let spec = spec.arg("--spawn-grandchild");
    let stack = Stack::start(vec![spec], quiet_options())
        .await
        .expect("dropped starts");
    let pid = stack.pid("dropped").expect("started");
    let grandchild = read_pid(pid_dir.path(), "stack-fake-service.grandchild.pid");

    drop(stack);

    assert!(wait_gone(pid).await, "dropped (pid {pid}) still runs");
    assert!(
        wait_gone(grandchild).await,
        "grandchild {grandchild} still runs"
    );
}
