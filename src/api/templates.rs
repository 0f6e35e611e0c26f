//! `/api/v1/templates`: interview templates (title, focus area, questions, duration,
//! instructions). Built-in ones are seeded on first start.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::auth::Principal;
use super::detail::{DetailError, DetailJson};
use crate::clock::unix_ms;
use crate::interview::Template;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/templates", get(list).post(create))
        .route("/api/v1/templates/", get(list).post(create))
        .route("/api/v1/templates/{template_id}", get(fetch))
}

async fn list(
    State(state): State<AppState>,
    caller: Principal,
) -> Result<Json<Vec<Template>>, DetailError> {
    Ok(Json(state.store.templates(caller.org_id()).await?))
}

async fn fetch(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Template>, DetailError> {
    let template = state
        .store
        .template(caller.org_id(), &id)
        .await?
        .ok_or_else(|| DetailError::not_found("Template not found"))?;
    Ok(Json(template))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTemplate {
    title: String,
    focus_area: String,
    #[serde(default)]
    question_count: Option<usize>,
    #[serde(default)]
    question_kinds: Vec<String>,
    duration_minutes: u32,
    #[serde(default)]
    instructions: String,
    questions: Vec<String>,
}

/// `POST /api/v1/templates` (API key).
async fn create(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(body): DetailJson<NewTemplate>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    if !matches!(caller, Principal::ApiKey { .. }) {
        return Err(DetailError::forbidden(
            "Only an API key can create templates",
        ));
    }
    let template = Template {
        id: uuid::Uuid::new_v4().to_string(),
        question_count: body.question_count.unwrap_or(body.questions.len()),
        title: body.title,
        focus_area: body.focus_area,
        question_kinds: body.question_kinds,
        duration_minutes: body.duration_minutes,
        instructions: body.instructions,
        questions: body.questions,
        builtin: false,
    };
    template
        .validate()
        .map_err(|e| DetailError::bad_request(e.0))?;
    state
        .store
        .create_template(Some(caller.org_id()), &template, unix_ms())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(template).map_err(DetailError::internal)?),
    ))
}
