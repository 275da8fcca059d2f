//! The `mock-okta` binary: the ready line with the real port, and clear
//! failures for a taken port and a bad configuration file.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_mock-okta");
const TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";

/// Upper bound on start-up; a debug build generates RSA keys first.
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// A running binary, killed on drop.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(BINARY)
        .args(args)
        .env_remove("MOCK_OKTA_LISTEN")
        .env_remove("MOCK_OKTA_CONFIG")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    Running { child, lines }
}

/// Returns the first stdout line containing `needle`, waiting at most
/// [`READY_DEADLINE`].
fn wait_for_line(running: &Running, needle: &str) -> String {
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match running.lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(_) => continue,
            Err(error) => panic!("no line containing {needle:?}: {error}"),
        }
    }
}

/// Runs the binary to completion with a bounded wait.
fn run_to_exit(args: &[&str]) -> Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .env_remove("MOCK_OKTA_LISTEN")
        .env_remove("MOCK_OKTA_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let deadline = Instant::now() + READY_DEADLINE;
    while child.try_wait().expect("wait on child").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mock-okta {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect output")
}

fn org_url(line: &str) -> String {
    let start = line.find("http://").expect("URL in the ready line");
    line[start..]
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .unwrap()
        .to_owned()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("mock-okta-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[tokio::test]
async fn ready_line_shows_real_port() {
    let running = spawn(&["--listen", "127.0.0.1:0"]);

    let line = wait_for_line(&running, "serving org URL");
    let url = org_url(&line);

    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "{line}");
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{url}/api/v1/sessions/102missing"))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
}

#[test]
fn ready_line_in_json_logs() {
    let running = spawn(&["--listen", "127.0.0.1:0", "--log-json"]);

    let line = wait_for_line(&running, "serving org URL");

    let record: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    let message = record["fields"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("mock-okta serving org URL http://127.0.0.1:"),
        "{line}"
    );
}

#[test]
fn taken_port_names_port() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();

    let output = run_to_exit(&["--listen", &addr]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("failed to bind {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("--listen 127.0.0.1:0"), "{stderr}");
}

#[test]
fn bad_config_key_named_with_fix() {
    let path = temp_file("unknown-key.toml", "[rate_limit]\nsessions = 100\n");

    let output = run_to_exit(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        path.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&path);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("unknown field `rate_limit`"), "{stderr}");
    assert!(stderr.contains("`rate_limits`"), "{stderr}");
    assert!(stderr.contains("--print-default-config"), "{stderr}");
}

#[test]
fn bad_config_value_named() {
    let path = temp_file(
        "bad-value.toml",
        "[sessions]\nidle_timeout_seconds = \"2h\"\nmax_lifetime_seconds = 86400\n",
    );

    let output = run_to_exit(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        path.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&path);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("idle_timeout_seconds"), "{stderr}");
    assert!(stderr.contains("expected u64"), "{stderr}");
}

#[test]
fn missing_config_file_named() {
    let output = run_to_exit(&["--config", "/nonexistent/mock-okta.toml"]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/nonexistent/mock-okta.toml"), "{stderr}");
}

#[test]
fn print_default_config_parses() {
    let output = run_to_exit(&["--print-default-config"]);

    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let path = temp_file("default.toml", &text);
    let parsed = mock_okta::Config::from_file(&path);
    let _ = std::fs::remove_file(&path);
    assert!(parsed.is_ok(), "{parsed:?}");
}

#[test]
fn bad_argument_exit_code_2() {
    let output = run_to_exit(&["--listen", "not-an-address"]);

    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn logs_carry_request_id_not_token() {
    let running = spawn(&["--listen", "127.0.0.1:0"]);
    let url = org_url(&wait_for_line(&running, "serving org URL"));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let wrong_token = "00wrongSecretToken000000000000000000000000";

    let accepted = client
        .get(format!("{url}/api/v1/logs"))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .unwrap();
    let rejected = client
        .get(format!("{url}/api/v1/logs"))
        .header("Authorization", format!("SSWS {wrong_token}"))
        .send()
        .await
        .unwrap();

    let request_id = rejected.headers()["x-okta-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(accepted.status(), reqwest::StatusCode::OK);
    assert_eq!(rejected.status(), reqwest::StatusCode::UNAUTHORIZED);
    // The request log line is written before the response is sent, so both
    // lines are already on their way to the reader thread.
    let mut seen = Vec::new();
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = running.lines.recv_timeout(left).expect("request log line");
        let last = line.contains("request served") && line.contains(&request_id);
        seen.push(line);
        if last {
            break;
        }
    }
    seen.extend(running.lines.try_iter());
    for line in &seen {
        assert!(!line.contains(TOKEN), "{line}");
        assert!(!line.contains(wrong_token), "{line}");
    }
    assert!(
        seen.iter()
            .any(|line| line.contains(&format!("request_id={request_id}")))
    );
    let fingerprint = mock_okta::state::fingerprint(wrong_token);
    assert!(
        seen.iter()
            .any(|line| line.contains(&format!("token_fingerprint={fingerprint}")))
    );
}
