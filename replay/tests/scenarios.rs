//! Every scenario against a self-started in-process stack: mock-okta,
//! session-hook and demo-backend on free loopback ports.

use replay::metrics::CaughtBy;
use replay::scenario::{ScenarioReport, StepRecord, Verdict};
use replay::{Mode, Options, Overrides, Report, Scenario, StackSettings, Timing};

async fn run_all() -> Report {
    let options = Options {
        // A short verdict TTL keeps the expiry scenario's wait short, and
        // 3 s leaves the logout push time to arrive before the cached
        // verdict of the first call runs out.
        mode: Mode::SelfStarted(StackSettings {
            verdict_ttl_secs: 3,
        }),
        scenarios: Scenario::ALL.to_vec(),
        overrides: Overrides::default(),
        timing: Timing::default(),
    };
    replay::run(options)
        .await
        .expect("the in-process stack starts")
}

fn scenario(report: &Report, scenario: Scenario) -> &ScenarioReport {
    report
        .scenarios
        .iter()
        .find(|s| s.scenario == scenario.name())
        .unwrap_or_else(|| panic!("no report for {}", scenario.name()))
}

fn step<'a>(report: &'a Report, name: Scenario, id: &str) -> &'a StepRecord {
    scenario(report, name)
        .steps
        .iter()
        .find(|step| step.step == id)
        .unwrap_or_else(|| panic!("{} has no step {id}: {}", name.name(), report.table()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_all_pass() {
    let report = run_all().await;
    let table = report.table();

    assert!(report.passed, "{table}");
    for name in Scenario::ALL {
        let result = scenario(&report, name);
        assert_eq!(result.skipped, None, "{}: {table}", name.name());
        let ids: Vec<&str> = result.steps.iter().map(|step| step.step).collect();
        assert_eq!(ids, name.steps(), "{}: {table}", name.name());
    }

    let logout = step(&report, Scenario::Logout, "replay");
    assert_eq!(logout.status, Some(401), "{table}");
    assert_eq!(logout.reason.as_deref(), Some("session_ended"), "{table}");
    assert_eq!(logout.caught_by, Some(CaughtBy::EventHookPush), "{table}");
    assert!(logout.took_ms.is_some(), "{table}");

    let admin = step(&report, Scenario::AdminEndSessions, "replay");
    assert_eq!(admin.caught_by, Some(CaughtBy::EventHookPush), "{table}");

    // Natural expiry sends no event, so only the Sessions API check can
    // catch it.
    let expiry = step(&report, Scenario::SessionExpiry, "replay");
    assert_eq!(
        expiry.caught_by,
        Some(CaughtBy::SessionsApiCheck),
        "{table}"
    );

    let unbound = step(&report, Scenario::HookDown, "call");
    assert_eq!(
        unbound.reason.as_deref(),
        Some("not_session_bound"),
        "{table}"
    );

    let refresh = step(&report, Scenario::RefreshAfterLogout, "refresh-again");
    assert_eq!(refresh.reason.as_deref(), Some("server_error"), "{table}");

    let limited = step(&report, Scenario::RateLimited, "call");
    assert_eq!(limited.status, Some(503), "{table}");
    assert!(
        limited
            .note
            .as_deref()
            .is_some_and(|note| note.contains("Retry-After")),
        "{table}"
    );
    let recovered = step(&report, Scenario::RateLimited, "recover");
    assert_eq!(recovered.verdict, Verdict::Ok, "{table}");
}
