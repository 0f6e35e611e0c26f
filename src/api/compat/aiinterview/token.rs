//! `POST /api/v1/aiinterview/sessions`: an application's interview created ahead of its socket,
//! with a join token for `ws://…/interview/{application_id}?token=`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::messages::DURATION_MINUTES;
use super::{plan, setup};
use crate::api::AppState;
use crate::api::auth::Principal;
use crate::api::detail::{DetailError, DetailJson};
use crate::clock::unix_ms;
use crate::interview::rfc3339;

/// Lifetimes of a socket token, seconds: allowed range and default.
const TOKEN_TTL: (std::ops::RangeInclusive<u64>, u64) = (300..=86_400, 3_600);

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
    let Principal::ApiKey { org_id, .. } = &caller else {
        return Err(DetailError::forbidden(
            "Sessions are created with an API key",
        ));
    };
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
    let ttl = match body.get("ttl") {
        None | Some(Value::Null) => TOKEN_TTL.1,
        Some(v) => v
            .as_u64()
            .filter(|t| TOKEN_TTL.0.contains(t))
            .ok_or_else(|| DetailError::bad_request("ttl must be between 300 and 86400"))?,
    };
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
    let now = unix_ms() / 1000;
    let token = state.jwt.join(&interview.user_id, &interview.id, ttl, now);
    let base = super::super::public_base(&headers, &state).replacen("http", "ws", 1);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "application_id": application_id,
            "session_id": interview.id,
            "token": token,
            "expires_at": rfc3339((now + ttl) * 1000),
            "ws_url": format!("{base}/interview/{application_id}?token={token}"),
        })),
    ))
}
