//! Webhook endpoints and their deliveries as stored. `interview_events` is the outbox: the
//! dispatcher turns events into deliveries in one transaction with its cursor, and the
//! delivery worker (`crate::webhooks::worker`) sends what is due.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// An integrator's webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Its id (`wh_…`).
    pub id: String,
    /// Its organization: only that one's events go to it.
    pub org_id: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The signing secret (`whsec_<base64>`).
    pub secret: String,
    /// The event types it wants; empty: all.
    pub events: Vec<String>,
    /// The one interview it is for (a session's `callbackUrl`); `None`: every interview.
    pub interview_id: Option<String>,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Deletion, Unix ms: nothing more is sent to it.
    pub disabled_at_ms: Option<u64>,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not delivered yet; tried again at `next_attempt_at_ms`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed (or it can never be sent).
    Failed,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id (`msg_…`): the `webhook-id` header, the same on every attempt.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// Its organization.
    pub org_id: String,
    /// The `interview_events.seq` it came from.
    pub event_seq: u64,
    /// `interview.created`, …
    pub event_type: String,
    /// The interview it is about (deliveries of one interview go in order).
    pub interview_id: Option<String>,
    /// The exact body sent.
    pub payload: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When it is tried next (pending), Unix ms.
    pub next_attempt_at_ms: u64,
    /// The last answer's HTTP status, if one came.
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// The last attempt, Unix ms.
    pub last_attempt_at_ms: Option<u64>,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Delivery (2xx), Unix ms.
    pub delivered_at_ms: Option<u64>,
}

/// A due delivery with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// Its endpoint's URL.
    pub url: String,
    /// Its endpoint's secret.
    pub secret: String,
}

/// A stored interview event, as the dispatcher reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    /// `interview_events.seq`.
    pub seq: u64,
    /// The event's JSON (an `InterviewEvent`, or a kind this build does not know yet).
    pub event: serde_json::Value,
    /// The ids other systems give its interview (`system` → id, e.g. a facade's session id).
    pub external_ids: serde_json::Map<String, serde_json::Value>,
}

/// What one outbox event becomes for the endpoints of its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeliveries {
    /// The organization whose endpoints get it.
    pub org_id: String,
    /// The webhook event type.
    pub event_type: String,
    /// The interview it is about.
    pub interview_id: Option<String>,
    /// The body.
    pub payload: String,
}

/// How an attempt went, and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// When it was made, Unix ms.
    pub at_ms: u64,
    /// The answer's status, if one came.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What follows.
    pub next: AttemptNext,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptNext {
    /// It was delivered.
    Delivered,
    /// Try again at this Unix ms.
    RetryAt(u64),
    /// Give up: failed for good.
    Failed,
}

/// Maps an outbox event to deliveries, or `None` when it is not a webhook event.
pub type EventMapper = dyn Fn(&OutboxEvent) -> Option<NewDeliveries> + Send + Sync;

/// Where webhook endpoints and deliveries live.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new endpoint.
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> Result<(), StoreError>;
    /// The live endpoints of `org_id`, oldest first.
    async fn webhooks(&self, org_id: &str) -> Result<Vec<WebhookEndpoint>, StoreError>;
    /// The live endpoint `id` of `org_id`.
    async fn webhook(&self, org_id: &str, id: &str) -> Result<Option<WebhookEndpoint>, StoreError>;
    /// Deletes (disables) the endpoint `id` of `org_id`: nothing more is sent to it; false if
    /// there was no such live endpoint.
    async fn delete_webhook(&self, org_id: &str, id: &str, now_ms: u64)
    -> Result<bool, StoreError>;
    /// In one transaction: reads up to `batch` events after the cursor, maps each with `map`,
    /// inserts a delivery for every live endpoint of the event's organization that wants its
    /// type, and advances the cursor past them. Returns how many events it read.
    async fn dispatch(
        &self,
        batch: u32,
        map: &EventMapper,
        now_ms: u64,
    ) -> Result<usize, StoreError>;
    /// Pending deliveries due at `now_ms` to live endpoints, at most `limit`, and only the
    /// first pending one of each (endpoint, interview): one interview's go in event order.
    async fn due_deliveries(&self, now_ms: u64, limit: u32)
    -> Result<Vec<DueDelivery>, StoreError>;
    /// Records an attempt of delivery `id`.
    async fn record_attempt(&self, id: &str, attempt: &AttemptRecord) -> Result<(), StoreError>;
    /// The deliveries of `org_id`'s endpoint `endpoint_id`, newest first (at most 100).
    async fn deliveries(
        &self,
        org_id: &str,
        endpoint_id: &str,
    ) -> Result<Vec<Delivery>, StoreError>;
}
