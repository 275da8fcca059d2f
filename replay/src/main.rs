//! `replay`: runs the stolen-token replay attack end to end and prints,
//! for each step, the HTTP status, the reason code, how long revocation
//! took and which path caught it.
//!
//! Exit codes: 0 when every step went as expected, 1 when a step's outcome
//! differs from the expected one, 2 for invalid arguments or a target that
//! cannot be set up.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use replay::secret::Secret;
use replay::target::SignInMethod;
use replay::{Mode, Options, Overrides, Scenario, StackSettings, TargetSettings, Timing};
use tracing_subscriber::EnvFilter;
use url::Url;

/// Issuer of the demo's authorization server on its default port.
const DEMO_ISSUER: &str = "http://127.0.0.1:9400/oauth2/default";
/// The demo back end on its default port.
const DEMO_API: &str = "http://127.0.0.1:9402";

/// Replays a copied access token after its Okta session ends and checks
/// that the back end rejects it.
///
/// Without target flags it starts mock-okta, session-hook and demo-backend
/// in-process on free ports.
#[derive(Debug, Parser)]
#[command(name = "replay", version)]
struct Args {
    /// Scenario to run; repeat for several. Default: logout.
    #[arg(long = "scenario", value_enum, value_name = "NAME")]
    scenarios: Vec<Scenario>,

    /// Run every scenario.
    #[arg(long, conflicts_with = "scenarios")]
    all: bool,

    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// Replace a step's expected outcome: SCENARIO.STEP=STATUS[:REASON],
    /// STATUS a number or `error` (any 4xx or 5xx). Repeatable.
    #[arg(long = "expect", value_name = "SCENARIO.STEP=STATUS[:REASON]", value_parser = replay::expect::parse_override)]
    expectations: Vec<(String, replay::Expected)>,

    /// Run against the demo already running on its default ports
    /// (`just demo`: mock-okta 9400, back end 9402).
    #[arg(long, conflicts_with_all = ["target_issuer", "target_api"])]
    use_running: bool,

    /// Issuer of the custom authorization server to run against
    /// (https://ORG/oauth2/SERVER_ID).
    #[arg(
        long,
        env = "REPLAY_TARGET_ISSUER",
        requires = "target_api",
        value_name = "URL"
    )]
    target_issuer: Option<Url>,

    /// Base URL of the back end to run against.
    #[arg(
        long,
        env = "REPLAY_TARGET_API",
        requires = "target_issuer",
        value_name = "URL"
    )]
    target_api: Option<Url>,

    /// Org URL, when it is not the issuer's scheme, host and port.
    #[arg(long, env = "REPLAY_TARGET_ORG", value_name = "URL")]
    target_org: Option<Url>,

    /// OAuth client id of a public client that uses PKCE. Default: the demo SPA.
    #[arg(long, env = "REPLAY_CLIENT_ID")]
    client_id: Option<String>,

    /// Registered redirect URI of that client. Nothing needs to listen there.
    #[arg(long, env = "REPLAY_REDIRECT_URI", value_name = "URL")]
    redirect_uri: Option<Url>,

    /// Registered post-logout redirect URI of that client.
    #[arg(long, env = "REPLAY_POST_LOGOUT_REDIRECT_URI", value_name = "URL")]
    post_logout_redirect_uri: Option<Url>,

    /// Space-separated scopes to request.
    #[arg(long, env = "REPLAY_SCOPES")]
    scopes: Option<String>,

    /// How the user signs in. Default: form on mock-okta, authn elsewhere.
    #[arg(long, env = "REPLAY_SIGN_IN", value_enum)]
    sign_in: Option<SignInMethod>,

    /// Test user's login; the password comes from REPLAY_PASSWORD only.
    /// Default on mock-okta: the demo user.
    #[arg(long, env = "REPLAY_USERNAME")]
    username: Option<String>,

    /// Self-started stack only: the back end's verdict TTL in seconds.
    #[arg(long, default_value_t = StackSettings::default().verdict_ttl_secs, conflicts_with_all = ["use_running", "target_issuer"])]
    verdict_ttl_secs: u64,

    /// Seconds a replayed token may keep working after its session ended
    /// before the replay step fails.
    #[arg(long, default_value_t = Timing::default().revocation_deadline.as_secs())]
    revocation_deadline_secs: u64,

    /// Seconds the rate-limit scenario waits for the back end to recover.
    #[arg(long, default_value_t = Timing::default().recovery_deadline.as_secs())]
    recovery_deadline_secs: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing();

    let options = match options(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("replay: error: {message}");
            return ExitCode::from(2);
        }
    };

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("replay: error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let report = match runtime.block_on(replay::run(options)) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("replay: error: {error}");
            return ExitCode::from(2);
        }
    };

    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("replay: error: cannot write JSON: {error}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", report.table());
    }

    if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Builds the run's options from the arguments and the environment.
fn options(args: &Args) -> Result<Options, String> {
    let scenarios = if args.all {
        Scenario::ALL.to_vec()
    } else if args.scenarios.is_empty() {
        vec![Scenario::Logout]
    } else {
        args.scenarios.clone()
    };
    let overrides = overrides(&args.expectations, &scenarios)?;

    let target = |issuer: Url, api: Url| TargetSettings {
        issuer,
        api,
        org: args.target_org.clone(),
        client_id: args.client_id.clone(),
        redirect_uri: args.redirect_uri.clone(),
        post_logout_redirect_uri: args.post_logout_redirect_uri.clone(),
        scopes: args.scopes.clone(),
        username: args.username.clone(),
        password: std::env::var("REPLAY_PASSWORD").ok().map(Secret::new),
        api_token: std::env::var("REPLAY_OKTA_API_TOKEN").ok().map(Secret::new),
        sign_in: args.sign_in,
    };
    let mode = match (&args.target_issuer, &args.target_api) {
        (Some(issuer), Some(api)) => Mode::Running(Box::new(target(issuer.clone(), api.clone()))),
        _ if args.use_running => {
            Mode::Running(Box::new(target(demo_url(DEMO_ISSUER), demo_url(DEMO_API))))
        }
        _ => Mode::SelfStarted(StackSettings {
            verdict_ttl_secs: args.verdict_ttl_secs,
        }),
    };

    Ok(Options {
        mode,
        scenarios,
        overrides,
        timing: Timing {
            revocation_deadline: Duration::from_secs(args.revocation_deadline_secs),
            recovery_deadline: Duration::from_secs(args.recovery_deadline_secs),
        },
    })
}

/// Checks every `--expect` against the steps of the selected scenarios.
fn overrides(
    expectations: &[(String, replay::Expected)],
    scenarios: &[Scenario],
) -> Result<Overrides, String> {
    let mut overrides = Overrides::default();
    for (key, expected) in expectations {
        let (name, step) = key.split_once('.').unwrap_or((key.as_str(), ""));
        let Some(scenario) = Scenario::ALL.into_iter().find(|s| s.name() == name) else {
            let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            return Err(format!(
                "--expect {key}: unknown scenario {name:?}; choose one of {}",
                names.join(", ")
            ));
        };
        if !scenarios.contains(&scenario) {
            return Err(format!(
                "--expect {key}: scenario {name} is not selected; add --scenario {name} or --all"
            ));
        }
        if !scenario.steps().contains(&step) {
            return Err(format!(
                "--expect {key}: scenario {name} has no step {step:?}; its steps are {}",
                scenario.steps().join(", ")
            ));
        }
        overrides.insert(key.clone(), expected.clone());
    }
    Ok(overrides)
}

/// Default log filter: this tool's warnings, and only errors of the
/// in-process services, whose warnings are the attacks being rejected.
const DEFAULT_LOG_FILTER: &str =
    "warn,mock_okta=error,session_hook=error,session_guard=error,demo_backend=error";

/// Logs go to standard error, so that standard output is only the report.
/// `RUST_LOG` replaces [`DEFAULT_LOG_FILTER`].
fn init_tracing() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn demo_url(text: &str) -> Url {
    // The demo constants above are valid absolute URLs.
    Url::parse(text).expect("demo URL constant parses")
}
