//! The create-session body of seed 002, typed: every part the seed documents, camelCase as
//! sent. What is required is required by the type (a missing field is a 400 naming it) or by
//! [`SessionBody::check`]; the rest may be absent.

use serde::{Deserialize, Serialize};

use super::error::SessionError;

/// `POST /api/tezhire/interview-sessions`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct SessionBody {
    pub(super) session: SessionPart,
    pub(super) candidate: Candidate,
    pub(super) job: Job,
    pub(super) interview: InterviewPart,
    pub(super) configuration: Configuration,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct SessionPart {
    /// The integrator's id of the session; Viva makes one when absent.
    pub(super) session_id: Option<String>,
    /// Where this session's webhooks go.
    pub(super) callback_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Candidate {
    pub(super) candidate_id: String,
    pub(super) name: Option<String>,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) resume_data: ResumeData,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ResumeData {
    pub(super) skills: Vec<String>,
    pub(super) experience: Vec<Experience>,
    pub(super) education: Vec<Education>,
    pub(super) projects: Vec<Project>,
    pub(super) raw_text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Experience {
    pub(super) company: Option<String>,
    pub(super) role: Option<String>,
    pub(super) duration: Option<String>,
    pub(super) description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Education {
    pub(super) institution: Option<String>,
    pub(super) degree: Option<String>,
    pub(super) field_of_study: Option<String>,
    pub(super) year: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Project {
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) technologies: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Job {
    pub(super) job_id: String,
    pub(super) company_id: Option<String>,
    pub(super) recruiter_user_id: Option<String>,
    pub(super) title: String,
    pub(super) department: Option<String>,
    pub(super) description: Option<String>,
    pub(super) requirements: Vec<String>,
    pub(super) responsibilities: Vec<String>,
    pub(super) location: Option<String>,
    pub(super) employment_type: Option<String>,
    pub(super) experience_level: Option<String>,
    pub(super) salary_range: Option<SalaryRange>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct SalaryRange {
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) currency: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct InterviewPart {
    /// Minutes.
    pub(super) duration: Option<u32>,
    pub(super) difficulty_level: Option<String>,
    pub(super) topics_to_focus: Vec<String>,
    pub(super) topics_to_avoid: Vec<String>,
    pub(super) custom_questions: Vec<String>,
    pub(super) interview_style: Option<String>,
    pub(super) feedback_detail: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Configuration {
    pub(super) language: Option<String>,
    pub(super) voice_id: Option<String>,
    pub(super) enable_transcription: Option<bool>,
    pub(super) audio_quality: Option<String>,
    pub(super) time_zone: Option<String>,
}

/// The longest interview a session may ask for, in minutes.
pub(super) const MAX_DURATION_MINUTES: u32 = 120;
/// Custom questions taken at most.
const MAX_CUSTOM_QUESTIONS: usize = 20;
/// The longest one-line field.
const MAX_LINE: usize = 500;

impl SessionBody {
    /// Checks what the types cannot: required text present, sizes, the email, the URL.
    pub(super) fn check(&self) -> Result<(), SessionError> {
        let required = [
            ("candidate.candidateId", &self.candidate.candidate_id),
            ("candidate.email", &self.candidate.email),
            ("job.jobId", &self.job.job_id),
            ("job.title", &self.job.title),
        ];
        for (name, value) in required {
            if value.trim().is_empty() {
                return Err(SessionError::invalid(format!("{name} is required")));
            }
        }
        let lines = [
            ("session.sessionId", self.session.session_id.as_deref()),
            (
                "candidate.candidateId",
                Some(self.candidate.candidate_id.as_str()),
            ),
            ("job.jobId", Some(self.job.job_id.as_str())),
            ("job.title", Some(self.job.title.as_str())),
        ];
        for (name, value) in lines {
            if value.is_some_and(|v| v.len() > MAX_LINE) {
                return Err(SessionError::invalid(format!(
                    "{name} is longer than {MAX_LINE} characters"
                )));
            }
        }
        if self
            .session
            .session_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(SessionError::invalid("session.sessionId must not be blank"));
        }
        if crate::api::auth::valid_email(&self.candidate.email).is_err() {
            return Err(SessionError::invalid(
                "candidate.email must be a valid email address",
            ));
        }
        if let Some(minutes) = self.interview.duration
            && !(1..=MAX_DURATION_MINUTES).contains(&minutes)
        {
            return Err(SessionError::invalid(format!(
                "interview.duration must be 1–{MAX_DURATION_MINUTES} minutes"
            )));
        }
        if self.interview.custom_questions.len() > MAX_CUSTOM_QUESTIONS {
            return Err(SessionError::invalid(format!(
                "interview.customQuestions takes at most {MAX_CUSTOM_QUESTIONS} questions"
            )));
        }
        if let Some(url) = &self.session.callback_url {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
            if !ok {
                return Err(SessionError::invalid(
                    "session.callbackUrl must be an http(s) URL",
                ));
            }
        }
        Ok(())
    }
}
