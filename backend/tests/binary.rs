//! The `demo-backend` executable: the start line orchestrators wait for,
//! a clean stop on SIGTERM, and exit code 2 for a bad configuration.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_demo-backend");
const START_LINE: &str = "demo-backend listening on http://";
/// Upper bound for the start line; reaching it fails the test, it is not a speed goal.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// Builds a command for the binary without the caller's `DEMO_BACKEND_*` variables.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Reads stdout until the start line and returns its URL and every line read.
async fn wait_for_start(child: &mut Child) -> (String, Vec<String>) {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout reads") {
            if let Some(position) = line.find(START_LINE) {
                let url = line[position + "demo-backend listening on ".len()..]
                    .trim()
                    .to_owned();
                seen.push(line);
                return Some(url);
            }
            seen.push(line);
        }
        None
    };
    let url = tokio::time::timeout(START_DEADLINE, read)
        .await
        .ok()
        .flatten();
    let url = url.unwrap_or_else(|| panic!("no start line; stdout was: {seen:#?}"));
    // Keep draining so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (url, seen)
}

#[tokio::test]
async fn binary_prints_start_line_and_stops_on_sigterm() {
    let mut child = command(&["--listen", "127.0.0.1:0"])
        .spawn()
        .expect("binary starts");

    let (url, _) = wait_for_start(&mut child).await;
    let health = reqwest::get(format!("{url}/healthz"))
        .await
        .expect("health request succeeds");
    assert_eq!(health.status().as_u16(), 200);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let pid = child.id().expect("child is running").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let status = child.wait().await.expect("child exits");

    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn binary_check_exits_2_on_bad_config() {
    let output = command(&["--check"])
        .env("DEMO_BACKEND_OUTAGE__MODE", "fail_open")
        .output()
        .await
        .expect("binary runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("demo-backend: error:"), "{stderr}");
    assert!(stderr.contains("outage.mode"), "{stderr}");
}

#[tokio::test]
async fn binary_check_accepts_embedded_defaults() {
    let output = command(&["--check"]).output().await.expect("binary runs");

    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
