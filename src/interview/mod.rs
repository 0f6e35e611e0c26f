//! Interviews, their templates and question plans, and the instructions each question gives
//! the interviewer model. Pure data and rules; no I/O.

mod builtin;
mod events;
pub mod lifecycle;
pub mod recovery;
mod service;
mod text_call;
mod timer;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use builtin::builtin_templates;
pub use events::{EventBus, EventKind, InterviewEvent};
pub use service::Interviews;
pub use text_call::{TEXT_CALL_SOURCE, TextCall, merged};
pub use timer::AnswerClock;

/// Most and fewest questions in a plan.
pub const PLAN_LEN: std::ops::RangeInclusive<usize> = 1..=10;

/// An interview template: what kind of interview, which questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Its id (UUID).
    pub id: String,
    /// Title, e.g. "Backend engineer".
    pub title: String,
    /// What the interview is about, e.g. "distributed systems".
    pub focus_area: String,
    /// Number of questions in an interview made from it (1–10).
    pub question_count: usize,
    /// Kinds of questions, e.g. `["behavioral", "technical"]`.
    pub question_kinds: Vec<String>,
    /// Planned duration in minutes.
    pub duration_minutes: u32,
    /// Guidance for the interviewer, added to every question's instructions.
    pub instructions: String,
    /// The question bank; a plan takes the first `question_count`.
    pub questions: Vec<String>,
    /// Seeded by Viva rather than created by an integrator.
    pub builtin: bool,
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidTemplate(pub String);

impl Template {
    /// Checks the template's fields.
    pub fn validate(&self) -> Result<(), InvalidTemplate> {
        if self.title.trim().is_empty() {
            return Err(InvalidTemplate("title must not be empty".into()));
        }
        if !PLAN_LEN.contains(&self.question_count) {
            return Err(InvalidTemplate(format!(
                "question_count must be between {} and {}",
                PLAN_LEN.start(),
                PLAN_LEN.end()
            )));
        }
        if self.questions.len() < self.question_count {
            return Err(InvalidTemplate(format!(
                "{} questions are needed for question_count {}",
                self.question_count, self.question_count
            )));
        }
        if self.questions.iter().any(|q| q.trim().is_empty()) {
            return Err(InvalidTemplate("questions must not be empty".into()));
        }
        if !(1..=240).contains(&self.duration_minutes) {
            return Err(InvalidTemplate(
                "duration_minutes must be between 1 and 240".into(),
            ));
        }
        Ok(())
    }

    /// The question plan of an interview made from this template.
    pub fn plan(&self) -> Vec<String> {
        self.questions
            .iter()
            .take(self.question_count)
            .cloned()
            .collect()
    }
}

/// Where an interview is in its life: created → in progress (the candidate joined) → paused ↔
/// in progress → completed | incomplete (a call ended before the plan did) | cancelled (ended
/// by the integrator). Each facade maps these onto its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Created; the candidate has not joined yet.
    Created,
    /// The candidate joined.
    InProgress,
    /// Paused by the integrator or the candidate.
    Paused,
    /// Finished: the plan was done, or the integrator said so. Its tokens are refused.
    Completed,
    /// A call ended before the plan was done; the candidate may join again.
    Incomplete,
    /// Ended by the integrator. Its tokens are refused.
    Cancelled,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Self::Created,
        Self::InProgress,
        Self::Paused,
        Self::Completed,
        Self::Incomplete,
        Self::Cancelled,
    ];

    /// The stored name (`created`, `in_progress`, …), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::InProgress => "in_progress",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Incomplete => "incomplete",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Whether it is over for good: no call joins it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

/// Where `progress_data` keeps a facade's session choices (voice, transcription).
const SESSION_KEY: &str = "session";

/// The realtime voices an interview may ask for (OpenAI's; the local engine has one).
pub const VOICES: [&str; 10] = [
    "alloy", "ash", "ballad", "cedar", "coral", "echo", "marin", "sage", "shimmer", "verse",
];

/// An interview, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Interview {
    /// Its id (UUID).
    pub id: String,
    /// The organization it belongs to.
    pub org_id: String,
    /// The candidate it belongs to.
    pub user_id: String,
    /// The template it was made from.
    pub template_id: String,
    /// In progress or completed.
    pub status: Status,
    /// Creation, Unix ms.
    pub started_at_ms: u64,
    /// Completion, Unix ms.
    pub completed_at_ms: Option<u64>,
    /// Free-form progress the integrator keeps (`current_question`, `questions_completed`).
    pub progress_data: Value,
    /// The question plan, fixed at creation.
    pub questions: Vec<String>,
    /// Extra context for the interviewer (role, company), if given.
    pub context: Option<String>,
}

/// Formats Unix milliseconds as RFC 3339 (`2023-01-01T12:00:00Z`).
pub fn rfc3339(ms: u64) -> String {
    let seconds = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Seed 001's two words for a status: finished (`completed`) or not (`in-progress`).
pub fn seed001_status(status: Status) -> &'static str {
    if status.is_final() {
        "completed"
    } else {
        "in-progress"
    }
}

/// The statuses seed 001's word `s` stands for.
pub fn seed001_statuses(s: &str) -> Option<Vec<Status>> {
    let finished = match s {
        "completed" => true,
        "in-progress" => false,
        _ => return None,
    };
    Some(
        Status::ALL
            .into_iter()
            .filter(|st| st.is_final() == finished)
            .collect(),
    )
}

/// Why an interview cannot be used as asked. Each wire format maps these onto its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InterviewError {
    /// It does not exist (or no longer).
    #[error("the interview does not exist")]
    NotFound,
    /// It is completed: no call joins it any more.
    #[error("the interview is completed")]
    Completed,
}

impl Interview {
    /// Whether a call may join it now.
    pub fn check_open(&self) -> Result<(), InterviewError> {
        if self.status.is_final() {
            Err(InterviewError::Completed)
        } else {
            Ok(())
        }
    }

    /// The interviewer's voice a facade chose for it (`progress_data.session.voice`), if any.
    pub fn voice(&self) -> Option<&str> {
        self.progress_data[SESSION_KEY]["voice"].as_str()
    }

    /// Whether the candidate's speech is to be transcribed (`progress_data.session.transcription`;
    /// yes unless a facade said no).
    pub fn transcribes(&self) -> bool {
        self.progress_data[SESSION_KEY]["transcription"]
            .as_bool()
            .unwrap_or(true)
    }

    /// Records the facade's session choices: `voice` (one of [`VOICES`], else the default) and
    /// whether to transcribe.
    pub fn set_session_choices(progress: &mut Value, voice: Option<&str>, transcription: bool) {
        let voice = voice.filter(|v| VOICES.contains(v));
        progress[SESSION_KEY] = json!({ "voice": voice, "transcription": transcription });
    }

    /// Progress at creation: on question 1, none completed.
    pub fn initial_progress() -> Value {
        json!({ "current_question": 1, "questions_completed": [] })
    }

    /// The interview in the seed's JSON shape.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "user_id": self.user_id,
            "template_id": self.template_id,
            "status": seed001_status(self.status),
            "started_at": rfc3339(self.started_at_ms),
            "completed_at": self.completed_at_ms.map(rfc3339),
            "progress_data": self.progress_data,
        })
    }

    /// Instructions for the interviewer model: the whole interview, or one question of it.
    pub fn instructions(&self, template: &Template, question: Option<usize>) -> String {
        let total = self.questions.len();
        let mut text = format!(
            "You are a professional interviewer conducting a {} interview ({}; about {} minutes). {}",
            template.title, template.focus_area, template.duration_minutes, template.instructions
        );
        if let Some(context) = self.context.as_deref().filter(|c| !c.trim().is_empty()) {
            text.push_str(&format!(
                " Context about the role and candidate: {context}."
            ));
        }
        match question.and_then(|n| self.questions.get(n - 1).map(|q| (n, q))) {
            Some((n, q)) => text.push_str(&format!(
                " This part of the interview is question {n} of {total}. Ask exactly this question: \"{q}\" Listen to the whole answer, ask at most one short follow-up if the answer is unclear, then thank the candidate and stop. Do not move on to other questions."
            )),
            None => {
                text.push_str(&format!(" Ask these {total} questions one at a time, in order, waiting for each answer:"));
                for (i, q) in self.questions.iter().enumerate() {
                    text.push_str(&format!(" {}. {q}", i + 1));
                }
                text.push_str(" Keep your turns short and do not answer for the candidate.");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        builtin_templates().into_iter().next().unwrap()
    }

    fn interview(t: &Template) -> Interview {
        Interview {
            id: "i1".into(),
            org_id: "org_a".into(),
            user_id: "u1".into(),
            template_id: t.id.clone(),
            status: Status::InProgress,
            started_at_ms: 1_672_574_400_000,
            completed_at_ms: None,
            progress_data: Interview::initial_progress(),
            questions: t.plan(),
            context: Some("Senior role at Acme".into()),
        }
    }

    #[test]
    fn builtin_templates_are_valid_and_plans_follow_question_count() {
        for t in builtin_templates() {
            t.validate().unwrap();
            assert_eq!(t.plan().len(), t.question_count);
        }
    }

    #[test]
    fn the_seed_shape_and_timestamps() {
        let t = template();
        let json = interview(&t).to_json();
        assert_eq!(json["status"], "in-progress");
        assert_eq!(json["started_at"], "2023-01-01T12:00:00Z");
        assert_eq!(json["completed_at"], Value::Null);
        assert_eq!(json["progress_data"]["current_question"], 1);
    }

    #[test]
    fn question_instructions_name_the_question_and_the_context() {
        let t = template();
        let i = interview(&t);
        let q2 = i.instructions(&t, Some(2));
        assert!(
            q2.contains(&i.questions[1]) && q2.contains("question 2 of") && q2.contains("Acme")
        );
        assert!(!q2.contains(&i.questions[0]));
        let all = i.instructions(&t, None);
        assert!(i.questions.iter().all(|q| all.contains(q.as_str())));
    }

    #[test]
    fn invalid_templates_are_explained() {
        let mut t = template();
        t.question_count = 11;
        assert!(t.validate().unwrap_err().0.contains("question_count"));
        let mut t = template();
        t.questions.truncate(1);
        assert!(t.validate().is_err());
    }
}
