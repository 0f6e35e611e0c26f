//! Seed 002's `/api/tezhire/webhooks`: an organization's webhook endpoints, as the core's
//! [`crate::store::WebhookStore`] keeps them (the same endpoints `/api/v1/webhooks` lists), and
//! the per-session `callbackUrl` endpoint. Deliveries are signed the Standard Webhooks way;
//! a plain-text `secret` is the key as its UTF-8 bytes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Integrator;
use super::error::{SessionError, SessionJson};
use crate::api::AppState;
use crate::clock::unix_ms;
use crate::ids::new_id;
use crate::interview::rfc3339;
use crate::store::{StoreError, WebhookEndpoint};
use crate::webhooks::{EVENT_TYPES, signing, target};

pub(super) fn router() -> Router<AppState> {
    use axum::routing::{delete, get};
    Router::new()
        .route("/api/tezhire/webhooks", get(list).post(create))
        .route("/api/tezhire/webhooks/{webhook_id}", delete(remove))
}

/// `POST /api/tezhire/webhooks`'s body.
#[derive(Debug, Deserialize)]
struct NewWebhook {
    url: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

fn endpoint_json(endpoint: &WebhookEndpoint) -> Value {
    json!({
        "webhookId": endpoint.id,
        "url": endpoint.url,
        "events": if endpoint.events.is_empty() { EVENT_TYPES.map(String::from).to_vec() } else { endpoint.events.clone() },
        "createdAt": rfc3339(endpoint.created_at_ms),
    })
}

/// The secret of `text` (the integrator's), or a new one when none was given.
fn secret_of(text: Option<&str>, field: &str) -> Result<String, SessionError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(signing::generate_secret()),
        Some(text) => signing::secret_from_text(text).ok_or_else(|| {
            SessionError::invalid(format!(
                "{field}: the secret must be {} to {} characters",
                signing::KEY_BYTES.start(),
                signing::KEY_BYTES.end()
            ))
        }),
    }
}

/// A checked target URL: `https://`, or `http://` with a public address (private ones only
/// with `--webhook-allow-private`).
async fn checked_url(state: &AppState, url: &str, field: &str) -> Result<String, SessionError> {
    target::resolve(url, state.config.webhook_allow_private)
        .await
        .map(|checked| checked.url.to_string())
        .map_err(|e| {
            SessionError::new(
                StatusCode::BAD_REQUEST,
                "invalid_url",
                format!("{field}: {e}"),
            )
        })
}

/// `POST /api/tezhire/webhooks` `{url, secret, events}` → the seed's answer.
async fn create(
    State(state): State<AppState>,
    caller: Integrator,
    SessionJson(body): SessionJson<NewWebhook>,
) -> Result<(StatusCode, Json<Value>), SessionError> {
    if let Some(unknown) = body
        .events
        .iter()
        .find(|e| !EVENT_TYPES.contains(&e.as_str()))
    {
        return Err(SessionError::new(
            StatusCode::BAD_REQUEST,
            "invalid_event",
            format!(
                "events: unknown event {unknown:?}; known: {}",
                EVENT_TYPES.join(", ")
            ),
        ));
    }
    let secret = secret_of(body.secret.as_deref(), "secret")?;
    let mut events = body.events;
    events.sort();
    events.dedup();
    let endpoint = WebhookEndpoint {
        id: new_id("wh_"),
        org_id: caller.org_id,
        url: checked_url(&state, &body.url, "url").await?,
        secret: secret.clone(),
        events,
        interview_id: None,
        created_at_ms: unix_ms(),
        disabled_at_ms: None,
    };
    state.store.create_webhook(&endpoint).await?;
    let mut answer = json!({
        "success": true,
        "message": "Webhook configured successfully",
    });
    merge(&mut answer, endpoint_json(&endpoint));
    if body.secret.is_none() {
        // Made here: shown once, so the receiver can check signatures.
        answer["secret"] = Value::String(secret);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

/// `GET /api/tezhire/webhooks`: the organization's endpoints (no secrets).
async fn list(
    State(state): State<AppState>,
    caller: Integrator,
) -> Result<Json<Value>, SessionError> {
    let endpoints = state.store.webhooks(&caller.org_id).await?;
    let webhooks: Vec<Value> = endpoints
        .iter()
        .map(|endpoint| {
            let mut body = endpoint_json(endpoint);
            body["sessionInterviewId"] = json!(endpoint.interview_id);
            body
        })
        .collect();
    Ok(Json(json!({ "success": true, "webhooks": webhooks })))
}

/// `DELETE /api/tezhire/webhooks/{webhookId}`: nothing more is sent to it.
async fn remove(
    State(state): State<AppState>,
    caller: Integrator,
    Path(id): Path<String>,
) -> Result<Json<Value>, SessionError> {
    if !state
        .store
        .delete_webhook(&caller.org_id, &id, unix_ms())
        .await?
    {
        return Err(SessionError::new(
            StatusCode::NOT_FOUND,
            "webhook_not_found",
            "No webhook with this id.",
        ));
    }
    Ok(Json(json!({ "success": true, "webhookId": id })))
}

/// The id of session interview `interview_id`'s `callbackUrl` endpoint: one per session, so a
/// repeated or concurrent create finds the same one.
fn callback_id(interview_id: &str) -> String {
    format!("wh_cb_{interview_id}")
}

/// Checks a session's `callbackUrl` before anything is stored.
pub(super) async fn check_callback(state: &AppState, url: &str) -> Result<String, SessionError> {
    checked_url(state, url, "session.callbackUrl").await
}

/// The `callbackUrl` endpoint of session interview `interview_id`: made on the first create,
/// found again on a repeat. Bound to that interview, every event type. Its secret goes back in
/// the create answer as `callbackSecret`.
pub(super) async fn callback_endpoint(
    state: &AppState,
    org_id: &str,
    interview_id: &str,
    url: String,
) -> Result<WebhookEndpoint, SessionError> {
    let id = callback_id(interview_id);
    if let Some(found) = state.store.webhook(org_id, &id).await? {
        return Ok(found);
    }
    let endpoint = WebhookEndpoint {
        id: id.clone(),
        org_id: org_id.to_owned(),
        url,
        secret: signing::generate_secret(),
        events: Vec::new(),
        interview_id: Some(interview_id.to_owned()),
        created_at_ms: unix_ms(),
        disabled_at_ms: None,
    };
    match state.store.create_webhook(&endpoint).await {
        Ok(()) => Ok(endpoint),
        // A concurrent create of the same session made it first.
        Err(StoreError::Conflict(_)) => state
            .store
            .webhook(org_id, &id)
            .await?
            .ok_or_else(|| SessionError::internal("callback endpoint vanished")),
        Err(error) => Err(error.into()),
    }
}
