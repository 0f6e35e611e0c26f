//! One connected OpenHire socket: messages parsed and handed to the session's live state; a
//! final `live_transcript` is held for [`FINAL_GRACE`] in case a `candidate_response`
//! replaces it, then taken as the answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::super::live::{Registry, Shared};
use super::super::socket_loop::{Protocol, Refused};
use super::super::ws::{Conn, MAX_TEXT_BYTES, RATE_PER_S};
use super::messages::{self, Incoming, WsError, envelope};
use super::session::Session;
use super::setup;
use crate::api::AppState;
use crate::interview::Interview;

/// How long a final `live_transcript` waits for a `candidate_response` that replaces it
/// before it is taken as the answer.
const FINAL_GRACE: Duration = Duration::from_millis(1_500);

/// One connected socket.
pub(super) struct Socket {
    state: AppState,
    registry: Arc<Registry<Session>>,
    org_id: String,
    session_id: String,
    /// The session's interview, found on connecting, to attach on opening.
    found: Option<Interview>,
    /// The session attached, and its interview id.
    session: Option<(String, Shared<Session>)>,
    /// A final transcript waiting to be taken as the answer, and until when.
    pending: Option<(String, Instant)>,
}

impl Protocol for Socket {
    type Reply = Vec<String>;

    async fn open(&mut self) -> Vec<String> {
        match self.found.take() {
            Some(interview) => self.join(interview).await,
            None => Vec::new(),
        }
    }

    async fn deadline(&mut self) -> Option<Instant> {
        self.pending.as_ref().map(|(_, at)| *at)
    }

    async fn due(&mut self) -> Vec<String> {
        self.take_pending().await
    }

    async fn text(&mut self, text: String) -> Vec<String> {
        match messages::parse(&text) {
            Ok(message) => self.handle(message).await,
            Err(error) => vec![error.to_json()],
        }
    }

    fn refused(&self, why: Refused) -> Vec<String> {
        let error = match why {
            Refused::TooLarge(bytes) => WsError::new(
                413,
                "MessageTooLarge",
                "Message too large",
                format!("A message may have at most {MAX_TEXT_BYTES} bytes; this one had {bytes}"),
            ),
            Refused::Binary => WsError::new(
                415,
                "UnsupportedData",
                "Binary frames are not supported",
                "Send JSON text frames",
            ),
            Refused::RateLimited => WsError::new(
                429,
                "RateLimitExceeded",
                "Too many messages",
                format!("At most {RATE_PER_S} messages a second; this one was dropped"),
            ),
        };
        vec![error.to_json()]
    }

    async fn deliver(&mut self, conn: &mut Conn, replies: Vec<String>) -> bool {
        conn.send_all(replies).await
    }

    async fn leave(&mut self) {
        if self.pending.is_some() {
            self.take_pending().await;
        }
        if let Some((id, shared)) = self.session.take() {
            self.registry.detach(&self.state, &id, &shared).await;
        }
    }
}

impl Socket {
    /// A socket of `session_id` in `org_id`, which attaches to `found` on opening.
    pub(super) fn new(
        state: AppState,
        registry: Arc<Registry<Session>>,
        org_id: String,
        session_id: String,
        found: Option<Interview>,
    ) -> Self {
        Self {
            state,
            registry,
            org_id,
            session_id,
            found,
            session: None,
            pending: None,
        }
    }

    /// Attaches to `interview`'s session; the messages for the socket.
    async fn join(&mut self, interview: Interview) -> Vec<String> {
        let id = interview.id.clone();
        match self.registry.attach(&self.state, interview).await {
            Ok((shared, resumed)) => {
                self.session = Some((id, shared));
                resumed.into_iter().collect()
            }
            Err(error) => vec![error.to_json()],
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
        let Some((_, shared)) = &self.session else {
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
                let Some((_, shared)) = &self.session else {
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
                let Some((_, shared)) = &self.session else {
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
                Some((_, shared)) => {
                    let status = shared.lock().await.status();
                    vec![status.unwrap_or_else(|e| e.to_json())]
                }
                None => vec![WsError::no_session().to_json()],
            },
        }
    }
}
