//! Okta session lifecycle: sign-in creates, logout and admins end, time
//! expires. Each change except natural expiry goes into the System Log, as
//! in Okta (expiry produces no event there either).

use std::time::SystemTime;

use crate::config::UserConfig;
use crate::ids;
use crate::state::{MockOkta, Session, SessionStatus, fingerprint};
use crate::syslog::LogEvent;

/// Name of the browser cookie that carries the Okta session id, set by the
/// sign-in form and read by `/api/v1/sessions/me`.
pub const SESSION_COOKIE: &str = "sid";

/// Who ended a session, which decides the System Log event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The user signed out (`/v1/logout` or `DELETE /api/v1/sessions/me`).
    Logout,
    /// An admin called `DELETE /api/v1/sessions/{id}`.
    AdminRevoke,
}

impl MockOkta {
    /// Creates a session for `user` after a successful password sign-in and
    /// records `user.session.start`.
    pub fn create_session(&self, user: &UserConfig, ip_address: Option<&str>) -> Session {
        let now = self.clock.now();
        let session = Session {
            id: ids::session_id(),
            user_id: user.id.clone(),
            login: user.login.clone(),
            created_at: now,
            last_activity: now,
            max_expires_at: now + self.max_lifetime(),
            status: SessionStatus::Active,
            last_password_verification: now,
            last_factor_verification: None,
            amr: vec!["pwd".to_owned()],
            idp_id: "00o1mockoktaidp00000".to_owned(),
        };
        self.store()
            .sessions
            .insert(session.id.clone(), session.clone());

        let mut event = LogEvent::new("user.session.start", "User login to Okta", now)
            .with_user_actor(&user.id, &user.login, &display_name(user))
            .with_debug("requestUri", "/login/login.htm");
        event.authentication_context.external_session_id = Some(session.id.clone());
        event.authentication_context.credential_type = Some("PASSWORD".to_owned());
        event.authentication_context.authentication_provider =
            Some("OKTA_AUTHENTICATION_PROVIDER".to_owned());
        if let Some(ip) = ip_address {
            event = event.with_client_ip(ip);
        }
        self.system_log.record(event);

        tracing::info!(session = %fingerprint(&session.id), user = %user.id, "session started");
        session
    }

    /// Returns a live session by id, or `None` if it ended or expired.
    pub fn live_session(&self, id: &str) -> Option<Session> {
        let now = self.clock.now();
        let idle = self.idle_timeout();
        self.store().live_session(id, now, idle).cloned()
    }

    /// Marks the session as used now, which pushes its idle expiry back.
    /// Returns the updated session, or `None` if it is not live.
    pub fn touch_session(&self, id: &str) -> Option<Session> {
        let now = self.clock.now();
        let idle = self.idle_timeout();
        let mut store = self.store();
        let session = store.live_session(id, now, idle)?;
        session.last_activity = now;
        Some(session.clone())
    }

    /// Ends one session and records `user.session.end` with the ended id in
    /// `debugContext.debugData.EndedSessionId`. Returns the ended session, or
    /// `None` if it was not live.
    pub fn end_session(&self, id: &str, cause: SessionEnd) -> Option<Session> {
        let now = self.clock.now();
        let session = {
            let mut store = self.store();
            store.live_session(id, now, self.idle_timeout())?;
            store.sessions.remove(id)?
        };
        self.record_session_end(&session, cause, now);
        tracing::info!(session = %fingerprint(id), user = %session.user_id, ?cause, "session ended");
        Some(session)
    }

    /// Ends every session of `user_id` (the admin "clear user sessions"
    /// action) and records `user.session.clear`. With `revoke_oauth_tokens`
    /// it also revokes the user's access and refresh tokens, like Okta's
    /// `oauthTokens=true`. Returns how many sessions ended.
    pub fn end_user_sessions(&self, user_id: &str, revoke_oauth_tokens: bool) -> usize {
        let now = self.clock.now();
        let ended: Vec<Session> = {
            let mut store = self.store();
            let ids: Vec<String> = store
                .sessions
                .values()
                .filter(|s| s.user_id == user_id)
                .map(|s| s.id.clone())
                .collect();
            let ended = ids
                .iter()
                .filter_map(|id| store.sessions.remove(id))
                .collect();
            if revoke_oauth_tokens {
                for token in store.refresh_tokens.values_mut() {
                    if token.user_id == user_id {
                        token.revoked = true;
                    }
                }
                for token in store.access_tokens.values_mut() {
                    if token.user_id.as_deref() == Some(user_id) {
                        token.revoked = true;
                    }
                }
            }
            ended
        };

        if let Some(user) = self.user_by_id(user_id) {
            let event = LogEvent::new("user.session.clear", "Clear user sessions", now)
                .with_user_target(&user.id, &user.login, &display_name(user))
                .with_debug("oauthTokensRevoked", revoke_oauth_tokens.to_string());
            self.system_log.record(event);
        }
        tracing::info!(user = %user_id, count = ended.len(), revoke_oauth_tokens, "user sessions cleared");
        ended.len()
    }

    fn record_session_end(&self, session: &Session, cause: SessionEnd, now: SystemTime) {
        let Some(user) = self.user_by_id(&session.user_id) else {
            return;
        };
        let message = match cause {
            SessionEnd::Logout => "User logout from Okta",
            SessionEnd::AdminRevoke => "Session revoked by administrator",
        };
        let mut event = LogEvent::new("user.session.end", message, now)
            .with_user_actor(&user.id, &user.login, &display_name(user))
            .with_user_target(&user.id, &user.login, &display_name(user))
            .with_debug("EndedSessionId", session.id.clone());
        if cause == SessionEnd::Logout {
            event.authentication_context.external_session_id = Some(session.id.clone());
        }
        self.system_log.record(event);
    }
}

/// Returns "First Last", as Okta shows a user in the System Log.
pub fn display_name(user: &UserConfig) -> String {
    format!("{} {}", user.first_name, user.last_name)
}
