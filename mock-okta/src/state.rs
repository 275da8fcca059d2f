//! The emulator's mutable state: sessions, codes, tokens and keys.
//!
//! One [`MockOkta`] is shared by every handler through `Arc`. The store sits
//! behind a `std::sync::Mutex` that is never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::config::{AuthorizationServerConfig, ClientConfig, Config, UserConfig};
use crate::faults::FaultTable;
use crate::hooks::event::EventHooks;
use crate::hooks::inline::InlineHooks;
use crate::keys::{KeyError, KeyRing};
use crate::ratelimit::RateLimiter;
use crate::syslog::{SystemLog, lock};

pub type SharedState = Arc<MockOkta>;

/// Everything one running emulator knows.
#[derive(Debug)]
pub struct MockOkta {
    pub config: Config,
    /// Org URL without a trailing slash, for example `http://127.0.0.1:9400`.
    pub org_url: String,
    pub clock: Clock,
    pub store: Mutex<Store>,
    /// Signing keys by authorization server id.
    pub keys: Mutex<HashMap<String, KeyRing>>,
    pub system_log: SystemLog,
    /// Registered event hooks; set once by [`crate::start`] after the state
    /// is shared, because their delivery tasks hold a reference to it.
    pub event_hooks: OnceLock<EventHooks>,
    pub inline_hooks: InlineHooks,
    /// Per-bucket request counters of the Management API and OAuth endpoints.
    pub rate_limiter: RateLimiter,
    /// Faults injected through the control API.
    pub faults: FaultTable,
}

/// Okta session status (`Session.status` in the Management API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Active,
    MfaRequired,
    MfaEnroll,
}

impl SessionStatus {
    pub fn as_okta(self) -> &'static str {
        match self {
            SessionStatus::Active => "ACTIVE",
            SessionStatus::MfaRequired => "MFA_REQUIRED",
            SessionStatus::MfaEnroll => "MFA_ENROLL",
        }
    }
}

/// An Okta session, created by a successful sign-in.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub login: String,
    pub created_at: SystemTime,
    /// Last time the session was used or refreshed; idle expiry counts from it.
    pub last_activity: SystemTime,
    /// `created_at` plus the policy's maximum lifetime; never moves.
    pub max_expires_at: SystemTime,
    pub status: SessionStatus,
    pub last_password_verification: SystemTime,
    pub last_factor_verification: Option<SystemTime>,
    /// Short authentication method codes, as the Sessions API reports them (`pwd`).
    pub amr: Vec<String>,
    /// Okta's own identity provider id for password sign-in.
    pub idp_id: String,
}

impl Session {
    /// Returns when the session expires: the earlier of idle and maximum expiry.
    pub fn expires_at(&self, idle_timeout: Duration) -> SystemTime {
        (self.last_activity + idle_timeout).min(self.max_expires_at)
    }
}

/// An issued authorization code, single use (RFC 6749 section 4.1.2).
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub client_id: String,
    pub auth_server_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub session_id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub expires_at: SystemTime,
    pub used: bool,
    /// The token family that exchanging this code starts; a second
    /// exchange revokes every token of it (RFC 6749 section 4.1.2).
    pub family: String,
    /// The authorize request as a token inline hook receives it in
    /// `data.context.protocol.request` (client_id, redirect_uri,
    /// response_mode, response_type, scope, state).
    pub protocol_request: serde_json::Map<String, serde_json::Value>,
}

/// An issued refresh token, keyed in the store by its opaque value.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    /// The id hooks see as `data.refresh_token.jti`.
    pub jti: String,
    pub client_id: String,
    pub auth_server_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// The session of the sign-in that started this token family.
    pub session_id: String,
    pub auth_time: i64,
    pub expires_at: SystemTime,
    /// All tokens descended from one authorization code share a family, so
    /// that reuse of a rotated-out token revokes every member.
    pub family: String,
    /// Set once the token has been exchanged (rotation) or revoked.
    pub revoked: bool,
}

/// What the emulator remembers of an issued access token, for
/// `/introspect` and `/revoke`.
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    pub jti: String,
    pub client_id: String,
    pub auth_server_id: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub expires_at: SystemTime,
    pub revoked: bool,
}

/// Mutable state behind one lock.
#[derive(Debug, Default)]
pub struct Store {
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, AuthorizationCode>,
    pub refresh_tokens: HashMap<String, RefreshTokenRecord>,
    /// Access tokens by `jti`.
    pub access_tokens: HashMap<String, AccessTokenRecord>,
    /// Authorize requests waiting at the sign-in form, by the random id in
    /// the form's hidden field.
    pub pending_sign_ins: HashMap<String, crate::oauth::PendingSignIn>,
    /// Session id of the sign-in each ID token was issued for, by ID token
    /// `jti`, so `/v1/logout` without a session cookie can find it.
    pub id_token_sessions: HashMap<String, String>,
    /// Token family of each user access token, by `jti` (see
    /// [`RefreshTokenRecord::family`]), so that a replayed code or refresh
    /// token can revoke the access tokens issued from the same grant.
    pub access_token_families: HashMap<String, String>,
    /// Users whose status is not `ACTIVE`; absent means active.
    pub user_status: HashMap<String, UserStatus>,
}

/// A user's lifecycle status, as Okta's `User.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Active,
    Suspended,
    Deprovisioned,
    LockedOut,
}

impl Store {
    /// Returns the session if it exists and has not expired at `now`;
    /// an expired session is removed, as Okta forgets it.
    pub fn live_session(
        &mut self,
        id: &str,
        now: SystemTime,
        idle_timeout: Duration,
    ) -> Option<&mut Session> {
        let expired = self
            .sessions
            .get(id)
            .is_some_and(|session| session.expires_at(idle_timeout) <= now);
        if expired {
            tracing::debug!(session = %fingerprint(id), "session expired");
            self.sessions.remove(id);
            return None;
        }
        self.sessions.get_mut(id)
    }
}

impl MockOkta {
    /// Builds the emulator's state and generates each authorization
    /// server's keys.
    ///
    /// # Errors
    /// Key generation failed.
    pub fn new(config: Config, org_url: String) -> Result<MockOkta, KeyError> {
        let mut keys = HashMap::new();
        for server in &config.authorization_servers {
            keys.insert(server.id.clone(), KeyRing::generate()?);
        }
        let inline_hooks = InlineHooks::new(&config.inline_hooks);
        let rate_limiter = RateLimiter::new(&config);
        Ok(MockOkta {
            org_url: org_url.trim_end_matches('/').to_owned(),
            config,
            clock: Clock::default(),
            store: Mutex::new(Store::default()),
            keys: Mutex::new(keys),
            system_log: SystemLog::default(),
            event_hooks: OnceLock::new(),
            inline_hooks,
            rate_limiter,
            faults: FaultTable::default(),
        })
    }

    /// Returns the issuer of a custom authorization server:
    /// `{org}/oauth2/{authServerId}`.
    pub fn issuer(&self, auth_server_id: &str) -> String {
        format!("{}/oauth2/{auth_server_id}", self.org_url)
    }

    pub fn auth_server(&self, id: &str) -> Option<&AuthorizationServerConfig> {
        self.config
            .authorization_servers
            .iter()
            .find(|s| s.id == id)
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    pub fn user_by_id(&self, id: &str) -> Option<&UserConfig> {
        self.config.users.iter().find(|u| u.id == id)
    }

    /// Looks a user up by login, case-insensitively as Okta does.
    pub fn user_by_login(&self, login: &str) -> Option<&UserConfig> {
        self.config
            .users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.config.sessions.idle_timeout_seconds)
    }

    pub fn max_lifetime(&self) -> Duration {
        Duration::from_secs(self.config.sessions.max_lifetime_seconds)
    }

    /// Locks the store (see [`lock`] for poisoning).
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Returns the event hooks (none before [`crate::start`] registered them).
    pub fn event_hooks(&self) -> &EventHooks {
        static NONE: OnceLock<EventHooks> = OnceLock::new();
        self.event_hooks
            .get()
            .unwrap_or_else(|| NONE.get_or_init(EventHooks::default))
    }

    /// Locks the key rings.
    pub fn key_rings(&self) -> std::sync::MutexGuard<'_, HashMap<String, KeyRing>> {
        lock(&self.keys)
    }
}

/// Returns a short, non-reversible fingerprint of a secret or id for logs:
/// the first 8 hex characters of its SHA-256.
pub fn fingerprint(value: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(value.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}
