//! `interview_completed` and its `final_assessment`, in exactly the document's shape, from the
//! core's result (the [`crate::assess::Assessor`]'s, made when the interview completed). With a
//! model the scores are the model's: its `key_areas`, named as the interview's context asks
//! (see `plan::context`), fill the named scores; what it did not name stays `null`. Without a
//! model every score, the recommendation and the feedback are `null` and `reason` says why;
//! `interview_metrics` holds what was measured.

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::flow::Completed;
use crate::api::AppState;
use crate::assess::{ASSESSMENT_UNAVAILABLE, Assessment, NO_TRANSCRIPT};
use crate::interview::EventKind;
use crate::store::{InterviewResult, ResultState};

/// The universal scores: (key area, field).
const UNIVERSAL: [(&str, &str); 6] = [
    ("communication", "communication_score"),
    ("problem_solving", "problem_solving_score"),
    ("leadership_potential", "leadership_potential_score"),
    ("adaptability", "adaptability_score"),
    ("teamwork", "teamwork_score"),
    ("cultural_fit", "cultural_fit_score"),
];

/// The longest the socket waits for the assessment: the assessor's attempts, and a margin.
fn wait_limit(state: &AppState) -> Duration {
    let limits = state.config.assess_limits;
    let attempts = limits.timeout.saturating_mul(limits.attempts.max(1));
    let backoff = limits.backoff.saturating_mul(1 << limits.attempts.min(8));
    (attempts + backoff + Duration::from_secs(5)).min(Duration::from_secs(300))
}

/// The result of the completed interview once the assessor has judged its final transcript;
/// `None` when it took longer than [`wait_limit`] (or the store failed).
async fn wait(state: &AppState, done: &mut Completed) -> Option<InterviewResult> {
    let (org, id) = (done.org_id.as_str(), done.interview_id.as_str());
    let items = state.store.interview_items(org, id).await.ok()?;
    let digest = crate::assess::digest(&items);
    let deadline = tokio::time::Instant::now() + wait_limit(state);
    loop {
        match state.store.result(org, id).await {
            Ok(Some(r)) if r.state != ResultState::Pending && r.transcript_digest == digest => {
                return Some(r);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "could not read an interview's result");
                return None;
            }
        }
        let tick = (tokio::time::Instant::now() + Duration::from_secs(1)).min(deadline);
        if tick >= deadline {
            return None;
        }
        loop {
            tokio::select! {
                event = done.events.recv() => match event {
                    Ok(e) if e.interview_id.as_deref() == Some(id)
                        && matches!(e.kind, EventKind::ResultsAvailable { .. }) => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(tick) => break,
            }
        }
    }
}

/// `interview_completed` for `done`, once its assessment is there (or could not be waited for).
pub(super) async fn completed_message(state: &AppState, mut done: Completed) -> String {
    let result = wait(state, &mut done).await;
    json!({
        "type": "interview_completed",
        "message": "Interview completed successfully",
        "final_assessment": final_assessment(result.as_ref(), &done),
        "session_id": done.interview_id,
    })
    .to_string()
}

/// A score as the document writes it: a whole number when it is one.
fn number(score: f64) -> Value {
    if score.fract() == 0.0 && score.abs() < 1e15 {
        json!(score as i64)
    } else {
        json!(score)
    }
}

/// `area` as a key: `"Problem solving"` → `problem_solving`; a trailing `_score` dropped.
fn key(area: &str) -> String {
    let mut key = String::new();
    for c in area.trim().chars() {
        if c.is_alphanumeric() {
            key.extend(c.to_lowercase());
        } else if !key.ends_with('_') {
            key.push('_');
        }
    }
    let key = key.trim_matches('_');
    key.strip_suffix("_score").unwrap_or(key).to_owned()
}

/// Milliseconds as `mm:ss`.
pub(super) fn mm_ss(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Why there are no scores, for a result that is not `done` (or none at all).
fn reason(result: Option<&InterviewResult>, interview_id: &str) -> Value {
    let (code, message) = match result {
        Some(r) if r.state == ResultState::Done => return Value::Null,
        None => (
            "assessment_pending".to_owned(),
            format!(
                "The assessment was not ready in time; read it later at GET /api/v1/interviews/{interview_id}/results"
            ),
        ),
        Some(r) => {
            let code = r
                .reason
                .clone()
                .unwrap_or_else(|| "assessment_failed".into());
            let message = match code.as_str() {
                ASSESSMENT_UNAVAILABLE => "No text model is configured (set OPENAI_API_KEY); Viva does not invent scores, recommendations or feedback".into(),
                NO_TRANSCRIPT => "Nothing the candidate said was recorded, so there is nothing to judge".into(),
                other => format!("The model could not assess the interview ({other})"),
            };
            (code, message)
        }
    };
    json!({ "code": code, "message": message })
}

/// The document's `final_assessment` of `result` for `done`.
pub(super) fn final_assessment(result: Option<&InterviewResult>, done: &Completed) -> Value {
    let judged: Option<&Assessment> = result
        .filter(|r| r.state == ResultState::Done)
        .and_then(|r| r.assessment.as_ref());
    let areas = Value::Object(
        judged
            .map(|a| {
                a.key_areas
                    .iter()
                    .map(|k| {
                        (
                            key(&k.area),
                            json!({"score": k.score, "text": k.assessment}),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    );
    let score = |name: &str| areas[name]["score"].as_f64().map_or(Value::Null, number);
    let text = |name: &str| areas[name]["text"].clone();
    let universal: Map<String, Value> = UNIVERSAL
        .iter()
        .map(|(area, field)| ((*field).to_owned(), score(area)))
        .collect();
    let competencies: Map<String, Value> = done
        .industry
        .map(|i| i.competencies())
        .unwrap_or_default()
        .iter()
        .map(|c| ((*c).to_owned(), score(c)))
        .collect();
    let confidence = areas["confidence"]["score"].as_f64().map(|s| match s {
        s if s >= 70.0 => "high",
        s if s >= 40.0 => "medium",
        _ => "low",
    });
    let names = |list: &[crate::assess::Area]| {
        Value::from(list.iter().map(|a| a.area.clone()).collect::<Vec<_>>())
    };
    let for_recruiters = judged.map(|_| {
        UNIVERSAL
            .iter()
            .filter_map(|(area, _)| Some(format!("{area}: {}", areas[*area]["text"].as_str()?)))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let feedback = match judged {
        None => json!({
            "universal_feedback_for_recruiters": null,
            "universal_feedback_for_candidate": null,
            "industry_specific_feedback": {
                "technical_feedback_for_recruiters": null,
                "technical_feedback_for_candidate": null,
                "domain_strengths": null,
                "domain_improvement_areas": null,
            },
            "areas_of_improvement_for_candidate": null,
            "overall_feedback_for_recruiters": null,
        }),
        Some(a) => json!({
            "universal_feedback_for_recruiters": for_recruiters.filter(|t| !t.is_empty()),
            "universal_feedback_for_candidate": text("feedback_for_candidate"),
            "industry_specific_feedback": {
                "technical_feedback_for_recruiters": text("technical"),
                "technical_feedback_for_candidate": text("technical_feedback_for_candidate"),
                "domain_strengths": names(&a.strengths),
                "domain_improvement_areas": names(&a.weak_areas),
            },
            "areas_of_improvement_for_candidate": names(&a.weak_areas),
            "overall_feedback_for_recruiters": a.feedback,
        }),
    };
    json!({
        "overall_score": judged.and_then(|a| a.overall_score).map(number),
        "technical_score": score("technical"),
        "universal_scores": universal,
        "industry_competency_scores": competencies,
        "industry_type": done.industry.map(|i| i.as_str()),
        "final_recommendation": judged.and_then(|a| a.recommendation),
        "confidence_level": confidence,
        "interview_quality_score": score("interview_quality"),
        "feedback": feedback,
        "interview_metrics": {
            "duration": mm_ss(done.used_ms),
            "questions_answered": done.questions_answered,
            "engagement_level": null,
            "completion_status": done.how.as_str(),
        },
        "reason": reason(result, &done.interview_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_durations_and_numbers() {
        assert_eq!(key("Problem Solving"), "problem_solving");
        assert_eq!(key(" communication_score "), "communication");
        assert_eq!(key("Cultural-fit"), "cultural_fit");
        assert_eq!(mm_ss(1_125_000), "18:45");
        assert_eq!(mm_ss(999), "00:00");
        assert_eq!(number(85.0), json!(85));
        assert_eq!(number(8.5), json!(8.5));
    }
}
