//! Seed 000's response shapes: an interview's details, a list item, a message, pagination
//! and the organization. Viva scores nothing yet, so `score` and `analysis` are null and the
//! assessment objects empty; it records no video, and no audio files yet.

use serde_json::{Value, json};

use super::create::Fields;
use crate::interview::{Interview, Status, rfc3339};
use crate::store::{Organization, Role, TranscriptItem, User};

/// An interview as this API shows it: the stored interview, its own fields (none for an
/// interview made through the native API) and when the candidate first joined.
pub(super) struct View {
    pub(super) interview: Interview,
    pub(super) fields: Option<Fields>,
    pub(super) joined_at_ms: Option<u64>,
}

impl View {
    pub(super) fn new(interview: Interview, joined_at_ms: Option<u64>) -> Self {
        let fields = Fields::of(&interview.progress_data);
        Self {
            interview,
            fields,
            joined_at_ms,
        }
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
            "score": null,
            "status": self.status(),
            "created_at": rfc3339(i.started_at_ms),
            "started_at": self.joined_at_ms.map(rfc3339),
            "ended_at": i.completed_at_ms.map(rfc3339),
            "analysis": null,
            "learning_resources": {},
            "weak_areas": {},
            "strong_areas": {},
            "key_area_assessments": {},
            "questions": i.questions,
        });
        let fields = self.fields_json();
        out.as_object_mut()
            .expect("an object")
            .extend(fields.as_object().expect("an object").clone());
        out
    }

    /// A list item: fewer fields, and the user as an object.
    pub(super) fn list_item(&self, user: Option<&User>) -> Value {
        let i = &self.interview;
        let f = self.fields_json();
        json!({
            "id": i.id,
            "user": {
                "id": i.user_id,
                "email": user.map(|u| u.email.as_str()),
                "first_name": null,
                "last_name": null,
            },
            "score": null,
            "status": self.status(),
            "created_at": rfc3339(i.started_at_ms),
            "started_at": self.joined_at_ms.map(rfc3339),
            "focus_area": f["focus_area"],
            "job_title": f["job_title"],
            "target_company": f["target_company"],
            "difficulty_level": f["difficulty_level"],
            "topic": f["topic"],
            "behavioral_topic": f["behavioral_topic"],
            "weak_areas": {},
            "strong_areas": {},
            "key_area_assessments": {},
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
/// (a candidate's answer has no text without a transcriber: nothing is invented).
pub(super) fn message(item: &TranscriptItem, interview_id: &str) -> Value {
    let content = item.text.as_deref().unwrap_or_default();
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
        "analysis": null,
        "score": null,
        "ideal_answer": null,
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
        let m = message(&item, "i1");
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
        let m = message(&item, "i1");
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
