//! One run: set up the target (starting the in-process stack if asked),
//! run the selected scenarios in order, and collect the report.

use crate::admin::OktaAdmin;
use crate::api::Api;
use crate::expect::Overrides;
use crate::oidc::{Oidc, SetupError};
use crate::report::{Report, TargetSummary};
use crate::scenario::{self, Context, Scenario, Timing};
use crate::stack::{InProcessStack, StackError, StackSettings};
use crate::target::{Target, TargetError, TargetSettings};

/// Where the scenarios run.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Start mock-okta, session-hook and demo-backend in this process.
    SelfStarted(StackSettings),
    /// Use an already running authorization server and back end.
    Running(Box<TargetSettings>),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where.
    pub mode: Mode,
    /// Which scenarios; they run in [`Scenario::ALL`] order.
    pub scenarios: Vec<Scenario>,
    /// `--expect` replacements.
    pub overrides: Overrides,
    /// Wait bounds.
    pub timing: Timing,
}

/// The run could not start; no scenario ran.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The in-process stack did not start.
    #[error("cannot start the in-process stack: {0}")]
    Stack(#[from] StackError),
    /// The target settings are incomplete.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Discovery or client setup failed.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// An HTTP client could not be built.
    #[error("cannot build an HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Runs `options` and returns the report.
///
/// # Errors
/// [`RunError`] when the target cannot be set up. Failed steps are not
/// errors: they are in the report.
pub async fn run(options: Options) -> Result<Report, RunError> {
    match options.mode.clone() {
        Mode::SelfStarted(settings) => {
            let stack = InProcessStack::start(settings).await?;
            let target = TargetSettings::new(stack.issuer(), stack.api_url());
            let result = run_against(
                target,
                "self-started",
                Some(settings.verdict_ttl_secs),
                &options,
            )
            .await;
            stack.shutdown().await;
            result
        }
        Mode::Running(target) => run_against(*target, "running", None, &options).await,
    }
}

async fn run_against(
    settings: TargetSettings,
    mode: &'static str,
    verdict_ttl_secs: Option<u64>,
    options: &Options,
) -> Result<Report, RunError> {
    let target = Target::resolve(settings).await?;
    let summary = TargetSummary {
        mode,
        issuer: target.issuer.to_string(),
        api: target.api.to_string(),
        emulator: target.emulator.is_some(),
        verdict_ttl_secs,
    };
    tracing::info!(issuer = %target.issuer, api = %target.api, emulator = summary.emulator, "target resolved");

    let admin = match &target.api_token {
        Some(token) => Some(OktaAdmin::new(target.org.clone(), token.clone())?),
        None => None,
    };
    let context = Context {
        oidc: Oidc::discover(&target).await?,
        api: Api::new(target.api.clone())?,
        admin,
        overrides: options.overrides.clone(),
        timing: options.timing,
        target,
    };

    let mut reports = Vec::new();
    for scenario in Scenario::ALL
        .into_iter()
        .filter(|s| options.scenarios.contains(s))
    {
        reports.push(scenario::run(&context, scenario).await);
    }
    Ok(Report::new(summary, reports))
}
