//! The `replay` binary: exit codes, JSON output and argument checks. Each
//! run starts its own in-process stack on free ports.

use std::process::{Command, Output};

use serde_json::Value;

fn replay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_replay"))
        .args(args)
        // Settings from the developer's shell must not leak into the test.
        .env_remove("REPLAY_TARGET_ISSUER")
        .env_remove("REPLAY_TARGET_API")
        .env_remove("REPLAY_USERNAME")
        .env_remove("REPLAY_PASSWORD")
        .env_remove("REPLAY_OKTA_API_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .expect("replay runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn binary_wrong_expectation_fails() {
    let output = replay(&["--expect", "logout.replay=200:allowed"]);
    let stdout = text(&output.stdout);

    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("UNEXPECTED"), "{stdout}");
    assert!(stdout.contains("1 step(s) differ"), "{stdout}");
}

#[test]
fn binary_json_report() {
    let output = replay(&["--json"]);
    let stdout = text(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let steps = &report["scenarios"][0]["steps"];
    let replayed = steps
        .as_array()
        .and_then(|steps| steps.iter().find(|step| step["step"] == "replay"))
        .expect("a replay step");

    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(report["passed"], true, "{stdout}");
    assert_eq!(replayed["reason"], "session_ended", "{stdout}");
    assert_eq!(replayed["caught_by"], "event_hook_push", "{stdout}");
}

#[test]
fn binary_unknown_step() {
    let output = replay(&["--expect", "logout.nope=200"]);
    let stderr = text(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("its steps are sign-in, call, copy, logout, replay"),
        "{stderr}"
    );
}

#[test]
fn binary_unselected_scenario() {
    let output = replay(&["--expect", "hook-down.call=200"]);
    let stderr = text(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("add --scenario hook-down or --all"),
        "{stderr}"
    );
}

#[test]
fn binary_real_org_needs_credentials() {
    // Nothing listens on port 1, so the org is not mock-okta and the demo
    // user cannot be assumed.
    let output = replay(&[
        "--target-issuer",
        "http://127.0.0.1:1/oauth2/default",
        "--target-api",
        "http://127.0.0.1:1",
    ]);
    let stderr = text(&output.stderr);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("export REPLAY_USERNAME and REPLAY_PASSWORD"),
        "{stderr}"
    );
}

#[test]
fn binary_target_needs_api() {
    let output = replay(&["--target-issuer", "http://127.0.0.1:1/oauth2/default"]);

    assert_eq!(output.status.code(), Some(2));
}
