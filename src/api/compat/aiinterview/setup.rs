//! An application's interviews: the path's application id names its latest interview (attempt
//! 1 is external id `{application_id}`, attempt n is `{application_id}#n`), created from the
//! application's job and candidate with the choices ([`Setup`]) in its `progress_data`.

use serde::{Deserialize, Serialize};

use super::super::new_interview::{self, NewInterview, Planned};
use super::messages::WsError;
use super::plan::{self, Industry, Kind};
use crate::api::AppState;
use crate::interview::{Interview, Template};
use crate::store::{Application, StoreError};

/// The external-id system of the interviews: the application id (and attempt).
pub(super) const SYSTEM: &str = "aiinterview";
/// Where `progress_data` keeps an interview's [`Setup`].
pub(super) const KEY: &str = "aiinterview";
/// Interviews one application may have.
pub(super) const MAX_ATTEMPTS: u32 = 20;

/// An interview's choices, fixed at its creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Setup {
    pub(super) application_id: String,
    pub(super) attempt: u32,
    pub(super) job_id: String,
    pub(super) candidate_id: String,
    pub(super) candidate_name: String,
    pub(super) job_title: String,
    pub(super) company: String,
    pub(super) industry: Option<Industry>,
    /// Minutes.
    pub(super) duration: u32,
    /// The kind of each question of the plan.
    pub(super) kinds: Vec<Kind>,
}

impl Setup {
    /// Questions before the bonus ones.
    pub(super) fn main_count(&self) -> usize {
        self.kinds.iter().filter(|k| **k != Kind::Bonus).count()
    }
}

/// The interviews' template: built in, seeded on first use.
fn template() -> Template {
    Template {
        id: "5c111014-a000-4000-8000-000000000040".into(),
        title: "Job interview (AI Interview)".into(),
        focus_area: "the candidate's fit for the job: experience, scenarios, industry competencies"
            .into(),
        question_kinds: vec![
            "icebreaker".into(),
            "resume".into(),
            "scenario".into(),
            "bonus".into(),
        ],
        questions: vec!["Tell me about yourself.".into()],
        question_count: 1,
        duration_minutes: plan::DEFAULT_MINUTES,
        instructions: "Be friendly and professional. Ask one question at a time.".into(),
        builtin: true,
    }
}

fn external_id(application_id: &str, attempt: u32) -> String {
    match attempt {
        1 => application_id.to_owned(),
        n => format!("{application_id}#{n}"),
    }
}

/// The application `id` of `org_id`, or the error that refuses the socket.
pub(super) async fn application(
    state: &AppState,
    org_id: &str,
    id: &str,
) -> Result<Application, WsError> {
    state.store.application(org_id, id).await?.ok_or_else(|| {
        WsError::new(
            "APPLICATION_NOT_FOUND",
            format!("Application {id} not found"),
            false,
            "Check the application id",
        )
    })
}

/// The application's latest interview and its attempt number, if it has one.
pub(super) async fn latest(
    state: &AppState,
    org_id: &str,
    application_id: &str,
) -> Result<Option<(u32, Interview)>, StoreError> {
    let mut found = None;
    for attempt in 1..=MAX_ATTEMPTS {
        let id = external_id(application_id, attempt);
        let Some(iid) = state.store.external_interview(org_id, SYSTEM, &id).await? else {
            break;
        };
        if let Some(interview) = state.store.interview(org_id, &iid).await? {
            found = Some((attempt, interview));
        }
    }
    Ok(found)
}

/// Creates interview `attempt` of `application` lasting `minutes`, or finds the one a
/// concurrent start created.
pub(super) async fn create(
    state: &AppState,
    application: &Application,
    attempt: u32,
    minutes: u32,
) -> Result<Interview, WsError> {
    if attempt > MAX_ATTEMPTS {
        return Err(WsError::new(
            "MAX_ATTEMPTS_REACHED",
            format!("The application has had {MAX_ATTEMPTS} interviews"),
            false,
            "Use another application",
        ));
    }
    let org_id = application.org_id.as_str();
    let missing = |what: &str, id: &str| {
        WsError::new(
            "APPLICATION_INCOMPLETE",
            format!("The application's {what} {id} was not found"),
            false,
            "Fix the application's job and candidate",
        )
    };
    let job = state
        .store
        .job(org_id, &application.job_id)
        .await?
        .ok_or_else(|| missing("job", &application.job_id))?;
    let candidate = state
        .store
        .candidate(org_id, &application.candidate_id)
        .await?
        .ok_or_else(|| missing("candidate", &application.candidate_id))?;
    let external = external_id(&application.id, attempt);
    let new = NewInterview {
        org_id,
        external: (SYSTEM, &external),
        key: KEY,
        template: template(),
        candidate: &candidate,
    };
    new_interview::create(state, new, || {
        let industry = Industry::of(application.industry.as_deref(), &job);
        let questions = plan::questions(&job, &candidate, industry, minutes);
        let setup = Setup {
            application_id: application.id.clone(),
            attempt,
            job_id: job.id.clone(),
            candidate_id: candidate.id.clone(),
            candidate_name: candidate.name.clone(),
            job_title: job.title.clone(),
            company: job.company.clone(),
            industry,
            duration: minutes,
            kinds: questions.iter().map(|(k, _)| *k).collect(),
        };
        Planned {
            setup,
            questions: questions.into_iter().map(|(_, q)| q).collect(),
            context: plan::context(&job, &candidate, industry),
        }
    })
    .await
}
