//! `/api/v1/jobs`, `/api/v1/candidates`, `/api/v1/applications`: an organization's hiring
//! data, with pages (`?skip=&limit=`). Any caller of the organization reads; only API keys
//! write. Another organization's row is 404.

mod fields;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Principal;
use super::detail::{DetailError, DetailJson};
use crate::clock::unix_ms;
use crate::store::{Application, Candidate, Job, Listed, Page, StoreError};
use fields::{
    ApplicationFields, CandidateFields, JobFields, application_json, candidate_json, chosen_id,
    job_json,
};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", get(list_jobs).post(create_job))
        .route("/api/v1/jobs/", get(list_jobs).post(create_job))
        .route(
            "/api/v1/jobs/{id}",
            get(get_job).patch(patch_job).delete(delete_job),
        )
        .route(
            "/api/v1/candidates",
            get(list_candidates).post(create_candidate),
        )
        .route(
            "/api/v1/candidates/",
            get(list_candidates).post(create_candidate),
        )
        .route(
            "/api/v1/candidates/{id}",
            get(get_candidate)
                .patch(patch_candidate)
                .delete(delete_candidate),
        )
        .route(
            "/api/v1/applications",
            get(list_applications).post(create_application),
        )
        .route(
            "/api/v1/applications/",
            get(list_applications).post(create_application),
        )
        .route(
            "/api/v1/applications/{id}",
            get(get_application)
                .patch(patch_application)
                .delete(delete_application),
        )
}

/// The organization of an API-key caller; users' tokens only read.
fn writer(caller: &Principal) -> Result<&str, DetailError> {
    match caller {
        Principal::ApiKey { org_id, .. } => Ok(org_id),
        Principal::User { .. } => Err(DetailError::forbidden(
            "Jobs, candidates and applications are changed with an API key",
        )),
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    skip: Option<u32>,
    #[serde(default)]
    limit: Option<u32>,
}

type PageParams = Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>;

/// The page asked for: `skip` (default 0), `limit` 1–1000 (default 100).
fn page(query: PageParams) -> Result<Page, DetailError> {
    let Query(query) = query.map_err(|e| DetailError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(DetailError::bad_request("limit must be between 1 and 1000"));
    }
    Ok(Page {
        skip: query.skip.unwrap_or(0),
        limit,
    })
}

/// `{items, total, skip, limit}`.
fn listed<T>(listed: Listed<T>, page: Page, show: fn(&T) -> Value) -> Json<Value> {
    Json(json!({
        "items": listed.items.iter().map(show).collect::<Vec<_>>(),
        "total": listed.total,
        "skip": page.skip,
        "limit": page.limit,
    }))
}

/// A create's store error: a taken id is 409 with the resource's name.
fn created_or(what: &str, result: Result<(), StoreError>) -> Result<(), DetailError> {
    match result {
        Err(StoreError::Conflict(_)) => Err(DetailError::new(
            StatusCode::CONFLICT,
            format!("{what} with this id already exists"),
        )),
        other => Ok(other?),
    }
}

fn gone(found: bool, what: &str) -> Result<StatusCode, DetailError> {
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(DetailError::not_found(format!("{what} not found")))
    }
}

async fn list_jobs(
    State(state): State<AppState>,
    caller: Principal,
    query: PageParams,
) -> Result<Json<Value>, DetailError> {
    let page = page(query)?;
    let found = state.store.jobs(caller.org_id(), page).await?;
    Ok(listed(found, page, job_json))
}

async fn create_job(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(mut body): DetailJson<JobFields>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let now = unix_ms();
    let mut job = Job {
        id: chosen_id(body.id.take())?,
        org_id: writer(&caller)?.to_owned(),
        title: String::new(),
        company: String::new(),
        description: String::new(),
        requirements: String::new(),
        location: String::new(),
        salary_range: String::new(),
        experience_level: String::new(),
        skills_required: Vec::new(),
        industry: None,
        created_at_ms: now,
        updated_at_ms: now,
    };
    body.apply(&mut job, true)?;
    created_or("A job", state.store.create_job(&job).await)?;
    Ok((StatusCode::CREATED, Json(job_json(&job))))
}

impl AppState {
    /// The caller's job `id`, or 404.
    pub(crate) async fn org_job(&self, org_id: &str, id: &str) -> Result<Job, DetailError> {
        self.store
            .job(org_id, id)
            .await?
            .ok_or_else(|| DetailError::not_found("Job not found"))
    }

    /// The caller's candidate `id`, or 404.
    pub(crate) async fn org_candidate(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Candidate, DetailError> {
        self.store
            .candidate(org_id, id)
            .await?
            .ok_or_else(|| DetailError::not_found("Candidate not found"))
    }

    async fn org_application(&self, org_id: &str, id: &str) -> Result<Application, DetailError> {
        self.store
            .application(org_id, id)
            .await?
            .ok_or_else(|| DetailError::not_found("Application not found"))
    }
}

async fn get_job(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    Ok(Json(job_json(&state.org_job(caller.org_id(), &id).await?)))
}

async fn patch_job(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
    DetailJson(body): DetailJson<JobFields>,
) -> Result<Json<Value>, DetailError> {
    let mut job = state.org_job(writer(&caller)?, &id).await?;
    if body.id.is_some() {
        return Err(DetailError::bad_request("id cannot be changed"));
    }
    body.apply(&mut job, false)?;
    job.updated_at_ms = unix_ms();
    gone(state.store.save_job(&job).await?, "Job")?;
    Ok(Json(job_json(&job)))
}

async fn delete_job(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, DetailError> {
    gone(state.store.delete_job(writer(&caller)?, &id).await?, "Job")
}

async fn list_candidates(
    State(state): State<AppState>,
    caller: Principal,
    query: PageParams,
) -> Result<Json<Value>, DetailError> {
    let page = page(query)?;
    let found = state.store.candidates(caller.org_id(), page).await?;
    Ok(listed(found, page, candidate_json))
}

async fn create_candidate(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(mut body): DetailJson<CandidateFields>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let now = unix_ms();
    let mut candidate = Candidate {
        id: chosen_id(body.id.take())?,
        org_id: writer(&caller)?.to_owned(),
        name: String::new(),
        email: None,
        resume_text: None,
        resume_url: None,
        skills: Vec::new(),
        experience: String::new(),
        education: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    body.apply(&mut candidate, true)?;
    created_or(
        "A candidate",
        state.store.create_candidate(&candidate).await,
    )?;
    Ok((StatusCode::CREATED, Json(candidate_json(&candidate))))
}

async fn get_candidate(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    let candidate = state.org_candidate(caller.org_id(), &id).await?;
    Ok(Json(candidate_json(&candidate)))
}

async fn patch_candidate(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
    DetailJson(body): DetailJson<CandidateFields>,
) -> Result<Json<Value>, DetailError> {
    let mut candidate = state.org_candidate(writer(&caller)?, &id).await?;
    if body.id.is_some() {
        return Err(DetailError::bad_request("id cannot be changed"));
    }
    body.apply(&mut candidate, false)?;
    candidate.updated_at_ms = unix_ms();
    gone(state.store.save_candidate(&candidate).await?, "Candidate")?;
    Ok(Json(candidate_json(&candidate)))
}

async fn delete_candidate(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, DetailError> {
    let found = state.store.delete_candidate(writer(&caller)?, &id).await?;
    gone(found, "Candidate")
}

async fn list_applications(
    State(state): State<AppState>,
    caller: Principal,
    query: PageParams,
) -> Result<Json<Value>, DetailError> {
    let page = page(query)?;
    let found = state.store.applications(caller.org_id(), page).await?;
    Ok(listed(found, page, application_json))
}

async fn create_application(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(mut body): DetailJson<ApplicationFields>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let org_id = writer(&caller)?.to_owned();
    let (Some(job_id), Some(candidate_id)) = (body.job_id.take(), body.candidate_id.take()) else {
        return Err(DetailError::bad_request(
            "job_id and candidate_id are required",
        ));
    };
    // Named 404s; the store checks again in the insert itself.
    state.org_job(&org_id, &job_id).await?;
    state.org_candidate(&org_id, &candidate_id).await?;
    let now = unix_ms();
    let mut application = Application {
        id: chosen_id(body.id.take())?,
        org_id,
        job_id,
        candidate_id,
        industry: None,
        status: "applied".into(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    body.apply(&mut application)?;
    match state.store.create_application(&application).await {
        Err(StoreError::NotFound(_)) => {
            return Err(DetailError::not_found("Job or candidate not found"));
        }
        result => created_or("An application", result)?,
    }
    Ok((StatusCode::CREATED, Json(application_json(&application))))
}

async fn get_application(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, DetailError> {
    let application = state.org_application(caller.org_id(), &id).await?;
    Ok(Json(application_json(&application)))
}

async fn patch_application(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
    DetailJson(body): DetailJson<ApplicationFields>,
) -> Result<Json<Value>, DetailError> {
    let mut application = state.org_application(writer(&caller)?, &id).await?;
    if body.id.is_some() || body.job_id.is_some() || body.candidate_id.is_some() {
        return Err(DetailError::bad_request(
            "id, job_id and candidate_id cannot be changed",
        ));
    }
    body.apply(&mut application)?;
    application.updated_at_ms = unix_ms();
    gone(
        state.store.save_application(&application).await?,
        "Application",
    )?;
    Ok(Json(application_json(&application)))
}

async fn delete_application(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, DetailError> {
    let found = state
        .store
        .delete_application(writer(&caller)?, &id)
        .await?;
    gone(found, "Application")
}
