//! Seed 003 (OpenHire): an interview over `ws://…/ws/interview/{session_id}`, plus the native
//! route that mints a socket's token. Who may connect: `?token=` (a join token minted by
//! `POST /api/v1/openhire/sessions` for that session's interview), or without a token, on a
//! server listening on loopback or started with `--demo`, the demo organization (the seeds'
//! test data). Reconnecting with the same session id (or the reported `session_id`) resumes:
//! the current question is sent again.

mod messages;
mod plan;
mod registry;
mod session;
mod setup;
mod token;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::ws::{self, Conn, Inbound, MAX_TEXT_BYTES, RATE_PER_S};
use crate::api::AppState;
use crate::api::detail::DetailError;
use crate::clock::unix_ms;
use crate::credentials::jwt::{JwtError, TokenKind};
use crate::interview::Interview;
use messages::{Incoming, WsError, envelope};
use registry::{Registry, Shared};

/// How long a final `live_transcript` waits for a `candidate_response` that replaces it
/// before it is taken as the answer.
const FINAL_GRACE: Duration = Duration::from_millis(1_500);

/// `/ws/interview/{session_id}` and `POST /api/v1/openhire/sessions`.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/interview/{session_id}", get(connect))
        .route("/api/v1/openhire/sessions", post(token::mint))
        .layer(Extension(Arc::new(Registry::default())))
}

/// A session id: 1–128 letters, digits, `-`, `_` or `.`.
fn valid_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The organization a socket acts in and the session's interview, if it exists: by token, or
/// the demo organization where that is allowed.
async fn admit(
    state: &AppState,
    session_id: &str,
    token: Option<&str>,
) -> Result<(String, Option<Interview>), DetailError> {
    let Some(token) = token else {
        if !state.config.demo_secrets_allowed() {
            return Err(DetailError::unauthorized(
                "A token is required: ?token=<token from POST /api/v1/openhire/sessions>",
            ));
        }
        let org_id = super::demo::demo_org(state).await?;
        let found = setup::find(state, &org_id, session_id).await?;
        return Ok((org_id, found));
    };
    let claims = match state.jwt.verify(token, TokenKind::Join, unix_ms() / 1000) {
        Ok(claims) => claims,
        Err(JwtError::Expired) => return Err(DetailError::unauthorized("Token has expired")),
        Err(JwtError::Invalid) => {
            return Err(DetailError::unauthorized("Could not validate credentials"));
        }
    };
    let user = state
        .store
        .user(&claims.sub)
        .await?
        .ok_or_else(|| DetailError::unauthorized("Could not validate credentials"))?;
    match setup::find(state, &user.org_id, session_id).await? {
        Some(interview) if claims.iid.as_deref() == Some(interview.id.as_str()) => {
            Ok((user.org_id, Some(interview)))
        }
        _ => Err(DetailError::forbidden(
            "The token is for another interview session",
        )),
    }
}

/// `GET /ws/interview/{session_id}[?token=]`: the upgrade.
async fn connect(
    State(state): State<AppState>,
    Extension(registry): Extension<Arc<Registry>>,
    Path(session_id): Path<String>,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    if !valid_session_id(&session_id) {
        let detail = "session_id must be 1 to 128 letters, digits, '-', '_' or '.'";
        return DetailError::bad_request(detail).into_response();
    }
    let token = query.ok().and_then(|Query(q)| q.token);
    let (org_id, found) = match admit(&state, &session_id, token.as_deref()).await {
        Ok(admitted) => admitted,
        Err(error) => return error.into_response(),
    };
    ws::upgrade(request, move |socket| async move {
        let idle = Duration::from_secs(state.config.ws_idle_secs);
        let mut socket = Socket {
            conn: Conn::new(socket, idle),
            state,
            registry,
            org_id,
            session_id,
            session: None,
            pending: None,
        };
        socket.run(found).await;
    })
}

/// One connected socket.
struct Socket {
    conn: Conn,
    state: AppState,
    registry: Arc<Registry>,
    org_id: String,
    session_id: String,
    session: Option<Shared>,
    /// A final transcript waiting to be taken as the answer, and until when.
    pending: Option<(String, Instant)>,
}

impl Socket {
    async fn run(&mut self, found: Option<Interview>) {
        if let Some(interview) = found {
            let replies = self.join(interview).await;
            if !self.send_all(replies).await {
                return self.leave().await;
            }
        }
        loop {
            let deadline = self.pending.as_ref().map(|(_, at)| *at);
            let inbound = tokio::select! {
                inbound = self.conn.recv() => inbound,
                () = sleep_until(deadline), if deadline.is_some() => {
                    let replies = self.take_pending().await;
                    if !self.send_all(replies).await {
                        break;
                    }
                    continue;
                }
            };
            let replies = match inbound {
                Inbound::Text(text) => match messages::parse(&text) {
                    Ok(message) => self.handle(message).await,
                    Err(error) => vec![error.to_json()],
                },
                Inbound::TooLarge(bytes) => vec![WsError::new(
                    413,
                    "MessageTooLarge",
                    "Message too large",
                    format!("A message may have at most {MAX_TEXT_BYTES} bytes; this one had {bytes}"),
                ).to_json()],
                Inbound::Binary => vec![WsError::new(
                    415,
                    "UnsupportedData",
                    "Binary frames are not supported",
                    "Send JSON text frames",
                ).to_json()],
                Inbound::Limited { notify: true } => vec![WsError::new(
                    429,
                    "RateLimitExceeded",
                    "Too many messages",
                    format!("At most {RATE_PER_S} messages a second; this one was dropped"),
                ).to_json()],
                Inbound::Limited { notify: false } => Vec::new(),
                Inbound::Idle => {
                    self.conn.close(CloseCode::Normal, "idle").await;
                    break;
                }
                Inbound::Closed => break,
            };
            if !self.send_all(replies).await {
                break;
            }
        }
        self.leave().await;
    }

    async fn send_all(&mut self, replies: Vec<String>) -> bool {
        for reply in replies {
            if !self.conn.send(reply).await {
                return false;
            }
        }
        true
    }

    /// Attaches to `interview`'s session; the messages for the socket.
    async fn join(&mut self, interview: Interview) -> Vec<String> {
        match self.registry.attach(&self.state, interview).await {
            Ok((shared, resumed)) => {
                self.session = Some(shared);
                resumed.into_iter().collect()
            }
            Err(error) => vec![error.to_json()],
        }
    }

    async fn leave(&mut self) {
        if self.pending.is_some() {
            self.take_pending().await;
        }
        if let Some(shared) = self.session.take() {
            self.registry.detach(&self.state, &shared).await;
        }
    }

    /// The waiting final transcript, taken as the answer.
    async fn take_pending(&mut self) -> Vec<String> {
        match self.pending.take() {
            Some((text, _)) => self.answer(&text).await,
            None => Vec::new(),
        }
    }

    async fn answer(&mut self, text: &str) -> Vec<String> {
        let Some(shared) = &self.session else {
            return vec![WsError::no_session().to_json()];
        };
        let result = shared.lock().await.answer(&self.state, text).await;
        result.unwrap_or_else(|e| vec![e.to_json()])
    }

    async fn handle(&mut self, message: Incoming) -> Vec<String> {
        match message {
            Incoming::StartInterview(start) => {
                if self.session.is_none() {
                    let found = setup::find(&self.state, &self.org_id, &self.session_id).await;
                    let interview = match found {
                        Ok(Some(interview)) => interview,
                        Ok(None) => {
                            match setup::create(&self.state, &self.org_id, &self.session_id, &start)
                                .await
                            {
                                Ok(interview) => interview,
                                Err(error) => return vec![error.to_json()],
                            }
                        }
                        Err(error) => return vec![WsError::from(error).to_json()],
                    };
                    let mut replies = self.join(interview).await;
                    if self.session.is_none() {
                        return replies;
                    }
                    replies.clear(); // `interview_started` says it all
                }
                let Some(shared) = &self.session else {
                    return vec![WsError::no_session().to_json()];
                };
                let result = shared.lock().await.start(&self.state, &start).await;
                result.unwrap_or_else(|e| vec![e.to_json()])
            }
            Incoming::CandidateResponse { response } => {
                self.pending = None;
                self.answer(&response).await
            }
            Incoming::LiveTranscript {
                transcript,
                is_final,
            } => {
                let echo = envelope(
                    "live_transcript_update",
                    json!({ "transcript": transcript, "is_final": is_final }),
                );
                if is_final && !transcript.trim().is_empty() {
                    let held = match self.pending.take() {
                        Some((before, _)) => format!("{before} {}", transcript.trim()),
                        None => transcript.trim().to_owned(),
                    };
                    self.pending = Some((held, Instant::now() + FINAL_GRACE));
                }
                vec![echo]
            }
            Incoming::EndInterview => {
                // The candidate's last words are kept before the end.
                let mut replies = self.take_pending().await;
                let Some(shared) = &self.session else {
                    return vec![WsError::no_session().to_json()];
                };
                let mut session = shared.lock().await;
                if replies.iter().any(|r| r.contains("\"interview_ended\"")) {
                    return replies;
                }
                match session.end(&self.state).await {
                    Ok(more) => replies.extend(more),
                    Err(error) => replies.push(error.to_json()),
                }
                replies
            }
            Incoming::GetStatus => match &self.session {
                Some(shared) => {
                    let status = shared.lock().await.status();
                    vec![status.unwrap_or_else(|e| e.to_json())]
                }
                None => vec![WsError::no_session().to_json()],
            },
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
