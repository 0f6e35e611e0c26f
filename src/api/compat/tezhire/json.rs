//! Seed 002's answers, mapped from the core: session status words, the status view and the
//! results (questions paired with the answers that followed them, the assessment's numbers
//! only when a model made them).

use serde_json::{Value, json};

use crate::assess::Assessment;
use crate::interview::{Interview, Status, rfc3339};
use crate::store::{Role, TranscriptItem};

/// What seed 002 calls a status. `ended` is an interview ended early (by the integrator, or
/// the candidate left before the plan was done); `expired`, a link never used in time.
pub(super) fn status_word(
    interview: &Interview,
    expiry_ms: Option<u64>,
    now_ms: u64,
) -> &'static str {
    match interview.status {
        Status::Created if expiry_ms.is_some_and(|at| now_ms >= at) => "expired",
        Status::Created => "created",
        Status::InProgress => "in_progress",
        Status::Paused => "paused",
        Status::Completed => "completed",
        Status::Incomplete | Status::Cancelled => "ended",
    }
}

/// What the status view says about time: start (first join), end, and seconds between (to
/// now while it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Times {
    pub(super) joined_at_ms: Option<u64>,
    pub(super) ended_at_ms: Option<u64>,
}

impl Times {
    pub(super) fn duration_s(self, now_ms: u64) -> u64 {
        match self.joined_at_ms {
            Some(start) => self.ended_at_ms.unwrap_or(now_ms).saturating_sub(start) / 1000,
            None => 0,
        }
    }
}

/// One question of the interview and what the candidate said after it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Exchange<'a> {
    pub(super) question: &'a TranscriptItem,
    pub(super) answers: Vec<&'a TranscriptItem>,
}

/// The interviewer's turns, each with the candidate's turns up to the next one.
pub(super) fn exchanges(items: &[TranscriptItem]) -> Vec<Exchange<'_>> {
    let mut out: Vec<Exchange<'_>> = Vec::new();
    for item in items {
        match item.role {
            Role::Assistant => out.push(Exchange {
                question: item,
                answers: Vec::new(),
            }),
            Role::User => {
                if let Some(last) = out.last_mut() {
                    last.answers.push(item);
                }
            }
        }
    }
    out
}

/// `questions[]` of the results.
pub(super) fn questions(items: &[TranscriptItem], assessment: Option<&Assessment>) -> Vec<Value> {
    exchanges(items)
        .iter()
        .map(|exchange| {
            let texts: Vec<&str> = exchange
                .answers
                .iter()
                .filter_map(|a| a.text.as_deref())
                .collect();
            let transcript = (!texts.is_empty()).then(|| texts.join(" "));
            let spoken_ms: u64 = exchange
                .answers
                .iter()
                .filter_map(|a| a.audio_ms)
                .map(u64::from)
                .sum();
            let judged = assessment.and_then(|a| {
                a.answers
                    .iter()
                    .find(|j| exchange.answers.iter().any(|x| x.item_id == j.item_id))
            });
            json!({
                "questionId": exchange.question.item_id,
                "question": exchange.question.text,
                "timestamp": rfc3339(exchange.question.at_ms),
                "answerTranscript": transcript,
                "answerDuration": (!exchange.answers.is_empty()).then(|| spoken_ms as f64 / 1000.0),
                "evaluation": judged.map(|j| json!({
                    "score": j.score,
                    "feedback": j.analysis,
                    "keyInsights": [],
                })),
            })
        })
        .collect()
}

/// The whole transcript as text; a candidate turn nobody transcribed says so.
pub(super) fn full_transcript(items: &[TranscriptItem]) -> String {
    items
        .iter()
        .map(|item| match (item.role, item.text.as_deref()) {
            (Role::Assistant, Some(text)) => format!("Interviewer: {text}"),
            (Role::Assistant, None) => "Interviewer: [no text]".to_owned(),
            (Role::User, Some(text)) => format!("Candidate: {text}"),
            (Role::User, None) => "Candidate: [answer not transcribed]".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `overallScore` and `feedback`, from a model's assessment; nulls without one.
pub(super) fn assessment_parts(assessment: Option<&Assessment>) -> (Value, Value) {
    let Some(a) = assessment else {
        return (Value::Null, Value::Null);
    };
    let words = |areas: &[crate::assess::Area]| -> Vec<String> {
        areas
            .iter()
            .map(|x| format!("{}: {}", x.area, x.detail))
            .collect()
    };
    let key = |name: &str| {
        a.key_areas
            .iter()
            .find(|k| k.area.to_lowercase().contains(name))
            .map(|k| k.assessment.clone())
    };
    let feedback = json!({
        "summary": a.feedback,
        "strengths": words(&a.strengths),
        "areasForImprovement": words(&a.weak_areas),
        "technicalAssessment": key("technical"),
        "communicationAssessment": key("communication"),
        "fitScore": Value::Null,
        "recommendation": a.recommendation.map(|r| serde_json::to_value(r).unwrap_or(Value::Null)),
    });
    (json!(a.overall_score), feedback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, role: Role, text: Option<&str>, audio_ms: Option<u32>) -> TranscriptItem {
        TranscriptItem::turn(id, role, text, audio_ms, 1_700_000_000_000)
    }

    #[test]
    fn answers_follow_their_question_and_untranscribed_is_null() {
        let items = [
            item("q1", Role::Assistant, Some("Why this role?"), None),
            item("a1", Role::User, None, Some(2_500)),
            item("a2", Role::User, None, Some(500)),
            item("q2", Role::Assistant, Some("Anything else?"), None),
        ];
        let q = questions(&items, None);
        assert_eq!(q.len(), 2);
        assert_eq!(q[0]["question"], "Why this role?");
        assert_eq!(q[0]["answerTranscript"], Value::Null);
        assert_eq!(q[0]["answerDuration"], 3.0);
        assert_eq!(q[0]["evaluation"], Value::Null);
        assert_eq!(q[1]["answerDuration"], Value::Null, "not answered");
        let text = full_transcript(&items);
        assert!(
            text.contains("Candidate: [answer not transcribed]"),
            "{text}"
        );
        assert_eq!(assessment_parts(None), (Value::Null, Value::Null));
    }
}
