//! Seed 002's interview-sessions API at `/api/tezhire/…`: a hiring platform creates a session
//! from candidate and job data, sends the candidate its `joinUrl` (Viva's candidate page,
//! holding the voice interview), watches it, may end it, and reads its results. Auth is
//! `X-API-Key: <Viva API key>`; errors are `{"error": <code>, "details"}`. Sessions are core
//! interviews: the integrator's `sessionId` is mapped to one per organization, so creating
//! with the same id again answers the same session.

mod body;
mod error;
mod json;
mod plan;
mod webhooks;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use self::body::SessionBody;
use self::error::{SessionError, SessionJson};
use self::json::Times;
use super::{EMBED, public_base};
use crate::api::{AppState, recording_url};
use crate::clock::unix_ms;
use crate::interview::{EventKind, Interview, Status, Template, rfc3339};
use crate::store::{EventsOf, ResultState, StoreError};

/// The external-id system of this facade's session ids.
const SYSTEM: &str = crate::webhooks::events::SESSIONS_SYSTEM;
/// Where a session's own data lives in its interview's `progress_data`.
const KEY: &str = "tezhire";
/// How long to wait before asking again for results being made.
const RESULTS_RETRY_S: u32 = 5;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tezhire/interview-sessions", post(create))
        .route("/api/tezhire/interview-sessions/{session_id}", get(status))
        .route(
            "/api/tezhire/interview-sessions/{session_id}/end",
            post(end),
        )
        .route(
            "/api/tezhire/interview-sessions/{session_id}/results",
            get(results),
        )
        .route("/api/tezhire/transcripts/{org_id}/{file}", get(transcript))
        .merge(webhooks::router())
}

/// The organization of the `X-API-Key` (an API key; user tokens are not taken here).
struct Integrator {
    org_id: String,
}

impl FromRequestParts<AppState> for Integrator {
    type Rejection = SessionError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| SessionError::unauthorized("The X-API-Key header is missing."))?;
        match state.api_key(key).await {
            Ok(Some(principal)) => Ok(Self {
                org_id: principal.org_id().to_owned(),
            }),
            Ok(None) => Err(SessionError::unauthorized("The API key is not valid.")),
            Err(_) => Err(SessionError::internal("API key lookup failed")),
        }
    }
}

/// The session's template: built in, seeded on first use.
fn template() -> Template {
    Template {
        id: "5c111014-a000-4000-8000-000000000020".into(),
        title: "Job interview session".into(),
        focus_area: "the candidate's fit for the role, from the job and the resume".into(),
        question_kinds: vec!["job".into()],
        questions: vec!["Tell me about yourself.".into()],
        question_count: 1,
        duration_minutes: plan::DEFAULT_MINUTES,
        instructions: "Be friendly and professional. Ask one question at a time and ask for \
                       concrete examples from the candidate's work."
            .into(),
        builtin: true,
    }
}

/// `POST /api/tezhire/interview-sessions`.
async fn create(
    State(state): State<AppState>,
    caller: Integrator,
    headers: HeaderMap,
    SessionJson(body): SessionJson<SessionBody>,
) -> Result<Json<Value>, SessionError> {
    body.check()?;
    let callback_url = match &body.session.callback_url {
        Some(url) => Some(webhooks::check_callback(&state, url).await?),
        None => None,
    };
    let session_id = body
        .session
        .session_id
        .clone()
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| crate::ids::new_id("ses_"));
    let proposed = uuid::Uuid::new_v4().to_string();
    let owner = state
        .store
        .claim_external_id(&caller.org_id, SYSTEM, &session_id, &proposed, unix_ms())
        .await?;
    // The callback endpoint exists before the interview does, so it gets `interview.created`.
    let callback = match callback_url {
        Some(url) => Some(webhooks::callback_endpoint(&state, &caller.org_id, &owner, url).await?),
        None => None,
    };
    let interview = match state.store.interview(&caller.org_id, &owner).await? {
        // The same sessionId again: the same session.
        Some(existing) => existing,
        None => match new_interview(&state, &caller.org_id, &owner, &session_id, &body).await {
            Ok(interview) => interview,
            Err(error) => {
                if let Some(callback) = &callback {
                    // No session (no credits, …): no endpoint left behind for it.
                    let _ = state
                        .store
                        .delete_webhook(&caller.org_id, &callback.id, unix_ms())
                        .await;
                }
                return Err(error);
            }
        },
    };
    let expiry_ms = expiry_of(&interview).unwrap_or_default();
    let join = state.jwt.join(
        &interview.user_id,
        &interview.id,
        expiry_ms.saturating_sub(unix_ms()) / 1000,
        unix_ms() / 1000,
    );
    let mut answer = json!({
        "success": true,
        "sessionId": session_id,
        "joinUrl": format!("{}{EMBED}/{}/?access={join}", public_base(&headers, &state), interview.id),
        "expiry": rfc3339(expiry_ms),
        "status": json::status_word(&interview, Some(expiry_ms), unix_ms()),
    });
    if let Some(callback) = callback {
        // The key the `callbackUrl`'s deliveries are signed with (Standard Webhooks).
        answer["callbackSecret"] = Value::String(callback.secret);
    }
    Ok(Json(answer))
}

/// Stores the interview of a new session (id `interview_id`, already claimed).
async fn new_interview(
    state: &AppState,
    org_id: &str,
    interview_id: &str,
    session_id: &str,
    body: &SessionBody,
) -> Result<Interview, SessionError> {
    let template = super::seeded_template(state, org_id, template()).await?;
    let user = state
        .store
        .user_for_email(org_id, body.candidate.email.trim(), unix_ms())
        .await?;
    let now = unix_ms();
    let mut progress = Interview::initial_progress();
    progress[KEY] = json!({
        "sessionId": session_id,
        "candidateId": body.candidate.candidate_id,
        "jobId": body.job.job_id,
        "companyId": body.job.company_id,
        "callbackUrl": body.session.callback_url,
        "expiresAtMs": now + state.config.join_link_ttl * 1000,
        "request": body,
    });
    Interview::set_session_choices(
        &mut progress,
        body.configuration.voice_id.as_deref(),
        body.configuration.enable_transcription.unwrap_or(true),
    );
    let interview = Interview {
        id: interview_id.to_owned(),
        org_id: org_id.to_owned(),
        user_id: user.id,
        template_id: template.id,
        status: Status::Created,
        started_at_ms: now,
        completed_at_ms: None,
        progress_data: progress,
        questions: plan::questions(body),
        context: Some(plan::context(body)),
    };
    match state.interviews.create(&interview).await {
        Ok(()) => Ok(interview),
        // A concurrent create of the same session got there first.
        Err(StoreError::Conflict(_)) => state
            .store
            .interview(org_id, interview_id)
            .await?
            .ok_or_else(SessionError::not_found),
        Err(error) => Err(error.into()),
    }
}

fn session_field<'a>(interview: &'a Interview, name: &str) -> &'a Value {
    &interview.progress_data[KEY][name]
}

fn expiry_of(interview: &Interview) -> Option<u64> {
    session_field(interview, "expiresAtMs").as_u64()
}

/// The session `session_id` of the caller's organization.
async fn find(state: &AppState, org_id: &str, session_id: &str) -> Result<Interview, SessionError> {
    let id = state
        .store
        .external_interview(org_id, SYSTEM, session_id)
        .await?
        .ok_or_else(SessionError::not_found)?;
    state
        .store
        .interview(org_id, &id)
        .await?
        .ok_or_else(SessionError::not_found)
}

/// When the candidate first joined and when it ended.
async fn times(state: &AppState, interview: &Interview) -> Result<Times, SessionError> {
    Ok(Times {
        joined_at_ms: state.store.first_joined_at(&interview.id).await?,
        ended_at_ms: interview.completed_at_ms,
    })
}

/// `GET /api/tezhire/interview-sessions/{sessionId}`.
async fn status(
    State(state): State<AppState>,
    caller: Integrator,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, SessionError> {
    let interview = find(&state, &caller.org_id, &session_id).await?;
    let times = times(&state, &interview).await?;
    let events = state
        .store
        .events(EventsOf::Interview(&interview.id))
        .await?;
    let asked = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::QuestionAsked { question_index, .. } => Some(question_index + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let planned = interview.questions.len().max(1) as u64;
    let progress = if interview.status == Status::Completed {
        100
    } else {
        (asked.min(planned) * 100 / planned).min(100)
    };
    let now = unix_ms();
    Ok(Json(json!({
        "sessionId": session_id,
        "status": json::status_word(&interview, expiry_of(&interview), now),
        "candidateId": session_field(&interview, "candidateId"),
        "jobId": session_field(&interview, "jobId"),
        "startTime": times.joined_at_ms.map(rfc3339),
        "endTime": times.ended_at_ms.map(rfc3339),
        "duration": times.duration_s(now),
        "progress": progress,
        "questionsAsked": asked,
        "endReason": session_field(&interview, "endReason"),
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EndBody {
    reason: Option<String>,
}

/// `POST /api/tezhire/interview-sessions/{sessionId}/end`: ends a live call at once (the
/// candidate's page is told why), cancels the interview and keeps the reason. Ending an ended
/// session answers the same.
async fn end(
    State(state): State<AppState>,
    caller: Integrator,
    Path(session_id): Path<String>,
    SessionJson(body): SessionJson<EndBody>,
) -> Result<Json<Value>, SessionError> {
    let mut interview = find(&state, &caller.org_id, &session_id).await?;
    if !interview.status.is_final() {
        let reason = body
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "ended by the organization".to_owned());
        interview.status = Status::Cancelled;
        interview.completed_at_ms = Some(unix_ms());
        interview.progress_data[KEY]["endReason"] = json!(reason);
        state.interviews.save(&interview).await?;
        state
            .calls
            .end_interview(&caller.org_id, &interview.id, &reason)
            .await;
    }
    let times = times(&state, &interview).await?;
    Ok(Json(json!({
        "success": true,
        "sessionId": session_id,
        "status": "ended",
        "duration": times.duration_s(unix_ms()),
    })))
}

/// `GET /api/tezhire/interview-sessions/{sessionId}/results`: 409 before the interview ends,
/// 202 with `Retry-After` while it is assessed, then the seed's shape.
async fn results(
    State(state): State<AppState>,
    caller: Integrator,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, SessionError> {
    let interview = find(&state, &caller.org_id, &session_id).await?;
    if !interview.status.is_final() {
        return Err(SessionError::new(
            StatusCode::CONFLICT,
            "interview_not_finished",
            "The interview has not ended yet; results follow its end.",
        ));
    }
    let result = state.store.result(&caller.org_id, &interview.id).await?;
    let pending = result
        .as_ref()
        .is_none_or(|r| r.state == ResultState::Pending);
    if pending {
        let mut error = SessionError::new(
            StatusCode::ACCEPTED,
            "results_pending",
            "The interview is being assessed; ask again shortly.",
        );
        error.retry_after = Some(RESULTS_RETRY_S);
        return Err(error);
    }
    let items = state
        .store
        .interview_items(&caller.org_id, &interview.id)
        .await?;
    let assessment = result
        .as_ref()
        .filter(|r| r.state == ResultState::Done)
        .and_then(|r| r.assessment.as_ref());
    let (overall, feedback) = json::assessment_parts(assessment);
    let base = public_base(&headers, &state);
    let recordings = state
        .store
        .interview_recordings(&caller.org_id, &interview.id)
        .await?;
    let whole = recordings
        .iter()
        .filter(|r| r.item_id.is_none())
        .max_by_key(|r| r.duration_ms);
    let expires = unix_ms() / 1000 + state.config.recording_url_ttl;
    let transcript_url = format!(
        "{base}{}",
        state
            .recording_urls
            .sign_path(&transcript_path(&interview), expires)
    );
    Ok(Json(json!({
        "sessionId": session_id,
        "candidateId": session_field(&interview, "candidateId"),
        "jobId": session_field(&interview, "jobId"),
        "companyId": session_field(&interview, "companyId"),
        "overallScore": overall,
        "feedback": feedback,
        "questions": json::questions(&items, assessment),
        "transcript": { "full": json::full_transcript(&items), "url": transcript_url },
        "audio": {
            "url": whole.map(|r| recording_url(&state, &base, &r.id)),
            "duration": whole.map(|r| r.duration_ms as f64 / 1000.0),
        },
        "assessment": {
            "state": result.as_ref().map(|r| r.state.as_str()),
            "reason": result.as_ref().and_then(|r| r.reason.clone()),
        },
    })))
}

#[derive(Debug, Deserialize)]
struct Signed {
    expires: Option<u64>,
    sig: Option<String>,
}

/// Where an interview's transcript is downloaded, before signing.
fn transcript_path(interview: &Interview) -> String {
    format!(
        "/api/tezhire/transcripts/{}/{}.txt",
        interview.org_id, interview.id
    )
}

/// `GET /api/tezhire/transcripts/{org}/{interview}.txt?expires&sig`: the transcript as text,
/// by the signed link the results handed out (no API key: the signed path is the credential).
async fn transcript(
    State(state): State<AppState>,
    Path((org_id, file)): Path<(String, String)>,
    Query(signed): Query<Signed>,
) -> Result<Response, SessionError> {
    let path = format!("/api/tezhire/transcripts/{org_id}/{file}");
    let valid = match (signed.expires, signed.sig) {
        (Some(expires), Some(sig)) => state
            .recording_urls
            .verify(&path, expires, &sig, unix_ms() / 1000)
            .is_ok(),
        _ => false,
    };
    if !valid {
        return Err(SessionError::new(
            StatusCode::FORBIDDEN,
            "link_invalid",
            "The transcript link is not valid or has expired.",
        ));
    }
    let id = file
        .strip_suffix(".txt")
        .ok_or_else(SessionError::not_found)?;
    let interview = state
        .store
        .interview(&org_id, id)
        .await?
        .ok_or_else(SessionError::not_found)?;
    let items = state
        .store
        .interview_items(&interview.org_id, &interview.id)
        .await?;
    let mut response = json::full_transcript(&items).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}
