//! An answer's way through an interview: a command (`end`, `quit`, `exit`, `pause`), else the
//! answer stored, `status_update` "processing" (the timer stopped), then a clarification (only
//! on a measurable cue: an empty or very short answer, at most twice a question), the next
//! question, a bonus question while time remains, or the end. The end is always a completion
//! in the core: the closing line, the interview `completed`, the call ended; the socket then
//! waits for the assessment ([`super::assessment`]).

use tokio::sync::broadcast;

use super::super::text::{CLARIFY, CLOSING, OUT_OF_TIME};
use super::messages::{Command, WsError, command};
use super::plan::{self, BONUS_MIN_REMAINING_S, MAX_CLARIFICATIONS};
use super::session::Session;
use crate::api::AppState;
use crate::call::EndReason;
use crate::clock::unix_ms;
use crate::interview::{InterviewEvent, Status, merged};
use crate::store::CallChanges;

const ENDED: &str = "Thank you for your time. The interview has ended.";

/// How an interview completed (`interview_metrics.completion_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Completion {
    /// The plan's last question was answered (or no time was left for a bonus one).
    Completed,
    /// The time limit was reached.
    TimeUp,
    /// The candidate sent `end`, `quit` or `exit`.
    EndedByCandidate,
}

impl Completion {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::TimeUp => "time_up",
            Self::EndedByCandidate => "ended_by_candidate",
        }
    }
}

/// A completed interview, for its final assessment.
pub(super) struct Completed {
    pub(super) how: Completion,
    pub(super) org_id: String,
    pub(super) interview_id: String,
    pub(super) questions_answered: usize,
    /// Time the timer counted, ms.
    pub(super) used_ms: u64,
    pub(super) industry: Option<super::plan::Industry>,
    /// The interview's events from before the completion on (the assessment's is among them).
    pub(super) events: broadcast::Receiver<InterviewEvent>,
}

/// What a message did: the replies, and the completion to assess, if it completed.
#[derive(Default)]
pub(super) struct Outcome {
    pub(super) replies: Vec<String>,
    pub(super) completed: Option<Completed>,
    /// An answer was stored.
    pub(super) answered: bool,
}

impl From<Vec<String>> for Outcome {
    fn from(replies: Vec<String>) -> Self {
        Self {
            replies,
            ..Self::default()
        }
    }
}

impl Session {
    /// `submit_answer`.
    pub(super) async fn answer(
        &mut self,
        state: &AppState,
        text: &str,
    ) -> Result<Outcome, WsError> {
        if self.ended {
            return Err(WsError::completed());
        }
        let (Some(current), Some(call)) = (self.current, self.call.clone()) else {
            return Err(WsError::no_session());
        };
        match command(text) {
            Some(Command::End) => {
                return self
                    .complete(state, Completion::EndedByCandidate, Vec::new())
                    .await;
            }
            Some(Command::Pause) => return self.pause(state).await.map(Outcome::from),
            None => {}
        }
        let mut replies = Vec::new();
        if self.clock.paused() {
            replies.extend(self.resume(state).await?);
        }
        let text = text.trim();
        let now = unix_ms();
        let stored = !text.is_empty();
        if stored {
            self.record(state, call.answer(text, now)).await?;
            self.answered.insert(current);
        }
        replies.push(self.status_update("processing", "Processing your answer..."));
        let count = self.interview.questions.len();
        if plan::needs_clarification(text) && self.clarifications < MAX_CLARIFICATIONS {
            self.clarifications += 1;
            let question = &self.interview.questions[current];
            let again = format!("{CLARIFY} The question was: {question}");
            let changes = merged(
                call.say(&again, now),
                CallChanges {
                    events: vec![call.asked_again(current, count, now)],
                    ..CallChanges::default()
                },
            );
            self.record(state, changes).await?;
            replies.push(self.new_question(current, Some(&again)));
            return Ok(Outcome {
                replies,
                completed: None,
                answered: stored,
            });
        }
        let remaining = self.time_remaining(now);
        let next = current + 1;
        let bonus_time = remaining >= BONUS_MIN_REMAINING_S;
        let mut outcome = if remaining == 0 {
            self.complete(state, Completion::TimeUp, replies).await?
        } else if next < self.setup.main_count() || (next < count && bonus_time) {
            let asked = call.ask(next, count, &self.interview.questions[next], now);
            self.record(state, asked).await?;
            self.current = Some(next);
            self.clarifications = 0;
            replies.push(self.new_question(next, None));
            Outcome::from(replies)
        } else {
            self.complete(state, Completion::Completed, replies).await?
        };
        outcome.answered = stored;
        Ok(outcome)
    }

    /// The time limit, reached while a question waited: the interview completes.
    pub(super) async fn time_up(&mut self, state: &AppState) -> Result<Outcome, WsError> {
        if !self.live() || self.time_remaining(unix_ms()) > 0 {
            return Ok(Outcome::default());
        }
        self.complete(state, Completion::TimeUp, Vec::new()).await
    }

    /// Completes the interview: the closing line, `completed` in the core, the call ended.
    async fn complete(
        &mut self,
        state: &AppState,
        how: Completion,
        mut replies: Vec<String>,
    ) -> Result<Outcome, WsError> {
        let call = self.call.clone().ok_or_else(WsError::no_session)?;
        let events = state.interviews.subscribe();
        let closing = match how {
            Completion::Completed => CLOSING,
            Completion::TimeUp => OUT_OF_TIME,
            Completion::EndedByCandidate => ENDED,
        };
        let now = unix_ms();
        self.record(state, call.say(closing, now)).await?;
        let from = [
            Status::Created,
            Status::InProgress,
            Status::Paused,
            Status::Incomplete,
        ];
        self.set_status(state, &from, Status::Completed).await?;
        self.record(state, call.ended(EndReason::Hangup, unix_ms()))
            .await?;
        self.call = None;
        self.ended = true;
        replies.push(self.status_update("processing", "Generating your final assessment..."));
        Ok(Outcome {
            replies,
            completed: Some(Completed {
                how,
                org_id: self.interview.org_id.clone(),
                interview_id: self.interview.id.clone(),
                questions_answered: self.answered.len(),
                used_ms: self.clock.used_ms(unix_ms()),
                industry: self.setup.industry,
                events,
            }),
            answered: false,
        })
    }
}
