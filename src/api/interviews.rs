//! `/api/v1/interviews`: the seed's Interview API. Interviews, their credentials (TURN and a
//! realtime session token), per-question session tokens, and their results.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{Principal, valid_email};
use super::detail::{DetailError, DetailJson};
use crate::assess::assessable;
use crate::clock::unix_ms;
use crate::credentials::SecretScope;
use crate::interview::{Interview, Status, Template, rfc3339, seed001_statuses};
use crate::realtime::SessionConfig;
use crate::store::{InterviewFilter, InterviewResult};

/// Question-token lifetimes (seconds): allowed range and default.
pub(crate) const QUESTION_TTL: std::ops::RangeInclusive<u64> = 300..=7_200;
/// Default lifetime of session and question tokens.
pub(crate) const DEFAULT_TOKEN_TTL: u64 = 3_600;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/interviews", get(list).post(create))
        .route("/api/v1/interviews/", get(list).post(create))
        .route(
            "/api/v1/interviews/{interview_id}",
            get(fetch).patch(update).delete(remove),
        )
        .route(
            "/api/v1/interviews/{interview_id}/credentials",
            post(credentials),
        )
        .route("/api/v1/interviews/{interview_id}/results", get(results))
        .route(
            "/api/v1/interviews/{interview_id}/questions/{question_number}/token",
            get(question_token),
        )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    skip: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

/// `GET /api/v1/interviews/`: a user's own interviews; an API key's view is the organisation's.
async fn list(
    State(state): State<AppState>,
    caller: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Value>>, DetailError> {
    let Query(query) = query.map_err(|e| DetailError::bad_request(e.body_text()))?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(seed001_statuses(s).ok_or_else(|| {
            DetailError::bad_request("status must be \"in-progress\" or \"completed\"")
        })?),
    };
    if query.user_id.is_some() && !caller.is_admin() {
        return Err(DetailError::forbidden(
            "Filtering by user_id requires an admin API key",
        ));
    }
    let user_id = match &caller {
        Principal::User { user_id, .. } => Some(user_id.clone()),
        Principal::ApiKey { .. } => query.user_id,
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(DetailError::bad_request("limit must be between 1 and 1000"));
    }
    let filter = InterviewFilter {
        user_id,
        statuses: status.unwrap_or_default(),
        skip: query.skip.unwrap_or(0),
        limit,
    };
    let interviews = state.store.interviews(caller.org_id(), &filter).await?;
    Ok(Json(interviews.iter().map(Interview::to_json).collect()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInterview {
    template_id: String,
    /// With an API key: the candidate the interview is for (created on first sight).
    #[serde(default)]
    email: Option<String>,
    /// Extra context for the interviewer (role, company).
    #[serde(default)]
    context: Option<String>,
}

/// `POST /api/v1/interviews/`.
async fn create(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(body): DetailJson<NewInterview>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let user_id = match (&caller, &body.email) {
        (Principal::User { user_id, .. }, _) => user_id.clone(),
        (Principal::ApiKey { .. }, Some(email)) => {
            state
                .store
                .user_for_email(caller.org_id(), valid_email(email)?, unix_ms())
                .await?
                .id
        }
        (Principal::ApiKey { .. }, None) => {
            return Err(DetailError::bad_request(
                "With an API key, give the candidate's \"email\"",
            ));
        }
    };
    let template = state
        .store
        .template(caller.org_id(), &body.template_id)
        .await?
        .ok_or_else(|| DetailError::not_found("Template not found"))?;
    let interview = Interview {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: caller.org_id().to_owned(),
        user_id,
        template_id: template.id.clone(),
        status: Status::Created,
        started_at_ms: unix_ms(),
        completed_at_ms: None,
        progress_data: Interview::initial_progress(),
        questions: template.plan(),
        context: body.context.filter(|c| !c.trim().is_empty()),
    };
    state.interviews.create(&interview).await?;
    Ok((StatusCode::CREATED, Json(interview.to_json())))
}

impl AppState {
    /// The interview `id` if the caller may see it: 404 when missing, 403 when someone else's.
    pub(crate) async fn owned_interview(
        &self,
        caller: &Principal,
        id: &str,
    ) -> Result<Interview, DetailError> {
        let interview = self
            .store
            .interview(caller.org_id(), id)
            .await?
            .ok_or_else(|| DetailError::not_found("Interview not found"))?;
        if !caller.may_access(&interview.user_id) {
            return Err(DetailError::forbidden(
                "Not allowed to access this interview",
            ));
        }
        Ok(interview)
    }
}

async fn fetch(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    Ok(Json(state.owned_interview(&caller, &id).await?.to_json()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterviewPatch {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    progress_data: Option<Value>,
}

/// `PATCH /api/v1/interviews/{id}`: status and progress; completing sets `completed_at`.
async fn update(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
    DetailJson(patch): DetailJson<InterviewPatch>,
) -> Result<Json<Value>, DetailError> {
    let mut interview = state.owned_interview(&caller, &id).await?;
    if let Some(status) = patch.status {
        let finished = match status.as_str() {
            "completed" => true,
            "in-progress" => false,
            _ => {
                return Err(DetailError::bad_request(
                    "status must be \"in-progress\" or \"completed\"",
                ));
            }
        };
        if finished != interview.status.is_final() {
            let status = if finished {
                Status::Completed
            } else {
                Status::InProgress
            };
            interview.completed_at_ms = (status == Status::Completed).then(unix_ms);
            interview.status = status;
        }
    }
    if let Some(progress) = patch.progress_data {
        if !progress.is_object() {
            return Err(DetailError::bad_request("progress_data must be an object"));
        }
        interview.progress_data = progress;
    }
    state.interviews.save(&interview).await?;
    Ok(Json(interview.to_json()))
}

/// `DELETE /api/v1/interviews/{id}`: 204; its tokens are refused from then on.
async fn remove(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, DetailError> {
    state.owned_interview(&caller, &id).await?;
    state.interviews.delete(caller.org_id(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/interviews/{id}/results`: the interview's assessment. `state` is `not_ready`
/// (not ended, or cancelled), `pending`, `done`, `unavailable` (no scores; `reason` says why)
/// or `failed` (`reason` is the error code); scores are null unless a model judged them.
async fn results(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    let interview = state.owned_interview(&caller, &id).await?;
    let result = state.store.result(caller.org_id(), &id).await?;
    Ok(Json(results_json(&interview, result.as_ref())))
}

/// The native shape of an interview's result.
fn results_json(interview: &Interview, result: Option<&InterviewResult>) -> Value {
    let state = match result {
        Some(r) => r.state.as_str(),
        None if assessable(interview.status) => "pending",
        None => "not_ready",
    };
    let a = result.and_then(|r| r.assessment.as_ref());
    json!({
        "interview_id": interview.id,
        "state": state,
        "reason": result.and_then(|r| r.reason.as_deref()),
        "error": result.and_then(|r| r.error.as_deref()),
        "attempts": result.map_or(0, |r| r.attempts),
        "model": result.and_then(|r| r.model.as_deref()),
        "updated_at": result.map(|r| rfc3339(r.updated_at_ms)),
        "overall_score": a.and_then(|a| a.overall_score),
        "recommendation": a.and_then(|a| a.recommendation),
        "feedback": a.and_then(|a| a.feedback.as_deref()),
        "strengths": a.map_or(&[][..], |a| &a.strengths),
        "weak_areas": a.map_or(&[][..], |a| &a.weak_areas),
        "key_areas": a.map_or(&[][..], |a| &a.key_areas),
        "answers": a.map_or(&[][..], |a| &a.answers),
        "measured": a.map(|a| &a.measured),
    })
}

/// The realtime session a question (or the whole interview) runs with: instructions for it,
/// and for the local engine the plan and where to start in it (`viva`, stripped before
/// anything reaches OpenAI).
pub(crate) fn interview_session(
    interview: &Interview,
    template: &Template,
    question: Option<usize>,
) -> SessionConfig {
    let instructions = interview.instructions(template, question);
    let transcription = interview
        .transcribes()
        .then(|| json!({ "model": "whisper-1" }));
    let value = json!({
        "type": "realtime",
        "instructions": instructions,
        "audio": {
            "input": {
                "transcription": transcription,
                "turn_detection": { "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500 },
            },
            "output": { "voice": interview.voice().unwrap_or("alloy") },
        },
        "viva": { "questions": interview.questions, "start": question.map_or(0, |n| n - 1), "only": question.is_some() },
    });
    SessionConfig::from_value(value, "session").expect("a valid session")
}

/// The seed's session-object shape around a freshly minted client secret.
fn session_token(
    state: &AppState,
    interview: &Interview,
    template: &Template,
    question: Option<usize>,
    ttl: u64,
) -> Value {
    let session = interview_session(interview, template, question);
    let scope = SecretScope {
        interview_id: interview.id.clone(),
        user_id: interview.user_id.clone(),
        question: question.map(|n| n as u32),
    };
    let (value, claims) = state.secrets.mint(
        &interview.org_id,
        session.clone(),
        Some(scope),
        ttl,
        unix_ms() / 1000,
    );
    let effective = session.effective("", &state.upstream.model(), Some(claims.exp));
    let audio_input = &effective["audio"]["input"];
    let mut id = format!("sess_{}_{}", interview.id, interview.user_id);
    if let Some(n) = question {
        id.push_str(&format!("_{n}"));
    }
    let mut token = json!({
        "id": id,
        "object": "realtime.session",
        "model": state.upstream.model(),
        "modalities": ["audio", "text"],
        "instructions": session.instructions(),
        "voice": session.voice(),
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "input_audio_transcription": audio_input["transcription"],
        "turn_detection": audio_input["turn_detection"],
        "tools": [],
        "tool_choice": "none",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
        "client_secret": { "value": value, "expires_at": claims.exp },
        "interview_id": interview.id,
        "user_id": interview.user_id,
        "expires_at": rfc3339(claims.exp * 1000),
        "ttl": ttl,
        "join_url": format!("/join?token={value}"),
    });
    if let Some(n) = question {
        token["question_number"] = json!(n);
    }
    token
}

impl AppState {
    /// An open (not completed) interview the caller may use, with its template.
    async fn open_interview(
        &self,
        caller: &Principal,
        id: &str,
    ) -> Result<(Interview, Template), DetailError> {
        let interview = self.owned_interview(caller, id).await?;
        if interview.status.is_final() {
            return Err(DetailError::bad_request("Interview is completed"));
        }
        let template = self
            .store
            .template(&interview.org_id, &interview.template_id)
            .await?
            .ok_or_else(|| DetailError::internal("template of an interview is missing"))?;
        Ok((interview, template))
    }
}

/// `POST /api/v1/interviews/{id}/credentials`: TURN credentials and a realtime session token.
/// An interview link's join token for this interview is accepted beside the usual callers.
async fn credentials(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    let caller = state.principal(&headers, Some(&id)).await?;
    let (interview, template) = state.open_interview(&caller, &id).await?;
    let session_token = session_token(&state, &interview, &template, None, DEFAULT_TOKEN_TTL);
    let turn = state.mint_turn(&interview.id, state.config.turn_ttl);
    Ok(Json(
        json!({ "turn_credentials": turn, "session_token": session_token }),
    ))
}

#[derive(Debug, Deserialize)]
struct TtlQuery {
    #[serde(default)]
    ttl: Option<u64>,
}

/// `GET /api/v1/interviews/{id}/questions/{n}/token?ttl=`: a session token for question `n`.
async fn question_token(
    State(state): State<AppState>,
    caller: Principal,
    Path((id, number)): Path<(String, String)>,
    query: Result<Query<TtlQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, DetailError> {
    let Query(query) = query.map_err(|_| {
        DetailError::bad_request(format!(
            "ttl must be a number of seconds between {} and {}",
            QUESTION_TTL.start(),
            QUESTION_TTL.end()
        ))
    })?;
    let ttl = query.ttl.unwrap_or(DEFAULT_TOKEN_TTL);
    if !QUESTION_TTL.contains(&ttl) {
        return Err(DetailError::bad_request(format!(
            "ttl must be between {} and {}",
            QUESTION_TTL.start(),
            QUESTION_TTL.end()
        )));
    }
    let (interview, template) = state.open_interview(&caller, &id).await?;
    let n: usize = number
        .parse()
        .map_err(|_| DetailError::bad_request("question_number must be a positive integer"))?;
    if n == 0 || n > interview.questions.len() {
        return Err(DetailError::bad_request(format!(
            "question_number must be between 1 and {}",
            interview.questions.len()
        )));
    }
    Ok(Json(session_token(
        &state,
        &interview,
        &template,
        Some(n),
        ttl,
    )))
}
