//! Persistence behind backend-neutral traits (domain types in, domain types out), so a
//! PostgreSQL store is a second implementation: integrators' keys, users, templates and
//! interviews ([`IntegratorStore`]) and what calls produce ([`CallStore`]). Every change is
//! written with the [`InterviewEvent`]s that describe it, in one transaction.
//! [`SqliteStore`] is the embedded default (one file, WAL, migrations embedded).

mod external;
mod hiring;
mod recordings;
mod results;
mod sqlite;
mod webhooks;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use external::ExternalIds;
pub use hiring::{Application, Candidate, HiringStore, Job, Listed, Page};
pub use recordings::{Recording, RecordingIndex};
pub use results::{InterviewResult, ResultState, ResultStore};
pub use sqlite::SqliteStore;
pub use webhooks::{
    AttemptNext, AttemptRecord, Delivery, DeliveryStatus, DueDelivery, EventMapper, NewDeliveries,
    OutboxEvent, WebhookEndpoint, WebhookStore,
};

use crate::call::EndReason;
use crate::interview::{Interview, InterviewEvent, Status, Template};

/// Opens the embedded store at `path` (created and migrated if needed).
pub async fn open(path: &Path) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(SqliteStore::open(path).await?))
}

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

impl TranscriptItem {
    /// A finished turn: `text` when known, `audio_ms` of speech when measured, not truncated.
    pub fn turn(
        id: &str,
        role: Role,
        text: Option<&str>,
        audio_ms: Option<u32>,
        at_ms: u64,
    ) -> Self {
        Self {
            item_id: id.into(),
            role,
            text: text.map(str::to_owned),
            audio_ms,
            truncated_at_ms: None,
            at_ms,
        }
    }
}

/// A call's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The call id (`rtc_…`).
    pub call_id: String,
    /// The client secret that opened it.
    pub secret_id: String,
    /// The interview it belongs to, if its secret was bound to one.
    pub interview_id: Option<String>,
    /// Start, Unix milliseconds.
    pub started_at_ms: u64,
    /// End, Unix milliseconds, once over.
    pub ended_at_ms: Option<u64>,
    /// Why it ended (`hangup`, `peer_closed`, `peer_failed`, `shutdown`, …); a reason this
    /// build does not know (written by a newer one) reads as `None`.
    pub end_reason: Option<EndReason>,
    /// Its conversation, in order.
    pub items: Vec<TranscriptItem>,
}

/// A store failure. Each wire format maps it with `From`: `NotFound` → 404, `Conflict` → 409,
/// `Backend` → 500 (its detail goes to the log, never to the client).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing changed does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// It clashes with what is stored (a unique key).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The organization has no interview credits left.
    #[error("the organization has no interview credits left")]
    NoCredits,
    /// The database failed, or holds what this build cannot read.
    #[error("store backend: {0}")]
    Backend(String),
}

/// The organization that existed before there were several: the bootstrap key's, and where
/// data from before organizations lives.
pub const DEFAULT_ORG_ID: &str = "org_default";

/// An organization (tenant): what its keys and users see is its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its id (`org_…`).
    pub id: String,
    /// Its name, unique.
    pub name: String,
    /// Interviews it may still create; `None` is unlimited.
    pub credits: Option<u64>,
}

/// What one step of a call changed: its items, the events that describe them and, at the end,
/// why it ended. Written in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallChanges {
    /// Items added, or updated by id.
    pub items: Vec<TranscriptItem>,
    /// The events, in order.
    pub events: Vec<InterviewEvent>,
    /// The end of the call: why, and when (Unix ms).
    pub ended: Option<(EndReason, u64)>,
}

/// A call being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCall<'a> {
    /// The call id (`rtc_…`).
    pub call_id: &'a str,
    /// The client secret that opened it.
    pub secret_id: &'a str,
    /// The organization whose secret it was.
    pub org_id: &'a str,
    /// The interview the secret was bound to, if any.
    pub interview_id: Option<&'a str>,
    /// Start, Unix ms.
    pub at_ms: u64,
}

/// A call whose end was never written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedCall {
    /// The call id.
    pub call_id: String,
    /// Its organization.
    pub org_id: String,
    /// Its interview, if bound to one.
    pub interview_id: Option<String>,
}

/// Whose events to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventsOf<'a> {
    /// One call's.
    Call(&'a str),
    /// One interview's, across its calls.
    Interview(&'a str),
}

/// Where calls and their transcripts are kept.
#[async_trait]
pub trait CallStore: Send + Sync {
    /// Records a new call, opened by `secret_id`, for `interview_id` if the secret was bound
    /// to one.
    async fn call_started(&self, call: &NewCall<'_>) -> Result<(), StoreError>;
    /// Writes what a call changed, in one transaction: items are added, or merged into the
    /// item with the same id (a transcript arriving later, a truncation); events appended.
    async fn record_call(&self, call_id: &str, changes: &CallChanges) -> Result<(), StoreError>;
    /// Every call with no end, in every organization: after a crash, the calls it cut.
    async fn unfinished_calls(&self) -> Result<Vec<UnfinishedCall>, StoreError>;
    /// The in-progress interviews (organization, id) that have calls and none unfinished, in
    /// every organization.
    async fn interviews_left_in_progress(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// A call of organization `org_id` with its items, if known.
    async fn call(&self, org_id: &str, call_id: &str) -> Result<Option<CallRecord>, StoreError>;
    /// The items of every call of `org_id`'s interview `interview_id`: the interview's
    /// messages, oldest call first and in each call's order.
    async fn interview_items(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Vec<TranscriptItem>, StoreError>;
    /// The events stored for a call or an interview, in the order they were written.
    async fn events(&self, of: EventsOf<'_>) -> Result<Vec<InterviewEvent>, StoreError>;
    /// When a call of interview `interview_id` first connected (its first `joined` event).
    async fn first_joined_at(&self, interview_id: &str) -> Result<Option<u64>, StoreError>;
}

/// A candidate (or any person an integrator acts for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id (UUID).
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// Email, unique within the organization.
    pub email: String,
}

/// An integrator's API key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    /// Its id (`key_…`).
    pub id: String,
    /// The organization it acts for.
    pub org_id: String,
    /// A name for people.
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// Whether it may act as an administrator (e.g. filter interviews by user).
    pub admin: bool,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Revocation, Unix ms.
    pub revoked_at_ms: Option<u64>,
}

/// Which interviews to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterviewFilter {
    /// Only this user's.
    pub user_id: Option<String>,
    /// Only with one of these statuses (empty: any).
    pub statuses: Vec<Status>,
    /// Skip this many (oldest first).
    pub skip: u32,
    /// At most this many.
    pub limit: u32,
}

/// Where integrators' data lives.
#[async_trait]
pub trait IntegratorStore: Send + Sync {
    /// The user of `org_id` with `email`, created on first sight.
    async fn user_for_email(
        &self,
        org_id: &str,
        email: &str,
        now_ms: u64,
    ) -> Result<User, StoreError>;
    /// The user `id` (of whichever organization), if any.
    async fn user(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// Creates an API key of `org_id`; returns it with its secret, which is not stored (only a
    /// hash is).
    async fn create_api_key(
        &self,
        org_id: &str,
        name: &str,
        admin: bool,
        now_ms: u64,
    ) -> Result<(ApiKeyInfo, String), StoreError>;
    /// The live (not revoked) key whose secret is `secret`.
    async fn api_key_for_secret(&self, secret: &str) -> Result<Option<ApiKeyInfo>, StoreError>;
    /// All keys, revoked ones included.
    async fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError>;
    /// Revokes the key with this id or prefix; false if none matched.
    async fn revoke_api_key(&self, id_or_prefix: &str, now_ms: u64) -> Result<bool, StoreError>;

    /// Adds templates that are not there yet (built-ins on first start).
    async fn seed_templates(&self, templates: &[Template], now_ms: u64) -> Result<(), StoreError>;
    /// The templates `org_id` sees: the built-in ones and its own.
    async fn templates(&self, org_id: &str) -> Result<Vec<Template>, StoreError>;
    /// The template `id`, if `org_id` sees it.
    async fn template(&self, org_id: &str, id: &str) -> Result<Option<Template>, StoreError>;
    /// Stores a new template of `org_id` (`None`: a built-in one).
    async fn create_template(
        &self,
        org_id: Option<&str>,
        template: &Template,
        now_ms: u64,
    ) -> Result<(), StoreError>;

    /// Stores a new interview with the event that says so, taking one of its organization's
    /// credits in the same transaction (`NoCredits` when none is left; exact under concurrent
    /// creates).
    async fn create_interview(
        &self,
        interview: &Interview,
        event: &InterviewEvent,
    ) -> Result<(), StoreError>;
    /// The interview `id` of `org_id`.
    async fn interview(&self, org_id: &str, id: &str) -> Result<Option<Interview>, StoreError>;
    /// Interviews of `org_id` matching `filter`, oldest first.
    async fn interviews(
        &self,
        org_id: &str,
        filter: &InterviewFilter,
    ) -> Result<Vec<Interview>, StoreError>;
    /// Saves an interview's status, completion and progress with the event that says so;
    /// `NotFound` if it is gone.
    async fn update_interview(
        &self,
        interview: &Interview,
        event: &InterviewEvent,
    ) -> Result<(), StoreError>;
    /// Like `update_interview`, but only while its stored status is still `from` (a
    /// transition that lost a race with another change stores nothing); false then.
    async fn update_interview_from(
        &self,
        interview: &Interview,
        from: crate::interview::Status,
        event: &InterviewEvent,
    ) -> Result<bool, StoreError>;
    /// Deletes the interview `id` of `org_id` and its messages (its calls' items), recording
    /// `event`; false if it did not exist (nothing recorded).
    async fn delete_interview(
        &self,
        org_id: &str,
        id: &str,
        event: &InterviewEvent,
    ) -> Result<bool, StoreError>;
}

/// Where organizations and their credits live.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// The organization named `name`, created (with `credits`) if there is none.
    async fn ensure_org(
        &self,
        name: &str,
        credits: Option<u64>,
        now_ms: u64,
    ) -> Result<Organization, StoreError>;
    /// The organization `id`.
    async fn org(&self, id: &str) -> Result<Option<Organization>, StoreError>;
    /// Every organization, by name.
    async fn orgs(&self) -> Result<Vec<Organization>, StoreError>;
    /// Sets the credits of the organization named `name` (`None`: unlimited); `NotFound` if
    /// there is none.
    async fn set_credits(&self, name: &str, credits: Option<u64>) -> Result<(), StoreError>;
}

/// Everything Viva persists.
#[async_trait]
pub trait Store:
    IntegratorStore
    + CallStore
    + OrgStore
    + RecordingIndex
    + ResultStore
    + WebhookStore
    + ExternalIds
    + HiringStore
{
    /// Waits for pending writes and closes the connections.
    async fn close(&self);
}
