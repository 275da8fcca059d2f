//! Token inline hook request (`com.okta.oauth2.tokens.transform`), after
//! Okta's `TokenPayLoad`, `BaseContext` and `InlineHookBasePayload` schemas.
//!
//! Required here: `eventId`, `eventType`, `data.context.protocol.request`,
//! and `id` of a session block or `jti` of a refresh token block when the
//! block is present. Everything else is optional because Okta's schema
//! marks nothing as required and the blocks vary by grant.

use serde::Deserialize;
use serde_json::{Map, Value};

/// `eventType` of a token inline hook call.
pub const TOKEN_HOOK_EVENT_TYPE: &str = "com.okta.oauth2.tokens.transform";

/// Body Okta POSTs to a token inline hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenHookRequest {
    /// Id of this hook call.
    pub event_id: String,
    /// `com.okta.oauth2.tokens.transform`.
    pub event_type: String,
    /// Time the call was sent.
    #[serde(default)]
    pub event_time: Option<String>,
    /// Hook version, `1.0`.
    #[serde(default)]
    pub event_type_version: Option<String>,
    /// Cloud event version, `0.1`.
    #[serde(default)]
    pub cloud_event_version: Option<String>,
    /// `application/json`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Endpoint of the authorization server that triggered the call.
    #[serde(default)]
    pub source: Option<String>,
    /// Context and tokens.
    pub data: TokenHookData,
}

/// `data` of a token inline hook call.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenHookData {
    /// Request, protocol, session, user and policy.
    pub context: HookContext,
    /// ID token being minted, when one is.
    #[serde(default)]
    pub identity: Option<TokenInfo>,
    /// Access token being minted, when one is.
    #[serde(default)]
    pub access: Option<AccessTokenInfo>,
    /// Refresh token of this request, when one is involved.
    #[serde(default)]
    pub refresh_token: Option<RefreshTokenRef>,
}

/// `data.context`.
#[derive(Debug, Clone, Deserialize)]
pub struct HookContext {
    /// Protocol request; needed to tell the grant.
    pub protocol: Protocol,
    /// Okta session of the browser, when Okta sends one.
    #[serde(default)]
    pub session: Option<HookSession>,
    /// User the tokens are minted for.
    #[serde(default)]
    pub user: Option<HookUser>,
    /// Authorization server policy and rule.
    #[serde(default)]
    pub policy: Option<Value>,
    /// HTTP request that triggered the call.
    #[serde(default)]
    pub request: Option<Value>,
}

/// `data.context.protocol`.
#[derive(Debug, Clone, Deserialize)]
pub struct Protocol {
    /// `OAUTH2.0`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Parameters of the token request.
    pub request: ProtocolRequest,
    /// Original grant of the refresh token, on refresh requests.
    #[serde(default, rename = "OriginalGrant")]
    pub original_grant: Option<OriginalGrant>,
    /// Authorization server issuer.
    #[serde(default)]
    pub issuer: Option<Value>,
    /// Client making the request.
    #[serde(default)]
    pub client: Option<Value>,
}

/// Okta's `TokenProtocolRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProtocolRequest {
    /// OAuth grant type; absent on implicit flows at `/authorize`.
    #[serde(default)]
    pub grant_type: Option<String>,
    /// Client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Response type, as in `token id_token`.
    #[serde(default)]
    pub response_type: Option<String>,
    /// Requested scopes, space separated.
    #[serde(default)]
    pub scope: Option<String>,
}

/// `data.context.protocol.OriginalGrant`.
#[derive(Debug, Clone, Deserialize)]
pub struct OriginalGrant {
    /// Token request that produced the refresh token.
    #[serde(default)]
    pub authorization: Option<ProtocolRequest>,
    /// Refresh token being used.
    #[serde(default)]
    pub refresh_token: Option<RefreshTokenRef>,
}

/// Okta's `RefreshToken`: only its id is sent.
#[derive(Debug, Clone, Deserialize)]
pub struct RefreshTokenRef {
    /// Refresh token id.
    pub jti: String,
}

/// `data.context.session`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookSession {
    /// Okta session id, `102…` (Classic) or `idx…` (Identity Engine).
    pub id: String,
    /// User of the session.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Creation time, RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Expiry time, RFC 3339.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// `ACTIVE`, `MFA_ENROLL` or `MFA_REQUIRED`.
    #[serde(default)]
    pub status: Option<String>,
}

/// `data.context.user`.
#[derive(Debug, Clone, Deserialize)]
pub struct HookUser {
    /// Okta user id.
    pub id: String,
}

/// Okta's `BaseToken`: current claims and lifetime of a token being minted.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenInfo {
    /// Claims the token contains so far.
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
    /// Lifetime block.
    #[serde(default)]
    pub token: Option<Value>,
}

/// `data.access`: `BaseToken` plus granted scopes.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenInfo {
    /// Claims the token contains so far.
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
    /// Lifetime block.
    #[serde(default)]
    pub token: Option<Value>,
    /// Granted scopes by name.
    #[serde(default)]
    pub scopes: Option<Map<String, Value>>,
}
