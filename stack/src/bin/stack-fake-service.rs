//! `stack-fake-service`: a stand-in service for the supervisor's tests.
//!
//! It binds a port, serves `GET /healthz`, and prints a ready line; flags
//! delay or withhold readiness, make it exit, or make it ignore SIGTERM.
//! `GET /exit/{code}` makes it exit at once with that code.
//! Started under the file name of a demo binary (`mock-okta`,
//! `session-hook`, `demo-backend`, for example through a symlink) it reads that
//! binary's listen setting and prints that binary's ready line, so the
//! `stack` binary can be tested without the real services.
//!
//! With `FAKE_SERVICE_PID_DIR` set it writes `<name>.pid` (and
//! `<name>.grandchild.pid` with `--spawn-grandchild`) into that directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use clap::Parser;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// A stand-in service for tests of the demo supervisor.
#[derive(Debug, Parser)]
struct Args {
    /// Address to bind; port 0 picks a free port.
    #[arg(long)]
    listen: Option<SocketAddr>,

    /// Accepted and ignored, as mock-okta's configuration file.
    #[arg(long)]
    config: Option<PathBuf>,

    /// Text printed on stdout when ready, followed by ` http://ADDR`.
    #[arg(long)]
    ready_line: Option<String>,

    /// Milliseconds to wait before becoming ready.
    #[arg(long, default_value_t = 0)]
    ready_delay_ms: u64,

    /// Never print the ready line; `/healthz` returns 503.
    #[arg(long)]
    never_ready: bool,

    /// Exit this many milliseconds after start.
    #[arg(long)]
    exit_after_ms: Option<u64>,

    /// Exit code used with --exit-after-ms.
    #[arg(long, default_value_t = 0)]
    exit_code: i32,

    /// Keep running after SIGTERM and SIGINT (only SIGKILL stops it).
    #[arg(long)]
    ignore_sigterm: bool,

    /// Start a long-running child process (`sleep`) in the same process group.
    #[arg(long)]
    spawn_grandchild: bool,
}

/// Listen setting and ready line of the demo binary this process imitates.
struct Persona {
    name: String,
    listen_env: Option<&'static str>,
    ready_line: &'static str,
}

fn persona() -> Persona {
    // argv[0], not current_exe(): the latter resolves symlinks.
    let name = std::env::args()
        .next()
        .and_then(|arg0| {
            Path::new(&arg0)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "stack-fake-service".to_owned());

    let (listen_env, ready_line) = match name.as_str() {
        "mock-okta" => (None, "mock-okta serving org URL"),
        "session-hook" => (Some("SESSION_HOOK_LISTEN"), "listening on"),
        "demo-backend" => (None, "demo-backend listening on"),
        _ => (None, "fake-service ready on"),
    };
    Persona {
        name,
        listen_env,
        ready_line,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let persona = persona();
    // Before anything else, so a stop requested right after the ready line
    // is handled and not fatal.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    eprintln!("{} starting as pid {}", persona.name, std::process::id());

    let listen = match (args.listen, persona.listen_env) {
        (Some(listen), _) => listen,
        (None, Some(key)) => std::env::var(key)
            .with_context(|| format!("{key} is not set"))?
            .parse()
            .with_context(|| format!("{key} is not a socket address"))?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to bind {listen}"))?;
    let local = listener.local_addr()?;

    write_pid_files(&persona.name, args.spawn_grandchild)?;

    let ready = Arc::new(AtomicBool::new(false));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/exit/{code}", get(exit_now))
        .with_state(ready.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("server failed: {error}");
        }
    });

    if let Some(after) = args.exit_after_ms {
        let code = args.exit_code;
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after)).await;
            eprintln!("exiting with code {code}");
            std::process::exit(code);
        });
    }

    if !args.never_ready {
        tokio::time::sleep(Duration::from_millis(args.ready_delay_ms)).await;
        ready.store(true, Ordering::SeqCst);
        let line = args.ready_line.as_deref().unwrap_or(persona.ready_line);
        println!("{line} http://{local}");
    }

    wait_for_stop(&mut sigterm, &mut sigint, args.ignore_sigterm).await;
    eprintln!("stopping on signal");
    Ok(())
}

async fn healthz(State(ready): State<Arc<AtomicBool>>) -> StatusCode {
    if ready.load(Ordering::SeqCst) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn exit_now(UrlPath(code): UrlPath<i32>) {
    eprintln!("exiting with code {code}");
    std::process::exit(code);
}

/// Waits for SIGTERM or SIGINT, forever when `ignore` is set.
async fn wait_for_stop(sigterm: &mut Signal, sigint: &mut Signal, ignore: bool) {
    loop {
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
        }
        if !ignore {
            return;
        }
        eprintln!("ignoring the signal");
    }
}

fn write_pid_files(name: &str, spawn_grandchild: bool) -> anyhow::Result<()> {
    let pid_dir = std::env::var_os("FAKE_SERVICE_PID_DIR").map(PathBuf::from);

    if spawn_grandchild {
        let grandchild = std::process::Command::new("sleep")
            .arg("300")
            .spawn()
            .context("failed to start `sleep`")?;
        if let Some(dir) = &pid_dir {
            std::fs::write(
                dir.join(format!("{name}.grandchild.pid")),
                grandchild.id().to_string(),
            )?;
        }
    }
    if let Some(dir) = &pid_dir {
        std::fs::write(
            dir.join(format!("{name}.pid")),
            std::process::id().to_string(),
        )?;
    }
    Ok(())
}
