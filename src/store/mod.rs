//! Persistence of what a call produces, behind a trait so a database can take over.
//!
//! Until the SQLite store lands (the integrator API issue), calls keep their transcripts in
//! [`MemoryStore`]: items are recorded as they arrive, but a restart loses them.

mod memory;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use memory::MemoryStore;

/// Who said something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The candidate.
    User,
    /// The interviewer (the model).
    Assistant,
}

/// One conversation item of a call, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptItem {
    /// The realtime item id (`item_…`).
    pub item_id: String,
    /// Who spoke.
    pub role: Role,
    /// What was said, when known. `None` for candidate speech without a recogniser: Viva
    /// never invents a transcript.
    pub text: Option<String>,
    /// Duration of the spoken audio in ms, when known.
    pub audio_ms: Option<u32>,
    /// For an interrupted interviewer turn: how much of it was played, in ms.
    pub truncated_at_ms: Option<u32>,
    /// When it was recorded, Unix milliseconds.
    pub at_ms: u64,
}

/// A call's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The call id (`rtc_…`).
    pub call_id: String,
    /// The client secret that opened it.
    pub secret_id: String,
    /// Start, Unix milliseconds.
    pub started_at_ms: u64,
    /// End, Unix milliseconds, once over.
    pub ended_at_ms: Option<u64>,
    /// Why it ended (`hangup`, `peer_closed`, `peer_failed`, `shutdown`, …).
    pub end_reason: Option<String>,
    /// Its conversation, in order.
    pub items: Vec<TranscriptItem>,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

/// Where calls and their transcripts are kept.
#[async_trait]
pub trait CallStore: Send + Sync {
    /// Records a new call.
    async fn call_started(
        &self,
        call_id: &str,
        secret_id: &str,
        at_ms: u64,
    ) -> Result<(), StoreError>;
    /// Records the end of a call.
    async fn call_ended(&self, call_id: &str, reason: &str, at_ms: u64) -> Result<(), StoreError>;
    /// Adds an item, or updates the item with the same id (a transcript arriving later, a
    /// truncation).
    async fn upsert_item(&self, call_id: &str, item: TranscriptItem) -> Result<(), StoreError>;
    /// A call with its items, if known.
    async fn call(&self, call_id: &str) -> Result<Option<CallRecord>, StoreError>;
}
