//! One connected socket, run by the shared loop ([`super::super::socket_loop`]): messages
//! parsed and handed to the application's live session; the time limit is watched while a
//! question waits; a completion is followed by `interview_completed` once the assessment is
//! there.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::super::live::{Registry, Shared};
use super::super::socket_loop::{Protocol, Refused};
use super::super::ws::{Conn, MAX_TEXT_BYTES, RATE_PER_S};
use super::flow::Outcome;
use super::messages::{self, Incoming, WsError};
use super::metrics::Metrics;
use super::session::{Session, pong};
use super::{Admitted, assessment, plan, setup};
use crate::api::AppState;
use crate::clock::unix_ms;
use crate::interview::Interview;

/// Sends `error` and closes the socket (a refused connection).
pub(super) async fn refuse(mut conn: Conn, error: &WsError) {
    if conn.send(error.to_json()).await {
        conn.close(CloseCode::Policy, error.code).await;
    }
}

/// One connected socket.
pub(super) struct Socket {
    state: AppState,
    registry: Arc<Registry<Session>>,
    metrics: Arc<Metrics>,
    admitted: Admitted,
    /// The session attached, and its interview id.
    session: Option<(String, Shared<Session>)>,
}

impl Protocol for Socket {
    type Reply = Outcome;

    async fn open(&mut self) -> Outcome {
        let opening = match self.existing().await {
            Ok(Some(interview)) => self.join(interview).await,
            Ok(None) => Vec::new(),
            Err(error) => vec![error.to_json()],
        };
        Outcome::from(opening)
    }

    /// When the attached interview's time runs out, while its timer runs.
    async fn deadline(&mut self) -> Option<Instant> {
        let (_, shared) = self.session.as_ref()?;
        let at = shared.lock().await.deadline_ms(unix_ms())?;
        Some(Instant::now() + Duration::from_millis(at.saturating_sub(unix_ms())))
    }

    async fn due(&mut self) -> Outcome {
        let outcome = match &self.session {
            Some((_, shared)) => shared.lock().await.time_up(&self.state).await,
            None => Ok(Outcome::default()),
        };
        Self::or_error(outcome)
    }

    async fn text(&mut self, text: String) -> Outcome {
        let outcome = match messages::parse(&text) {
            Ok(message) => self.handle(message).await,
            Err(error) => Err(error),
        };
        Self::or_error(outcome)
    }

    fn refused(&self, why: Refused) -> Outcome {
        let error = match why {
            Refused::TooLarge(bytes) => WsError::new(
                "MESSAGE_TOO_LARGE",
                format!("A message may have at most {MAX_TEXT_BYTES} bytes; this one had {bytes}"),
                true,
                "Send a shorter answer",
            ),
            Refused::Binary => WsError::new(
                "UNSUPPORTED_DATA",
                "Binary frames are not supported",
                true,
                "Send JSON text frames",
            ),
            Refused::RateLimited => WsError::new(
                "RATE_LIMITED",
                format!("Too many messages: at most {RATE_PER_S} a second; this one was dropped"),
                true,
                "Slow down and send the message again",
            ),
        };
        Self::or_error(Err(error))
    }

    /// Sends an outcome's replies, counts it, and after a completion the final assessment.
    async fn deliver(&mut self, conn: &mut Conn, outcome: Outcome) -> bool {
        let org_id = self.org_id();
        if outcome.answered {
            self.metrics.answered(&org_id);
        }
        if !conn.send_all(outcome.replies).await {
            return false;
        }
        let Some(done) = outcome.completed else {
            return true;
        };
        let (id, used, answered) = (
            done.interview_id.clone(),
            done.used_ms,
            done.questions_answered,
        );
        self.metrics.completed(&org_id, &id, used, answered);
        let message = assessment::completed_message(&self.state, done).await;
        conn.send(message).await
    }

    async fn leave(&mut self) {
        if let Some((id, shared)) = self.session.take()
            && self.registry.detach(&self.state, &id, &shared).await
        {
            self.metrics.left(&self.org_id(), &id);
        }
    }
}

impl Socket {
    /// A socket of `admitted`.
    pub(super) fn new(
        state: AppState,
        registry: Arc<Registry<Session>>,
        metrics: Arc<Metrics>,
        admitted: Admitted,
    ) -> Self {
        Self {
            state,
            registry,
            metrics,
            admitted,
            session: None,
        }
    }

    /// `outcome`, or its error as the reply.
    fn or_error(outcome: Result<Outcome, WsError>) -> Outcome {
        outcome.unwrap_or_else(|e| Outcome::from(vec![e.to_json()]))
    }

    fn org_id(&self) -> String {
        self.admitted.application.org_id.clone()
    }

    /// The interview to attach on opening: the token's, else the application's latest one
    /// unless it is over.
    async fn existing(&mut self) -> Result<Option<Interview>, WsError> {
        if let Some(bound) = &self.admitted.bound {
            return Ok(Some(bound.clone()));
        }
        let app = &self.admitted.application;
        let latest = setup::latest(&self.state, &app.org_id, &app.id).await?;
        Ok(latest.map(|(_, i)| i).filter(|i| !i.status.is_final()))
    }

    /// Attaches to `interview`'s session; the messages for the socket.
    async fn join(&mut self, interview: Interview) -> Vec<String> {
        let id = interview.id.clone();
        match self.registry.attach(&self.state, interview).await {
            Ok((shared, resumed)) => {
                if shared.lock().await.live() {
                    self.metrics.live(&self.org_id(), &id);
                }
                self.session = Some((id, shared));
                resumed.into_iter().collect()
            }
            Err(error) => vec![error.to_json()],
        }
    }

    /// `start_interview`: the attached interview, or a new one when there is none (or it is
    /// over and no token binds the socket to it).
    async fn start(&mut self, duration: Option<u32>) -> Result<Outcome, WsError> {
        let over = match &self.session {
            Some((_, shared)) => shared.lock().await.ended,
            None => true,
        };
        if over {
            if self.admitted.bound.is_some() {
                return Err(match self.session {
                    Some(_) => WsError::completed(),
                    None => WsError::no_session(),
                });
            }
            self.leave().await;
            let app = &self.admitted.application;
            let latest = setup::latest(&self.state, &app.org_id, &app.id).await?;
            let attempt = latest.map_or(1, |(n, _)| n + 1);
            let minutes = duration.unwrap_or(plan::DEFAULT_MINUTES);
            let interview = setup::create(&self.state, app, attempt, minutes).await?;
            let failed = self.join(interview).await;
            if self.session.is_none() {
                return Ok(Outcome::from(failed));
            }
        }
        let Some((id, shared)) = &self.session else {
            return Err(WsError::no_session());
        };
        let mut session = shared.lock().await;
        let first = session.current.is_none();
        let replies = session.start(&self.state).await?;
        if first {
            self.metrics.started(&self.admitted.application.org_id, id);
        }
        Ok(Outcome::from(replies))
    }

    async fn handle(&mut self, message: Incoming) -> Result<Outcome, WsError> {
        if let Incoming::Ping = message {
            return Ok(Outcome::from(vec![pong(unix_ms())]));
        }
        if let Incoming::StartInterview { duration } = message {
            return self.start(duration).await;
        }
        let Some((_, shared)) = &self.session else {
            return Err(WsError::no_session());
        };
        let mut session = shared.lock().await;
        match message {
            Incoming::SubmitAnswer { answer } => session.answer(&self.state, &answer).await,
            Incoming::PauseInterview => session.pause(&self.state).await.map(Outcome::from),
            Incoming::ResumeInterview => session.resume(&self.state).await.map(Outcome::from),
            Incoming::GetStatus => session.status().map(|s| Outcome::from(vec![s])),
            Incoming::Ping | Incoming::StartInterview { .. } => Ok(Outcome::default()),
        }
    }
}
