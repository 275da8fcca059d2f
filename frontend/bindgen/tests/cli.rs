//! The binary's argument and input errors. Generating glue needs a module
//! built by wasm-bindgen, which `frontend/build.sh` and the end-to-end
//! tests exercise.

use std::process::{Command, Output};

fn spa_bindgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spa-bindgen"))
        .args(args)
        .output()
        .expect("the test binary can start spa-bindgen")
}

#[test]
fn missing_module_exits_1() {
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let out_dir = out_dir.path().to_str().expect("a UTF-8 temporary path");

    let output = spa_bindgen(&["--out-dir", out_dir, "/nonexistent/demo-frontend.wasm"]);

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/demo-frontend.wasm does not exist"),
        "stderr: {stderr}"
    );
}

#[test]
fn missing_out_dir_exits_2() {
    let output = spa_bindgen(&["module.wasm"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--out-dir"), "stderr: {stderr}");
}
