//! Seed 003 (OpenHire): an interview over `ws://…/ws/interview/{session_id}`, plus the native
//! route that mints a socket's token. Who may connect: `?token=` (a join token minted by
//! `POST /api/v1/openhire/sessions` for that session's interview), or without a token, on a
//! server listening on loopback or started with `--demo`, the demo organization (the seeds'
//! test data). Reconnecting with the same session id (or the reported `session_id`) resumes:
//! the current question is sent again.

mod messages;
mod plan;
mod session;
mod setup;
mod socket;
mod token;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::join_token::{self, Caller, Refusal, TokenQuery};
use super::live::Registry;
use super::ws::{self, Conn};
use crate::api::AppState;
use crate::api::detail::DetailError;
use crate::interview::Interview;
use session::Session;

/// `/ws/interview/{session_id}` and `POST /api/v1/openhire/sessions`.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/interview/{session_id}", get(connect))
        .route("/api/v1/openhire/sessions", post(token::mint))
        .layer(Extension(Arc::new(Registry::<Session>::default())))
}

/// A session id: 1–128 letters, digits, `-`, `_` or `.`.
fn valid_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The organization a socket acts in and the session's interview, if it exists: by token, or
/// the demo organization where that is allowed.
async fn admit(
    state: &AppState,
    session_id: &str,
    token: Option<&str>,
) -> Result<(String, Option<Interview>), DetailError> {
    match join_token::admit(state, token).await {
        Ok(Caller::Demo(org_id)) => {
            let found = setup::find(state, &org_id, session_id).await?;
            Ok((org_id, found))
        }
        Ok(Caller::Token {
            org_id,
            interview_id,
        }) => match setup::find(state, &org_id, session_id).await? {
            Some(interview) if interview_id.as_deref() == Some(interview.id.as_str()) => {
                Ok((org_id, Some(interview)))
            }
            _ => Err(DetailError::forbidden(
                "The token is for another interview session",
            )),
        },
        Err(Refusal::TokenRequired) => Err(DetailError::unauthorized(
            "A token is required: ?token=<token from POST /api/v1/openhire/sessions>",
        )),
        Err(Refusal::Expired) => Err(DetailError::unauthorized("Token has expired")),
        Err(Refusal::Invalid) => Err(DetailError::unauthorized("Could not validate credentials")),
        Err(Refusal::Store(error)) => Err(error.into()),
    }
}

/// `GET /ws/interview/{session_id}[?token=]`: the upgrade.
async fn connect(
    State(state): State<AppState>,
    Extension(registry): Extension<Arc<Registry<Session>>>,
    Path(session_id): Path<String>,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    if !valid_session_id(&session_id) {
        let detail = "session_id must be 1 to 128 letters, digits, '-', '_' or '.'";
        return DetailError::bad_request(detail).into_response();
    }
    let token = join_token::query_token(query);
    let (org_id, found) = match admit(&state, &session_id, token.as_deref()).await {
        Ok(admitted) => admitted,
        Err(error) => return error.into_response(),
    };
    ws::upgrade(request, move |socket| async move {
        let conn = Conn::new(socket, Duration::from_secs(state.config.ws_idle_secs));
        let socket = socket::Socket::new(state, registry, org_id, session_id, found);
        super::socket_loop::run(conn, socket).await;
    })
}
