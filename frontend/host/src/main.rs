//! `spa-host`: serve the demo single-page app on 127.0.0.1:9403.
//!
//! Exit codes: 0 after a clean stop, 2 for invalid settings or a missing
//! build, 1 for any other failure.

use std::process::ExitCode;

use clap::Parser;
use spa_host::cli::Args;
use spa_host::{HostError, Site};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.log_json);

    let site = Site {
        dist: args.dist.clone(),
        config: args.spa_config(),
    };
    let router = match spa_host::router(&site) {
        Ok(router) => router,
        Err(error) => {
            eprintln!("spa-host: error: {error}");
            let exit = if matches!(error, HostError::MissingIndex(_) | HostError::Config(_)) {
                2
            } else {
                1
            };
            return ExitCode::from(exit);
        }
    };

    match run(&args, router) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("spa-host: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn run(args: &Args, router: axum::Router) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| anyhow::anyhow!("cannot bind {}: {error}; stop the process that holds it or choose another --listen", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        dist = %args.dist.display(),
        issuer = %args.issuer,
        api_base_url = %args.api_base_url,
        "demo-frontend host listening on http://{address}"
    );

    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("demo-frontend host stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
