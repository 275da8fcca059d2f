//! The System Log: every event the emulator produces, in Okta's `LogEvent`
//! shape, kept in memory and published to subscribers (event hooks).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::clock::okta_timestamp;
use crate::ids;

/// Events kept for `GET /api/v1/logs`; older ones are dropped first.
const CAPACITY: usize = 10_000;

/// An Okta `LogEvent` (the fields the emulator fills).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    pub uuid: String,
    pub published: String,
    pub event_type: String,
    pub version: String,
    pub severity: String,
    pub legacy_event_type: Option<String>,
    pub display_message: String,
    pub actor: LogActor,
    pub client: LogClient,
    pub authentication_context: LogAuthenticationContext,
    pub outcome: LogOutcome,
    pub debug_context: LogDebugContext,
    pub transaction: LogTransaction,
    pub target: Vec<LogTarget>,
    /// The IP addresses the request passed through.
    #[serde(default)]
    pub request: LogRequest,
    /// Network facts about the client; the emulator knows none, so every
    /// field is `null`.
    #[serde(default)]
    pub security_context: LogSecurityContext,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogActor {
    pub id: String,
    #[serde(rename = "type")]
    pub actor_type: String,
    pub alternate_id: String,
    pub display_name: String,
    pub detail_entry: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    pub id: String,
    #[serde(rename = "type")]
    pub target_type: String,
    pub alternate_id: String,
    pub display_name: String,
    pub detail_entry: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogClient {
    #[serde(default)]
    pub id: Option<String>,
    pub ip_address: Option<String>,
    /// City, country and coordinates; `null` for loopback clients.
    #[serde(default)]
    pub geographical_context: Option<serde_json::Value>,
    pub user_agent: Option<LogUserAgent>,
    pub zone: String,
    pub device: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogUserAgent {
    pub raw_user_agent: String,
    pub os: String,
    pub browser: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogAuthenticationContext {
    pub authentication_provider: Option<String>,
    pub credential_provider: Option<String>,
    pub credential_type: Option<String>,
    pub interface: Option<String>,
    pub authentication_step: u32,
    #[serde(default)]
    pub issuer: Option<LogIssuer>,
    /// The session of the actor that caused the event. For an admin's
    /// action this is the admin's session, not the one ended.
    pub external_session_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogIssuer {
    pub id: String,
    #[serde(rename = "type")]
    pub issuer_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogRequest {
    pub ip_chain: Vec<LogIpAddress>,
}

/// One hop of `request.ipChain`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogIpAddress {
    pub ip: String,
    /// `V4` or `V6`.
    pub version: String,
    pub source: Option<String>,
    pub geographical_context: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogSecurityContext {
    pub as_number: Option<u64>,
    pub as_org: Option<String>,
    pub isp: Option<String>,
    pub domain: Option<String>,
    pub is_proxy: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogOutcome {
    /// `SUCCESS`, `FAILURE`, `SKIPPED`, `ALLOW`, `DENY`, `CHALLENGE` or `UNKNOWN`.
    pub result: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogDebugContext {
    pub debug_data: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogTransaction {
    #[serde(rename = "type")]
    pub transaction_type: String,
    pub id: String,
    pub detail: BTreeMap<String, serde_json::Value>,
}

impl LogEvent {
    /// Starts an event of `event_type` at `now` with a fresh `uuid`, a
    /// `SUCCESS` outcome and a system actor; callers fill in the rest.
    pub fn new(event_type: &str, display_message: &str, now: SystemTime) -> LogEvent {
        LogEvent {
            uuid: ids::event_uuid(),
            published: okta_timestamp(now),
            event_type: event_type.to_owned(),
            version: "0".to_owned(),
            severity: "INFO".to_owned(),
            legacy_event_type: None,
            display_message: display_message.to_owned(),
            actor: LogActor {
                id: "0oa1mockoktasystem00".to_owned(),
                actor_type: "PublicClientApp".to_owned(),
                alternate_id: "mock-okta".to_owned(),
                display_name: "mock-okta".to_owned(),
                detail_entry: None,
            },
            client: LogClient {
                zone: "null".to_owned(),
                device: "Unknown".to_owned(),
                ..LogClient::default()
            },
            authentication_context: LogAuthenticationContext::default(),
            outcome: LogOutcome {
                result: "SUCCESS".to_owned(),
                reason: None,
            },
            debug_context: LogDebugContext::default(),
            transaction: LogTransaction {
                transaction_type: "WEB".to_owned(),
                id: ids::base62(20),
                detail: BTreeMap::new(),
            },
            target: Vec::new(),
            request: LogRequest::default(),
            security_context: LogSecurityContext::default(),
        }
    }

    /// Sets the client's IP address and the matching `request.ipChain`.
    pub fn with_client_ip(mut self, ip: &str) -> LogEvent {
        let version = if ip.contains(':') { "V6" } else { "V4" };
        self.client.ip_address = Some(ip.to_owned());
        self.request.ip_chain = vec![LogIpAddress {
            ip: ip.to_owned(),
            version: version.to_owned(),
            source: None,
            geographical_context: None,
        }];
        self
    }

    /// Sets the actor to a user.
    pub fn with_user_actor(mut self, id: &str, login: &str, display_name: &str) -> LogEvent {
        self.actor = LogActor {
            id: id.to_owned(),
            actor_type: "User".to_owned(),
            alternate_id: login.to_owned(),
            display_name: display_name.to_owned(),
            detail_entry: None,
        };
        self
    }

    /// Appends a `User` target.
    pub fn with_user_target(mut self, id: &str, login: &str, display_name: &str) -> LogEvent {
        self.target.push(LogTarget {
            id: id.to_owned(),
            target_type: "User".to_owned(),
            alternate_id: login.to_owned(),
            display_name: display_name.to_owned(),
            detail_entry: None,
        });
        self
    }

    /// Adds one `debugContext.debugData` entry.
    pub fn with_debug(mut self, key: &str, value: impl Into<serde_json::Value>) -> LogEvent {
        self.debug_context
            .debug_data
            .insert(key.to_owned(), value.into());
        self
    }
}

/// The in-memory System Log.
#[derive(Debug)]
pub struct SystemLog {
    events: Mutex<VecDeque<LogEvent>>,
    sender: broadcast::Sender<LogEvent>,
}

impl Default for SystemLog {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(4096);
        SystemLog {
            events: Mutex::new(VecDeque::new()),
            sender,
        }
    }
}

impl SystemLog {
    /// Records `event` and publishes it to subscribers.
    pub fn record(&self, event: LogEvent) {
        tracing::info!(
            event_type = %event.event_type,
            uuid = %event.uuid,
            outcome = %event.outcome.result,
            "system log event"
        );
        {
            let mut events = lock(&self.events);
            if events.len() == CAPACITY {
                events.pop_front();
            }
            events.push_back(event.clone());
        }
        // No subscriber is fine: the event stays in the log.
        let _ = self.sender.send(event);
    }

    /// Returns every kept event, oldest first.
    pub fn events(&self) -> Vec<LogEvent> {
        lock(&self.events).iter().cloned().collect()
    }

    /// Subscribes to events recorded from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LogEvent> {
        self.sender.subscribe()
    }

    /// Drops every kept event.
    pub fn clear(&self) {
        lock(&self.events).clear();
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it:
/// the emulator's state stays usable for the remaining tests.
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
