//! The emulated Okta org every scenario runs against: the in-process
//! mock-okta, its sessions, and access tokens signed with its key ring.
//!
//! Tokens are signed with the authorization server's active key directly
//! (`KeyRing::sign`), with the claim set Okta's custom authorization server
//! issues plus `okta_sid`, which is what the token inline hook adds. That
//! skips the sign-in round trips, which would add nothing to what is
//! measured and take minutes for 100,000 tokens.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use mock_okta::config::EventHookConfig;
use mock_okta::ratelimit::Bucket;
use mock_okta::{Config, MockOkta, SharedState};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

/// The emulator's authorization server, audience and clients (demo constants).
pub const AUTH_SERVER: &str = "default";
pub const AUDIENCE: &str = "api://default";
pub const SPA_CLIENT_ID: &str = "0oademospa0000000001";
pub const DEMO_USER_ID: &str = "00udemo0000000000001";
pub const SSWS_TOKEN: &str = "00mockOktaDemoApiToken0000000000000000000";
pub const EVENT_HOOK_SECRET: &str = "demo-event-hook-secret";
pub const SESSION_CLAIM: &str = "okta_sid";

/// Access-token lifetime of the minted tokens, in seconds: long enough to
/// outlast a whole harness run, within Okta's bound of 5 minutes to 24 hours.
pub const TOKEN_LIFETIME_SECS: u64 = 4 * 3600;

/// Sessions API limit used where the rate limit is not what is measured:
/// high enough that no scenario reaches it.
pub const UNLIMITED_PER_MINUTE: u32 = 10_000_000;

/// A running emulator and the issuer of its `default` server. Dropping it
/// stops the server.
pub struct Org {
    pub state: SharedState,
    pub org_url: String,
    pub issuer: String,
    pub upstream: Arc<UpstreamCounts>,
    _stop: oneshot::Sender<()>,
}

/// Sessions API requests (`/api/v1/sessions/...`) the emulator received,
/// counted before its rate limiter, so 429s are included.
#[derive(Debug, Default)]
pub struct UpstreamCounts {
    pub session_calls: AtomicU64,
    pub too_many_requests: AtomicU64,
}

impl UpstreamCounts {
    /// Returns (Sessions API calls, of which 429) so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.session_calls.load(Ordering::Relaxed),
            self.too_many_requests.load(Ordering::Relaxed),
        )
    }
}

async fn count_session_calls(
    State(counts): State<Arc<UpstreamCounts>>,
    request: Request,
    next: Next,
) -> Response {
    let is_session_call = request.uri().path().starts_with("/api/v1/sessions/");
    let response = next.run(request).await;
    if is_session_call {
        counts.session_calls.fetch_add(1, Ordering::Relaxed);
        if response.status() == http::StatusCode::TOO_MANY_REQUESTS {
            counts.too_many_requests.fetch_add(1, Ordering::Relaxed);
        }
    }
    response
}

/// One signed access token and the Okta session it names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MintedToken {
    pub token: String,
    pub session_id: String,
}

impl Org {
    /// Starts the embedded demo org on a free loopback port with a
    /// Sessions API limit of `sessions_per_minute` and, when given, an
    /// event hook delivering `user.session.end` to `event_hook_url`.
    pub async fn start(
        sessions_per_minute: u32,
        event_hook_url: Option<&str>,
    ) -> anyhow::Result<Org> {
        let mut config = Config::embedded_default();
        config.rate_limits.sessions = sessions_per_minute;
        config.rate_limits.oauth_keys = UNLIMITED_PER_MINUTE;
        config.rate_limits.oauth_other = UNLIMITED_PER_MINUTE;
        config.event_hooks.clear();
        if let Some(url) = event_hook_url {
            config.event_hooks.push(EventHookConfig {
                id: "whobench00000000001".to_owned(),
                name: "bench back end".to_owned(),
                url: url.to_owned(),
                events: vec!["user.session.end".to_owned()],
                auth_header: "Authorization".to_owned(),
                auth_value: Some(EVENT_HOOK_SECRET.to_owned()),
                headers: BTreeMap::new(),
                timeout_ms: 3000,
            });
        }

        // As `mock_okta::start`, plus a counter in front of the emulator's
        // own layers, so that calls the rate limiter rejects are counted.
        config
            .validate()
            .context("the emulator configuration is invalid")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding a loopback port for mock-okta")?;
        let org_url = format!(
            "http://{}",
            listener
                .local_addr()
                .context("reading the emulator address")?
        );
        let state = Arc::new(
            MockOkta::new(config, org_url.clone()).context("generating the emulator's keys")?,
        );
        let hooks = mock_okta::hooks::event::spawn(&state);
        // A fresh OnceLock: this is the only place that sets it.
        let _ = state.event_hooks.set(hooks);

        let upstream = Arc::new(UpstreamCounts::default());
        let router = mock_okta::app(state.clone()).layer(axum::middleware::from_fn_with_state(
            upstream.clone(),
            count_session_calls,
        ));
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(mock_okta::serve::serve(listener, router, stopped));

        let issuer = state.issuer(AUTH_SERVER);
        Ok(Org {
            state,
            org_url,
            issuer,
            upstream,
            _stop: stop,
        })
    }

    /// Sets the Sessions API limit (requests per minute) and starts fresh
    /// rate-limit windows, so that one run's calls never count in the next.
    pub fn reset_session_limit(&self, per_minute: u32) {
        let state = &self.state;
        state.rate_limiter.reset(&state.config);
        state
            .rate_limiter
            .set_limits(&BTreeMap::from([(Bucket::Sessions, per_minute)]));
    }

    /// Creates `count` sessions of the demo user, as password sign-ins do.
    pub fn create_sessions(&self, count: usize) -> anyhow::Result<Vec<String>> {
        let state = &self.state;
        let user = state
            .user_by_id(DEMO_USER_ID)
            .ok_or_else(|| anyhow!("the embedded org has no user {DEMO_USER_ID}"))?;
        Ok((0..count)
            .map(|_| state.create_session(user, Some("127.0.0.1")).id)
            .collect())
    }

    /// Signs `per_session` access tokens for each session, on every core,
    /// and returns them grouped by session in the order of `session_ids`.
    pub fn mint(
        &self,
        session_ids: &[String],
        per_session: usize,
    ) -> anyhow::Result<Vec<MintedToken>> {
        let issued_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs();
        let claims: Vec<(String, Map<String, Value>)> = session_ids
            .iter()
            .flat_map(|sid| (0..per_session).map(move |_| sid.clone()))
            .map(|sid| {
                let claims = self.access_claims(&sid, issued_at);
                (sid, claims)
            })
            .collect();

        let rings = self.state.key_rings();
        let ring = rings
            .get(AUTH_SERVER)
            .ok_or_else(|| anyhow!("no key ring for authorization server {AUTH_SERVER}"))?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = claims.len().div_ceil(threads).max(1);

        std::thread::scope(|scope| {
            let workers: Vec<_> = claims
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(sid, claims)| {
                                let token = ring.sign(claims).context("signing an access token")?;
                                Ok(MintedToken {
                                    token,
                                    session_id: sid.clone(),
                                })
                            })
                            .collect::<anyhow::Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut tokens = Vec::with_capacity(claims.len());
            for worker in workers {
                let part = worker
                    .join()
                    .map_err(|_| anyhow!("a signing thread panicked"))??;
                tokens.extend(part);
            }
            Ok(tokens)
        })
    }

    /// Okta's access-token claims for the SPA client and the demo user,
    /// plus the session claim.
    fn access_claims(&self, session_id: &str, issued_at: u64) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("ver".into(), json!(1));
        claims.insert("jti".into(), json!(mock_okta::ids::access_token_jti()));
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("aud".into(), json!(AUDIENCE));
        claims.insert("iat".into(), json!(issued_at));
        claims.insert("exp".into(), json!(issued_at + TOKEN_LIFETIME_SECS));
        claims.insert("cid".into(), json!(SPA_CLIENT_ID));
        claims.insert("uid".into(), json!(DEMO_USER_ID));
        claims.insert(
            "scp".into(),
            json!(["openid", "profile", "email", "demo.read"]),
        );
        claims.insert("auth_time".into(), json!(issued_at));
        claims.insert("sub".into(), json!("demo@example.com"));
        claims.insert(SESSION_CLAIM.into(), json!(session_id));
        claims
    }

    /// Returns the JWKS the `default` server publishes now.
    pub fn jwks(&self) -> anyhow::Result<Value> {
        let rings = self.state.key_rings();
        let ring = rings
            .get(AUTH_SERVER)
            .ok_or_else(|| anyhow!("no key ring for authorization server {AUTH_SERVER}"))?;
        Ok(json!({ "keys": ring.jwks(SystemTime::now()) }))
    }
}

/// The tokens of the decision scenario, as the Rust, Node and Python
/// verifiers read them from one file.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenFile {
    pub issuer: String,
    pub audience: String,
    pub jwks_uri: String,
    /// The org URL, for the guard's Sessions API calls.
    pub org_url: String,
    /// One token per session, used only to warm the session cache.
    pub warm: Vec<String>,
    /// The measured tokens, grouped by session.
    pub tokens: Vec<String>,
}

impl TokenFile {
    /// Writes the file as JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string(self).context("serializing the token file")?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Reads a file written by [`TokenFile::write`].
    pub fn read(path: &Path) -> anyhow::Result<TokenFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// Waits up to `deadline` for `url` to return 200, polling every 20 ms.
pub async fn wait_until_ready(
    http: &reqwest::Client,
    url: &str,
    deadline: Duration,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        if let Ok(response) = http.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > deadline {
            return Err(anyhow!("{url} did not return 200 within {deadline:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
