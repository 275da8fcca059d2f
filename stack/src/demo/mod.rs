//! The demo's services: which binaries exist, and how each is started and
//! wired to the others.
//!
//! [`COMPONENTS`] is the one list to extend when a component lands: a name,
//! the package and binary that provide it, its port, the hooks it receives
//! from mock-okta, and a function that builds its [`ServiceSpec`].

mod mock_okta_config;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::spec::{DEFAULT_READY_TIMEOUT, ServiceSpec};

use mock_okta_config::AUTHORIZATION_SERVER;
pub use mock_okta_config::{RenderError, render_mock_okta_config};

/// Login of the demo user that the embedded mock-okta org seeds.
pub const DEMO_LOGIN: &str = "demo@example.com";
/// Password of the demo user.
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";

/// Ports of the demo's services on 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPorts {
    /// The Okta emulator; its org URL is `http://127.0.0.1:<port>`.
    pub mock_okta: u16,
    /// The token inline hook service.
    pub hook: u16,
    /// The back-end API.
    pub backend: u16,
    /// The single-page app.
    pub spa: u16,
}

impl Default for DemoPorts {
    fn default() -> Self {
        DemoPorts {
            mock_okta: 9400,
            hook: 9401,
            backend: 9402,
            spa: 9403,
        }
    }
}

impl DemoPorts {
    /// Returns the URL of the Okta org that mock-okta serves.
    pub fn org_url(&self) -> String {
        loopback_url(self.mock_okta)
    }
}

/// Settings of one demo run: binary directory, ports, work directory and
/// readiness deadline.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Directory that contains the built binaries, like `target/debug`.
    pub bin_dir: PathBuf,
    /// Ports of the services.
    pub ports: DemoPorts,
    /// Directory for generated files (the emulator's configuration, the
    /// hook's store); it must exist.
    pub work_dir: PathBuf,
    /// Readiness deadline of each service.
    pub ready_timeout: Duration,
    /// Directory of the built single-page app (the output of
    /// `frontend/build.sh`), which spa-host serves.
    pub spa_dist: PathBuf,
}

/// Where `frontend/build.sh` writes the single-page app, relative to the
/// repository root.
pub const DEFAULT_SPA_DIST: &str = "frontend/dist";

impl DemoConfig {
    /// Creates a configuration with the default ports, timeout and app
    /// directory.
    pub fn new(bin_dir: impl Into<PathBuf>, work_dir: impl Into<PathBuf>) -> Self {
        DemoConfig {
            bin_dir: bin_dir.into(),
            ports: DemoPorts::default(),
            work_dir: work_dir.into(),
            ready_timeout: DEFAULT_READY_TIMEOUT,
            spa_dist: PathBuf::from(DEFAULT_SPA_DIST),
        }
    }
}

/// An endpoint of a component that mock-okta calls as an Okta hook.
#[derive(Debug, Clone, Copy)]
pub struct HookReceiver {
    /// Okta hook id: `who` and 17 characters for event hooks, `cal` and 17
    /// for inline hooks.
    pub id: &'static str,
    /// Path of the receiver on the component's port.
    pub path: &'static str,
    /// Value of the `Authorization` header that mock-okta sends.
    pub secret: &'static str,
}

/// Files a component serves besides its binary, built by another command.
#[derive(Debug, Clone, Copy)]
pub struct BuildOutput {
    /// The file that must exist for the component to start.
    pub required_file: fn(&DemoConfig) -> PathBuf,
    /// The command that builds it, run from the repository root.
    pub build_command: &'static str,
}

/// One service of the demo.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    /// Service name in output and errors.
    pub name: &'static str,
    /// Cargo package that builds the binary.
    pub package: &'static str,
    /// Binary file name in the binary directory.
    pub binary: &'static str,
    /// A missing required binary is an error; a missing optional one is
    /// skipped with a notice.
    pub required: bool,
    /// Selects this component's port.
    pub port: fn(&DemoPorts) -> u16,
    /// Flag and environment variable that change the port.
    pub port_setting: &'static str,
    /// Event hook receiver that mock-okta delivers to, if the component has one.
    pub event_hook: Option<HookReceiver>,
    /// Token inline hook that the `default` authorization server calls, if
    /// the component serves one.
    pub token_inline_hook: Option<HookReceiver>,
    /// Build output the component needs besides its binary; an optional
    /// component without it is skipped with a notice.
    pub build_output: Option<BuildOutput>,
    /// Builds the spec from the configuration and the binary's path.
    pub spec: fn(&DemoConfig, PathBuf) -> ServiceSpec,
}

/// Secret of the hook service's token inline hook and event hook receiver
/// (session-hook's embedded default); both sides get it from here.
const HOOK_SECRET: &str = "demo-inline-hook-secret";

/// Secret of the back end's event hook receiver.
const BACKEND_EVENT_HOOK_SECRET: &str = "demo-event-hook-secret";

/// The demo's services in start order: each starts after the ones it calls.
pub const COMPONENTS: [Component; 4] = [
    Component {
        name: "mock-okta",
        package: "mock-okta",
        binary: "mock-okta",
        required: true,
        port: |ports| ports.mock_okta,
        port_setting: "--mock-okta-port or DEMO_MOCK_OKTA_PORT",
        event_hook: None,
        token_inline_hook: None,
        build_output: None,
        spec: mock_okta_spec,
    },
    Component {
        name: "session-hook",
        package: "session-hook",
        binary: "session-hook",
        required: true,
        port: |ports| ports.hook,
        port_setting: "--hook-port or DEMO_HOOK_PORT",
        event_hook: Some(HookReceiver {
            id: "who0demohook00000001",
            path: "/okta/event-hooks",
            secret: HOOK_SECRET,
        }),
        token_inline_hook: Some(HookReceiver {
            id: "cal0demohook00000001",
            path: "/okta/token-inline-hook",
            secret: HOOK_SECRET,
        }),
        build_output: None,
        spec: hook_spec,
    },
    Component {
        name: "backend",
        package: "demo-backend",
        binary: "demo-backend",
        required: true,
        port: |ports| ports.backend,
        port_setting: "--backend-port or DEMO_BACKEND_PORT",
        event_hook: Some(HookReceiver {
            id: "who0demobackend00001",
            path: "/okta/event-hooks",
            secret: BACKEND_EVENT_HOOK_SECRET,
        }),
        token_inline_hook: None,
        build_output: None,
        spec: backend_spec,
    },
    Component {
        name: "spa",
        package: "spa-host",
        binary: "spa-host",
        required: false,
        port: |ports| ports.spa,
        port_setting: "--spa-port or DEMO_SPA_PORT",
        event_hook: None,
        token_inline_hook: None,
        build_output: Some(BuildOutput {
            required_file: |config| config.spa_dist.join("index.html"),
            build_command: "frontend/build.sh",
        }),
        spec: spa_spec,
    },
];

/// The services to start, and the optional ones left out.
#[derive(Debug)]
pub struct Composition {
    /// Specs in start order.
    pub specs: Vec<ServiceSpec>,
    /// Optional components left out because their binary or build output
    /// is missing.
    pub skipped: Vec<Skipped>,
}

/// An optional component left out of the demo.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The component.
    pub component: Component,
    /// The command that builds what is missing.
    pub build_command: String,
}

/// Failure to compose the demo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComposeError {
    /// Required binaries are missing from the binary directory.
    #[error(
        "missing {} in {}; build with `cargo build --locked {}` or point --bin-dir at the directory that holds them",
        .missing.iter().map(|c| c.binary).collect::<Vec<_>>().join(", "),
        .bin_dir.display(),
        .missing.iter().map(|c| format!("-p {}", c.package)).collect::<Vec<_>>().join(" ")
    )]
    MissingBinaries {
        /// The directory searched.
        bin_dir: PathBuf,
        /// The components whose binary is missing.
        missing: Vec<Component>,
    },

    /// The emulator's configuration could not be built from its embedded org.
    #[error(transparent)]
    RenderConfig(#[from] RenderError),

    /// The emulator's configuration file could not be written.
    #[error("failed to write the mock-okta configuration {}: {source}", .path.display())]
    WriteConfig {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Builds the specs of every component whose binary exists in
/// `config.bin_dir`, and writes the emulator's configuration into
/// `config.work_dir`.
///
/// # Errors
/// [`ComposeError::MissingBinaries`] naming every missing required binary
/// and the build command, [`ComposeError::RenderConfig`] or
/// [`ComposeError::WriteConfig`].
pub fn compose(config: &DemoConfig) -> Result<Composition, ComposeError> {
    let mut present = Vec::new();
    let mut missing = Vec::new();
    let mut skipped = Vec::new();

    for component in COMPONENTS {
        let program = config.bin_dir.join(component.binary);
        if !program.is_file() {
            if component.required {
                missing.push(component);
            } else {
                tracing::info!(service = component.name, program = %program.display(), "optional service not built; skipping it");
                skipped.push(Skipped {
                    component,
                    build_command: format!("cargo build --locked -p {}", component.package),
                });
            }
            continue;
        }

        let unbuilt = component.build_output.and_then(|output| {
            let file = (output.required_file)(config);
            (!file.is_file()).then_some((output, file))
        });
        match unbuilt {
            Some((output, file)) if !component.required => {
                tracing::warn!(
                    service = component.name,
                    file = %file.display(),
                    build = output.build_command,
                    "optional service's build output is missing; skipping it (build it with {})",
                    output.build_command
                );
                skipped.push(Skipped {
                    component,
                    build_command: output.build_command.to_owned(),
                });
            }
            _ => present.push((component, program)),
        }
    }
    if !missing.is_empty() {
        return Err(ComposeError::MissingBinaries {
            bin_dir: config.bin_dir.clone(),
            missing,
        });
    }

    let receivers: Vec<Component> = present.iter().map(|(component, _)| *component).collect();
    write_mock_okta_config(config, &receivers)?;

    let specs = present
        .into_iter()
        .map(|(component, program)| {
            (component.spec)(config, program)
                .port((component.port)(&config.ports), component.port_setting)
                .ready_timeout(config.ready_timeout)
        })
        .collect();
    Ok(Composition { specs, skipped })
}

/// Renders what people need once the stack is ready: the URLs, the demo
/// sign-in and how to stop.
pub fn summary(composition: &Composition, ports: &DemoPorts) -> String {
    let width = composition
        .specs
        .iter()
        .map(|spec| spec.name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::from("\nDemo stack is ready:\n");

    for spec in &composition.specs {
        let url = spec.url.as_deref().unwrap_or("-");
        let _ = writeln!(text, "  {:<width$}  {url}", spec.name);
    }
    for skipped in &composition.skipped {
        let _ = writeln!(
            text,
            "  {:<width$}  not built ({})",
            skipped.component.name, skipped.build_command
        );
    }

    let _ = writeln!(text, "\nIssuer:  {}/oauth2/default", ports.org_url());
    let _ = writeln!(text, "Sign in: {DEMO_LOGIN} / {DEMO_PASSWORD}");
    text.push_str("\nPress Ctrl-C to stop.\n");
    text
}

fn write_mock_okta_config(config: &DemoConfig, present: &[Component]) -> Result<(), ComposeError> {
    let path = mock_okta_config_path(&config.work_dir);
    let text = render_mock_okta_config(&config.ports, present)?;
    std::fs::write(&path, text).map_err(|source| ComposeError::WriteConfig { path, source })
}

fn mock_okta_config_path(work_dir: &Path) -> PathBuf {
    work_dir.join("mock-okta.toml")
}

fn loopback_address(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

fn loopback_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn mock_okta_spec(config: &DemoConfig, program: PathBuf) -> ServiceSpec {
    let port = config.ports.mock_okta;
    let config_path = mock_okta_config_path(&config.work_dir);

    ServiceSpec::new("mock-okta", program)
        .args(["--listen", &loopback_address(port)])
        .args(["--config".to_owned(), config_path.display().to_string()])
        // mock-okta prints this line once its listener is bound.
        .ready_when_log_contains("mock-okta serving org URL")
        .url(loopback_url(port))
}

fn hook_spec(config: &DemoConfig, program: PathBuf) -> ServiceSpec {
    let port = config.ports.hook;
    let store = config.work_dir.join("session-hook.redb");

    // session-hook reads `SESSION_HOOK_*` variables over its embedded
    // defaults; `__` separates nested keys.
    ServiceSpec::new("session-hook", program)
        .env("SESSION_HOOK_LISTEN", loopback_address(port))
        .env("SESSION_HOOK_OKTA__ORG_URL", config.ports.org_url())
        .env("SESSION_HOOK_INLINE_HOOK__HEADER_SECRET", HOOK_SECRET)
        .env("SESSION_HOOK_EVENT_HOOKS__SECRET", HOOK_SECRET)
        // A store per run: the emulator's sessions live in memory, so links
        // kept from an earlier run would point at sessions that never were.
        .env("SESSION_HOOK_STORE__PATH", store.display().to_string())
        .ready_when_log_contains("listening on http://")
        .ready_when_healthy(format!("{}/healthz", loopback_url(port)))
        .url(loopback_url(port))
}

fn backend_spec(config: &DemoConfig, program: PathBuf) -> ServiceSpec {
    let port = config.ports.backend;
    let org_url = config.ports.org_url();
    let spa_origins = ["127.0.0.1", "localhost"]
        .map(|host| format!("\"http://{host}:{}\"", config.ports.spa))
        .join(", ");

    // demo-backend reads `DEMO_BACKEND_*` variables over its embedded
    // emulator org; `__` separates nested keys and lists are TOML. The
    // emulator's demo API token is part of that embedded org.
    ServiceSpec::new("backend", program)
        .args(["--listen", &loopback_address(port)])
        .env("DEMO_BACKEND_OKTA__ORG_URL", &org_url)
        .env(
            "DEMO_BACKEND_TOKEN__ISSUER",
            format!("{org_url}/oauth2/{AUTHORIZATION_SERVER}"),
        )
        .env(
            "DEMO_BACKEND_EVENT_HOOKS__SECRET",
            BACKEND_EVENT_HOOK_SECRET,
        )
        .env(
            "DEMO_BACKEND_CORS__ALLOWED_ORIGINS",
            format!("[{spa_origins}]"),
        )
        .ready_when_log_contains("demo-backend listening on http://")
        .ready_when_healthy(format!("{}/healthz", loopback_url(port)))
        .url(loopback_url(port))
}

fn spa_spec(config: &DemoConfig, program: PathBuf) -> ServiceSpec {
    let port = config.ports.spa;
    let app_url = loopback_url(port);
    let issuer = format!("{}/oauth2/{AUTHORIZATION_SERVER}", config.ports.org_url());

    // spa-host generates the app's /config.json from these flags; the
    // redirect URIs are the ones the rendered mock-okta config registers.
    ServiceSpec::new("spa", program)
        .args(["--listen", &loopback_address(port)])
        .args(["--dist".to_owned(), config.spa_dist.display().to_string()])
        .args(["--issuer".to_owned(), issuer])
        .args(["--redirect-uri".to_owned(), format!("{app_url}/callback")])
        .args([
            "--post-logout-redirect-uri".to_owned(),
            format!("{app_url}/"),
        ])
        .args([
            "--api-base-url".to_owned(),
            loopback_url(config.ports.backend),
        ])
        .ready_when_log_contains("demo-frontend host listening on http://")
        .ready_when_healthy(format!("{app_url}/healthz"))
        .url(app_url)
}

#[cfg(test)]
mod tests;
