//! The port check: a taken port stops start-up before anything runs.

mod support;

use std::net::{Ipv4Addr, TcpListener};

use demo_stack::{Stack, StartError};
use support::{fake_spec, quiet_options};

#[tokio::test]
async fn start_port_taken() {
    let pid_dir = tempfile::tempdir().expect("temporary directory");
    let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
    let taken = holder.local_addr().expect("local address").port();
    let (first, _) = fake_spec("first", pid_dir.path());
    let (second, _) = fake_spec("second", pid_dir.path());
    let second = second.port(taken, "--second-port or DEMO_SECOND_PORT");

    let error = Stack::start(vec![first, second], quiet_options())
        .await
        .expect_err("the second port is held");
    let message = error.to_string();

    assert!(
        matches!(error, StartError::PortInUse { port, .. } if port == taken),
        "{message}"
    );
    assert!(
        message.contains(&format!("port {taken} of second")),
        "{message}"
    );
    assert!(
        message.contains("--second-port or DEMO_SECOND_PORT"),
        "{message}"
    );
    // The first service would have written its pid file had it started.
    let started = std::fs::read_dir(pid_dir.path())
        .expect("read pid dir")
        .count();
    assert_eq!(started, 0, "a service started before the port check failed");
}
