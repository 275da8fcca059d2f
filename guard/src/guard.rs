//! The guard: one decision per request, combining token verification, the
//! deny list and the Okta session check.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, header};
use serde::Deserialize;

use crate::Reason;
use crate::config::{ConfigError, GuardConfig, OktaAuthConfig};
use crate::decision_cache::{CachedSession, CachedToken, DecisionCache, DecisionEntry, TokenKey};
use crate::deny::DenyList;
use crate::epoch::RevocationEpoch;
use crate::http::rejection::{Rejection, ResponseStyle};
use crate::metrics::{CacheOutcome, CacheTier, GuardMetrics};
use crate::secret::short_fingerprint;
use crate::session::okta_auth::{OktaAuth, ServiceApp};
use crate::session::oracle::{SessionOracle, SessionPass, TokenFacts};
use crate::session::sessions_api::SessionsApi;
use crate::session::{SessionId, SessionInfo};
use crate::token::{AccessTokenClaims, TokenVerifier, VerifiedToken};

/// Hard upper bound on the `Authorization` value hashed for the decision
/// cache, in bytes; the verifier applies its own (smaller) token limit.
const MAX_CREDENTIAL_LEN: usize = 64 * 1024;

/// A rejection and until when it may be reused (`None`: not at all).
type Reusable<T> = (T, Option<SystemTime>);

/// Requirement of a route.
///
/// Serialized as `session` or `token`, the names forward auth uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Policy {
    /// A valid token whose Okta session is alive (the default).
    #[serde(rename = "session", alias = "live_session")]
    LiveSession,
    /// A valid token that is not on the deny list; the session is not
    /// checked and Okta is not called.
    #[serde(rename = "token", alias = "token_only")]
    TokenOnly,
}

impl Policy {
    /// Returns the policy's name as used in forward-auth paths.
    pub const fn as_str(self) -> &'static str {
        match self {
            Policy::LiveSession => "session",
            Policy::TokenOnly => "token",
        }
    }
}

/// Proof that a request passed the guard: the verified token and, under
/// [`Policy::LiveSession`], the live Okta session. Only the guard builds it.
#[derive(Debug, Clone)]
pub struct Authorized {
    token: Arc<VerifiedToken>,
    session: Option<Arc<SessionInfo>>,
    policy: Policy,
}

impl Authorized {
    /// Returns the verified claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        self.token.claims()
    }

    /// Returns the verified token.
    pub fn token(&self) -> &VerifiedToken {
        &self.token
    }

    /// Returns the live session (always `Some` under [`Policy::LiveSession`]).
    pub fn session(&self) -> Option<&SessionInfo> {
        self.session.as_deref()
    }

    /// Returns the policy the request was checked against.
    pub fn policy(&self) -> Policy {
        self.policy
    }
}

/// Failure to build a [`Guard`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// A configuration value is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Decides requests. Cheap to clone; clones share caches and state.
#[derive(Clone)]
pub struct Guard {
    pub(crate) inner: Arc<GuardInner>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("session_claim", &self.inner.config.session_claim)
            .finish_non_exhaustive()
    }
}

pub(crate) struct GuardInner {
    pub(crate) config: GuardConfig,
    verifier: TokenVerifier,
    pub(crate) oracle: SessionOracle,
    pub(crate) deny_list: Option<Arc<DenyList>>,
    decisions: DecisionCache,
    epoch: RevocationEpoch,
    pub(crate) metrics: GuardMetrics,
    pub(crate) style: ResponseStyle,
}

impl Guard {
    /// Builds a guard whose token verifier comes from `config.token`.
    ///
    /// # Errors
    ///
    /// [`GuardError::Config`] for an invalid or missing setting, an
    /// unreadable service-app key or deny list store.
    pub fn new(config: GuardConfig, http: reqwest::Client) -> Result<Self, GuardError> {
        let settings = config
            .token
            .as_ref()
            .ok_or(ConfigError::MissingTokenSettings)?;
        let verifier_config = settings.to_verifier_config().map_err(ConfigError::Token)?;
        let verifier =
            TokenVerifier::new(verifier_config, http.clone()).map_err(ConfigError::Token)?;
        Self::with_verifier(config, verifier, http)
    }

    /// Builds a guard around an existing token verifier.
    ///
    /// # Errors
    ///
    /// As [`Guard::new`].
    pub fn with_verifier(
        config: GuardConfig,
        verifier: TokenVerifier,
        http: reqwest::Client,
    ) -> Result<Self, GuardError> {
        config.validate()?;
        let metrics = GuardMetrics::new();
        let epoch = RevocationEpoch::default();

        let auth = match &config.okta.auth {
            OktaAuthConfig::ApiToken { token } => OktaAuth::ApiToken(token.clone()),
            OktaAuthConfig::ServiceApp {
                client_id,
                key_id,
                private_key_pem,
            } => {
                let key =
                    jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes())
                        .map_err(ConfigError::PrivateKey)?;
                let token_url = config.okta.org_url.join("/oauth2/v1/token").map_err(|_| {
                    ConfigError::Invalid {
                        setting: "okta.org_url",
                        value: config.okta.org_url.to_string(),
                        fix: "use the org base URL, for example https://example.okta.com",
                    }
                })?;
                OktaAuth::ServiceApp(Box::new(ServiceApp::new(
                    client_id.clone(),
                    key_id.clone(),
                    key,
                    token_url,
                )))
            }
        };
        let api = SessionsApi::new(
            http,
            &config.okta.org_url,
            auth,
            Duration::from_millis(config.okta.timeout_ms),
            metrics.clone(),
        )
        .map_err(|_| ConfigError::Invalid {
            setting: "okta.org_url",
            value: config.okta.org_url.to_string(),
            fix: "use the org base URL, for example https://example.okta.com",
        })?;
        let oracle = SessionOracle::new(api, &config, epoch.clone(), metrics.clone());

        let deny_list = match &config.deny_list {
            Some(deny) => Some(Arc::new(
                DenyList::open(
                    &deny.path,
                    SystemTime::now(),
                    epoch.clone(),
                    metrics.clone(),
                )
                .map_err(ConfigError::DenyList)?,
            )),
            None => None,
        };

        tracing::info!(
            org = %config.okta.org_url,
            session_claim = %config.session_claim,
            ttl_s = config.session.verdict_ttl_secs,
            outage = ?config.outage.mode,
            event_hooks = config.event_hooks.is_some(),
            deny_list = config.deny_list.is_some(),
            "session guard ready"
        );
        Ok(Self {
            inner: Arc::new(GuardInner {
                decisions: DecisionCache::new(config.session.max_decisions),
                style: ResponseStyle::new(&config.responses),
                config,
                verifier,
                oracle,
                deny_list,
                epoch,
                metrics,
            }),
        })
    }

    /// Returns the guard's metrics.
    pub fn metrics(&self) -> &GuardMetrics {
        &self.inner.metrics
    }

    /// Returns the deny list, when configured.
    pub fn deny_list(&self) -> Option<&DenyList> {
        self.inner.deny_list.as_deref()
    }

    /// Returns the number of sessions currently cached.
    pub fn cached_sessions(&self) -> usize {
        self.inner.oracle.cached_sessions()
    }

    /// Returns the verdict TTL in force at `now` (longer than configured
    /// while Okta's rate budget is low).
    pub fn effective_ttl(&self, now: SystemTime) -> Duration {
        self.inner.oracle.effective_ttl(now)
    }

    /// Decides a request from its headers at the current time.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] that renders as the response to send.
    pub async fn authorize_headers(
        &self,
        headers: &HeaderMap,
        policy: Policy,
    ) -> Result<Authorized, Rejection> {
        let token = self.bearer_token(headers)?;
        self.authorize(token, policy, SystemTime::now()).await
    }

    /// Decides whether bearer `token` passes `policy` at `now`.
    ///
    /// The caches and the rate budget take `now` as the current time, so
    /// pass `SystemTime::now()` outside tests: a time far in the future
    /// makes verdicts look fresh for longer.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] with the reason, a client-safe description and,
    /// for 503, a `Retry-After`.
    pub async fn authorize(
        &self,
        token: &str,
        policy: Policy,
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        let inner = &*self.inner;
        if token.len() > MAX_CREDENTIAL_LEN {
            return Err(self.reject(Reason::TokenTooLarge, "the access token is too large", None));
        }

        let key = inner.decisions.key_of(token);
        // Read the epoch before any state: a revocation that lands after
        // this read makes whatever is cached below stale, never the reverse.
        let epoch = inner.epoch.current();
        if let Some(entry) = inner.decisions.get(&key, epoch, now)
            && let Some(decision) = self.decide_cached(&entry, policy, now)
        {
            inner
                .metrics
                .record_cache(CacheTier::Decision, CacheOutcome::Hit);
            return self.finish(decision);
        }
        inner
            .metrics
            .record_cache(CacheTier::Decision, CacheOutcome::Miss);

        // Boxed so that the future of `authorize` stays small: the fast
        // path above would otherwise move the slow path's whole state.
        let decision = Box::pin(self.decide(token, key, epoch, policy, now)).await;
        if let Err(rejection) = &decision {
            tracing::info!(
                target: "session_guard::decision",
                token = %short_fingerprint(token.as_bytes()),
                reason = rejection.reason().code(),
                policy = policy.as_str(),
                "request rejected"
            );
        }
        self.finish(decision)
    }

    fn finish(&self, decision: Result<Authorized, Rejection>) -> Result<Authorized, Rejection> {
        let reason = decision
            .as_ref()
            .map_or_else(Rejection::reason, |_| Reason::Allowed);
        self.inner.metrics.record_decision(reason);
        decision
    }

    /// Decides from a cached entry, or returns `None` when the entry
    /// cannot decide this policy (for example a token-only entry asked
    /// for a live session, or a session verdict past its deadline).
    fn decide_cached(
        &self,
        entry: &DecisionEntry,
        policy: Policy,
        now: SystemTime,
    ) -> Option<Result<Authorized, Rejection>> {
        let token = match &entry.token {
            CachedToken::Rejected { reason, detail } => {
                return Some(Err(self.reject(*reason, detail, None)));
            }
            CachedToken::Verified(token) => token,
        };
        match policy {
            Policy::TokenOnly => Some(Ok(Authorized {
                token: token.clone(),
                session: None,
                policy,
            })),
            Policy::LiveSession => match entry.session.as_ref()? {
                CachedSession::Alive { info, until, link } if now < *until && link.is_intact() => {
                    Some(Ok(Authorized {
                        token: token.clone(),
                        session: Some(info.clone()),
                        policy,
                    }))
                }
                CachedSession::Rejected {
                    reason,
                    detail,
                    until,
                } if now < *until => Some(Err(self.reject(*reason, detail, None))),
                _ => None,
            },
        }
    }

    async fn decide(
        &self,
        token: &str,
        key: TokenKey,
        epoch: u64,
        policy: Policy,
        now: SystemTime,
    ) -> Result<Authorized, Rejection> {
        let inner = &*self.inner;
        let verified = match inner.verifier.verify(token, now).await {
            Ok(verified) => Arc::new(verified),
            Err(error) => {
                tracing::debug!(token = %short_fingerprint(token.as_bytes()), %error, "token verification failed");
                return Err(self.reject(error.reason(), &error.description(), None));
            }
        };
        let claims = verified.claims();
        let token_until = UNIX_EPOCH + Duration::from_secs(claims.exp);

        if let Some(deny_list) = &inner.deny_list
            && let Some(jti) = claims.jti.as_deref()
            && let Some(entry) = deny_list.lookup(jti, now)
        {
            tracing::warn!(token = %verified.fingerprint(), jti, deny_reason = %entry.reason, "denied token presented");
            let detail = "the access token has been revoked; sign in again";
            inner.decisions.insert(
                key,
                DecisionEntry {
                    epoch,
                    token_until,
                    token: CachedToken::Rejected {
                        reason: Reason::TokenDenied,
                        detail: detail.into(),
                    },
                    session: None,
                },
                now,
            );
            return Err(self.reject(Reason::TokenDenied, detail, None));
        }

        let mut entry = DecisionEntry {
            epoch,
            token_until,
            token: CachedToken::Verified(verified.clone()),
            session: None,
        };
        if policy == Policy::TokenOnly {
            inner.decisions.insert(key, entry, now);
            return Ok(Authorized {
                token: verified,
                session: None,
                policy,
            });
        }

        let outcome = self.check_session(claims, token_until, now).await;
        let result = match outcome {
            Ok(pass) => {
                entry.session = pass.reusable_until.map(|until| CachedSession::Alive {
                    info: pass.info.clone(),
                    until: until.min(token_until),
                    link: pass.link.clone(),
                });
                Ok(Authorized {
                    token: verified.clone(),
                    session: Some(pass.info),
                    policy,
                })
            }
            Err((rejection, until)) => {
                entry.session = until.map(|until| CachedSession::Rejected {
                    reason: rejection.reason(),
                    detail: rejection.detail().into(),
                    until: until.min(token_until),
                });
                Err(rejection)
            }
        };
        if entry.session.is_some() {
            inner.decisions.insert(key, entry, now);
        }
        if result.is_ok() {
            tracing::debug!(token = %verified.fingerprint(), "request allowed with a live session");
        }
        result
    }

    /// Checks the session named by the token. On success returns the pass
    /// (session, reuse deadline, link); on failure the rejection and until
    /// when it may be reused.
    async fn check_session(
        &self,
        claims: &AccessTokenClaims,
        token_until: SystemTime,
        now: SystemTime,
    ) -> Result<SessionPass, Reusable<Rejection>> {
        let inner = &*self.inner;
        let claim = inner.config.session_claim.as_str();

        let Some(raw_id) = claims.string_claim(claim) else {
            // Okta issues the token unmodified when the inline hook fails,
            // so a missing claim is expected in practice and must fail closed.
            let detail = format!(
                "the access token has no {claim} claim, so it is not bound to an Okta session"
            );
            return Err((
                self.reject(Reason::NotSessionBound, &detail, None),
                Some(token_until),
            ));
        };
        let session_id = SessionId::parse(raw_id).map_err(|error| {
            let detail = format!("the {claim} claim is not a valid Okta session id: {error}");
            (
                self.reject(Reason::InvalidClaims, &detail, None),
                Some(token_until),
            )
        })?;
        let Some(user_id) = claims.uid.as_deref() else {
            let detail =
                "the access token has no uid claim, so its session cannot be matched to a user";
            return Err((
                self.reject(Reason::InvalidClaims, detail, None),
                Some(token_until),
            ));
        };

        let facts = TokenFacts {
            user_id,
            expires_at: token_until,
            authenticated_at: UNIX_EPOCH
                + Duration::from_secs(claims.auth_time.unwrap_or(claims.iat)),
        };
        match inner.oracle.check(&session_id, facts, now).await {
            Ok(pass) => Ok(pass),
            Err(failure) => Err((
                self.reject(failure.reason, &failure.detail, failure.retry_after),
                failure.reusable_until,
            )),
        }
    }

    pub(crate) fn reject(
        &self,
        reason: Reason,
        detail: &str,
        retry_after: Option<Duration>,
    ) -> Rejection {
        Rejection::new(reason, detail, &self.inner.style).with_retry_after(retry_after)
    }

    /// Extracts the bearer token (RFC 6750 section 2.1). Another scheme or
    /// no header at all is "no credential"; two headers are ambiguous.
    fn bearer_token<'h>(&self, headers: &'h HeaderMap) -> Result<&'h str, Rejection> {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        };
        if values.next().is_some() {
            return Err(self.reject(
                Reason::MalformedToken,
                "send exactly one Authorization header",
                None,
            ));
        }
        let Ok(value) = value.to_str() else {
            return Err(self.reject(
                Reason::MalformedToken,
                "the Authorization header is not visible ASCII",
                None,
            ));
        };
        let Some((scheme, token)) = value.split_once(' ') else {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(self.reject(
                Reason::MissingToken,
                "a bearer access token is required",
                None,
            ));
        }
        let token = token.trim_matches(' ');
        if token.is_empty() {
            return Err(self.reject(Reason::MalformedToken, "the bearer token is empty", None));
        }
        Ok(token)
    }

    /// Applies the end of session `id` (from an event hook).
    pub(crate) fn end_session(&self, id: &SessionId, now: SystemTime) -> bool {
        self.inner.oracle.end_session(id, now)
    }

    /// Applies a user-wide end of sessions at `at` (from an event hook).
    pub(crate) fn revoke_user(&self, user_id: &str, at: SystemTime, now: SystemTime) -> usize {
        self.inner.oracle.revoke_user(user_id, at, now)
    }
}
