//! The self-started stack: mock-okta, session-hook and demo-backend in
//! this process, on free loopback ports, wired as `just demo` wires them.
//!
//! The emulator's configuration is demo-stack's rendering of the embedded
//! demo org (hooks, secrets, event types), so the wiring has one source.
//! mock-okta's configuration names the hook's and the back end's URLs,
//! and both need mock-okta's URL, so their listeners are bound first and
//! mock-okta starts in between.

use std::sync::Arc;

use demo_stack::demo::{COMPONENTS, Component, DemoPorts, render_mock_okta_config};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

/// Settings of the self-started stack.
#[derive(Debug, Clone, Copy)]
pub struct StackSettings {
    /// The back end's `session.verdict_ttl_secs`: how long it reuses an
    /// "alive" verdict before asking Okta again. Natural expiry sends no
    /// event, so this bounds how long the expiry scenario waits.
    pub verdict_ttl_secs: u64,
}

impl Default for StackSettings {
    fn default() -> Self {
        // The demo's default is 30 s; 5 s keeps the expiry scenario short
        // while still showing the wait.
        StackSettings {
            verdict_ttl_secs: 5,
        }
    }
}

/// The stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A loopback port could not be bound.
    #[error("cannot bind a loopback port for {service}: {source}")]
    Bind {
        /// The service.
        service: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// demo-stack's wiring table has no component for a package.
    #[error("demo-stack lists no component for package {0}; its COMPONENTS table changed")]
    MissingComponent(&'static str),
    /// The emulator's configuration could not be built or parsed.
    #[error("mock-okta configuration: {0}")]
    MockOktaConfig(String),
    /// mock-okta did not start.
    #[error("mock-okta: {0}")]
    MockOkta(#[from] mock_okta::StartError),
    /// session-hook did not start.
    #[error("session-hook: {0}")]
    Hook(String),
    /// demo-backend did not start.
    #[error("demo-backend: {0}")]
    Backend(String),
    /// The directory for the hook's store could not be created.
    #[error("cannot create a temporary directory for session-hook's store: {0}")]
    TempDir(std::io::Error),
}

/// A running in-process stack. [`InProcessStack::shutdown`] stops it;
/// dropping it stops mock-okta and leaves the other two serving until
/// the runtime ends.
pub struct InProcessStack {
    okta: mock_okta::RunningMockOkta,
    hook_stop: oneshot::Sender<()>,
    hook_task: JoinHandle<std::io::Result<()>>,
    hook_url: String,
    backend: demo_backend::RunningBackend,
    settings: StackSettings,
    _store_dir: tempfile::TempDir,
}

impl InProcessStack {
    /// Starts the three services on free ports of 127.0.0.1.
    ///
    /// # Errors
    /// [`StackError`] naming the service that failed.
    pub async fn start(settings: StackSettings) -> Result<InProcessStack, StackError> {
        let hook_listener = bind("session-hook").await?;
        let backend_listener = bind("demo-backend").await?;
        let ports = DemoPorts {
            // mock-okta listens on port 0; its org URL comes from the bound
            // address, so this port is not used in its configuration.
            mock_okta: 0,
            hook: port_address(&hook_listener, "session-hook")?.port(),
            backend: port_address(&backend_listener, "demo-backend")?.port(),
            ..DemoPorts::default()
        };

        let okta = start_mock_okta(&ports).await?;
        let org_url = okta.base_url.clone();
        tracing::info!(org = %org_url, "mock-okta started in-process");

        let store_dir = tempfile::tempdir().map_err(StackError::TempDir)?;
        let (hook_stop, hook_task, hook_url) =
            start_hook(&org_url, &store_dir, hook_listener).await?;
        tracing::info!(url = %hook_url, "session-hook started in-process");

        let backend = start_backend(&okta, settings, backend_listener).await?;
        tracing::info!(url = %backend.base_url, "demo-backend started in-process");

        Ok(InProcessStack {
            okta,
            hook_stop,
            hook_task,
            hook_url,
            backend,
            settings,
            _store_dir: store_dir,
        })
    }

    /// Returns the issuer of the `default` authorization server.
    pub fn issuer(&self) -> Url {
        parse_own_url(&self.okta.issuer("default"))
    }

    /// Returns mock-okta's org URL.
    pub fn org_url(&self) -> Url {
        parse_own_url(&self.okta.base_url)
    }

    /// Returns the back end's base URL.
    pub fn api_url(&self) -> Url {
        parse_own_url(&self.backend.base_url)
    }

    /// Returns session-hook's base URL.
    pub fn hook_url(&self) -> &str {
        &self.hook_url
    }

    /// Returns the settings it runs with.
    pub fn settings(&self) -> StackSettings {
        self.settings
    }

    /// Stops the back end, the hook and mock-okta, in that order.
    pub async fn shutdown(self) {
        if let Err(error) = self.backend.shutdown().await {
            tracing::warn!(%error, "demo-backend did not stop cleanly");
        }
        let _ = self.hook_stop.send(());
        match self.hook_task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "session-hook did not stop cleanly"),
            Err(error) => tracing::warn!(%error, "session-hook task failed"),
        }
        drop(self.okta);
        tracing::info!("in-process stack stopped");
    }
}

async fn bind(service: &'static str) -> Result<TcpListener, StackError> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|source| StackError::Bind { service, source })
}

fn component(package: &'static str) -> Result<Component, StackError> {
    COMPONENTS
        .iter()
        .find(|component| component.package == package)
        .copied()
        .ok_or(StackError::MissingComponent(package))
}

async fn start_mock_okta(ports: &DemoPorts) -> Result<mock_okta::RunningMockOkta, StackError> {
    let receivers = [component("session-hook")?, component("demo-backend")?];
    let text = render_mock_okta_config(ports, &receivers)
        .map_err(|error| StackError::MockOktaConfig(error.to_string()))?;
    let config: mock_okta::Config =
        toml::from_str(&text).map_err(|error| StackError::MockOktaConfig(error.to_string()))?;

    let address = ([127, 0, 0, 1], 0).into();
    Ok(mock_okta::start(config, address).await?)
}

/// Serves session-hook's router on `listener`. Its own `start` binds the
/// configured address itself, which would be too late here.
// NOTE: the hook's periodic purge of expired store entries does not run
// in this mode; a replay run is far shorter than any entry's lifetime.
async fn start_hook(
    org_url: &str,
    store_dir: &tempfile::TempDir,
    listener: TcpListener,
) -> Result<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>, String), StackError> {
    let store = store_dir.path().join("session-hook.redb");
    let overrides = format!(
        "[okta]\norg_url = {org}\n[store]\npath = {store}\n",
        org = toml_string(org_url),
        store = toml_string(&store.display().to_string()),
    );
    let config = session_hook::Config::from_toml(&overrides)
        .map_err(|error| StackError::Hook(error.to_string()))?;
    let state = session_hook::AppState::build(&config)
        .map_err(|error| StackError::Hook(error.to_string()))?;
    let url = format!("http://{}", port_address(&listener, "session-hook")?);

    let router = session_hook::router(Arc::new(state));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            })
            .await
    });
    Ok((stop, task, url))
}

fn port_address(
    listener: &TcpListener,
    service: &'static str,
) -> Result<std::net::SocketAddr, StackError> {
    listener
        .local_addr()
        .map_err(|source| StackError::Bind { service, source })
}

async fn start_backend(
    okta: &mock_okta::RunningMockOkta,
    settings: StackSettings,
    listener: TcpListener,
) -> Result<demo_backend::RunningBackend, StackError> {
    let secret = component("demo-backend")?
        .event_hook
        .map(|receiver| receiver.secret)
        .ok_or(StackError::MissingComponent("demo-backend"))?;
    let overrides = format!(
        "[token]\nissuer = {issuer}\naudiences = [\"api://default\"]\n\
         [okta]\norg_url = {org}\n\
         [okta.auth]\nmethod = \"api_token\"\ntoken = {token}\n\
         [session]\nverdict_ttl_secs = {ttl}\n\
         [event_hooks]\nsecret = {secret}\n",
        issuer = toml_string(&okta.issuer("default")),
        org = toml_string(&okta.base_url),
        token = toml_string(crate::target::DEMO_API_TOKEN),
        ttl = settings.verdict_ttl_secs,
        secret = toml_string(secret),
    );
    let config = demo_backend::Config::from_toml(&overrides)
        .map_err(|error| StackError::Backend(error.to_string()))?;
    demo_backend::start_on(&config, listener)
        .await
        .map_err(|error| StackError::Backend(error.to_string()))
}

/// Quotes `value` as a TOML basic string.
fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

fn parse_own_url(text: &str) -> Url {
    // The services build these from a bound socket address.
    Url::parse(text).expect("a service's own URL parses")
}
