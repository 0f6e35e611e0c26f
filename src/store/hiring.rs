//! An organization's hiring data: jobs, candidates and applications (a candidate applying to a
//! job). The WebSocket interview facades read them to shape an interview's plan. Every lookup
//! is scoped by organization: another organization's row is not found.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A job opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its id, unique in its organization.
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// E.g. "Senior Frontend Developer".
    pub title: String,
    /// The hiring company's name.
    pub company: String,
    /// What the job is.
    pub description: String,
    /// What it asks of a candidate.
    pub requirements: String,
    /// Where.
    pub location: String,
    /// Free text, e.g. "$120k–150k".
    pub salary_range: String,
    /// E.g. "senior".
    pub experience_level: String,
    /// Skills the job needs.
    pub skills_required: Vec<String>,
    /// The industry (IT, BFSI, …), when known.
    pub industry: Option<String>,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Last change, Unix ms.
    pub updated_at_ms: u64,
}

/// A candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its id, unique in its organization.
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// Full name.
    pub name: String,
    /// Email, when known.
    pub email: Option<String>,
    /// The resume as text, when known.
    pub resume_text: Option<String>,
    /// Where the resume is, when known.
    pub resume_url: Option<String>,
    /// Skills.
    pub skills: Vec<String>,
    /// Experience, free text.
    pub experience: String,
    /// Education, free text.
    pub education: String,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Last change, Unix ms.
    pub updated_at_ms: u64,
}

/// A candidate applying to a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Its id, unique in its organization.
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// The job (of the same organization).
    pub job_id: String,
    /// The candidate (of the same organization).
    pub candidate_id: String,
    /// The industry its interview is assessed for, when set (else the job's).
    pub industry: Option<String>,
    /// Where it is, free text (default `applied`).
    pub status: String,
    /// Creation, Unix ms.
    pub created_at_ms: u64,
    /// Last change, Unix ms.
    pub updated_at_ms: u64,
}

/// One page of a list: skip this many (oldest first), then at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows skipped.
    pub skip: u32,
    /// Most rows returned.
    pub limit: u32,
}

/// A page of rows and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    /// The page's rows, oldest first.
    pub items: Vec<T>,
    /// Rows in all.
    pub total: u64,
}

/// Where jobs, candidates and applications live. `create_*` answers `Conflict` for an id
/// already used in the organization; `save_*` and `delete_*` answer false when there is no
/// such row in the organization.
#[async_trait]
pub trait HiringStore: Send + Sync {
    /// Stores a new job.
    async fn create_job(&self, job: &Job) -> Result<(), StoreError>;
    /// Saves a job's fields.
    async fn save_job(&self, job: &Job) -> Result<bool, StoreError>;
    /// The job `id` of `org_id`.
    async fn job(&self, org_id: &str, id: &str) -> Result<Option<Job>, StoreError>;
    /// A page of `org_id`'s jobs.
    async fn jobs(&self, org_id: &str, page: Page) -> Result<Listed<Job>, StoreError>;
    /// Deletes a job and its applications.
    async fn delete_job(&self, org_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Stores a new candidate.
    async fn create_candidate(&self, candidate: &Candidate) -> Result<(), StoreError>;
    /// Saves a candidate's fields.
    async fn save_candidate(&self, candidate: &Candidate) -> Result<bool, StoreError>;
    /// The candidate `id` of `org_id`.
    async fn candidate(&self, org_id: &str, id: &str) -> Result<Option<Candidate>, StoreError>;
    /// A page of `org_id`'s candidates.
    async fn candidates(&self, org_id: &str, page: Page) -> Result<Listed<Candidate>, StoreError>;
    /// Deletes a candidate and its applications.
    async fn delete_candidate(&self, org_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Stores a new application; `NotFound` when its job or candidate is not `org_id`'s.
    async fn create_application(&self, application: &Application) -> Result<(), StoreError>;
    /// Saves an application's industry and status.
    async fn save_application(&self, application: &Application) -> Result<bool, StoreError>;
    /// The application `id` of `org_id`.
    async fn application(&self, org_id: &str, id: &str) -> Result<Option<Application>, StoreError>;
    /// A page of `org_id`'s applications.
    async fn applications(
        &self,
        org_id: &str,
        page: Page,
    ) -> Result<Listed<Application>, StoreError>;
    /// Deletes an application.
    async fn delete_application(&self, org_id: &str, id: &str) -> Result<bool, StoreError>;
}
