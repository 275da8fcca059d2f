//! Event hook delivery, as Okta does it.
//!
//! - Before the first delivery the hook is verified: one `GET` with
//!   `X-Okta-Verification-Challenge`, to which the receiver must reply
//!   `200 {"verification": "<challenge>"}`. A hook that fails stays
//!   inactive, and batches for it are dropped; the next batch tries again.
//! - Deliveries are `POST`s of a `com.okta.event_hook` envelope whose
//!   `data.events` carries a batch of `LogEvent`s. Each request has a
//!   timeout (3 s by default). A 5xx, a timeout or a connection error gets
//!   one retry; a 4xx gets none.
//! - Delivery is at least once: the control API can delay, duplicate,
//!   reorder or drop batches so receivers can be tested against it.
//!
//! Natural session expiry records no event, so nothing is delivered for it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use crate::clock::okta_timestamp;
use crate::config::EventHookConfig;
use crate::ids;
use crate::state::SharedState;
use crate::syslog::{LogEvent, lock};

/// Largest batch in one delivery.
const MAX_BATCH: usize = 50;

/// Delivery records kept per hook for the control API.
const MAX_RECORDS: usize = 500;

/// Faults applied to the next deliveries of one hook.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryFaults {
    /// Milliseconds to wait before each delivery.
    pub delay_ms: u64,
    /// How many of the next batches are sent twice.
    pub duplicate: u32,
    /// How many of the next batches are dropped without a request.
    pub drop: u32,
    /// How many of the next batches are held back and sent after the batch
    /// that follows them.
    pub reorder: u32,
}

/// Verification state (`verificationStatus` in Okta's event hook object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationStatus {
    Unverified,
    Verified,
}

/// One delivery attempt, for tests and the control API.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub event_id: String,
    pub event_uuids: Vec<String>,
    pub attempt: u32,
    /// HTTP status, or `None` when the request failed (timeout, refused).
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// A registered event hook and its run-time state.
#[derive(Debug)]
pub struct EventHook {
    pub config: EventHookConfig,
    verification: Mutex<VerificationStatus>,
    faults: Mutex<DeliveryFaults>,
    records: Mutex<VecDeque<DeliveryRecord>>,
    delivered_batches: AtomicU64,
    sender: mpsc::UnboundedSender<LogEvent>,
}

/// Summary of a hook for `GET /mock/event-hooks`.
#[derive(Debug, Clone, Serialize)]
pub struct EventHookStatus {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub verification_status: VerificationStatus,
    pub status: &'static str,
    pub delivered_batches: u64,
    pub faults: DeliveryFaults,
}

/// All event hooks of the org.
#[derive(Debug, Default)]
pub struct EventHooks {
    hooks: Vec<Arc<EventHook>>,
}

impl EventHooks {
    /// Returns the hook with `id`.
    pub fn get(&self, id: &str) -> Option<&Arc<EventHook>> {
        self.hooks.iter().find(|hook| hook.config.id == id)
    }

    /// Returns every hook's status.
    pub fn statuses(&self) -> Vec<EventHookStatus> {
        self.hooks.iter().map(|hook| hook.status()).collect()
    }

    /// Clears every hook's faults and delivery records (control API reset).
    /// Verification is kept, as Okta keeps it.
    pub fn reset(&self) {
        for hook in &self.hooks {
            *lock(&hook.faults) = DeliveryFaults::default();
            lock(&hook.records).clear();
        }
    }
}

impl EventHook {
    pub fn status(&self) -> EventHookStatus {
        let verification = *lock(&self.verification);
        EventHookStatus {
            id: self.config.id.clone(),
            url: self.config.url.clone(),
            events: self.config.events.clone(),
            verification_status: verification,
            status: match verification {
                VerificationStatus::Verified => "ACTIVE",
                VerificationStatus::Unverified => "INACTIVE",
            },
            delivered_batches: self.delivered_batches.load(Ordering::Relaxed),
            faults: lock(&self.faults).clone(),
        }
    }

    pub fn set_faults(&self, faults: DeliveryFaults) {
        *lock(&self.faults) = faults;
    }

    pub fn records(&self) -> Vec<DeliveryRecord> {
        lock(&self.records).iter().cloned().collect()
    }

    fn record(&self, record: DeliveryRecord) {
        let mut records = lock(&self.records);
        if records.len() == MAX_RECORDS {
            records.pop_front();
        }
        records.push_back(record);
    }

    /// Sends Okta's one-time verification request and marks the hook
    /// verified if the receiver echoes the challenge.
    ///
    /// # Errors
    /// A description of why verification failed.
    pub async fn verify(&self, http: &reqwest::Client) -> Result<(), String> {
        let challenge = ids::base62(40);
        let mut request = http
            .get(&self.config.url)
            .timeout(self.timeout())
            .header("X-Okta-Verification-Challenge", &challenge);
        request = self.with_auth(request);

        let outcome = async {
            let response = request
                .send()
                .await
                .map_err(|e| format!("request failed: {e}"))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("receiver answered HTTP {status}"));
            }
            let body: serde_json::Value = response
                .json()
                .await
                .map_err(|e| format!("response is not JSON: {e}"))?;
            match body.get("verification").and_then(|v| v.as_str()) {
                Some(echo) if echo == challenge => Ok(()),
                Some(_) => Err("`verification` does not echo the challenge".to_owned()),
                None => Err("response has no `verification` string".to_owned()),
            }
        }
        .await;

        match &outcome {
            Ok(()) => {
                *lock(&self.verification) = VerificationStatus::Verified;
                tracing::info!(hook = %self.config.id, url = %self.config.url, "event hook verified");
            }
            Err(error) => {
                tracing::warn!(hook = %self.config.id, url = %self.config.url, %error, "event hook verification failed");
            }
        }
        outcome
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.timeout_ms)
    }

    fn with_auth(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(value) = &self.config.auth_value {
            request = request.header(self.config.auth_header.as_str(), value);
        }
        for (key, value) in &self.config.headers {
            request = request.header(key.as_str(), value);
        }
        request
    }

    fn is_verified(&self) -> bool {
        *lock(&self.verification) == VerificationStatus::Verified
    }
}

/// Okta's delivery envelope.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    event_type: &'static str,
    event_type_version: &'static str,
    cloud_events_version: &'static str,
    source: String,
    event_id: String,
    event_time: String,
    content_type: &'static str,
    data: EnvelopeData<'a>,
}

#[derive(Debug, Serialize)]
struct EnvelopeData<'a> {
    events: &'a [LogEvent],
}

/// Registers the configured hooks and starts one delivery task per hook,
/// fed from the System Log. Call once per emulator.
pub fn spawn(state: &SharedState) -> EventHooks {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());

    let mut hooks = Vec::new();
    for config in &state.config.event_hooks {
        let (sender, receiver) = mpsc::unbounded_channel();
        let hook = Arc::new(EventHook {
            config: config.clone(),
            verification: Mutex::new(VerificationStatus::Unverified),
            faults: Mutex::new(DeliveryFaults::default()),
            records: Mutex::new(VecDeque::new()),
            delivered_batches: AtomicU64::new(0),
            sender,
        });
        tokio::spawn(deliver_loop(
            hook.clone(),
            receiver,
            http.clone(),
            state.org_url.clone(),
            state.clone(),
        ));
        hooks.push(hook);
    }

    if !hooks.is_empty() {
        tokio::spawn(fan_out(state.system_log.subscribe(), hooks.clone()));
    }
    EventHooks { hooks }
}

/// Routes each System Log event to the hooks subscribed to its type.
async fn fan_out(mut events: broadcast::Receiver<LogEvent>, hooks: Vec<Arc<EventHook>>) {
    loop {
        match events.recv().await {
            Ok(event) => {
                for hook in &hooks {
                    if hook.config.events.contains(&event.event_type) {
                        // The receiving task lives as long as the hook.
                        let _ = hook.sender.send(event.clone());
                    }
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::error!(
                    missed,
                    "event hook fan-out lagged; events were not delivered"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn deliver_loop(
    hook: Arc<EventHook>,
    mut receiver: mpsc::UnboundedReceiver<LogEvent>,
    http: reqwest::Client,
    org_url: String,
    state: SharedState,
) {
    let mut held: Option<Vec<LogEvent>> = None;
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }

        let action = next_action(&hook, held.is_some());
        let (delay_ms, duplicate) = match action {
            Action::Drop => {
                tracing::info!(hook = %hook.config.id, events = batch.len(), "event hook batch dropped by injected fault");
                continue;
            }
            Action::Hold => {
                tracing::info!(hook = %hook.config.id, events = batch.len(), "event hook batch held back by injected fault");
                held = Some(batch);
                continue;
            }
            Action::Send {
                delay_ms,
                duplicate,
            } => (delay_ms, duplicate),
        };
        if delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }

        let copies = if duplicate { 2 } else { 1 };
        let mut batches = vec![batch];
        if let Some(previous) = held.take() {
            batches.push(previous);
        }
        for batch in &batches {
            for _ in 0..copies {
                deliver(&hook, &http, &org_url, &state, batch).await;
            }
        }
    }
}

/// What to do with the next batch, given the injected faults.
enum Action {
    Drop,
    Hold,
    Send { delay_ms: u64, duplicate: bool },
}

/// Picks the action for the next batch and uses up one count of the fault
/// applied. Drop wins over reorder, which wins over duplicate.
fn next_action(hook: &EventHook, holding: bool) -> Action {
    let mut faults = lock(&hook.faults);
    if faults.drop > 0 {
        faults.drop -= 1;
        return Action::Drop;
    }
    if faults.reorder > 0 && !holding {
        faults.reorder -= 1;
        return Action::Hold;
    }
    let duplicate = faults.duplicate > 0;
    if duplicate {
        faults.duplicate -= 1;
    }
    Action::Send {
        delay_ms: faults.delay_ms,
        duplicate,
    }
}

/// Delivers one batch: verifies first if needed, then POSTs with one retry
/// on 5xx, timeout or connection failure.
async fn deliver(
    hook: &EventHook,
    http: &reqwest::Client,
    org_url: &str,
    state: &SharedState,
    batch: &[LogEvent],
) {
    if !hook.is_verified() && hook.verify(http).await.is_err() {
        tracing::warn!(
            hook = %hook.config.id,
            events = batch.len(),
            "event hook is not verified; batch not delivered"
        );
        return;
    }

    let envelope = Envelope {
        event_type: "com.okta.event_hook",
        event_type_version: "1.0",
        cloud_events_version: "0.1",
        source: format!("{org_url}/api/v1/eventHooks/{}", hook.config.id),
        event_id: ids::event_uuid(),
        event_time: okta_timestamp(state.clock.now()),
        content_type: "application/json",
        data: EnvelopeData { events: batch },
    };
    let uuids: Vec<String> = batch.iter().map(|e| e.uuid.clone()).collect();

    for attempt in 1..=2 {
        let request = hook.with_auth(
            http.post(&hook.config.url)
                .timeout(hook.timeout())
                .json(&envelope),
        );
        let (status, error) = match request.send().await {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(error.to_string())),
        };
        hook.record(DeliveryRecord {
            event_id: envelope.event_id.clone(),
            event_uuids: uuids.clone(),
            attempt,
            status,
            error: error.clone(),
        });

        let retry = match status {
            Some(code) if (200..300).contains(&code) => {
                hook.delivered_batches.fetch_add(1, Ordering::Relaxed);
                tracing::info!(hook = %hook.config.id, events = batch.len(), attempt, "event hook delivered");
                false
            }
            Some(code) if code >= 500 => true,
            Some(code) => {
                tracing::warn!(hook = %hook.config.id, status = code, "event hook rejected the delivery; no retry on 4xx");
                false
            }
            None => true,
        };
        if !retry {
            return;
        }
        if attempt == 1 {
            tracing::warn!(hook = %hook.config.id, ?status, error = error.as_deref().unwrap_or(""), "event hook delivery failed; retrying once");
        } else {
            tracing::error!(hook = %hook.config.id, ?status, error = error.as_deref().unwrap_or(""), "event hook delivery failed after retry; batch lost");
        }
    }
}
