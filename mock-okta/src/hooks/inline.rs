//! Calling a token inline hook (`com.okta.oauth2.tokens.transform`) the way
//! Okta does, between building a token's claims and signing them.
//!
//! Okta's failure rules, which make it fail *open*:
//! - a timeout (3 s by default), a connection failure, a non-200 status
//!   other than 204, or a body that is not a commands object: the tokens are
//!   issued unmodified, with no retry;
//! - `204 No Content` or an empty `commands` list: no change;
//! - an invalid command: the whole patch is skipped, tokens unmodified;
//! - an `error` object: no token at all; the client gets OAuth
//!   `server_error` with the `errorSummary`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::inline_patch::{self, TokenDraft};
use crate::clock::okta_timestamp;
use crate::config::{ClientType, InlineHookAuth, InlineHookConfig};
use crate::ids;
use crate::state::{MockOkta, fingerprint};
use crate::syslog::{LogEvent, lock};

/// Largest response body accepted, as Okta's limit (256 KB).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Calls kept per hook for the control API.
const MAX_RECORDS: usize = 200;

/// Faults applied to calls of one hook, set through the control API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct InlineHookFaults {
    /// Milliseconds the emulator waits before calling, which counts against
    /// the hook's timeout, as a slow hook would.
    pub delay_ms: u64,
    /// Treat the call as answered with this status, without calling.
    pub status: Option<u16>,
    /// Treat the hook as unreachable (connection refused).
    pub unreachable: bool,
}

/// What came of one hook call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum HookOutcome {
    /// The response's commands were applied.
    Applied,
    /// `204` or an empty `commands` list.
    NoChange,
    /// An invalid command: the whole patch was skipped.
    PatchSkipped { reason: String },
    /// Timeout, connection failure or unusable response: issued unmodified.
    FailedOpen { reason: String },
    /// The hook returned an `error` object: no token.
    Denied { summary: String },
}

/// One call, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct HookCallRecord {
    pub grant_type: String,
    /// The request body the emulator sent (or would have sent).
    pub request: Value,
    pub outcome: HookOutcome,
}

/// A registered token inline hook and its run-time state.
#[derive(Debug)]
pub struct InlineHook {
    pub config: InlineHookConfig,
    faults: Mutex<InlineHookFaults>,
    records: Mutex<VecDeque<HookCallRecord>>,
}

/// All token inline hooks of the org.
#[derive(Debug, Default)]
pub struct InlineHooks {
    hooks: Vec<Arc<InlineHook>>,
    http: reqwest::Client,
}

impl InlineHooks {
    pub fn new(configs: &[InlineHookConfig]) -> InlineHooks {
        InlineHooks {
            hooks: configs
                .iter()
                .map(|config| {
                    Arc::new(InlineHook {
                        config: config.clone(),
                        faults: Mutex::new(InlineHookFaults::default()),
                        records: Mutex::new(VecDeque::new()),
                    })
                })
                .collect(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Arc<InlineHook>> {
        self.hooks.iter().find(|hook| hook.config.id == id)
    }

    pub fn all(&self) -> &[Arc<InlineHook>] {
        &self.hooks
    }

    /// Clears faults and call records (control API reset).
    pub fn reset(&self) {
        for hook in &self.hooks {
            *lock(&hook.faults) = InlineHookFaults::default();
            lock(&hook.records).clear();
        }
    }
}

impl InlineHook {
    pub fn set_faults(&self, faults: InlineHookFaults) {
        *lock(&self.faults) = faults;
    }

    pub fn faults(&self) -> InlineHookFaults {
        lock(&self.faults).clone()
    }

    pub fn records(&self) -> Vec<HookCallRecord> {
        lock(&self.records).iter().cloned().collect()
    }

    fn record(&self, record: HookCallRecord) {
        let mut records = lock(&self.records);
        if records.len() == MAX_RECORDS {
            records.pop_front();
        }
        records.push_back(record);
    }
}

/// The session block of a hook request, in the hook's format (`amr` long names).
#[derive(Debug, Clone)]
pub struct HookSession {
    pub id: String,
    pub user_id: String,
    pub login: String,
    pub created_at: std::time::SystemTime,
    pub expires_at: std::time::SystemTime,
    pub last_password_verification: std::time::SystemTime,
    pub idp_id: String,
}

/// Everything about a token request a hook is told.
#[derive(Debug, Clone)]
pub struct TokenHookRequest {
    pub auth_server_id: String,
    pub grant_type: String,
    /// The HTTP request to the emulator that led to this issuance.
    pub http_method: String,
    pub http_url: String,
    pub ip_address: Option<String>,
    /// `data.context.protocol.request` (scope, state, redirect_uri, ...).
    pub protocol_request: serde_json::Map<String, Value>,
    /// `data.context.protocol.OriginalGrant` on refresh grants.
    pub original_grant: Option<Value>,
    pub client_id: String,
    pub user_id: Option<String>,
    pub session: Option<HookSession>,
    pub scopes: Vec<String>,
    pub refresh_token_jti: Option<String>,
}

impl MockOkta {
    /// Runs the token inline hook bound to the request's authorization
    /// server, if any, and returns the tokens to sign.
    ///
    /// # Errors
    /// The hook's `errorSummary` when it returned an `error` object: the
    /// caller must issue no token and answer `server_error`.
    pub async fn run_token_inline_hook(
        &self,
        request: &TokenHookRequest,
        draft: TokenDraft,
    ) -> Result<TokenDraft, String> {
        let Some(hook_id) = self
            .auth_server(&request.auth_server_id)
            .and_then(|server| server.token_inline_hook.clone())
        else {
            return Ok(draft);
        };
        let Some(hook) = self.inline_hooks.get(&hook_id).cloned() else {
            return Ok(draft);
        };

        let body = self.token_hook_payload(request, &draft);
        let (outcome, patched) = self.call_token_hook(&hook, &body, &draft).await;

        tracing::info!(
            hook = %hook.config.id,
            grant_type = %request.grant_type,
            client_id = %request.client_id,
            session = request.session.as_ref().map(|s| fingerprint(&s.id)).unwrap_or_default(),
            outcome = ?outcome,
            "token inline hook called"
        );
        self.record_hook_event(&hook, request, &outcome);
        hook.record(HookCallRecord {
            grant_type: request.grant_type.clone(),
            request: body,
            outcome: outcome.clone(),
        });

        match outcome {
            HookOutcome::Denied { summary } => Err(summary),
            HookOutcome::Applied => Ok(patched.unwrap_or(draft)),
            _ => Ok(draft),
        }
    }

    async fn call_token_hook(
        &self,
        hook: &InlineHook,
        body: &Value,
        draft: &TokenDraft,
    ) -> (HookOutcome, Option<TokenDraft>) {
        let faults = hook.faults();
        let timeout = Duration::from_millis(hook.config.timeout_ms);
        let fail_open = |reason: String| (HookOutcome::FailedOpen { reason }, None);

        if faults.delay_ms >= hook.config.timeout_ms {
            tokio::time::sleep(timeout).await;
            return fail_open(format!("timed out after {} ms", hook.config.timeout_ms));
        }
        if faults.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
        }
        if faults.unreachable {
            return fail_open("connection refused (injected fault)".to_owned());
        }
        if let Some(status) = faults.status {
            return fail_open(format!("hook answered HTTP {status} (injected fault)"));
        }

        let remaining = timeout.saturating_sub(Duration::from_millis(faults.delay_ms));
        let mut call = self
            .inline_hooks
            .http
            .post(&hook.config.url)
            .timeout(remaining)
            .json(body);
        match &hook.config.auth {
            InlineHookAuth::Header { key, value } => call = call.header(key.as_str(), value),
            InlineHookAuth::Oauth { .. } => match self.hook_bearer_token(&hook.config) {
                Ok(token) => call = call.bearer_auth(token),
                Err(reason) => return fail_open(reason),
            },
        }

        let response = match call.send().await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                return fail_open(format!("timed out after {} ms", hook.config.timeout_ms));
            }
            Err(error) => return fail_open(format!("request failed: {error}")),
        };
        let status = response.status().as_u16();
        if status == 204 {
            return (HookOutcome::NoChange, None);
        }
        if status != 200 {
            return fail_open(format!("hook answered HTTP {status}"));
        }
        let bytes = match response.bytes().await {
            Ok(bytes) if bytes.len() <= MAX_RESPONSE_BYTES => bytes,
            Ok(bytes) => {
                return fail_open(format!("response of {} bytes exceeds 256 KB", bytes.len()));
            }
            Err(error) => return fail_open(format!("failed to read response: {error}")),
        };
        let response: Value = match serde_json::from_slice(&bytes) {
            Ok(value) => value,
            Err(error) => return fail_open(format!("response is not JSON: {error}")),
        };

        if let Some(error) = response.get("error").filter(|e| !e.is_null()) {
            let summary = error
                .get("errorSummary")
                .and_then(Value::as_str)
                .unwrap_or("token inline hook denied the request")
                .to_owned();
            return (HookOutcome::Denied { summary }, None);
        }
        let commands = response
            .get("commands")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        if commands.as_array().is_some_and(Vec::is_empty) {
            return (HookOutcome::NoChange, None);
        }
        match inline_patch::apply(draft, &commands) {
            Ok(patched) => (HookOutcome::Applied, Some(patched)),
            Err(error) => (
                HookOutcome::PatchSkipped {
                    reason: error.to_string(),
                },
                None,
            ),
        }
    }

    /// Mints the access token Okta sends in OAuth 2.0 hook authentication
    /// mode: a client credentials token of the configured client.
    fn hook_bearer_token(&self, hook: &InlineHookConfig) -> Result<String, String> {
        let InlineHookAuth::Oauth {
            authorization_server,
            client_id,
            audience,
            scope,
        } = &hook.auth
        else {
            return Err("hook is not in OAuth mode".to_owned());
        };
        let now = self.clock.now_epoch_seconds();
        let claims = json!({
            "ver": 1,
            "jti": ids::access_token_jti(),
            "iss": self.issuer(authorization_server),
            "aud": audience,
            "sub": client_id,
            "iat": now,
            "exp": now + 300,
            "cid": client_id,
            "scp": scope,
        });
        let rings = self.key_rings();
        let ring = rings
            .get(authorization_server)
            .ok_or_else(|| format!("authorization server {authorization_server:?} has no keys"))?;
        ring.sign(&claims).map_err(|e| e.to_string())
    }

    /// Builds Okta's `com.okta.oauth2.tokens.transform` request body.
    fn token_hook_payload(&self, request: &TokenHookRequest, draft: &TokenDraft) -> Value {
        let issuer = self.issuer(&request.auth_server_id);
        let client = self.client(&request.client_id);
        let client_type = match client.map(|c| c.client_type) {
            Some(ClientType::Confidential) => "CONFIDENTIAL",
            _ => "PUBLIC",
        };

        let mut protocol = json!({
            "type": "OAUTH2.0",
            "request": request.protocol_request,
            "issuer": { "uri": issuer },
            "client": {
                "id": request.client_id,
                "name": client.map(|c| c.name.clone()).unwrap_or_default(),
                "type": client_type,
            },
        });
        if let Some(original) = &request.original_grant {
            protocol["OriginalGrant"] = original.clone();
        }

        let mut context = json!({
            "request": {
                "id": ids::base62(25),
                "method": request.http_method,
                "url": { "value": request.http_url },
                "ipAddress": request.ip_address.clone().unwrap_or_else(|| "127.0.0.1".to_owned()),
            },
            "protocol": protocol,
            "policy": {
                "id": format!("00p{}", ids::base62(17)),
                "rule": { "id": format!("0pr{}", ids::base62(17)) },
            },
        });
        if let Some(session) = &request.session {
            context["session"] = json!({
                "id": session.id,
                "userId": session.user_id,
                "login": session.login,
                "createdAt": okta_timestamp(session.created_at),
                "expiresAt": okta_timestamp(session.expires_at),
                "status": "ACTIVE",
                "lastPasswordVerification": okta_timestamp(session.last_password_verification),
                "amr": ["PASSWORD"],
                "idp": { "id": session.idp_id, "type": "OKTA" },
                "mfaActive": false,
            });
        }
        if let Some(user) = request
            .user_id
            .as_deref()
            .and_then(|id| self.user_by_id(id))
        {
            context["user"] = json!({
                "id": user.id,
                "passwordChanged": okta_timestamp(std::time::UNIX_EPOCH),
                "profile": {
                    "login": user.login,
                    "firstName": user.first_name,
                    "lastName": user.last_name,
                    "locale": "en",
                    "timeZone": "UTC",
                },
                "_links": {
                    "groups": { "href": format!("{}/api/v1/users/{}/groups", self.org_url, user.id) },
                    "factors": { "href": format!("{}/api/v1/users/{}/factors", self.org_url, user.id) },
                },
            });
        }

        let scopes: serde_json::Map<String, Value> = request
            .scopes
            .iter()
            .map(|scope| {
                (
                    scope.clone(),
                    json!({ "id": format!("scp{}", ids::base62(17)), "action": "GRANT" }),
                )
            })
            .collect();
        let mut data = json!({
            "context": context,
            "access": {
                "claims": draft.access_claims,
                "token": { "lifetime": { "expiration": draft.access_lifetime } },
                "scopes": scopes,
            },
        });
        if let Some(identity) = &draft.identity_claims {
            data["identity"] = json!({
                "claims": identity,
                "token": { "lifetime": { "expiration": draft.identity_lifetime } },
            });
        }
        if let Some(jti) = &request.refresh_token_jti {
            data["refresh_token"] = json!({ "jti": jti });
        }

        json!({
            "source": format!("{issuer}/v1/token"),
            "eventId": ids::base62(22),
            "eventTime": okta_timestamp(self.clock.now()),
            "eventTypeVersion": "1.0",
            "cloudEventVersion": "0.1",
            "contentType": "application/json",
            "eventType": "com.okta.oauth2.tokens.transform",
            "data": data,
        })
    }

    // NOTE: the event type names below follow Okta's inline hook events as
    // the team understands them; they were not checked against Okta's event
    // type catalog, which is not in the OpenAPI spec.
    fn record_hook_event(
        &self,
        hook: &InlineHook,
        request: &TokenHookRequest,
        outcome: &HookOutcome,
    ) {
        let (result, reason) = match outcome {
            HookOutcome::Applied | HookOutcome::NoChange => ("SUCCESS", None),
            HookOutcome::PatchSkipped { reason } | HookOutcome::FailedOpen { reason } => {
                ("FAILURE", Some(reason.clone()))
            }
            HookOutcome::Denied { summary } => ("DENY", Some(summary.clone())),
        };
        let mut event = LogEvent::new(
            "inline_hook.executed",
            "Inline hook executed",
            self.clock.now(),
        )
        .with_debug("inlineHookId", hook.config.id.clone())
        .with_debug("grantType", request.grant_type.clone())
        .with_debug(
            "outcome",
            serde_json::to_value(outcome).unwrap_or(Value::Null),
        );
        event.outcome.result = result.to_owned();
        event.outcome.reason = reason;
        self.system_log.record(event);
    }
}
