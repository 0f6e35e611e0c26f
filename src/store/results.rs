//! Interview results as stored: one per interview, replaced when it is assessed again, and
//! deleted with it.

use async_trait::async_trait;

use super::StoreError;
use crate::assess::Assessment;

/// Where an interview's assessment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultState {
    /// Being assessed (or waiting for a retry, or for the next start after a crash).
    Pending,
    /// Assessed by the model.
    Done,
    /// Not assessed, for a stated reason (no model, nothing transcribed); measured numbers only.
    Unavailable,
    /// The model failed every attempt; `reason` holds the error code.
    Failed,
}

impl ResultState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Done, Self::Unavailable, Self::Failed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Unavailable => "unavailable",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// The result of one interview.
#[derive(Debug, Clone, PartialEq)]
pub struct InterviewResult {
    /// The interview's organization.
    pub org_id: String,
    /// The interview.
    pub interview_id: String,
    /// Where it is.
    pub state: ResultState,
    /// Unavailable: why (`assessment_unavailable`, `no_transcript`); failed (or pending a
    /// retry): the last error code (`model_timeout`, …).
    pub reason: Option<String>,
    /// The last error's detail, for people.
    pub error: Option<String>,
    /// Requests made to the model for this result.
    pub attempts: u32,
    /// The model that judged (or was to judge) it; `None` without one.
    pub model: Option<String>,
    /// The fingerprint of the transcript it was made from (see `assess::digest`).
    pub transcript_digest: String,
    /// The assessment, when done or unavailable.
    pub assessment: Option<Assessment>,
    /// Last change, Unix ms.
    pub updated_at_ms: u64,
}

/// Where interview results live. Every read and write is scoped by organization.
#[async_trait]
pub trait ResultStore: Send + Sync {
    /// Stores `result`, replacing the interview's previous one, if the interview still exists
    /// in its organization; false (nothing stored) if it does not.
    async fn save_result(&self, result: &InterviewResult) -> Result<bool, StoreError>;
    /// The result of `org_id`'s interview `interview_id`, if any.
    async fn result(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Option<InterviewResult>, StoreError>;
    /// `(org_id, interview_id)` of every completed or incomplete interview, of any
    /// organization, whose result is missing, pending or failed: what a start picks up.
    async fn unfinished_results(&self) -> Result<Vec<(String, String)>, StoreError>;
}
