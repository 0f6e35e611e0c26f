//! Seed 000's response shapes: an interview's details, a list item, a message, pagination
//! and the organization. The assessment fields come from the interview's stored result
//! (`score`, `analysis`, `weak_areas`, `strong_areas`, `key_area_assessments`; per message
//! `score`, `analysis`, `ideal_answer`): null (or `{}`) while there is none, and when it has no
//! scores (no model, nothing transcribed). `learning_resources` stays `{}`: nothing suggests
//! any. It records no video.

use serde_json::{Map, Value, json};

use super::create::Fields;
use crate::assess::{Area, Assessment};
use crate::interview::{Interview, Status, rfc3339};
use crate::store::{InterviewResult, Organization, Role, TranscriptItem, User};

/// An interview as this API shows it: the stored interview, its own fields (none for an
/// interview made through the native API) and when the candidate first joined.
pub(super) struct View {
    pub(super) interview: Interview,
    pub(super) fields: Option<Fields>,
    pub(super) joined_at_ms: Option<u64>,
    /// Its assessment, when one is stored.
    pub(super) assessment: Option<Assessment>,
}

impl View {
    pub(super) fn new(interview: Interview, joined_at_ms: Option<u64>) -> Self {
        let fields = Fields::of(&interview.progress_data);
        Self {
            interview,
            fields,
            joined_at_ms,
            assessment: None,
        }
    }

    /// With the interview's stored result, if any.
    pub(super) fn with_result(mut self, result: Option<InterviewResult>) -> Self {
        self.assessment = result.and_then(|r| r.assessment);
        self
    }

    /// The seed's assessment fields, from the stored result.
    fn assessment_json(&self) -> Value {
        let a = self.assessment.as_ref();
        let areas = |pick: fn(&Assessment) -> &[Area]| -> Value {
            let by_name: Map<String, Value> = a
                .map(pick)
                .unwrap_or_default()
                .iter()
                .map(|x| (x.area.clone(), json!(x.detail)))
                .collect();
            Value::Object(by_name)
        };
        let key_areas: Map<String, Value> = a
            .map(|a| a.key_areas.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|k| {
                let v = json!({ "score": k.score, "assessment": k.assessment });
                (k.area.clone(), v)
            })
            .collect();
        json!({
            "score": a.and_then(|a| a.overall_score),
            "analysis": a.and_then(|a| a.feedback.clone()),
            "weak_areas": areas(|a| &a.weak_areas),
            "strong_areas": areas(|a| &a.strengths),
            "key_area_assessments": key_areas,
        })
    }

    /// The seed's status: UNATTEMPTED, IN_PROGRESS, COMPLETED or INCOMPLETE.
    pub(super) fn status(&self) -> &'static str {
        seed_status(self.interview.status)
    }

    /// Every field the seed shows for a created or fetched interview.
    pub(super) fn details(&self) -> Value {
        let i = &self.interview;
        let mut out = json!({
            "id": i.id,
            "user": i.user_id,
            "status": self.status(),
            "created_at": rfc3339(i.started_at_ms),
            "started_at": self.joined_at_ms.map(rfc3339),
            "ended_at": i.completed_at_ms.map(rfc3339),
            "learning_resources": {},
            "questions": i.questions,
        });
        let object = out.as_object_mut().expect("an object");
        for extra in [self.assessment_json(), self.fields_json()] {
            object.extend(extra.as_object().expect("an object").clone());
        }
        out
    }

    /// A list item: fewer fields, and the user as an object.
    pub(super) fn list_item(&self, user: Option<&User>) -> Value {
        let i = &self.interview;
        let f = self.fields_json();
        let a = self.assessment_json();
        json!({
            "id": i.id,
            "user": {
                "id": i.user_id,
                "email": user.map(|u| u.email.as_str()),
                "first_name": null,
                "last_name": null,
            },
            "score": a["score"],
            "status": self.status(),
            "created_at": rfc3339(i.started_at_ms),
            "started_at": self.joined_at_ms.map(rfc3339),
            "focus_area": f["focus_area"],
            "job_title": f["job_title"],
            "target_company": f["target_company"],
            "difficulty_level": f["difficulty_level"],
            "topic": f["topic"],
            "behavioral_topic": f["behavioral_topic"],
            "weak_areas": a["weak_areas"],
            "strong_areas": a["strong_areas"],
            "key_area_assessments": a["key_area_assessments"],
            "learning_resources": {},
        })
    }

    /// The focus area's fields, every key present (null when not given or not this API's).
    fn fields_json(&self) -> Value {
        match &self.fields {
            Some(fields) => serde_json::to_value(fields).expect("serialisable"),
            None => json!({
                "focus_area": null, "job_title": null, "job_description": null,
                "years_of_experience": null, "industry": null, "target_company": null,
                "additional_customization": null, "topic": null, "difficulty_level": null,
                "university": null, "program": null, "behavioral_topic": null, "resume": null,
                "number_of_questions": self.interview.questions.len(),
            }),
        }
    }
}

/// The seed's name of a core status.
pub(super) fn seed_status(status: Status) -> &'static str {
    match status {
        Status::Created => "UNATTEMPTED",
        Status::InProgress | Status::Paused => "IN_PROGRESS",
        Status::Completed => "COMPLETED",
        Status::Incomplete | Status::Cancelled => "INCOMPLETE",
    }
}

/// The core statuses a seed status names (`IN_PROGRESS` is in progress or paused, …).
pub(super) fn core_statuses(seed: &str) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|s| seed_status(*s) == seed)
        .collect()
}

/// One transcript item as a message. `content` is what was said when it is known, else ""
/// (a candidate's answer has no text without a transcriber: nothing is invented); `score`,
/// `analysis` and `ideal_answer` are the judgement of a candidate's turn in `assessment`.
pub(super) fn message(
    item: &TranscriptItem,
    interview_id: &str,
    assessment: Option<&Assessment>,
) -> Value {
    let content = item.text.as_deref().unwrap_or_default();
    let judged = assessment.and_then(|a| a.answer(&item.item_id));
    json!({
        "id": item.item_id,
        "mock_assessment": interview_id,
        "audio_url": null,
        "video_url": null,
        "video_presigned_url": null,
        "created_at": rfc3339(item.at_ms),
        "content": content,
        "html_content": format!("<p>{}</p>", escape_html(content)),
        "role": match item.role { Role::User => "user", Role::Assistant => "assistant" },
        "analysis": judged.and_then(|j| j.analysis.clone()),
        "score": judged.and_then(|j| j.score),
        "ideal_answer": judged.and_then(|j| j.ideal_answer.clone()),
    })
}

/// `{id, name, remaining_credits}`; unlimited credits are null.
pub(super) fn organization(org: &Organization) -> Value {
    json!({ "id": org.id, "name": org.name, "remaining_credits": org.credits })
}

/// A page of `total` items, `per_page` a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    pub(super) page: usize,
    pub(super) per_page: usize,
}

impl Page {
    /// The part of `items` this page shows.
    pub(super) fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        &items[self.range(items.len())]
    }

    /// [`Page::slice`], mutable.
    pub(super) fn slice_mut<'a, T>(&self, items: &'a mut [T]) -> &'a mut [T] {
        let range = self.range(items.len());
        &mut items[range]
    }

    fn range(&self, len: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.per_page).min(len);
        start..start.saturating_add(self.per_page).min(len)
    }

    /// The seed's `pagination` object.
    pub(super) fn json(&self, total: usize) -> Value {
        let pages = total.div_ceil(self.per_page);
        json!({
            "page": self.page,
            "pages": pages,
            "per_page": self.per_page,
            "total": total,
            "has_next": self.page < pages,
            "has_previous": self.page > 1,
        })
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_invent_text_and_escape_html() {
        let mut item = TranscriptItem {
            item_id: "item_1".into(),
            role: Role::User,
            text: None,
            audio_ms: Some(1200),
            truncated_at_ms: None,
            at_ms: 1_672_574_400_000,
        };
        let m = message(&item, "i1", None);
        assert_eq!(
            (m["content"].as_str(), m["html_content"].as_str()),
            (Some(""), Some("<p></p>"))
        );
        assert_eq!(
            (m["role"].as_str(), m["created_at"].as_str()),
            (Some("user"), Some("2023-01-01T12:00:00Z"))
        );
        item.role = Role::Assistant;
        item.text = Some("Is <b> & \"x\" ok?".into());
        let m = message(&item, "i1", None);
        assert_eq!(
            m["html_content"],
            "<p>Is &lt;b&gt; &amp; &quot;x&quot; ok?</p>"
        );
        assert_eq!(m["role"], "assistant");
        assert!(
            m["audio_url"].is_null() && m["video_presigned_url"].is_null() && m["score"].is_null()
        );
    }

    #[test]
    fn a_stored_result_fills_the_assessment_fields() {
        use crate::assess::{AnswerAssessment, KeyArea};
        let interview = Interview {
            id: "i1".into(),
            org_id: "org_a".into(),
            user_id: "u1".into(),
            template_id: "t1".into(),
            status: Status::Completed,
            started_at_ms: 1_672_574_400_000,
            completed_at_ms: Some(1_672_574_500_000),
            progress_data: Interview::initial_progress(),
            questions: vec!["Q1?".into()],
            context: None,
        };
        let empty = View::new(interview.clone(), None).details();
        assert!(empty["score"].is_null() && empty["analysis"].is_null());
        assert_eq!(empty["weak_areas"], json!({}));
        let area = |name: &str| Area {
            area: name.into(),
            detail: format!("{name} detail"),
        };
        let assessment = Assessment {
            overall_score: Some(81.0),
            answers: vec![AnswerAssessment {
                item_id: "item_u".into(),
                score: Some(77.0),
                analysis: Some("Clear.".into()),
                ideal_answer: Some("Trade-offs.".into()),
            }],
            strengths: vec![area("Clarity")],
            weak_areas: vec![area("Depth")],
            key_areas: vec![KeyArea {
                area: "Communication".into(),
                score: Some(90.0),
                assessment: "Fluent.".into(),
            }],
            feedback: Some("Good overall.".into()),
            ..Assessment::default()
        };
        let mut view = View::new(interview, None);
        view.assessment = Some(assessment.clone());
        let d = view.details();
        assert_eq!(
            (d["score"].as_f64(), d["analysis"].as_str()),
            (Some(81.0), Some("Good overall."))
        );
        assert_eq!(d["weak_areas"], json!({"Depth": "Depth detail"}));
        assert_eq!(d["strong_areas"], json!({"Clarity": "Clarity detail"}));
        assert_eq!(d["key_area_assessments"]["Communication"]["score"], 90.0);
        assert_eq!(view.list_item(None)["score"], 81.0);
        let item = TranscriptItem {
            item_id: "item_u".into(),
            role: Role::User,
            text: Some("I would shard it.".into()),
            audio_ms: Some(3_000),
            truncated_at_ms: None,
            at_ms: 1,
        };
        let m = message(&item, "i1", Some(&assessment));
        assert_eq!(
            (m["score"].as_f64(), m["ideal_answer"].as_str()),
            (Some(77.0), Some("Trade-offs."))
        );
        let other = TranscriptItem {
            item_id: "item_a".into(),
            ..item
        };
        assert!(message(&other, "i1", Some(&assessment))["score"].is_null());
    }

    #[test]
    fn every_core_status_has_one_seed_status() {
        let names = ["UNATTEMPTED", "IN_PROGRESS", "COMPLETED", "INCOMPLETE"];
        let covered: usize = names.iter().map(|n| core_statuses(n).len()).sum();
        assert_eq!(covered, Status::ALL.len());
        // An empty list would filter nothing out.
        assert!(names.iter().all(|n| !core_statuses(n).is_empty()));
        assert_eq!(
            core_statuses("IN_PROGRESS"),
            [Status::InProgress, Status::Paused]
        );
        assert_eq!(
            core_statuses("INCOMPLETE"),
            [Status::Incomplete, Status::Cancelled]
        );
        assert!(core_statuses("DONE").is_empty());
    }

    #[test]
    fn pages_cover_the_items() {
        let items: Vec<u32> = (0..45).collect();
        let third = Page {
            page: 3,
            per_page: 20,
        };
        assert_eq!(third.slice(&items), &items[40..]);
        assert_eq!(
            third.json(45),
            json!({"page": 3, "pages": 3, "per_page": 20, "total": 45, "has_next": false, "has_previous": true})
        );
        let first = Page {
            page: 1,
            per_page: 20,
        };
        assert_eq!(first.json(45)["has_next"], true);
        assert_eq!(first.json(0)["pages"], 0);
        assert!(
            Page {
                page: 9,
                per_page: 20
            }
            .slice(&items)
            .is_empty()
        );
    }
}
