//! `POST /api/v1/aiinterview/sessions`: an application's interview created ahead of its socket,
//! with a join token for `ws://…/interview/{application_id}?token=`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::super::join_token;
use super::messages::DURATION_MINUTES;
use super::{plan, setup};
use crate::api::AppState;
use crate::api::auth::Principal;
use crate::api::detail::{DetailError, DetailJson};

/// `POST /api/v1/aiinterview/sessions` (API key) `{application_id, duration?, ttl?}` → 201
/// `{application_id, session_id, token, expires_at, ws_url}`: the application's open interview
/// (a new one when it has none, or its last one is over) and a join token bound to it (also
/// good for `POST /api/v1/interviews/{id}/credentials`, a voice call of the same interview).
pub(super) async fn mint(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    DetailJson(body): DetailJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let org_id = join_token::api_key_org(&caller)?;
    let application_id = body
        .get("application_id")
        .and_then(Value::as_str)
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .ok_or_else(|| DetailError::bad_request("application_id must be a UUID"))?;
    let duration = match body.get("duration") {
        None | Some(Value::Null) => plan::DEFAULT_MINUTES,
        Some(v) => v
            .as_u64()
            .filter(|m| DURATION_MINUTES.contains(m))
            .ok_or_else(|| DetailError::bad_request("duration must be 1 to 120 minutes"))?
            as u32,
    };
    let ttl = join_token::ttl(&body)?;
    let refused = |e: super::messages::WsError| {
        let status = match e.code {
            "APPLICATION_NOT_FOUND" => StatusCode::NOT_FOUND,
            "NO_CREDITS" => StatusCode::FORBIDDEN,
            "INTERNAL_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::CONFLICT,
        };
        DetailError::new(status, e.message)
    };
    let application = setup::application(&state, org_id, application_id)
        .await
        .map_err(refused)?;
    let interview = match setup::latest(&state, org_id, application_id).await? {
        Some((_, open)) if !open.status.is_final() => open,
        latest => {
            let attempt = latest.map_or(1, |(n, _)| n + 1);
            setup::create(&state, &application, attempt, duration)
                .await
                .map_err(refused)?
        }
    };
    let grant = join_token::grant(&state, &headers, &interview, ttl);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "application_id": application_id,
            "session_id": interview.id,
            "token": grant.token,
            "expires_at": grant.expires_at,
            "ws_url": format!("{}/interview/{application_id}?token={}", grant.ws_base, grant.token),
        })),
    ))
}
