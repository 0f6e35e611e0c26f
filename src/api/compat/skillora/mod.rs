//! Seed 000, the "Skillora Partner Integration API": mock interviews at
//! `/v1/partners/mock-interviews/` (create, list, get, delete, messages; every route with and
//! without its trailing slash), and the embed page an interview's `interview_url` opens, over
//! Viva's core: the caller is the core's [`Principal`] (an organization's API key, or a user's
//! JWT), interviews are created and deleted through [`crate::interview::Interviews`] (which
//! takes the organization's credit), and every read is scoped to the caller's organization.

mod create;
mod error;
mod json;
mod plan;
mod templates;

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use self::create::{FocusArea, INVALID_FOCUS_AREA};
use self::error::{JsonObject, SkilloraError};
use self::json::{Page, View};
use super::super::{AppState, Principal, auth::valid_email, rate_limit, recording_url};
use super::public_base;
use crate::clock::unix_ms;
use crate::config::ServeConfig;
use crate::interview::{Interview, Status, Template};
use crate::store::{InterviewFilter, User};

/// The largest request body this API takes (the seed's "Maximum 10MB per request"; a resume
/// may be long), above the server-wide default.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Who may frame the embed page (`Content-Security-Policy: frame-ancestors`).
const FRAME_ANCESTORS: &str = "*";

const BASE: &str = "/v1/partners/mock-interviews";
use super::EMBED;

const INVALID_STATUS: &str =
    "Invalid status. Must be one of: UNATTEMPTED, IN_PROGRESS, COMPLETED, INCOMPLETE";
const STATUSES: [&str; 4] = ["UNATTEMPTED", "IN_PROGRESS", "COMPLETED", "INCOMPLETE"];

/// The routes, with the seed's usage limits: 10 MB per request, and `--rate-limit-per-minute`
/// (the seed's 100) requests per minute per API key or token ([`rate_limit`]: 429 with
/// `Retry-After` and `RateLimit-*` headers).
pub(in crate::api) fn router(config: &ServeConfig) -> Router<AppState> {
    let mut router = Router::new();
    for slash in ["", "/"] {
        router = router
            .route(&format!("{BASE}{slash}"), get(list).post(create))
            .route(&format!("{BASE}/{{id}}{slash}"), get(fetch).delete(remove))
            .route(&format!("{EMBED}/{{id}}{slash}"), get(embed))
            .route(&format!("{BASE}/{{id}}/messages{slash}"), get(messages));
    }
    let router = router.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    match rate_limit::KeyedLimit::per_minute(config.rate_limit_per_minute) {
        None => router,
        Some(limit) => router.layer(axum::middleware::from_fn_with_state(
            rate_limit::RateLimited::new(limit, too_many_requests),
            rate_limit::enforce,
        )),
    }
}

/// The 429 of a caller over its limit, `{"error"}` (the middleware adds `Retry-After`).
fn too_many_requests(limit: u32, retry_after_secs: u64) -> Response {
    let message = format!(
        "Rate limit exceeded: {limit} requests per minute per API key or token. \
         Retry in {retry_after_secs} s."
    );
    SkilloraError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response()
}

/// The caller, with the core's rules: an API key acts for its organization, a user's JWT as
/// that user (in the user's organization). Refusals in this API's shape (401
/// `Invalid API key`).
struct Caller {
    org_id: String,
    /// Set for a user's JWT: only this user's interviews exist for it.
    user_id: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = SkilloraError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(match Principal::from_request_parts(parts, state).await? {
            Principal::ApiKey { org_id, .. } => Self {
                org_id,
                user_id: None,
            },
            Principal::User { user_id, org_id } => Self {
                org_id,
                user_id: Some(user_id),
            },
        })
    }
}

/// `POST /v1/partners/mock-interviews/`: 201 with the interview, its link, the candidate's
/// tokens and the organization's credits after this one.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<Value>), SkilloraError> {
    let fields = create::Fields::from_body(&body)?;
    let user = match &caller.user_id {
        Some(id) => state
            .store
            .user(id)
            .await?
            .ok_or_else(SkilloraError::not_found)?,
        None => {
            let email = match body.get("email") {
                None | Some(Value::Null) => {
                    Err("email is required when authenticating with an API key")
                }
                Some(Value::String(e)) => {
                    valid_email(e).map_err(|_| "email must be a valid email address")
                }
                Some(_) => Err("email must be a valid email address"),
            }
            .map_err(SkilloraError::bad_request)?;
            state
                .store
                .user_for_email(&caller.org_id, email, unix_ms())
                .await?
        }
    };
    let template = template_for(&state, &caller.org_id, fields.focus_area).await?;
    let mut progress = Interview::initial_progress();
    progress["skillora"] = serde_json::to_value(&fields).expect("serialisable");
    let interview = Interview {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: caller.org_id.clone(),
        user_id: user.id.clone(),
        template_id: template.id,
        status: Status::Created,
        started_at_ms: unix_ms(),
        completed_at_ms: None,
        progress_data: progress,
        questions: plan::questions(&fields),
        context: Some(plan::context(&fields)),
    };
    state.interviews.create(&interview).await?;
    let tokens = state.jwt.issue(&user.id, &user.email, unix_ms() / 1000);
    let join = state.jwt.join(
        &user.id,
        &interview.id,
        state.config.join_link_ttl,
        unix_ms() / 1000,
    );
    let url = format!(
        "{}{EMBED}/{}/?access={join}",
        public_base(&headers, &state),
        interview.id,
    );
    let organization = organization(&state, &caller.org_id).await?;
    let body = json!({
        "interview_details": View::new(interview, None).details(),
        "interview_url": url,
        "tokens": { "access": tokens.access, "refresh": tokens.refresh },
        "organization": organization,
    });
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /v1/partners/mock-interviews/?page&page_size&status&focus_area`: newest first; an API
/// key sees its organization's interviews, a user's JWT that user's.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, SkilloraError> {
    let page = page_of(&query)?;
    let status = match param(&query, "status") {
        None => None,
        Some(s) => Some(
            STATUSES
                .into_iter()
                .find(|x| x.eq_ignore_ascii_case(s))
                .ok_or_else(|| SkilloraError::bad_request(INVALID_STATUS))?,
        ),
    };
    let area = match param(&query, "focus_area") {
        None => None,
        Some(s) => Some(
            FocusArea::parse_filter(s)
                .ok_or_else(|| SkilloraError::bad_request(INVALID_FOCUS_AREA))?,
        ),
    };
    let filter = InterviewFilter {
        user_id: caller.user_id.clone(),
        statuses: status.map(json::core_statuses).unwrap_or_default(),
        skip: 0,
        limit: u32::MAX,
    };
    // The focus area is filtered here, over the organization's interviews: the store's
    // filter does not know it.
    let mut matching: Vec<View> = state
        .store
        .interviews(&caller.org_id, &filter)
        .await?
        .into_iter()
        .rev()
        .map(|interview| View::new(interview, None))
        .filter(|view| area.is_none_or(|a| view.fields.as_ref().map(|f| f.focus_area) == Some(a)))
        .collect();
    let total = matching.len();
    let mut users: HashMap<String, Option<User>> = HashMap::new();
    let mut results = Vec::new();
    for view in page.slice_mut(&mut matching) {
        view.joined_at_ms = joined_at(&state, &view.interview.id).await?;
        let result = state
            .store
            .result(&caller.org_id, &view.interview.id)
            .await?;
        view.assessment = result.and_then(|r| r.assessment);
        let user_id = &view.interview.user_id;
        if !users.contains_key(user_id) {
            users.insert(user_id.clone(), state.store.user(user_id).await?);
        }
        results.push(view.list_item(users[user_id].as_ref()));
    }
    Ok(Json(json!({
        "results": results,
        "pagination": page.json(total),
        "organization": organization(&state, &caller.org_id).await?,
    })))
}

/// `GET /v1/partners/mock-interviews/{id}/`: the interview's details.
async fn fetch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, SkilloraError> {
    let interview = find(&state, &caller, &id).await?;
    let joined = joined_at(&state, &id).await?;
    let result = state.store.result(&caller.org_id, &id).await?;
    let view = View::new(interview, joined).with_result(result);
    Ok(Json(view.details()))
}

/// `DELETE /v1/partners/mock-interviews/{id}/`: 200 with a JSON body (the seed's SDK reads
/// one); its tokens are refused from then on.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, SkilloraError> {
    find(&state, &caller, &id).await?;
    if !state.interviews.delete(&caller.org_id, &id).await? {
        return Err(SkilloraError::not_found());
    }
    Ok(Json(
        json!({ "success": true, "id": id, "message": "Mock assessment deleted" }),
    ))
}

/// `GET /v1/partners/mock-interviews/{id}/messages/?page&page_size&include_video_urls`: the
/// transcript across the interview's calls, in order. `include_video_urls` is accepted; Viva
/// records no video, so the URLs are null either way.
async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, SkilloraError> {
    let page = page_of(&query)?;
    find(&state, &caller, &id).await?;
    let items = state.store.interview_items(&caller.org_id, &id).await?;
    let result = state.store.result(&caller.org_id, &id).await?;
    let assessment = result.and_then(|r| r.assessment);
    let recordings = state
        .store
        .interview_recordings(&caller.org_id, &id)
        .await?;
    let base = public_base(&headers, &state);
    let results: Vec<Value> = page
        .slice(&items)
        .iter()
        .map(|item| {
            let mut message = json::message(item, &id, assessment.as_ref());
            let answer = recordings
                .iter()
                .find(|r| r.item_id.as_deref() == Some(item.item_id.as_str()));
            if let Some(recording) = answer {
                message["audio_url"] = json!(recording_url(&state, &base, &recording.id));
            }
            message
        })
        .collect();
    Ok(Json(
        json!({ "results": results, "pagination": page.json(items.len()) }),
    ))
}

/// `GET /embed/ai-interview/{id}/?access=<JWT>`: the candidate page, which takes the
/// interview's client secret with the link's access token and holds the voice interview. It
/// may be framed by any site (`frame-ancestors`), and sends no referrer (the link carries a
/// token).
async fn embed() -> Response {
    let mut response = Html(super::super::web::INDEX_HTML).into_response();
    let headers = response.headers_mut();
    let csp = format!("frame-ancestors {FRAME_ANCESTORS}");
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).expect("ascii"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The interview `id` if the caller may see it; 404 alike when it does not exist, belongs to
/// another organization or (for a user's JWT) to another user.
async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Interview, SkilloraError> {
    let interview = state
        .store
        .interview(&caller.org_id, id)
        .await?
        .ok_or_else(SkilloraError::not_found)?;
    if caller
        .user_id
        .as_ref()
        .is_some_and(|own| *own != interview.user_id)
    {
        return Err(SkilloraError::not_found());
    }
    Ok(interview)
}

/// When a call of the interview first connected.
async fn joined_at(state: &AppState, interview_id: &str) -> Result<Option<u64>, SkilloraError> {
    Ok(state.store.first_joined_at(interview_id).await?)
}

/// The template the area's interviews are filed under, seeded on first use.
async fn template_for(
    state: &AppState,
    org_id: &str,
    area: FocusArea,
) -> Result<Template, SkilloraError> {
    Ok(super::seeded_template(state, org_id, templates::template(area)).await?)
}

async fn organization(state: &AppState, org_id: &str) -> Result<Value, SkilloraError> {
    let org = state
        .store
        .org(org_id)
        .await?
        .ok_or_else(|| SkilloraError::internal(format!("organization {org_id} is missing")))?;
    Ok(json::organization(&org))
}

/// A query parameter, if given and not blank.
fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// `page` (default 1) and `page_size` (default 20, at most 100: larger asks get 100).
fn page_of(query: &HashMap<String, String>) -> Result<Page, SkilloraError> {
    let number = |name: &str, default: usize| match param(query, name) {
        None => Ok(default),
        Some(s) => s.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            SkilloraError::bad_request(format!("{name} must be a positive integer"))
        }),
    };
    Ok(Page {
        page: number("page", 1)?,
        per_page: number("page_size", 20)?.min(100),
    })
}
