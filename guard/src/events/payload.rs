//! Serde types for Okta event hook deliveries (`com.okta.event_hook`) and
//! the System Log `LogEvent` objects inside them. Only the fields the guard
//! reads are typed; everything else is ignored.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The `eventType` of every event hook delivery.
pub const EVENT_HOOK_TYPE: &str = "com.okta.event_hook";

/// One POST from Okta.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Delivery {
    pub event_type: String,
    #[serde(default)]
    pub event_id: Option<String>,
    pub data: DeliveryData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeliveryData {
    #[serde(default)]
    pub events: Vec<LogEvent>,
}

/// Okta's `LogEvent`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogEvent {
    #[serde(default)]
    pub uuid: Option<String>,
    pub event_type: String,
    #[serde(default)]
    pub published: Option<DateTime<Utc>>,
    /// Okta sends `null` or an array; the order of targets is not fixed,
    /// so they are searched by `type`.
    #[serde(default)]
    pub target: Option<Vec<LogEntity>>,
    #[serde(default)]
    pub debug_context: Option<DebugContext>,
}

/// A `LogTarget` (the fields the guard reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogEntity {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DebugContext {
    #[serde(default)]
    pub debug_data: Option<Map<String, Value>>,
}

impl LogEvent {
    /// Returns the ended session's id from `debugContext.debugData.EndedSessionId`.
    pub(crate) fn ended_session_id(&self) -> Option<&str> {
        self.debug_context
            .as_ref()?
            .debug_data
            .as_ref()?
            .get("EndedSessionId")?
            .as_str()
    }

    /// Returns the id of the first target of type `User`.
    pub(crate) fn target_user_id(&self) -> Option<&str> {
        self.target
            .as_deref()?
            .iter()
            .find(|target| target.kind.as_deref() == Some("User"))?
            .id
            .as_deref()
    }
}
