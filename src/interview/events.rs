//! What happens to interviews and in their calls, as one stream of domain events: the seam
//! webhooks, credits, recordings, WebSocket facades and metrics subscribe to. Each event is
//! written to the store in the transaction of the change it describes, then published
//! in-process on an [`EventBus`] (a NATS-backed bus slots in beside it for several nodes).

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::Status;
use crate::call::EndReason;
use crate::store::Role;

/// Events a slow subscriber may fall behind by before it misses some (it is told how many).
const BUS_CAPACITY: usize = 1024;

/// One thing that happened to an interview or in a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewEvent {
    /// The call (`rtc_…`), for what happened in one.
    pub call_id: Option<String>,
    /// Its interview, when the call's secret was bound to one.
    pub interview_id: Option<String>,
    /// The organization it happened in.
    #[serde(default)]
    pub org_id: Option<String>,
    /// When, Unix milliseconds.
    pub at_ms: u64,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// An integrator created the interview.
    Created,
    /// An integrator changed the interview; its status is now `status`.
    Updated {
        /// The status after the change.
        status: Status,
    },
    /// An integrator deleted the interview.
    Deleted,
    /// The candidate's call connected (joined).
    Joined,
    /// The interviewer moved to a question (0-based), of `question_count`.
    QuestionAsked {
        /// The question's index.
        question_index: u64,
        /// How many the plan has.
        question_count: u64,
    },
    /// The candidate started answering.
    AnswerStarted {
        /// The user item of the answer.
        item_id: String,
        /// Where in the candidate's audio it started, ms.
        audio_start_ms: u64,
    },
    /// The candidate's answer ended (the turn detector closed it).
    AnswerEnded {
        /// The user item of the answer.
        item_id: String,
        /// Where in the candidate's audio it started and ended, ms.
        audio_start_ms: u64,
        /// See `audio_start_ms`.
        audio_end_ms: u64,
    },
    /// A line of the transcript: what the interviewer said, or what the candidate said when a
    /// transcriber heard it (never invented).
    Transcript {
        /// Who spoke.
        role: Role,
        /// The item.
        item_id: String,
        /// The words.
        text: String,
    },
    /// The call ended.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// The interview's result is final: `done`, `unavailable` (no model, nothing to judge) or
    /// `failed`. Becomes the `results.available` webhook.
    ResultsAvailable {
        /// The result's state.
        state: String,
    },
}

/// The in-process bus of [`InterviewEvent`]s.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<InterviewEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(BUS_CAPACITY).0,
        }
    }
}

impl InterviewEvent {
    /// An event of `org_id`'s interview `interview_id` itself (not of a call) at `at_ms`.
    pub fn of_interview(org_id: &str, interview_id: &str, at_ms: u64, kind: EventKind) -> Self {
        Self {
            call_id: None,
            interview_id: Some(interview_id.to_owned()),
            org_id: Some(org_id.to_owned()),
            at_ms,
            kind,
        }
    }
}

impl EventBus {
    /// Publishes `event` to every subscriber (none is fine).
    pub fn publish(&self, event: InterviewEvent) {
        let _ = self.tx.send(event);
    }

    /// Every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<InterviewEvent> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_flat_with_a_type() {
        let event = InterviewEvent {
            call_id: Some("rtc_1".into()),
            interview_id: None,
            org_id: None,
            at_ms: 5,
            kind: EventKind::Ended {
                reason: EndReason::Hangup,
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "ended");
        assert_eq!(json["reason"], "hangup");
        assert_eq!(
            serde_json::from_value::<InterviewEvent>(json).unwrap(),
            event
        );
    }

    #[tokio::test]
    async fn subscribers_get_what_is_published_after_they_subscribe() {
        let bus = EventBus::default();
        let early = InterviewEvent {
            call_id: Some("rtc_1".into()),
            interview_id: None,
            org_id: None,
            at_ms: 1,
            kind: EventKind::Joined,
        };
        bus.publish(early.clone());
        let mut rx = bus.subscribe();
        let later = InterviewEvent { at_ms: 2, ..early };
        bus.publish(later.clone());
        assert_eq!(rx.recv().await.unwrap(), later);
        assert!(rx.try_recv().is_err());
    }
}
