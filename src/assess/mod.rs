//! The results of an interview: when it ends, an [`Assessor`] (a subscriber of the event bus,
//! in [`runner`]) measures what happened and, when a text model is configured ([`openai`]),
//! asks it to judge the transcript. Without a model, or without a word of the candidate's
//! transcribed, the scores stay `None` and the result says why: Viva never invents a number.

pub mod openai;
mod output;
pub mod runner;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use output::{ModelAnswer, ModelOutput, schema};
pub use runner::{Assessor, Limits};

use crate::interview::{EventKind, Interview, InterviewEvent, Status, Template};
use crate::store::{Role, TranscriptItem};

/// Reason of a result without scores: no text model is configured (the local engine).
pub const ASSESSMENT_UNAVAILABLE: &str = "assessment_unavailable";
/// Reason of a result without scores: nothing the candidate said was transcribed.
pub const NO_TRANSCRIPT: &str = "no_transcript";

/// What was measured, whatever judged it. `None` is "not known", never a guess.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Time the candidate was connected, summed over the interview's calls (join to end);
    /// `None` when no call both joined and ended.
    pub duration_ms: Option<u64>,
    /// Questions of the plan the interviewer moved to, per the engine's progress events
    /// (counted per call, at most the plan's length); `None` when no call reported progress
    /// (an OpenAI upstream does not).
    pub questions_asked: Option<u32>,
    /// Interviewer turns followed by a candidate turn (speech or words) before the next
    /// interviewer turn, at most `questions_asked` when that is known.
    pub questions_answered: u32,
    /// The candidate's speech, summed over their turns (the turn detector's durations).
    pub talk_time_ms: u64,
}

/// A named area with what was seen in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// e.g. "System design".
    pub area: String,
    /// What the candidate showed there.
    pub detail: String,
}

/// One judged area with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyArea {
    /// e.g. "Communication".
    pub area: String,
    /// 0–100.
    pub score: Option<f64>,
    /// Why.
    pub assessment: String,
}

/// The model's verdict, in seed 004's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Hire without doubt.
    StrongHire,
    /// Hire.
    Hire,
    /// Assess further before deciding.
    FurtherAssessment,
    /// Do not hire.
    NoHire,
}

/// The judgement of one candidate turn (a transcript item of role user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerAssessment {
    /// The candidate's item.
    pub item_id: String,
    /// 0–100; `None` when it was not judged (no model, or no words to judge).
    pub score: Option<f64>,
    /// What was good or missing in it.
    pub analysis: Option<String>,
    /// What a strong answer would have covered.
    pub ideal_answer: Option<String>,
}

/// An interview's assessment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// 0–100; `None` without a model's judgement.
    pub overall_score: Option<f64>,
    /// One per candidate turn, in transcript order.
    pub answers: Vec<AnswerAssessment>,
    /// Where the candidate was strong.
    pub strengths: Vec<Area>,
    /// Where the candidate was weak.
    pub weak_areas: Vec<Area>,
    /// Scored areas (communication, technical depth, …).
    pub key_areas: Vec<KeyArea>,
    /// A summary for the candidate and the integrator.
    pub feedback: Option<String>,
    /// Hire or not.
    pub recommendation: Option<Recommendation>,
    /// What was measured.
    pub measured: Measured,
    /// Why there are no scores ([`ASSESSMENT_UNAVAILABLE`], [`NO_TRANSCRIPT`]), if so.
    pub reason: Option<String>,
}

impl Assessment {
    /// No judgement, for `reason`: the measured numbers and an unscored entry per candidate
    /// turn.
    pub fn unavailable(reason: &str, items: &[TranscriptItem], measured: Measured) -> Self {
        Self {
            answers: candidate_items(items)
                .map(|item| AnswerAssessment {
                    item_id: item.item_id.clone(),
                    score: None,
                    analysis: None,
                    ideal_answer: None,
                })
                .collect(),
            measured,
            reason: Some(reason.to_owned()),
            ..Self::default()
        }
    }

    /// The model's judgement of `items`. Its answers are kept only for candidate turns that
    /// have words (a score for an untranscribed turn, or for an id not in the transcript, would
    /// be invented); the first answer per item wins.
    pub fn from_model(output: ModelOutput, items: &[TranscriptItem], measured: Measured) -> Self {
        let judgeable: HashSet<&str> = judgeable_items(items)
            .map(|item| item.item_id.as_str())
            .collect();
        let mut judged: HashMap<String, ModelAnswer> = HashMap::new();
        for answer in output.answers {
            if judgeable.contains(answer.item_id.as_str()) && !judged.contains_key(&answer.item_id)
            {
                judged.insert(answer.item_id.clone(), answer);
            }
        }
        let answers = candidate_items(items)
            .map(|item| match judged.remove(&item.item_id) {
                Some(a) => AnswerAssessment {
                    item_id: a.item_id,
                    score: Some(a.score),
                    analysis: Some(a.analysis),
                    ideal_answer: Some(a.ideal_answer),
                },
                None => AnswerAssessment {
                    item_id: item.item_id.clone(),
                    score: None,
                    analysis: None,
                    ideal_answer: None,
                },
            })
            .collect();
        Self {
            overall_score: Some(output.overall_score),
            answers,
            strengths: output.strengths,
            weak_areas: output.weak_areas,
            key_areas: output.key_areas,
            feedback: Some(output.feedback),
            recommendation: Some(output.recommendation),
            measured,
            reason: None,
        }
    }

    /// The judgement of the candidate's item `item_id`, if any.
    pub fn answer(&self, item_id: &str) -> Option<&AnswerAssessment> {
        self.answers.iter().find(|a| a.item_id == item_id)
    }
}

/// What a model judges: the interview, its template (when still there) and its transcript.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The interview (its plan and context).
    pub interview: &'a Interview,
    /// Its template (title, focus area).
    pub template: Option<&'a Template>,
    /// The transcript, across its calls, in order.
    pub items: &'a [TranscriptItem],
}

/// Why a model gave no judgement, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ModelError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// Detail for people (logs, the result's `error`); never a key.
    pub message: String,
}

impl ModelError {
    /// A failure of kind `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The stable codes of a failed assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No connection to the model's endpoint.
    Unreachable,
    /// No answer within the limit.
    Timeout,
    /// Busy or failing (HTTP 429, 5xx).
    Unavailable,
    /// The key was refused (HTTP 401, 403).
    Unauthorized,
    /// The request was refused (another 4xx).
    Rejected,
    /// The answer was not the assessment asked for (not JSON, fields missing or out of range).
    OutputInvalid,
    /// The model declined to assess.
    Refused,
}

impl ErrorCode {
    /// The stored code (`model_timeout`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "model_unreachable",
            Self::Timeout => "model_timeout",
            Self::Unavailable => "model_unavailable",
            Self::Unauthorized => "model_unauthorized",
            Self::Rejected => "model_rejected",
            Self::OutputInvalid => "model_output_invalid",
            Self::Refused => "model_refused",
        }
    }

    /// Whether another attempt may do better.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Unreachable | Self::Timeout | Self::Unavailable | Self::OutputInvalid
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text model that judges interviews.
#[async_trait]
pub trait Model: Send + Sync {
    /// Its name, stored with each result it produced.
    fn name(&self) -> &str;
    /// Judges `input` once (the caller bounds the time and retries).
    async fn assess(&self, input: &Input<'_>) -> Result<ModelOutput, ModelError>;
}

/// Whether an interview in `status` is over enough to assess: completed, incomplete or
/// cancelled (an integrator who ends a session early still reads what was answered).
pub fn assessable(status: Status) -> bool {
    matches!(
        status,
        Status::Completed | Status::Incomplete | Status::Cancelled
    )
}

/// The candidate's turns.
fn candidate_items(items: &[TranscriptItem]) -> impl Iterator<Item = &TranscriptItem> {
    items.iter().filter(|item| item.role == Role::User)
}

/// The candidate's turns that have words to judge.
pub fn judgeable_items(items: &[TranscriptItem]) -> impl Iterator<Item = &TranscriptItem> {
    candidate_items(items).filter(|item| item.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
}

/// A fingerprint of a transcript: a result made from the same one needs no redoing.
pub fn digest(items: &[TranscriptItem]) -> String {
    let json = serde_json::to_vec(items).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What `items` and `events` (the interview's, in order) show, for a plan of `plan_len`.
pub fn measure(items: &[TranscriptItem], events: &[InterviewEvent], plan_len: usize) -> Measured {
    let mut joined: HashMap<&str, u64> = HashMap::new();
    let mut duration: Option<u64> = None;
    let mut asked: HashMap<&str, HashSet<u64>> = HashMap::new();
    for event in events {
        let Some(call) = event.call_id.as_deref() else {
            continue;
        };
        match &event.kind {
            EventKind::Joined => {
                joined.entry(call).or_insert(event.at_ms);
            }
            EventKind::Ended { .. } => {
                if let Some(start) = joined.remove(call) {
                    let total = duration.unwrap_or(0);
                    duration = Some(total + event.at_ms.saturating_sub(start));
                }
            }
            EventKind::QuestionAsked { question_index, .. } => {
                asked.entry(call).or_default().insert(*question_index);
            }
            _ => {}
        }
    }
    let plan = u32::try_from(plan_len).unwrap_or(u32::MAX);
    let questions_asked = (!asked.is_empty()).then(|| {
        let sum: usize = asked.values().map(HashSet::len).sum();
        u32::try_from(sum).unwrap_or(u32::MAX).min(plan)
    });
    let mut answered = 0u32;
    let mut open_turn = false;
    for item in items {
        match item.role {
            Role::Assistant => open_turn = true,
            Role::User if open_turn && spoke(item) => {
                answered += 1;
                open_turn = false;
            }
            Role::User => {}
        }
    }
    Measured {
        duration_ms: duration,
        questions_asked,
        questions_answered: questions_asked.map_or(answered, |n| answered.min(n)),
        talk_time_ms: candidate_items(items)
            .filter_map(|item| item.audio_ms)
            .map(u64::from)
            .sum(),
    }
}

/// Whether a candidate turn holds anything: speech or words.
fn spoke(item: &TranscriptItem) -> bool {
    item.audio_ms.is_some_and(|ms| ms > 0)
        || item.text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::EndReason;

    fn item(id: &str, role: Role, text: Option<&str>, audio_ms: Option<u32>) -> TranscriptItem {
        TranscriptItem::turn(id, role, text, audio_ms, 1)
    }

    fn event(call: &str, at_ms: u64, kind: EventKind) -> InterviewEvent {
        InterviewEvent {
            call_id: Some(call.into()),
            interview_id: Some("i1".into()),
            org_id: Some("org_a".into()),
            at_ms,
            kind,
        }
    }

    fn asked(index: u64) -> EventKind {
        EventKind::QuestionAsked {
            question_index: index,
            question_count: 3,
        }
    }

    fn transcript() -> Vec<TranscriptItem> {
        vec![
            item("a1", Role::Assistant, Some("Q1?"), None),
            item("u1", Role::User, Some("I built a queue."), Some(4_000)),
            item("a2", Role::Assistant, Some("Q2?"), None),
            item("u2", Role::User, None, Some(2_500)),
            item("u3", Role::User, None, Some(500)),
            item("a3", Role::Assistant, Some("Goodbye!"), None),
        ]
    }

    #[test]
    fn measured_numbers_come_from_the_items_and_events_only() {
        let ended = EventKind::Ended {
            reason: EndReason::Hangup,
        };
        let events = vec![
            event("rtc_1", 1_000, EventKind::Joined),
            event("rtc_1", 1_100, asked(0)),
            event("rtc_1", 5_000, asked(1)),
            event("rtc_1", 61_000, ended.clone()),
            event("rtc_2", 70_000, EventKind::Joined), // never ended: not counted
        ];
        let m = measure(&transcript(), &events, 3);
        assert_eq!(m.duration_ms, Some(60_000));
        assert_eq!(m.questions_asked, Some(2));
        assert_eq!(m.questions_answered, 2, "u3 answers nothing new");
        assert_eq!(m.talk_time_ms, 7_000);

        let none = measure(&[], &[], 3);
        assert_eq!(none, Measured::default());
        // Without progress events the interviewer's answered turns are all there is.
        let m = measure(&transcript(), &[], 3);
        assert_eq!((m.questions_asked, m.questions_answered), (None, 2));
        // Asked counts are capped by the plan.
        let many: Vec<_> = (0..9).map(|i| event("rtc_1", i, asked(i))).collect();
        assert_eq!(measure(&[], &many, 3).questions_asked, Some(3));
    }

    #[test]
    fn model_answers_count_only_for_transcribed_candidate_turns() {
        let answer = |id: &str, score: f64| ModelAnswer {
            item_id: id.into(),
            score,
            analysis: "ok".into(),
            ideal_answer: "more".into(),
        };
        let output = ModelOutput {
            overall_score: 70.0,
            answers: vec![
                answer("u1", 80.0),
                answer("u1", 10.0),  // a second verdict on u1: ignored
                answer("u2", 90.0),  // untranscribed: would be invented
                answer("a1", 50.0),  // the interviewer's turn
                answer("zzz", 50.0), // not in the transcript
            ],
            strengths: vec![],
            weak_areas: vec![],
            key_areas: vec![],
            feedback: "Fine.".into(),
            recommendation: Recommendation::Hire,
        };
        let a = Assessment::from_model(output, &transcript(), Measured::default());
        let scores: Vec<_> = a
            .answers
            .iter()
            .map(|x| (x.item_id.as_str(), x.score))
            .collect();
        assert_eq!(
            scores,
            [("u1", Some(80.0)), ("u2", None), ("u3", None)],
            "one entry per candidate turn"
        );
        assert_eq!(a.overall_score, Some(70.0));
        assert_eq!(a.reason, None);
    }

    #[test]
    fn unavailable_has_no_scores_but_the_measured_numbers() {
        let measured = Measured {
            talk_time_ms: 7_000,
            ..Measured::default()
        };
        let a = Assessment::unavailable(ASSESSMENT_UNAVAILABLE, &transcript(), measured.clone());
        assert_eq!(a.overall_score, None);
        assert!(a.answers.iter().all(|x| x.score.is_none()));
        assert_eq!(a.answers.len(), 3);
        assert_eq!(a.measured, measured);
        assert_eq!(a.reason.as_deref(), Some("assessment_unavailable"));
    }

    #[test]
    fn the_digest_follows_the_transcript() {
        let mut items = transcript();
        let before = digest(&items);
        assert_eq!(before, digest(&transcript()));
        items[3].text = Some("late transcript".into());
        assert_ne!(before, digest(&items));
        assert_eq!(judgeable_items(&items).count(), 2);
    }

    #[test]
    fn error_codes_are_stable_and_only_transient_ones_retry() {
        assert_eq!(ErrorCode::Timeout.as_str(), "model_timeout");
        assert_eq!(ErrorCode::OutputInvalid.as_str(), "model_output_invalid");
        assert!(ErrorCode::Unreachable.retryable() && ErrorCode::OutputInvalid.retryable());
        assert!(!ErrorCode::Unauthorized.retryable() && !ErrorCode::Refused.retryable());
    }
}
