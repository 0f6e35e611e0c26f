//! One AI Interview over the core, held as a typed call ([`TextCall`]) whose questions and
//! answers are the interview's messages, so the lifecycle, results and webhooks work as for a
//! voice call. Its timer is the core's [`AnswerClock`]: it runs while a question waits for its
//! answer and stops while an answer is processed, while paused and while nobody is connected.
//! Pausing and resuming are the core's `paused` status. The answer flow is in [`super::flow`].

use std::collections::HashSet;

use serde_json::json;

use super::super::live::LiveSession;
use super::super::typed_call::{self, Replayed};
use super::messages::WsError;
use super::plan::Kind;
use super::setup::{KEY, Setup};
use crate::api::AppState;
use crate::clock::unix_ms;
use crate::interview::{AnswerClock, EventKind, Interview, Status, TextCall};
use crate::store::{CallChanges, EventsOf};

/// The live state of one interview, shared by its sockets.
pub(super) struct Session {
    pub(super) interview: Interview,
    pub(super) setup: Setup,
    /// The open typed call, while a socket is attached to a started interview.
    pub(super) call: Option<TextCall>,
    /// The current question (index into the plan), once started.
    pub(super) current: Option<usize>,
    /// Clarifications the current question has had.
    pub(super) clarifications: u32,
    /// Questions that got an answer.
    pub(super) answered: HashSet<usize>,
    pub(super) clock: AnswerClock,
    /// Over for this protocol: completed, or cancelled by the integrator.
    pub(super) ended: bool,
    /// Sockets attached.
    pub(super) sockets: usize,
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
        let ended = interview.status.is_final() || replayed.hung_up;
        Ok(Self {
            clock: AnswerClock::replay(&events),
            interview,
            setup,
            call: None,
            current: replayed.current,
            clarifications: 0,
            answered: replayed.answered,
            ended,
            sockets: 0,
        })
    }

    async fn attach(&mut self, state: &AppState) -> Result<Option<String>, WsError> {
        self.sockets += 1;
        if !self.live() {
            return Ok(None);
        }
        self.open_call(state, false).await?;
        Ok(self.current_question())
    }

    async fn detach(&mut self, state: &AppState) {
        typed_call::leave(state, &mut self.sockets, &mut self.call).await;
    }

    fn sockets(&self) -> usize {
        self.sockets
    }
}

impl Session {
    /// Started and not over.
    pub(super) fn live(&self) -> bool {
        self.current.is_some() && !self.ended
    }

    /// The interview's length, seconds.
    pub(super) fn limit_s(&self) -> u64 {
        u64::from(self.setup.duration) * 60
    }

    pub(super) fn time_remaining(&self, now_ms: u64) -> u64 {
        self.clock.remaining_s(self.limit_s(), now_ms)
    }

    /// When the time runs out, Unix ms, while the timer runs.
    pub(super) fn deadline_ms(&self, now_ms: u64) -> Option<u64> {
        (self.live() && self.clock.running()).then(|| now_ms + self.time_remaining(now_ms) * 1000)
    }

    /// 0–100: the current question's number of the plan's questions.
    pub(super) fn progress(&self) -> u64 {
        if self.ended {
            return 100;
        }
        let total = self.interview.questions.len().max(1) as u64;
        let number = self.current.map_or(0, |i| i as u64 + 1);
        (number * 100 / total).min(100)
    }

    /// Writes `changes` of the open call; the timer follows its events.
    pub(super) async fn record(
        &mut self,
        state: &AppState,
        changes: CallChanges,
    ) -> Result<(), WsError> {
        let call = self.call.as_ref().ok_or_else(WsError::no_session)?;
        let seen: Vec<(EventKind, u64)> = changes
            .events
            .iter()
            .map(|e| (e.kind.clone(), e.at_ms))
            .collect();
        state.interviews.record_call(&call.call_id, changes).await?;
        for (kind, at_ms) in seen {
            self.clock.observe(&kind, at_ms);
        }
        Ok(())
    }

    /// Moves the interview to `to` from one of `from`; the timer follows.
    pub(super) async fn set_status(
        &mut self,
        state: &AppState,
        from: &[Status],
        to: Status,
    ) -> Result<bool, WsError> {
        let (org, id) = (&self.interview.org_id, &self.interview.id);
        let moved = state.interviews.move_status(org, id, from, to).await?;
        if moved {
            self.interview.status = to;
            self.clock
                .observe(&EventKind::Updated { status: to }, unix_ms());
        }
        Ok(moved)
    }

    /// Opens a typed call if none is open: the interview in progress (a reconnect resumes a
    /// paused one), `joined`, then the current question, asked (`ask`) or only named again.
    pub(super) async fn open_call(&mut self, state: &AppState, ask: bool) -> Result<(), WsError> {
        if self.call.is_some() {
            return Ok(());
        }
        let from = [Status::Created, Status::Paused, Status::Incomplete];
        self.set_status(state, &from, Status::InProgress).await?;
        let (call, changes) = typed_call::open(state, &self.interview, self.current, ask).await?;
        self.call = Some(call);
        self.record(state, changes).await
    }

    /// `new_question` for question `index` (or its clarification, worded `text`).
    pub(super) fn new_question(&self, index: usize, clarification: Option<&str>) -> String {
        let kind = match clarification {
            Some(_) => Kind::Clarification,
            None => self.setup.kinds.get(index).copied().unwrap_or(Kind::Bonus),
        };
        let question = clarification
            .map(str::to_owned)
            .or_else(|| self.interview.questions.get(index).cloned());
        let time_remaining = self.time_remaining(unix_ms());
        let is_followup = clarification.is_some();
        json!({
            "type": "new_question",
            "question": question,
            "question_number": index + 1,
            "question_type": kind,
            "is_followup": is_followup,
            "is_clarification": is_followup,
            "time_remaining": time_remaining,
            "progress": self.progress(),
            "question_context": {
                "type": kind,
                "question_number": index + 1,
                "is_followup": is_followup,
                "time_remaining": time_remaining,
            },
        })
        .to_string()
    }

    /// The current question again, once started.
    pub(super) fn current_question(&self) -> Option<String> {
        self.current
            .filter(|_| !self.ended)
            .map(|i| self.new_question(i, None))
    }

    /// `status_update` with `status` and `message`.
    pub(super) fn status_update(&self, status: &str, message: &str) -> String {
        json!({
            "type": "status_update",
            "status": status,
            "message": message,
            "progress": self.progress(),
            "time_remaining": self.time_remaining(unix_ms()),
            "question_number": self.current.map(|i| i + 1),
            "session_id": self.interview.id,
        })
        .to_string()
    }

    /// `start_interview`: starts it (first question asked) or, when started, says so again;
    /// `interview_started`, then the current question.
    pub(super) async fn start(&mut self, state: &AppState) -> Result<Vec<String>, WsError> {
        if self.ended {
            return Err(WsError::completed());
        }
        let status = if self.current.is_none() {
            self.current = Some(0);
            if let Err(error) = self.open_call(state, true).await {
                self.current = None;
                return Err(error);
            }
            "initialized"
        } else {
            "in_progress"
        };
        let started = json!({
            "type": "interview_started",
            "session_id": self.interview.id,
            "candidate_name": self.setup.candidate_name,
            "job_title": self.setup.job_title,
            "duration": self.setup.duration,
            "status": status,
        });
        let mut replies = vec![started.to_string()];
        replies.extend(self.current_question());
        Ok(replies)
    }

    fn require_live(&self) -> Result<(), WsError> {
        match (self.ended, self.current.is_some() && self.call.is_some()) {
            (true, _) => Err(WsError::completed()),
            (false, false) => Err(WsError::no_session()),
            (false, true) => Ok(()),
        }
    }

    /// `pause_interview` (or the `pause` command): the timer stops.
    pub(super) async fn pause(&mut self, state: &AppState) -> Result<Vec<String>, WsError> {
        self.require_live()?;
        if self.clock.paused() {
            return Err(WsError::new(
                "ALREADY_PAUSED",
                "The interview is already paused",
                true,
                "Send resume_interview or an answer to continue",
            ));
        }
        if !self
            .set_status(state, &[Status::InProgress], Status::Paused)
            .await?
        {
            return Err(WsError::internal("the interview was not in progress"));
        }
        let paused = json!({
            "type": "interview_paused",
            "message": "Interview has been paused",
            "session_id": self.interview.id,
            "time_remaining": self.time_remaining(unix_ms()),
        });
        Ok(vec![paused.to_string()])
    }

    /// `resume_interview` (or an answer while paused): the timer runs again.
    pub(super) async fn resume(&mut self, state: &AppState) -> Result<Vec<String>, WsError> {
        self.require_live()?;
        if !self.clock.paused() {
            return Err(WsError::new(
                "NOT_PAUSED",
                "The interview is not paused",
                true,
                "Answer the current question",
            ));
        }
        self.set_status(state, &[Status::Paused], Status::InProgress)
            .await?;
        let resumed = json!({
            "type": "interview_resumed",
            "message": "Interview has been resumed",
            "session_id": self.interview.id,
        });
        Ok(vec![resumed.to_string()])
    }

    /// `get_status`.
    pub(super) fn status(&self) -> Result<String, WsError> {
        if self.current.is_none() && !self.ended {
            return Err(WsError::no_session());
        }
        let (status, message) = match (self.ended, self.clock.paused()) {
            (true, _) => ("completed", "The interview is complete"),
            (false, true) => ("paused", "The interview is paused"),
            (false, false) => ("in_progress", "The interview is in progress"),
        };
        Ok(self.status_update(status, message))
    }
}

/// `pong` with the time as ISO 8601 with milliseconds (`2025-08-14T14:30:22.123Z`).
pub(super) fn pong(now_ms: u64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let timestamp = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    );
    json!({ "type": "pong", "timestamp": timestamp }).to_string()
}
