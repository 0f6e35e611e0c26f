//! The typed call ([`TextCall`]) a WebSocket facade's live session holds while sockets are
//! attached: where an interview's stored events left it, opening a call (`joined`, then the
//! current question), and ending it when the last socket leaves.

use std::collections::HashSet;

use crate::api::AppState;
use crate::call::EndReason;
use crate::clock::unix_ms;
use crate::interview::{EventKind, Interview, InterviewEvent, TextCall, merged};
use crate::store::{CallChanges, StoreError};

/// Where an interview's stored events left it.
#[derive(Debug, Default)]
pub(super) struct Replayed {
    /// The question asked last.
    pub(super) current: Option<usize>,
    /// Whether an answer came after the last question was asked.
    pub(super) current_answered: bool,
    /// The questions that got an answer.
    pub(super) answered: HashSet<usize>,
    /// Whether the last call ended by a hang-up (and nobody joined again).
    pub(super) hung_up: bool,
    /// When the candidate first joined, Unix ms.
    pub(super) joined_at_ms: Option<u64>,
}

impl Replayed {
    /// Replays `events`, oldest first.
    pub(super) fn of(events: &[InterviewEvent]) -> Self {
        let mut replayed = Self::default();
        for event in events {
            match &event.kind {
                EventKind::QuestionAsked { question_index, .. } => {
                    replayed.current = Some(*question_index as usize);
                    replayed.current_answered = false;
                }
                EventKind::AnswerEnded { .. } => {
                    replayed.current_answered = replayed.current.is_some();
                    replayed.answered.extend(replayed.current);
                }
                EventKind::Joined => {
                    replayed.joined_at_ms = replayed.joined_at_ms.or(Some(event.at_ms));
                    replayed.hung_up = false;
                }
                EventKind::Ended { reason } => replayed.hung_up = *reason == EndReason::Hangup,
                _ => {}
            }
        }
        replayed
    }
}

/// Starts a typed call of `interview` in the store; the call and the changes that open it:
/// `joined`, then question `current` asked (`ask`) or only named again (a resumed interview).
pub(super) async fn open(
    state: &AppState,
    interview: &Interview,
    current: Option<usize>,
    ask: bool,
) -> Result<(TextCall, CallChanges), StoreError> {
    let call = TextCall::new(&interview.org_id, &interview.id);
    let now = unix_ms();
    state.interviews.start_call(&call.record(now)).await?;
    let mut changes = call.joined(now);
    if let Some(current) = current {
        let count = interview.questions.len();
        if ask {
            let question = &interview.questions[current];
            changes = merged(changes, call.ask(current, count, question, now));
        } else {
            changes.events.push(call.asked_again(current, count, now));
        }
    }
    Ok((call, changes))
}

/// A socket leaves a session with `sockets` attached; the last one out ends the open `call`
/// (the peer closed; a failure is logged), which a socket attaching later opens again.
pub(super) async fn leave(state: &AppState, sockets: &mut usize, call: &mut Option<TextCall>) {
    *sockets = sockets.saturating_sub(1);
    if *sockets > 0 {
        return;
    }
    if let Some(call) = call.take() {
        let changes = call.ended(EndReason::PeerClosed, unix_ms());
        if let Err(error) = state.interviews.record_call(&call.call_id, changes).await {
            tracing::warn!(%error, "could not end a typed call");
        }
    }
}
