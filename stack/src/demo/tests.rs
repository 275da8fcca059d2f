use std::fs;

use super::*;

fn bin_dir_with(binaries: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for binary in binaries {
        fs::write(dir.path().join(binary), b"").expect("write a stand-in binary");
    }
    dir
}

fn config_for(bin_dir: &tempfile::TempDir, work_dir: &tempfile::TempDir) -> DemoConfig {
    DemoConfig::new(bin_dir.path(), work_dir.path())
}

fn names(composition: &Composition) -> Vec<&str> {
    composition.specs.iter().map(|spec| spec.name.as_str()).collect()
}

#[test]
fn compose_missing_required() {
    let bin_dir = bin_dir_with(&[]);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let error = compose(&config_for(&bin_dir, &work_dir)).expect_err("nothing is built");
    let message = error.to_string();

    assert!(message.contains("missing mock-okta, session-hook"), "{message}");
    assert!(
        message.contains("cargo build --locked -p mock-okta -p session-hook"),
        "{message}"
    );
}

#[test]
fn compose_skips_optional() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let composition = compose(&config_for(&bin_dir, &work_dir)).expect("required binaries exist");
    let skipped: Vec<&str> = composition.skipped.iter().map(|c| c.name).collect();

    assert_eq!(names(&composition), ["mock-okta", "session-hook"]);
    assert_eq!(skipped, ["backend"]);
}

#[test]
fn compose_includes_backend() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook", "backend"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let composition = compose(&config_for(&bin_dir, &work_dir)).expect("all binaries exist");

    assert_eq!(names(&composition), ["mock-okta", "session-hook", "backend"]);
    assert!(composition.skipped.is_empty());
}

#[test]
fn compose_wires_ports() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let mut config = config_for(&bin_dir, &work_dir);
    config.ports = DemoPorts {
        mock_okta: 19400,
        hook: 19401,
        backend: 19402,
        spa: 19403,
    };

    let composition = compose(&config).expect("required binaries exist");
    let mock_okta = &composition.specs[0];
    let hook = &composition.specs[1];
    let hook_env = |key: &str| {
        hook.env
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    };

    assert!(mock_okta.args.windows(2).any(|pair| pair == ["--listen", "127.0.0.1:19400"]));
    assert_eq!(hook_env("SESSION_HOOK_LISTEN"), Some("127.0.0.1:19401"));
    assert_eq!(hook_env("SESSION_HOOK_OKTA__ORG_URL"), Some("http://127.0.0.1:19400"));
    assert_eq!(hook.readiness.health_url.as_deref(), Some("http://127.0.0.1:19401/healthz"));
    assert_eq!(hook.port.as_ref().map(|binding| binding.port), Some(19401));
    assert_eq!(
        hook.port.as_ref().map(|binding| binding.setting.as_str()),
        Some("--hook-port or DEMO_HOOK_PORT")
    );
}

#[test]
fn mock_okta_config_event_hooks() {
    let text = render_mock_okta_config(&DemoPorts::default(), &COMPONENTS);

    assert!(text.contains("url = \"http://127.0.0.1:9401/okta/event-hooks\""), "{text}");
    assert!(text.contains("url = \"http://127.0.0.1:9402/okta/event-hooks\""), "{text}");
    assert!(text.contains("auth_value = \"demo-event-hook-secret\""), "{text}");
}

#[test]
fn mock_okta_config_moves_spa() {
    let ports = DemoPorts {
        spa: 19403,
        ..DemoPorts::default()
    };

    let text = render_mock_okta_config(&ports, &COMPONENTS[..2]);

    assert!(!text.contains(":9403"), "{text}");
    assert!(text.contains("http://localhost:19403/callback"), "{text}");
}

#[test]
fn mock_okta_config_accepted() {
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let path = work_dir.path().join("mock-okta.toml");
    let ports = DemoPorts {
        spa: 19403,
        ..DemoPorts::default()
    };
    fs::write(&path, render_mock_okta_config(&ports, &COMPONENTS)).expect("write config");

    let config = mock_okta::Config::from_file(&path).expect("mock-okta parses the config");

    assert!(config.validate().is_ok(), "{:?}", config.validate());
    assert_eq!(config.event_hooks.len(), 2);
}

#[test]
fn summary_lists_sign_in() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let composition = compose(&config_for(&bin_dir, &work_dir)).expect("required binaries exist");

    let text = summary(&composition, &DemoPorts::default());

    assert!(text.contains("mock-okta     http://127.0.0.1:9400"), "{text}");
    assert!(text.contains("Sign in: demo@example.com / Demo-Passw0rd!"), "{text}");
    assert!(text.contains("backend       not built"), "{text}");
    assert!(text.contains("Press Ctrl-C to stop."), "{text}");
}
