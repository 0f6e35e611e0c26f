//! One OpenHire interview over the core, held as a typed call ([`TextCall`]) whose questions
//! and answers are the interview's messages, so the lifecycle (created → in progress →
//! completed | incomplete), results and webhooks work as for a voice call. Without a model the
//! next question comes from the plan; a clarification is asked only for an empty or very short
//! answer; feelings and feedback are `null`.

use serde_json::{Value, json};

use super::super::live::LiveSession;
use super::super::text::{CLARIFY, CLOSING, OUT_OF_TIME};
use super::super::typed_call::{self, Replayed};
use super::messages::{Start, WsError, envelope};
use super::plan::{self, Phase};
use super::setup::{KEY, Setup};
use crate::api::AppState;
use crate::call::EndReason;
use crate::clock::unix_ms;
use crate::interview::{Interview, TextCall, merged};
use crate::store::{CallChanges, EventsOf};

/// What the interviewer says without a model.
const THANKS: &str = "Thank you for your answer.";
const WELCOME_BACK: &str = "Welcome back. Here is the question we were on.";

/// The live state of one session, shared by its sockets.
pub(super) struct Session {
    interview: Interview,
    setup: Setup,
    /// The open typed call, while a socket is attached to a started interview.
    call: Option<TextCall>,
    /// The current question, once started.
    current: Option<usize>,
    clarified: bool,
    joined_at_ms: Option<u64>,
    /// Over for this protocol: completed, or ended by the candidate.
    ended: bool,
    /// Sockets attached.
    sockets: usize,
}

impl LiveSession for Session {
    type Error = WsError;

    async fn load(state: &AppState, interview: Interview) -> Result<Self, WsError> {
        let setup: Setup = serde_json::from_value(interview.progress_data[KEY].clone())
            .map_err(WsError::internal)?;
        let events = state
            .store
            .events(EventsOf::Interview(&interview.id))
            .await?;
        let replayed = Replayed::of(&events);
        let last = interview.questions.len().saturating_sub(1);
        let plan_done = replayed.current == Some(last) && replayed.current_answered;
        let ended = interview.status.is_final() || replayed.hung_up || plan_done;
        Ok(Self {
            interview,
            setup,
            call: None,
            current: replayed.current,
            clarified: false,
            joined_at_ms: replayed.joined_at_ms,
            ended,
            sockets: 0,
        })
    }

    /// A started interview's call is opened again; the current question to send, if any.
    async fn attach(&mut self, state: &AppState) -> Result<Option<String>, WsError> {
        self.sockets += 1;
        if !self.live() {
            return Ok(None);
        }
        self.open_call(state, false).await?;
        let question = self
            .current
            .and_then(|i| self.interview.questions.get(i).cloned());
        Ok(Some(self.ai_response(
            WELCOME_BACK,
            question.as_deref(),
            false,
        )))
    }

    /// The last socket leaving a live interview ends its call (it may rejoin).
    async fn detach(&mut self, state: &AppState) {
        typed_call::leave(state, &mut self.sockets, &mut self.call).await;
    }

    fn sockets(&self) -> usize {
        self.sockets
    }
}

impl Session {
    /// Started and not over.
    fn live(&self) -> bool {
        self.current.is_some() && !self.ended
    }

    /// Writes `changes` of the open call.
    async fn record(&self, state: &AppState, changes: CallChanges) -> Result<(), WsError> {
        let call = self.call.as_ref().ok_or_else(WsError::no_session)?;
        Ok(state.interviews.record_call(&call.call_id, changes).await?)
    }

    /// Opens a typed call if none is open: `joined`, then the current question, asked (`ask`)
    /// or only named again (a resumed interview).
    async fn open_call(&mut self, state: &AppState, ask: bool) -> Result<(), WsError> {
        if self.call.is_some() {
            return Ok(());
        }
        let (call, changes) = typed_call::open(state, &self.interview, self.current, ask).await?;
        self.call = Some(call);
        self.record(state, changes).await
    }

    fn phase(&self) -> Phase {
        let index = self.current.unwrap_or(0);
        self.setup
            .phases
            .get(index)
            .copied()
            .unwrap_or(Phase::Conclusion)
    }

    /// Minutes since the candidate first joined, to a tenth.
    fn elapsed(&self) -> f64 {
        let ms = self.joined_at_ms.map_or(0, |t| unix_ms().saturating_sub(t));
        (ms as f64 / 6_000.0).round() / 10.0
    }

    fn asked(&self) -> usize {
        self.current.map_or(0, |i| i + 1)
    }

    fn ai_response(&self, response: &str, question: Option<&str>, completed: bool) -> String {
        envelope(
            "ai_response",
            json!({
                "response": response,
                "question": question,
                "interview_phase": self.phase(),
                "time_elapsed": self.elapsed(),
                "questions_asked": self.asked(),
                "completed": completed,
                "comfort_level": Value::Null,
            }),
        )
    }

    fn ended_message(&self) -> String {
        envelope(
            "interview_ended",
            json!({
                "final_feedback": Value::Null,
                "completed": self.ended,
                "session_id": self.interview.id,
            }),
        )
    }

    /// `start_interview`: starts it (first question asked) or, when started, says so again.
    pub(super) async fn start(
        &mut self,
        state: &AppState,
        start: &Start,
    ) -> Result<Vec<String>, WsError> {
        if start.job_id != self.setup.job_id || start.candidate_id != self.setup.candidate_id {
            return Err(WsError::http(
                409,
                "Interview session already exists for another job or candidate",
                "Use a new session id",
            ));
        }
        if self.ended {
            return Err(WsError::http(
                409,
                "Interview session has ended",
                "Use a new session id",
            ));
        }
        if self.current.is_none() {
            self.current = Some(0);
            self.joined_at_ms = self.joined_at_ms.or(Some(unix_ms()));
            if let Err(error) = self.open_call(state, true).await {
                self.current = None;
                return Err(error);
            }
        }
        let index = self.current.unwrap_or(0);
        Ok(vec![envelope(
            "interview_started",
            json!({
                "session_id": self.interview.id,
                "job_title": self.setup.job_title,
                "company": self.setup.company,
                "initial_question": self.interview.questions.get(index),
                "max_duration": self.setup.max_duration,
                "interview_phase": self.phase(),
            }),
        )])
    }

    /// An answer (typed, or a final transcript): the next question, a clarification, or the end.
    pub(super) async fn answer(
        &mut self,
        state: &AppState,
        text: &str,
    ) -> Result<Vec<String>, WsError> {
        if self.ended {
            return Err(WsError::http(
                409,
                "Interview session has ended",
                "Start a new session",
            ));
        }
        let Some(current) = self.current.filter(|_| self.call.is_some()) else {
            return Err(WsError::no_session());
        };
        let call = self.call.clone().ok_or_else(WsError::no_session)?;
        let now = unix_ms();
        let text = text.trim();
        let count = self.interview.questions.len();
        let question = |i: usize| self.interview.questions[i].clone();
        let answered = if text.is_empty() {
            CallChanges::default()
        } else {
            call.answer(text, now)
        };
        if plan::needs_clarification(text) && !self.clarified {
            let again = question(current);
            self.record(state, merged(answered, call.say(CLARIFY, now)))
                .await?;
            self.clarified = true;
            return Ok(vec![self.ai_response(CLARIFY, Some(&again), false)]);
        }
        let out_of_time = self.elapsed() >= f64::from(self.setup.max_duration);
        if current + 1 < count && !out_of_time {
            let next = question(current + 1);
            let asked = call.ask(current + 1, count, &next, now);
            self.record(state, merged(answered, asked)).await?;
            self.current = Some(current + 1);
            self.clarified = false;
            return Ok(vec![self.ai_response(THANKS, Some(&next), false)]);
        }
        let closing = if out_of_time { OUT_OF_TIME } else { CLOSING };
        let end = merged(call.say(closing, now), call.ended(EndReason::Hangup, now));
        self.record(state, merged(answered, end)).await?;
        self.call = None;
        self.ended = true;
        Ok(vec![
            self.ai_response(closing, None, true),
            self.ended_message(),
        ])
    }

    /// `end_interview`: ends the call; an ended session answers the same again.
    pub(super) async fn end(&mut self, state: &AppState) -> Result<Vec<String>, WsError> {
        if !self.ended {
            if self.current.is_none() {
                return Err(WsError::no_session());
            }
            if let Some(call) = &self.call {
                self.record(state, call.ended(EndReason::Hangup, unix_ms()))
                    .await?;
            }
            self.call = None;
            self.ended = true;
        }
        Ok(vec![self.ended_message()])
    }

    /// `get_status`.
    pub(super) fn status(&self) -> Result<String, WsError> {
        if self.current.is_none() && !self.ended {
            return Err(WsError::no_session());
        }
        Ok(envelope(
            "status_update",
            json!({
                "session_id": self.interview.id,
                "candidate_id": self.setup.candidate_id,
                "interview_phase": self.phase(),
                "time_elapsed": self.elapsed(),
                "max_duration": self.setup.max_duration,
                "questions_asked": self.asked(),
                "completed": self.ended,
                "comfort_level": Value::Null,
                "strengths_identified": [],
                "areas_to_probe": [],
            }),
        ))
    }
}
