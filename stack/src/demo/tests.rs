use std::fs;
use std::path::{Path, PathBuf};

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

/// File names of every binary the demo starts.
const ALL_BINARIES: &[&str] = &["mock-okta", "session-hook", "demo-backend"];

fn names(composition: &Composition) -> Vec<&str> {
    composition
        .specs
        .iter()
        .map(|spec| spec.name.as_str())
        .collect()
}

#[test]
fn compose_missing_required() {
    let bin_dir = bin_dir_with(&[]);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let error = compose(&config_for(&bin_dir, &work_dir)).expect_err("nothing is built");
    let message = error.to_string();

    assert!(
        message.contains("missing mock-okta, session-hook, demo-backend"),
        "{message}"
    );
    assert!(
        message.contains("cargo build --locked -p mock-okta -p session-hook -p demo-backend"),
        "{message}"
    );
}

#[test]
fn compose_requires_backend() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let error = compose(&config_for(&bin_dir, &work_dir)).expect_err("back end is missing");
    let message = error.to_string();

    assert!(message.contains("missing demo-backend in"), "{message}");
    assert!(
        message.contains("cargo build --locked -p demo-backend"),
        "{message}"
    );
}

#[test]
fn compose_includes_backend() {
    let bin_dir = bin_dir_with(ALL_BINARIES);
    let work_dir = tempfile::tempdir().expect("temporary directory");

    let composition = compose(&config_for(&bin_dir, &work_dir)).expect("all binaries exist");

    assert_eq!(
        names(&composition),
        ["mock-okta", "session-hook", "backend"]
    );
    assert_eq!(skipped_names(&composition), ["spa"]);
}

fn skipped_names(composition: &Composition) -> Vec<&str> {
    composition
        .skipped
        .iter()
        .map(|skipped| skipped.component.name)
        .collect()
}

/// A configuration whose binary directory has every binary, spa-host
/// included, and whose app directory is `spa_dist`.
fn config_with_spa(
    bin_dir: &tempfile::TempDir,
    work_dir: &tempfile::TempDir,
    spa_dist: &Path,
) -> DemoConfig {
    DemoConfig {
        spa_dist: spa_dist.to_owned(),
        ..config_for(bin_dir, work_dir)
    }
}

#[test]
fn compose_skips_unbuilt_spa() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook", "demo-backend", "spa-host"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let empty_dist = tempfile::tempdir().expect("temporary directory");

    let composition = compose(&config_with_spa(&bin_dir, &work_dir, empty_dist.path()))
        .expect("the app is optional");

    assert_eq!(skipped_names(&composition), ["spa"]);
    assert_eq!(composition.skipped[0].build_command, "frontend/build.sh");
    let text = summary(&composition, &DemoPorts::default());
    assert!(
        text.contains("spa           not built (frontend/build.sh)"),
        "{text}"
    );
}

#[test]
fn compose_includes_built_spa() {
    let bin_dir = bin_dir_with(&["mock-okta", "session-hook", "demo-backend", "spa-host"]);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let dist = tempfile::tempdir().expect("temporary directory");
    fs::write(dist.path().join("index.html"), "<!doctype html>").expect("write index.html");

    let composition =
        compose(&config_with_spa(&bin_dir, &work_dir, dist.path())).expect("all parts exist");

    assert_eq!(
        names(&composition),
        ["mock-okta", "session-hook", "backend", "spa"]
    );
    assert!(composition.skipped.is_empty());
}

#[test]
fn spa_spec_flags() {
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let mut config = DemoConfig::new("bin", work_dir.path());
    config.ports = DemoPorts {
        mock_okta: 19400,
        backend: 19402,
        spa: 19403,
        ..DemoPorts::default()
    };
    config.spa_dist = PathBuf::from("/srv/app");

    let spec = spa_spec(&config, PathBuf::from("bin/spa-host"));
    let args: Vec<&str> = spec.args.iter().map(String::as_str).collect();

    assert_eq!(
        args,
        [
            "--listen",
            "127.0.0.1:19403",
            "--dist",
            "/srv/app",
            "--issuer",
            "http://127.0.0.1:19400/oauth2/default",
            "--redirect-uri",
            "http://127.0.0.1:19403/callback",
            "--post-logout-redirect-uri",
            "http://127.0.0.1:19403/",
            "--api-base-url",
            "http://127.0.0.1:19402",
        ]
    );
    assert_eq!(
        spec.readiness.health_url.as_deref(),
        Some("http://127.0.0.1:19403/healthz")
    );
}

fn env_of<'a>(spec: &'a ServiceSpec, key: &str) -> Option<&'a str> {
    spec.env
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

#[test]
fn compose_wires_ports() {
    let bin_dir = bin_dir_with(ALL_BINARIES);
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
    let hook_env = |key: &str| env_of(hook, key);

    assert!(
        mock_okta
            .args
            .windows(2)
            .any(|pair| pair == ["--listen", "127.0.0.1:19400"])
    );
    assert_eq!(hook_env("SESSION_HOOK_LISTEN"), Some("127.0.0.1:19401"));
    assert_eq!(
        hook_env("SESSION_HOOK_OKTA__ORG_URL"),
        Some("http://127.0.0.1:19400")
    );
    assert_eq!(
        hook.readiness.health_url.as_deref(),
        Some("http://127.0.0.1:19401/healthz")
    );
    assert_eq!(hook.port.as_ref().map(|binding| binding.port), Some(19401));
    assert_eq!(
        hook.port.as_ref().map(|binding| binding.setting.as_str()),
        Some("--hook-port or DEMO_HOOK_PORT")
    );
}

#[test]
fn compose_wires_backend() {
    let bin_dir = bin_dir_with(ALL_BINARIES);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let mut config = config_for(&bin_dir, &work_dir);
    config.ports = DemoPorts {
        mock_okta: 19400,
        hook: 19401,
        backend: 19402,
        spa: 19403,
    };

    let composition = compose(&config).expect("all binaries exist");
    let backend = &composition.specs[2];

    assert!(
        backend
            .args
            .windows(2)
            .any(|pair| pair == ["--listen", "127.0.0.1:19402"])
    );
    assert_eq!(
        env_of(backend, "DEMO_BACKEND_OKTA__ORG_URL"),
        Some("http://127.0.0.1:19400")
    );
    assert_eq!(
        env_of(backend, "DEMO_BACKEND_TOKEN__ISSUER"),
        Some("http://127.0.0.1:19400/oauth2/default")
    );
    assert_eq!(
        env_of(backend, "DEMO_BACKEND_EVENT_HOOKS__SECRET"),
        Some("demo-event-hook-secret")
    );
    assert_eq!(
        env_of(backend, "DEMO_BACKEND_CORS__ALLOWED_ORIGINS"),
        Some(r#"["http://127.0.0.1:19403", "http://localhost:19403"]"#)
    );
    assert_eq!(
        backend.readiness.health_url.as_deref(),
        Some("http://127.0.0.1:19402/healthz")
    );
}

fn render(ports: &DemoPorts, present: &[Component]) -> String {
    render_mock_okta_config(ports, present).expect("the embedded org renders")
}

#[test]
fn mock_okta_config_event_hooks() {
    let text = render(&DemoPorts::default(), &COMPONENTS);

    assert!(
        text.contains("url = \"http://127.0.0.1:9401/okta/event-hooks\""),
        "{text}"
    );
    assert!(
        text.contains("url = \"http://127.0.0.1:9402/okta/event-hooks\""),
        "{text}"
    );
    assert!(
        text.contains("auth_value = \"demo-event-hook-secret\""),
        "{text}"
    );
}

#[test]
fn mock_okta_config_moves_spa() {
    let ports = DemoPorts {
        spa: 19403,
        ..DemoPorts::default()
    };

    let text = render(&ports, &COMPONENTS[..2]);

    assert!(!text.contains(":9403"), "{text}");
    assert!(text.contains("http://localhost:19403/callback"), "{text}");
    assert!(text.contains("http://127.0.0.1:19403/"), "{text}");
}

/// Writes the rendered configuration and loads it with mock-okta's own
/// parser and validation.
fn load_in_mock_okta(ports: &DemoPorts, present: &[Component]) -> mock_okta::Config {
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let path = work_dir.path().join("mock-okta.toml");
    fs::write(&path, render(ports, present)).expect("write config");

    let config = mock_okta::Config::from_file(&path).expect("mock-okta parses the config");
    if let Err(error) = config.validate() {
        panic!("mock-okta rejects the config: {error}");
    }
    config
}

#[test]
fn mock_okta_config_accepted() {
    let ports = DemoPorts {
        hook: 19401,
        spa: 19403,
        ..DemoPorts::default()
    };

    let config = load_in_mock_okta(&ports, &COMPONENTS);
    let server = config
        .authorization_servers
        .iter()
        .find(|server| server.id == "default")
        .expect("default authorization server");

    assert_eq!(config.event_hooks.len(), 2);
    assert_eq!(config.inline_hooks.len(), 1);
    assert_eq!(
        config.inline_hooks[0].url,
        "http://127.0.0.1:19401/okta/token-inline-hook"
    );
    assert_eq!(
        server.token_inline_hook.as_deref(),
        Some("cal0demohook00000001")
    );
    assert_eq!(config.users.len(), 2);
}

#[test]
fn mock_okta_config_without_hook() {
    // Only the emulator: no receivers, so no hooks and no binding.
    let config = load_in_mock_okta(&DemoPorts::default(), &COMPONENTS[..1]);

    assert!(config.event_hooks.is_empty());
    assert!(config.inline_hooks.is_empty());
}

#[test]
fn summary_lists_sign_in() {
    let bin_dir = bin_dir_with(ALL_BINARIES);
    let work_dir = tempfile::tempdir().expect("temporary directory");
    let composition = compose(&config_for(&bin_dir, &work_dir)).expect("required binaries exist");

    let text = summary(&composition, &DemoPorts::default());

    assert!(
        text.contains("mock-okta     http://127.0.0.1:9400"),
        "{text}"
    );
    assert!(
        text.contains("Sign in: demo@example.com / Demo-Passw0rd!"),
        "{text}"
    );
    assert!(
        text.contains("backend       http://127.0.0.1:9402"),
        "{text}"
    );
    assert!(text.contains("Press Ctrl-C to stop."), "{text}");
}
