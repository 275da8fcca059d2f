//! Event hook delivery, after Okta's event hook request and `LogEvent`.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Body Okta POSTs to an event hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventHookDelivery {
    /// `com.okta.event_hook`.
    #[serde(default)]
    pub event_type: Option<String>,
    /// Id of this delivery.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Events of this delivery.
    pub data: EventHookData,
}

/// `data` of an event hook delivery.
#[derive(Debug, Clone, Deserialize)]
pub struct EventHookData {
    /// System Log events.
    pub events: Vec<LogEvent>,
}

/// Okta's `LogEvent`, reduced to the fields that end sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Event id; deliveries are at least once, so this deduplicates.
    pub uuid: String,
    /// Event type, as `user.session.end`.
    pub event_type: String,
    /// Publication time, RFC 3339.
    #[serde(default)]
    pub published: Option<String>,
    /// Who acted.
    #[serde(default)]
    pub actor: Option<LogActor>,
    /// What was acted on.
    #[serde(default)]
    pub target: Option<Vec<LogTarget>>,
    /// Event-specific details.
    #[serde(default)]
    pub debug_context: Option<DebugContext>,
    /// Authentication context of the actor.
    #[serde(default)]
    pub authentication_context: Option<AuthenticationContext>,
}

/// Okta's `LogAuthenticationContext`, reduced to the session id.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationContext {
    /// Okta session of the actor.
    #[serde(default)]
    pub external_session_id: Option<String>,
}

/// Okta's `LogActor`.
#[derive(Debug, Clone, Deserialize)]
pub struct LogActor {
    /// Actor id; a user id when `type` is `User`.
    #[serde(default)]
    pub id: Option<String>,
    /// Actor type, such as `User`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Okta's `LogTarget`.
#[derive(Debug, Clone, Deserialize)]
pub struct LogTarget {
    /// Target id; a user id when `type` is `User`.
    #[serde(default)]
    pub id: Option<String>,
    /// Target type, such as `User`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Okta's `LogDebugContext`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugContext {
    /// Free-form details, such as `EndedSessionId`.
    #[serde(default)]
    pub debug_data: Option<Map<String, Value>>,
}
