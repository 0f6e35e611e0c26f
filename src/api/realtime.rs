//! The OpenAI-compatible realtime endpoints: client secrets, calls (SDP offer → answer),
//! hangup, plus Viva's call record and the start page's demo secret.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::cors::refuse_api_key_from_browser;
use super::secret_auth::SecretBearer;
use super::{ApiError, AppState, MAX_BODY_BYTES, bearer};
use crate::call::{self, Control, Refusal, StartError};
use crate::clock::unix_secs;
use crate::credentials::SecretScope;
use crate::credentials::client_secret::{DEFAULT_TTL, TTL_RANGE};
use crate::ids::new_id;
use crate::realtime::SessionConfig;

/// Lifetime of the start page's demo secrets.
const DEMO_TTL: u64 = 600;

/// The routes a browser page uses with a client secret; they get CORS (see `super::cors`).
pub(super) fn browser_router() -> Router<AppState> {
    Router::new()
        .route("/v1/realtime/calls", post(create_call))
        .route("/v1/realtime/calls/{call_id}/hangup", post(hangup))
        .route(
            "/v1/realtime/calls/{call_id}/question",
            post(switch_question),
        )
        .route("/v1/realtime/ice_servers", get(ice_servers))
}

/// The server-key routes, and the start page's own (same-origin) demo secret: no CORS.
pub(super) fn server_router() -> Router<AppState> {
    Router::new()
        .route("/v1/realtime/client_secrets", post(create_client_secret))
        .route("/v1/realtime/calls/{call_id}", get(get_call))
        .route("/api/demo/client_secret", post(create_demo_secret))
}

/// Reads a request's body within the router's body limit (its `DefaultBodyLimit` layer,
/// [`MAX_BODY_BYTES`]).
async fn read_body(request: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::body_too_large(MAX_BODY_BYTES)
            } else {
                ApiError::bad_request("invalid_body", rejection.body_text())
            }
        })
}

impl AppState {
    fn mint(&self, org_id: &str, session: SessionConfig, ttl: u64) -> Value {
        let (value, claims) = self.secrets.mint(org_id, session, None, ttl, unix_secs());
        let session =
            claims
                .session
                .effective(&new_id("sess_"), &self.upstream.model(), Some(claims.exp));
        json!({ "value": value, "expires_at": claims.exp, "session": session })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientSecretRequest {
    #[serde(default)]
    expires_after: Option<ExpiresAfter>,
    #[serde(default)]
    session: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct ExpiresAfter {
    #[serde(default)]
    anchor: Option<String>,
    seconds: Option<u64>,
}

/// `POST /v1/realtime/client_secrets` (server key): a client secret bound to a session.
async fn create_client_secret(
    State(state): State<AppState>,
    request: Request,
) -> Result<impl IntoResponse, ApiError> {
    let org_id = state.require_server_key(request.headers()).await?;
    let bytes = read_body(request, &state).await?;
    let request: ClientSecretRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        ClientSecretRequest {
            expires_after: None,
            session: None,
        }
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request("invalid_json", format!("Invalid request body: {e}"))
        })?
    };
    let mut ttl = DEFAULT_TTL;
    if let Some(expires) = request.expires_after {
        if expires.anchor.as_deref().is_some_and(|a| a != "created_at") {
            return Err(ApiError::bad_request(
                "invalid_expires_after",
                "expires_after.anchor must be \"created_at\".",
            )
            .with_param("expires_after.anchor"));
        }
        if let Some(seconds) = expires.seconds {
            if !TTL_RANGE.contains(&seconds) {
                let message = format!(
                    "expires_after.seconds must be between {} and {}.",
                    TTL_RANGE.start(),
                    TTL_RANGE.end()
                );
                return Err(ApiError::bad_request("invalid_expires_after", message)
                    .with_param("expires_after.seconds"));
            }
            ttl = seconds;
        }
    }
    let session = match request.session {
        None => SessionConfig::default(),
        Some(value) => SessionConfig::from_value(value, "session").map_err(|e| {
            ApiError::bad_request("invalid_session", e.message.clone()).with_param(e.param)
        })?,
    };
    Ok(axum::Json(state.mint(&org_id, session, ttl)))
}

/// `GET /v1/realtime/ice_servers` (client secret): the ICE servers the candidate's browser
/// should use for its call, with fresh TURN REST credentials named after the secret's id.
/// `ice_servers` is empty when no TURN server is advertised.
async fn ice_servers(
    State(state): State<AppState>,
    SecretBearer(secret): SecretBearer,
) -> Result<impl IntoResponse, ApiError> {
    let turn = state.mint_turn(&secret.id, state.config.turn_ttl);
    let servers = if turn.urls.is_empty() {
        Vec::new()
    } else {
        vec![json!({ "urls": turn.urls, "username": turn.username, "credential": turn.password })]
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "ice_servers": servers, "expires_at": turn.expiration })),
    ))
}

/// `POST /api/demo/client_secret`: the start page's own short-lived secret, only where the
/// server listens on loopback or `--demo` is set. The server key never reaches the page.
async fn create_demo_secret(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    if !state.config.demo_secrets_allowed() {
        return Err(ApiError::forbidden(
            "demo_disabled",
            "This server does not hand out demo sessions; open the join link you were sent.",
        ));
    }
    let session = SessionConfig::from_value(
        json!({
            "type": "realtime",
            "instructions": "You are a friendly, professional interviewer. Ask one question at a time and keep your turns short.",
            "audio": {
                "input": {
                    "transcription": { "model": "gpt-4o-mini-transcribe" },
                    "turn_detection": { "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 800 },
                },
            },
        }),
        "session",
    )
    .map_err(ApiError::internal)?;
    // Demo sessions belong to the default organization.
    Ok(axum::Json(state.mint(
        crate::store::DEFAULT_ORG_ID,
        session,
        DEMO_TTL,
    )))
}

/// The offer and session of a call request, from either request shape.
struct CallRequest {
    offer: String,
    session: SessionConfig,
    secret_id: String,
    org_id: String,
    scope: Option<SecretScope>,
}

/// `POST /v1/realtime/calls`: `application/sdp` with a client secret, or `multipart/form-data`
/// (`sdp`, optional `session`) with the server key or a client secret. Answers 201 with the
/// SDP answer and `Location: /v1/realtime/calls/{call_id}`.
async fn create_call(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let viva_events = wants_viva_events(request.uri().query());
    let call = read_call_request(&state, request).await?;
    let answer = state
        .calls
        .start(call::CallRequest {
            offer: call.offer,
            session: call.session,
            secret_id: call.secret_id,
            org_id: call.org_id,
            interview_id: call.scope.map(|scope| scope.interview_id),
            viva_events,
        })
        .await
        .map_err(start_error)?;
    let call::CallAnswer {
        call_id,
        sdp: answer,
    } = answer;
    let location = format!("/v1/realtime/calls/{call_id}");
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::CONTENT_TYPE, "application/sdp".to_owned()),
        ],
        answer,
    )
        .into_response())
}

/// Whether the call URL's query asks for Viva's own `viva.*` events (`viva_events=1` or
/// `=true`); OpenAI clients, which do not know them, get only OpenAI's.
fn wants_viva_events(query: Option<&str>) -> bool {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(key, value)| key == "viva_events" && matches!(value, "1" | "true"))
}

/// The realtime API's error for a call that could not start.
fn start_error(error: StartError) -> ApiError {
    let code = error.code();
    match error.refusal() {
        Refusal::Offer => {
            let message = match &error {
                StartError::Peer(detail) if code == "invalid_sdp" => {
                    format!("The SDP offer is not valid: {detail}")
                }
                other => other.to_string(),
            };
            ApiError::bad_request(code, message).with_param("sdp")
        }
        Refusal::Capacity => {
            let message = match &error {
                StartError::TooManyCalls { max } => {
                    format!("The server is at its limit of {max} calls; try again shortly.")
                }
                _ => "Every media port is in use; try again shortly.".into(),
            };
            ApiError::unavailable(code, message, 5)
        }
        Refusal::Interview => {
            let message = match code {
                "interview_completed" => "The interview of this token is completed.",
                _ => "The interview of this token no longer exists.",
            };
            ApiError::forbidden(code, message)
        }
        Refusal::Upstream => {
            tracing::error!(%error, "upstream failed");
            let message = match code {
                "upstream_refused" => "The realtime model refused the session.",
                _ => "The realtime model cannot be reached; try again shortly.",
            };
            ApiError::bad_gateway(code, message)
        }
        Refusal::Internal => match error {
            StartError::Store(error) => error.into(),
            other => ApiError::internal(other),
        },
    }
}

async fn read_call_request(state: &AppState, request: Request) -> Result<CallRequest, ApiError> {
    let token = bearer(request.headers())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing_authorization",
                "Send a client secret (or the server key) as `Authorization: Bearer …`.",
            )
        })?
        .to_owned();
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/sdp") {
        let secret = state.verify_secret(&token)?;
        let bytes = read_body(request, state).await?;
        let offer = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::bad_request("invalid_sdp", "The SDP offer is not UTF-8.").with_param("sdp")
        })?;
        return Ok(CallRequest {
            offer,
            session: secret.session,
            secret_id: secret.id,
            org_id: secret.org_id,
            scope: secret.scope,
        });
    }
    if content_type.starts_with("multipart/form-data") {
        let (mut session, secret_id, org_id, scope) =
            if let Some(org_id) = state.api_key_org(&token).await? {
                refuse_api_key_from_browser(request.headers())?;
                (
                    SessionConfig::default(),
                    "server_key".to_owned(),
                    org_id,
                    None,
                )
            } else {
                let secret = state.verify_secret(&token)?;
                (secret.session, secret.id, secret.org_id, secret.scope)
            };
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
        let mut offer = None;
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            match field.name() {
                Some("sdp") => offer = Some(field.text().await.map_err(multipart_error)?),
                Some("session") => {
                    let text = field.text().await.map_err(multipart_error)?;
                    let value: Value = serde_json::from_str(&text).map_err(|e| {
                        ApiError::bad_request(
                            "invalid_session",
                            format!("The session part is not JSON: {e}"),
                        )
                        .with_param("session")
                    })?;
                    let patch = SessionConfig::from_value(value, "session").map_err(|e| {
                        ApiError::bad_request("invalid_session", e.message.clone())
                            .with_param(e.param)
                    })?;
                    session.merge(&patch).map_err(|e| {
                        ApiError::bad_request("invalid_session", e.message.clone())
                            .with_param(e.param)
                    })?;
                }
                _ => {}
            }
        }
        let offer = offer.ok_or_else(|| {
            ApiError::bad_request("missing_sdp", "The multipart body has no `sdp` part.")
                .with_param("sdp")
        })?;
        return Ok(CallRequest {
            offer,
            session,
            secret_id,
            org_id,
            scope,
        });
    }
    Err(ApiError::unsupported_media_type(
        "application/sdp or multipart/form-data",
    ))
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::body_too_large(MAX_BODY_BYTES)
    } else {
        ApiError::bad_request("invalid_multipart", error.body_text())
    }
}

/// Who may act on a call: an API key of its organization, or the client secret that opened
/// it. Another organization's key is told the call does not exist.
async fn authorize_call(
    state: &AppState,
    headers: &HeaderMap,
    call_id: &str,
    call: &call::CallHandle,
) -> Result<(), ApiError> {
    let token = bearer(headers).ok_or_else(|| {
        ApiError::unauthorized(
            "missing_authorization",
            "Send the call's client secret or the server key.",
        )
    })?;
    if let Some(org_id) = state.api_key_org(token).await? {
        refuse_api_key_from_browser(headers)?;
        return if org_id == call.org_id {
            Ok(())
        } else {
            Err(call_not_found(call_id))
        };
    }
    let secret = state.verify_secret(token)?;
    if secret.id == call.secret_id {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_your_call",
            "This client secret did not open this call.",
        ))
    }
}

/// 404 for a call that does not exist, or not for the caller.
fn call_not_found(call_id: &str) -> ApiError {
    ApiError::not_found("call_not_found", format!("No call {call_id}."))
}

/// `POST /v1/realtime/calls/{call_id}/hangup`.
async fn hangup(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let call = state
        .calls
        .get(&call_id)
        .ok_or_else(|| ApiError::not_found("call_not_found", format!("No live call {call_id}.")))?;
    authorize_call(&state, &headers, &call_id, &call).await?;
    let _ = state.calls.send(&call_id, Control::Hangup).await;
    Ok(axum::Json(json!({})))
}

/// `GET /v1/realtime/calls/{call_id}` (server key): the call's record and transcript so far.
async fn get_call(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let org_id = state.require_server_key(&headers).await?;
    let record = state.store.call(&org_id, &call_id).await?;
    let record = record.ok_or_else(|| call_not_found(&call_id))?;
    let live = state.calls.get(&call_id).is_some();
    let mut body = serde_json::to_value(record).map_err(ApiError::internal)?;
    body["live"] = json!(live);
    Ok(axum::Json(body))
}

/// `POST /v1/realtime/calls/{call_id}/question` with a question token (`Authorization: Bearer
/// ek_…` from `/api/v1/interviews/{id}/questions/{n}/token`): switches the live call to that
/// question without new SDP. The upstream gets a `session.update` with the question's
/// instructions; the candidate's audio never stops.
async fn switch_question(
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    SecretBearer(secret): SecretBearer,
) -> Result<impl IntoResponse, ApiError> {
    let (scope, question) = match &secret.scope {
        Some(
            scope @ SecretScope {
                question: Some(n), ..
            },
        ) => (scope.clone(), *n),
        _ => {
            return Err(ApiError::bad_request(
                "not_a_question_token",
                "This client secret is not bound to an interview question.",
            ));
        }
    };
    let call = state
        .calls
        .get(&call_id)
        .ok_or_else(|| ApiError::not_found("call_not_found", format!("No live call {call_id}.")))?;
    if call.org_id != secret.org_id {
        return Err(call_not_found(&call_id));
    }
    if call.interview_id.as_deref() != Some(scope.interview_id.as_str()) {
        return Err(ApiError::forbidden(
            "wrong_interview",
            "This question token belongs to another interview than the call.",
        ));
    }
    state
        .calls
        .check_interview_open(&secret.org_id, &scope.interview_id)
        .await
        .map_err(start_error)?;
    let mut patch = secret.session.0.clone();
    patch.remove("type");
    let update =
        json!({ "type": "session.update", "event_id": new_id("event_"), "session": patch });
    state
        .calls
        .send(&call_id, Control::ClientEvent(update))
        .await
        .map_err(|_| ApiError::not_found("call_not_found", "The call has ended."))?;
    if let Ok(Some(mut interview)) = state
        .store
        .interview(&secret.org_id, &scope.interview_id)
        .await
    {
        interview.progress_data["current_question"] = json!(question);
        if let Err(error) = state.interviews.save(&interview).await {
            tracing::warn!(%error, "could not record the current question");
        }
    }
    Ok(axum::Json(
        json!({ "call_id": call_id, "interview_id": scope.interview_id, "question_number": question }),
    ))
}

#[cfg(test)]
mod tests {
    use super::wants_viva_events;

    #[test]
    fn viva_events_are_asked_for_in_the_query() {
        assert!(wants_viva_events(Some("viva_events=1")));
        assert!(wants_viva_events(Some(
            "model=gpt-realtime&viva_events=true"
        )));
        assert!(!wants_viva_events(Some("viva_events=0")));
        assert!(!wants_viva_events(Some("model=gpt-realtime")));
        assert!(!wants_viva_events(None));
    }
}
