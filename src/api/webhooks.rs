//! `/api/v1/webhooks`: an organization's webhook endpoints (API key only) and their
//! deliveries. Another organization's endpoint is 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Principal;
use super::detail::{DetailError, DetailJson};
use crate::clock::unix_ms;
use crate::ids::new_id;
use crate::interview::rfc3339;
use crate::store::{Delivery, WebhookEndpoint};
use crate::webhooks::{EVENT_TYPES, signing, target};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(create))
        .route("/api/v1/webhooks/", get(list).post(create))
        .route("/api/v1/webhooks/{webhook_id}", delete(remove))
        .route("/api/v1/webhooks/{webhook_id}/deliveries", get(deliveries))
}

/// The organization of an API-key caller; users' tokens do not manage webhooks.
fn org_of(caller: &Principal) -> Result<&str, DetailError> {
    match caller {
        Principal::ApiKey { org_id, .. } => Ok(org_id),
        Principal::User { .. } => Err(DetailError::forbidden(
            "Webhooks are managed with an API key",
        )),
    }
}

fn ms_time(ms: Option<u64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(rfc3339(ms)))
}

fn endpoint_json(endpoint: &WebhookEndpoint, with_secret: bool) -> Value {
    let mut body = json!({
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "created_at": rfc3339(endpoint.created_at_ms),
    });
    if with_secret {
        body["secret"] = Value::String(endpoint.secret.clone());
    }
    body
}

fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "event_type": d.event_type,
        "interview_id": d.interview_id,
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "created_at": rfc3339(d.created_at_ms),
        "last_attempt_at": ms_time(d.last_attempt_at_ms),
        "next_attempt_at": ms_time((d.status == crate::store::DeliveryStatus::Pending).then_some(d.next_attempt_at_ms)),
        "delivered_at": ms_time(d.delivered_at_ms),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /api/v1/webhooks` `{url, secret?, events?}` → 201 with the secret (shown only here).
async fn create(
    State(state): State<AppState>,
    caller: Principal,
    DetailJson(body): DetailJson<NewWebhook>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let org_id = org_of(&caller)?;
    if let Some(unknown) = body
        .events
        .iter()
        .find(|e| !EVENT_TYPES.contains(&e.as_str()))
    {
        return Err(DetailError::bad_request(format!(
            "Unknown event type {unknown:?}; known: {}",
            EVENT_TYPES.join(", ")
        )));
    }
    let secret = match body.secret {
        Some(secret) if signing::secret_key(&secret).is_none() => {
            return Err(DetailError::bad_request(
                "secret must be whsec_ followed by 16 to 512 bytes in base64",
            ));
        }
        Some(secret) => secret,
        None => signing::generate_secret(),
    };
    let checked = target::resolve(&body.url, state.config.webhook_allow_private)
        .await
        .map_err(|e| DetailError::bad_request(e.to_string()))?;
    let mut events = body.events;
    events.sort();
    events.dedup();
    let endpoint = WebhookEndpoint {
        id: new_id("wh_"),
        org_id: org_id.to_owned(),
        url: checked.url.to_string(),
        secret,
        events,
        interview_id: None,
        created_at_ms: unix_ms(),
        disabled_at_ms: None,
    };
    state.store.create_webhook(&endpoint).await?;
    Ok((StatusCode::CREATED, Json(endpoint_json(&endpoint, true))))
}

/// `GET /api/v1/webhooks`: the organization's endpoints (without secrets).
async fn list(
    State(state): State<AppState>,
    caller: Principal,
) -> Result<Json<Vec<Value>>, DetailError> {
    let endpoints = state.store.webhooks(org_of(&caller)?).await?;
    Ok(Json(
        endpoints.iter().map(|e| endpoint_json(e, false)).collect(),
    ))
}

/// `DELETE /api/v1/webhooks/{id}` → 204; nothing more is sent to it.
async fn remove(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, DetailError> {
    if state
        .store
        .delete_webhook(org_of(&caller)?, &id, unix_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(DetailError::not_found("Webhook not found"))
    }
}

/// `GET /api/v1/webhooks/{id}/deliveries`: its latest 100 deliveries, newest first.
async fn deliveries(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<Value>>, DetailError> {
    let org_id = org_of(&caller)?;
    if state.store.webhook(org_id, &id).await?.is_none() {
        return Err(DetailError::not_found("Webhook not found"));
    }
    let found = state.store.deliveries(org_id, &id).await?;
    Ok(Json(found.iter().map(delivery_json).collect()))
}
