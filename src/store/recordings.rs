//! The index of recordings: which object in the recording store holds which answer or call.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// One recording: a candidate answer, or a whole call's candidate track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// Its id (`rec_…`).
    pub id: String,
    /// The organization it belongs to.
    pub org_id: String,
    /// The call it was made in.
    pub call_id: String,
    /// The call's interview, if any.
    pub interview_id: Option<String>,
    /// The answer (user item) it holds; `None` for the whole call.
    pub item_id: Option<String>,
    /// Where the recording store keeps it.
    pub key: String,
    /// Playable duration, ms.
    pub duration_ms: u64,
    /// Size of the file.
    pub bytes: u64,
    /// When it was made, Unix ms.
    pub created_at_ms: u64,
}

/// Where recordings are indexed.
#[async_trait]
pub trait RecordingIndex: Send + Sync {
    /// Indexes a recording just stored.
    async fn add_recording(&self, recording: &Recording) -> Result<(), StoreError>;
    /// The live (not deleted) recording `id`, whoever owns it: for a URL whose signature has
    /// already proved it was handed out.
    async fn recording(&self, id: &str) -> Result<Option<Recording>, StoreError>;
    /// The live recordings of `org_id`'s interview `interview_id`, oldest first.
    async fn interview_recordings(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Vec<Recording>, StoreError>;
    /// Up to `limit` recordings to remove: deleted ones, and those made before
    /// `created_before_ms` (`None`: kept forever).
    async fn recordings_to_remove(
        &self,
        created_before_ms: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Recording>, StoreError>;
    /// Forgets recording `id` (its object is gone).
    async fn forget_recording(&self, id: &str) -> Result<(), StoreError>;
}
