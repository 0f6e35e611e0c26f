//! A facade's interview for a job's candidate, created under the facade's external id: the
//! candidate's user (by email), the facade's built-in template, and the facade's plan with its
//! choices kept in `progress_data`. A concurrent creation of the same external id finds the
//! interview the other one created.

use serde::Serialize;

use super::failure::Failure;
use crate::api::AppState;
use crate::clock::unix_ms;
use crate::interview::{Interview, Status, Template};
use crate::store::{Candidate, StoreError};

/// Where a new interview is filed, and what it is made of before its plan.
pub(super) struct NewInterview<'a> {
    /// Its organization.
    pub(super) org_id: &'a str,
    /// The facade's external-id system, and the interview's id in it.
    pub(super) external: (&'static str, &'a str),
    /// Where `progress_data` keeps the facade's choices.
    pub(super) key: &'static str,
    /// The facade's built-in template (seeded on first use).
    pub(super) template: Template,
    /// Who is interviewed.
    pub(super) candidate: &'a Candidate,
}

/// A new interview's plan.
pub(super) struct Planned<S> {
    /// The facade's choices, kept in `progress_data[key]`.
    pub(super) setup: S,
    /// The questions, in order.
    pub(super) questions: Vec<String>,
    /// What the interviewer knows of the job and the candidate.
    pub(super) context: String,
}

/// Creates the interview `new` describes, planned by `plan`, or finds the one its external id
/// already names.
pub(super) async fn create<S: Serialize, E: Failure>(
    state: &AppState,
    new: NewInterview<'_>,
    plan: impl FnOnce() -> Planned<S>,
) -> Result<Interview, E> {
    let (org_id, (system, external_id)) = (new.org_id, new.external);
    let proposed = uuid::Uuid::new_v4().to_string();
    let owner = state
        .store
        .claim_external_id(org_id, system, external_id, &proposed, unix_ms())
        .await?;
    if let Some(existing) = state.store.interview(org_id, &owner).await? {
        return Ok(existing);
    }
    let template = super::seeded_template(state, org_id, new.template).await?;
    let candidate = new.candidate;
    let email = candidate
        .email
        .clone()
        .unwrap_or_else(|| format!("{}@candidates.viva.invalid", candidate.id));
    let user = state
        .store
        .user_for_email(org_id, &email, unix_ms())
        .await?;
    let planned = plan();
    let mut progress = Interview::initial_progress();
    progress[new.key] = serde_json::to_value(&planned.setup).map_err(E::internal)?;
    let interview = Interview {
        id: owner,
        org_id: org_id.to_owned(),
        user_id: user.id,
        template_id: template.id,
        status: Status::Created,
        started_at_ms: unix_ms(),
        completed_at_ms: None,
        progress_data: progress,
        questions: planned.questions,
        context: Some(planned.context),
    };
    match state.interviews.create(&interview).await {
        Ok(()) => Ok(interview),
        Err(StoreError::Conflict(_)) => state
            .store
            .interview(org_id, &interview.id)
            .await?
            .ok_or_else(E::no_session),
        Err(error) => Err(error.into()),
    }
}
