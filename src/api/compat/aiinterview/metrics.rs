//! `GET /api/interview/metrics`: the organization's AI Interviews since the server started —
//! active and completed interviews, answers, average durations. With an API key, its
//! organization's; without one, the demo organization's where demo access is allowed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::detail::DetailError;
use crate::clock::unix_ms;
use crate::interview::rfc3339;

#[derive(Debug, Default)]
struct Counters {
    active: HashSet<String>,
    started: u64,
    completed: u64,
    answers: u64,
    used_ms: u64,
    questions_answered: u64,
}

/// Counts per organization.
#[derive(Debug)]
pub(super) struct Metrics {
    since_ms: u64,
    orgs: Mutex<HashMap<String, Counters>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            since_ms: unix_ms(),
            orgs: Mutex::new(HashMap::new()),
        }
    }
}

impl Metrics {
    fn with(&self, org_id: &str, change: impl FnOnce(&mut Counters)) {
        let mut orgs = self.orgs.lock().expect("not poisoned");
        change(orgs.entry(org_id.to_owned()).or_default());
    }

    /// An interview started.
    pub(super) fn started(&self, org_id: &str, interview_id: &str) {
        self.with(org_id, |c| {
            c.started += 1;
            c.active.insert(interview_id.to_owned());
        });
    }

    /// A socket holds a live interview.
    pub(super) fn live(&self, org_id: &str, interview_id: &str) {
        self.with(org_id, |c| {
            c.active.insert(interview_id.to_owned());
        });
    }

    /// No socket holds the interview any more.
    pub(super) fn left(&self, org_id: &str, interview_id: &str) {
        self.with(org_id, |c| {
            c.active.remove(interview_id);
        });
    }

    /// An answer was stored.
    pub(super) fn answered(&self, org_id: &str) {
        self.with(org_id, |c| c.answers += 1);
    }

    /// An interview completed after `used_ms` with `questions` answered.
    pub(super) fn completed(
        &self,
        org_id: &str,
        interview_id: &str,
        used_ms: u64,
        questions: usize,
    ) {
        self.with(org_id, |c| {
            c.active.remove(interview_id);
            c.completed += 1;
            c.used_ms += used_ms;
            c.questions_answered += questions as u64;
        });
    }

    fn report(&self, org_id: &str) -> Value {
        let orgs = self.orgs.lock().expect("not poisoned");
        let empty = Counters::default();
        let c = orgs.get(org_id).unwrap_or(&empty);
        let average = |total: u64| (c.completed > 0).then(|| total as f64 / c.completed as f64);
        json!({
            "active_interviews": c.active.len(),
            "started_interviews": c.started,
            "completed_interviews": c.completed,
            "answers_submitted": c.answers,
            "average_duration_seconds": average(c.used_ms).map(|ms| (ms / 100.0).round() / 10.0),
            "average_questions_answered": average(c.questions_answered),
            "since": rfc3339(self.since_ms),
        })
    }
}

/// `GET /api/interview/metrics`.
pub(super) async fn metrics(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    headers: HeaderMap,
) -> Result<Json<Value>, DetailError> {
    let org_id = match crate::api::bearer(&headers) {
        Some(key) => state
            .api_key_org(key)
            .await
            .map_err(|_| DetailError::unauthorized("Could not validate credentials"))?
            .ok_or_else(|| DetailError::unauthorized("Could not validate credentials"))?,
        None if state.config.demo_secrets_allowed() => super::super::demo::demo_org(&state).await?,
        None => {
            return Err(DetailError::unauthorized(
                "An API key is required: Authorization: Bearer <key>",
            ));
        }
    };
    Ok(Json(metrics.report(&org_id)))
}
