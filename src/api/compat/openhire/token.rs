//! `POST /api/v1/openhire/sessions`: a session created ahead of its socket, with its token.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::super::join_token;
use super::messages::{self, WsError};
use super::{setup, valid_session_id};
use crate::api::AppState;
use crate::api::auth::Principal;
use crate::api::detail::{DetailError, DetailJson};

/// `POST /api/v1/openhire/sessions` (API key) `{job_id, candidate_id, resume_text?,
/// preferences?, session_id?, ttl?}` → 201 `{session_id, interview_id, token, expires_at,
/// ws_url}`: the session's interview, created now, and a join token for its socket (and for
/// `POST /api/v1/interviews/{id}/credentials`).
pub(super) async fn mint(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    DetailJson(body): DetailJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), DetailError> {
    let org_id = join_token::api_key_org(&caller)?;
    let detail = |e: WsError| {
        let status = StatusCode::from_u16(e.status_code).unwrap_or(StatusCode::BAD_REQUEST);
        DetailError::new(status, e.message)
    };
    let start = messages::start(&body).map_err(detail)?;
    let session_id = match body.get("session_id") {
        None | Some(Value::Null) => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(id)) if valid_session_id(id) => id.clone(),
        Some(_) => {
            return Err(DetailError::bad_request(
                "session_id must be 1 to 128 letters, digits, '-', '_' or '.'",
            ));
        }
    };
    let ttl = join_token::ttl(&body)?;
    let interview = match setup::find(&state, org_id, &session_id).await? {
        Some(found) if !setup::started_for(&found, &start) => {
            return Err(DetailError::new(
                StatusCode::CONFLICT,
                "Interview session already exists for another job or candidate",
            ));
        }
        Some(found) => found,
        None => setup::create(&state, org_id, &session_id, &start)
            .await
            .map_err(detail)?,
    };
    if interview.status.is_final() {
        return Err(DetailError::new(
            StatusCode::CONFLICT,
            "Interview session has ended",
        ));
    }
    let grant = join_token::grant(&state, &headers, &interview, ttl);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "session_id": session_id,
            "interview_id": interview.id,
            "token": grant.token,
            "expires_at": grant.expires_at,
            "ws_url": format!("{}/ws/interview/{session_id}?token={}", grant.ws_base, grant.token),
        })),
    ))
}
