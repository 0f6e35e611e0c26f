//! A session's interview: found by the path's id, or created from a job, a candidate and the
//! start's preferences, with the session's choices ([`Setup`]) in its `progress_data`.

use serde::{Deserialize, Serialize};

use super::super::new_interview::{self, NewInterview, Planned};
use super::messages::{Difficulty, Start, WsError};
use super::plan::{self, Phase};
use crate::api::AppState;
use crate::interview::{Interview, Template};
use crate::store::StoreError;

/// The external-id system of the sessions: the path's `session_id`.
pub(super) const SYSTEM: &str = "openhire";
/// Where `progress_data` keeps a session's [`Setup`].
pub(super) const KEY: &str = "openhire";

/// A session's choices, fixed at its creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Setup {
    pub(super) session_id: String,
    pub(super) job_id: String,
    pub(super) candidate_id: String,
    pub(super) job_title: String,
    pub(super) company: String,
    pub(super) max_duration: u32,
    pub(super) difficulty_level: Option<Difficulty>,
    pub(super) focus_areas: Vec<String>,
    pub(super) phases: Vec<Phase>,
}

/// The session's template: built in, seeded on first use.
fn template() -> Template {
    Template {
        id: "5c111014-a000-4000-8000-000000000030".into(),
        title: "Job interview (OpenHire)".into(),
        focus_area: "the candidate's fit for the job, from the job and the resume".into(),
        question_kinds: vec![
            "introduction".into(),
            "technical".into(),
            "behavioral".into(),
        ],
        questions: vec!["Tell me about yourself.".into()],
        question_count: 1,
        duration_minutes: plan::DEFAULT_MINUTES,
        instructions: "Be friendly and professional. Ask one question at a time.".into(),
        builtin: true,
    }
}

/// The interview the path's `id` names in `org_id`: a session id, or the interview's own id.
pub(super) async fn find(
    state: &AppState,
    org_id: &str,
    id: &str,
) -> Result<Option<Interview>, StoreError> {
    if let Some(iid) = state.store.external_interview(org_id, SYSTEM, id).await?
        && let Some(found) = state.store.interview(org_id, &iid).await?
    {
        return Ok(Some(found));
    }
    let own = state.store.interview(org_id, id).await?;
    Ok(own.filter(|i| i.progress_data.get(KEY).is_some()))
}

/// Whether `interview` is the session of `start`'s job and candidate.
pub(super) fn started_for(interview: &Interview, start: &Start) -> bool {
    let setup = &interview.progress_data[KEY];
    setup["job_id"] == start.job_id.as_str() && setup["candidate_id"] == start.candidate_id.as_str()
}

/// Creates the interview of session `session_id` for `start`, or finds the one a concurrent
/// start created. The document's errors for an unknown job or candidate and a missing resume.
pub(super) async fn create(
    state: &AppState,
    org_id: &str,
    session_id: &str,
    start: &Start,
) -> Result<Interview, WsError> {
    let job = state
        .store
        .job(org_id, &start.job_id)
        .await?
        .ok_or_else(|| {
            let message = format!("Job with ID {} not found", start.job_id);
            WsError::http(404, message, "No job with this id in the organization")
        })?;
    let candidate = state
        .store
        .candidate(org_id, &start.candidate_id)
        .await?
        .ok_or_else(|| {
            let message = format!("Candidate with ID {} not found", start.candidate_id);
            WsError::http(
                404,
                message,
                "No candidate with this id in the organization",
            )
        })?;
    let resume = start
        .resume_text
        .clone()
        .or_else(|| candidate.resume_text.clone())
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            WsError::http(
                404,
                "No resume found for candidate",
                "Send resume_text or store one",
            )
        })?;
    let new = NewInterview {
        org_id,
        external: (SYSTEM, session_id),
        key: KEY,
        template: template(),
        candidate: &candidate,
    };
    new_interview::create(state, new, || {
        let questions = plan::questions(&job, &candidate, &start.preferences);
        let setup = Setup {
            session_id: session_id.to_owned(),
            job_id: job.id.clone(),
            candidate_id: candidate.id.clone(),
            job_title: job.title.clone(),
            company: job.company.clone(),
            max_duration: start
                .preferences
                .max_duration
                .unwrap_or(plan::DEFAULT_MINUTES),
            difficulty_level: start.preferences.difficulty_level,
            focus_areas: start.preferences.focus_areas.clone(),
            phases: questions.iter().map(|(p, _)| *p).collect(),
        };
        Planned {
            setup,
            questions: questions.into_iter().map(|(_, q)| q).collect(),
            context: plan::context(&job, &resume),
        }
    })
    .await
}
