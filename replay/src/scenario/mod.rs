//! The attack scenarios, and the record of each step: what it did, the
//! status and reason it got, what was expected, and the verdict.

mod emulated;
mod logout;
mod record;
mod refresh;
mod steps;

use std::time::Duration;

use serde::Serialize;

pub use record::{Recorder, ScenarioReport, StepRecord, Stop, Verdict};

use crate::admin::OktaAdmin;
use crate::api::Api;
use crate::expect::Overrides;
use crate::oidc::Oidc;
use crate::target::Target;

/// One attack scenario, selected with `--scenario`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The user logs out at Okta; the attacker replays a copied token.
    Logout,
    /// An administrator ends all of the user's sessions through the
    /// Sessions API; the attacker replays a copied token.
    AdminEndSessions,
    /// The Okta session expires (no event is sent); the attacker replays.
    SessionExpiry,
    /// The token inline hook is down at sign-in, so Okta issues a token
    /// without the session claim, which the back end rejects.
    HookDown,
    /// The user logs out; the refresh token can no longer get tokens.
    RefreshAfterLogout,
    /// Okta's Sessions API returns 429, so the back end returns 503 with
    /// `Retry-After`. It recovers once the limit clears.
    RateLimited,
}

impl Scenario {
    /// Every scenario, in the order they run. Rate limiting runs last,
    /// because the back end stops asking Okta until the limit resets.
    pub const ALL: [Scenario; 6] = [
        Scenario::Logout,
        Scenario::AdminEndSessions,
        Scenario::SessionExpiry,
        Scenario::HookDown,
        Scenario::RefreshAfterLogout,
        Scenario::RateLimited,
    ];

    /// Returns the name used by `--scenario` and `--expect`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Logout => "logout",
            Scenario::AdminEndSessions => "admin-end-sessions",
            Scenario::SessionExpiry => "session-expiry",
            Scenario::HookDown => "hook-down",
            Scenario::RefreshAfterLogout => "refresh-after-logout",
            Scenario::RateLimited => "rate-limited",
        }
    }

    /// Returns a one-line description.
    pub fn title(self) -> &'static str {
        match self {
            Scenario::Logout => "token replayed after the user logs out",
            Scenario::AdminEndSessions => {
                "token replayed after an admin ends all of the user's sessions"
            }
            Scenario::SessionExpiry => "token replayed after the Okta session expires",
            Scenario::HookDown => "token inline hook down at sign-in",
            Scenario::RefreshAfterLogout => "refresh token used after logout",
            Scenario::RateLimited => "Okta Sessions API rate-limited, then cleared",
        }
    }

    /// Returns the ids of its steps, in order, for `--expect`.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            Scenario::Logout => &["sign-in", "call", "copy", "logout", "replay"],
            Scenario::AdminEndSessions => &["sign-in", "call", "copy", "end-sessions", "replay"],
            Scenario::SessionExpiry => &["sign-in", "call", "copy", "expire", "replay"],
            Scenario::HookDown => &["break-hook", "sign-in", "call", "repair-hook"],
            Scenario::RefreshAfterLogout => &["sign-in", "refresh", "logout", "refresh-again"],
            Scenario::RateLimited => &["sign-in", "rate-limit", "call", "clear", "recover"],
        }
    }

    /// Tells whether it needs mock-okta's control API.
    pub fn needs_emulator(self) -> bool {
        matches!(
            self,
            Scenario::SessionExpiry | Scenario::HookDown | Scenario::RateLimited
        )
    }
}

/// Bounds on the waits of a run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long a replayed token may keep working after its session ended
    /// before the replay step fails.
    pub revocation_deadline: Duration,
    /// How long the rate-limit scenario waits for the back end to recover,
    /// honouring `Retry-After`.
    pub recovery_deadline: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            // Above the back end's default verdict TTL of 30 s.
            revocation_deadline: Duration::from_secs(45),
            // Okta's rate-limit windows are one minute.
            recovery_deadline: Duration::from_secs(75),
        }
    }
}

/// What the scenarios use: the target and clients of each party.
#[derive(Debug)]
pub struct Context {
    /// The resolved target.
    pub target: Target,
    /// The user's OpenID Connect client.
    pub oidc: Oidc,
    /// The back end.
    pub api: Api,
    /// Okta's Management API, when an API token is configured.
    pub admin: Option<OktaAdmin>,
    /// `--expect` replacements.
    pub overrides: Overrides,
    /// Wait bounds.
    pub timing: Timing,
}

/// Runs `scenario`, or records why it is skipped.
pub async fn run(context: &Context, scenario: Scenario) -> ScenarioReport {
    if let Some(reason) = skip_reason(context, scenario) {
        tracing::info!(scenario = scenario.name(), reason, "scenario skipped");
        return ScenarioReport::skipped(scenario, reason);
    }

    tracing::info!(scenario = scenario.name(), "scenario started");
    let mut recorder = Recorder::new(scenario, &context.overrides);
    let result = match scenario {
        Scenario::Logout => logout::after_logout(context, &mut recorder).await,
        Scenario::AdminEndSessions => logout::after_admin_end(context, &mut recorder).await,
        Scenario::SessionExpiry => emulated::session_expiry(context, &mut recorder).await,
        Scenario::HookDown => emulated::hook_down(context, &mut recorder).await,
        Scenario::RefreshAfterLogout => refresh::after_logout(context, &mut recorder).await,
        Scenario::RateLimited => emulated::rate_limited(context, &mut recorder).await,
    };
    let report = recorder.finish(result);
    tracing::info!(
        scenario = scenario.name(),
        passed = report.passed(),
        "scenario finished"
    );
    report
}

/// Returns why `scenario` cannot run against `target`, if it cannot.
fn skip_reason(context: &Context, scenario: Scenario) -> Option<String> {
    let org = context
        .target
        .emulator
        .is_none()
        .then_some(&context.target.org);
    skip_reason_for(scenario, org, context.admin.is_some())
}

/// Returns why `scenario` cannot run: `real_org` is the org when it is not
/// mock-okta, `has_api_token` whether an Okta API token is configured.
fn skip_reason_for(
    scenario: Scenario,
    real_org: Option<&url::Url>,
    has_api_token: bool,
) -> Option<String> {
    if let Some(org) = real_org
        && scenario.needs_emulator()
    {
        return Some(format!(
            "emulator-only: needs mock-okta's control API (/mock/...), which {org} does not serve"
        ));
    }
    if scenario == Scenario::AdminEndSessions && !has_api_token {
        return Some(
            "needs an Okta API token allowed to end user sessions; export REPLAY_OKTA_API_TOKEN"
                .to_owned(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> url::Url {
        url::Url::parse("https://dev-1.okta.com/").expect("test URL")
    }

    #[test]
    fn skip_emulator_only_on_real_org() {
        let skipped: Vec<&str> = Scenario::ALL
            .into_iter()
            .filter(|scenario| skip_reason_for(*scenario, Some(&org()), true).is_some())
            .map(Scenario::name)
            .collect();

        assert_eq!(skipped, ["session-expiry", "hook-down", "rate-limited"]);
    }

    #[test]
    fn skip_note_names_org() {
        let reason = skip_reason_for(Scenario::HookDown, Some(&org()), true).expect("skipped");

        assert!(reason.contains("https://dev-1.okta.com/"), "{reason}");
    }

    #[test]
    fn skip_admin_without_token() {
        let reason =
            skip_reason_for(Scenario::AdminEndSessions, Some(&org()), false).expect("skipped");

        assert!(reason.contains("REPLAY_OKTA_API_TOKEN"), "{reason}");
    }

    #[test]
    fn skip_none_on_emulator() {
        for scenario in Scenario::ALL {
            assert_eq!(
                skip_reason_for(scenario, None, true),
                None,
                "{}",
                scenario.name()
            );
        }
    }

    #[test]
    fn steps_unique() {
        for scenario in Scenario::ALL {
            let mut steps = scenario.steps().to_vec();
            steps.sort_unstable();
            steps.dedup();
            assert_eq!(steps.len(), scenario.steps().len(), "{}", scenario.name());
        }
    }
}
