//! A typed interview's call: a conversation without media (a WebSocket facade's), written as
//! the same items and events a voice call writes, so the lifecycle, the assessor, results and
//! webhooks treat it alike. Pure: it builds the changes; [`super::Interviews::record_call`]
//! stores and publishes them.

use super::{EventKind, InterviewEvent};
use crate::call::EndReason;
use crate::ids::new_id;
use crate::store::{CallChanges, NewCall, Role, TranscriptItem};

/// What a typed call's record names as the secret that opened it.
pub const TEXT_CALL_SOURCE: &str = "websocket";

/// One typed call of an interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCall {
    /// The interview's organization.
    pub org_id: String,
    /// The interview.
    pub interview_id: String,
    /// The call's id (`txt_…`).
    pub call_id: String,
}

impl TextCall {
    /// A new call of `org_id`'s interview `interview_id`.
    pub fn new(org_id: &str, interview_id: &str) -> Self {
        Self {
            org_id: org_id.to_owned(),
            interview_id: interview_id.to_owned(),
            call_id: new_id("txt_"),
        }
    }

    /// Its record, starting at `at_ms`.
    pub fn record(&self, at_ms: u64) -> NewCall<'_> {
        NewCall {
            call_id: &self.call_id,
            secret_id: TEXT_CALL_SOURCE,
            org_id: &self.org_id,
            interview_id: Some(&self.interview_id),
            at_ms,
        }
    }

    fn event(&self, at_ms: u64, kind: EventKind) -> InterviewEvent {
        InterviewEvent {
            call_id: Some(self.call_id.clone()),
            interview_id: Some(self.interview_id.clone()),
            org_id: Some(self.org_id.clone()),
            at_ms,
            kind,
        }
    }

    /// The candidate is connected.
    pub fn joined(&self, at_ms: u64) -> CallChanges {
        CallChanges {
            events: vec![self.event(at_ms, EventKind::Joined)],
            ..CallChanges::default()
        }
    }

    /// The interviewer says `text` (no plan question: a clarification, a closing line).
    pub fn say(&self, text: &str, at_ms: u64) -> CallChanges {
        let item_id = new_id("item_");
        let kind = EventKind::Transcript {
            role: Role::Assistant,
            item_id: item_id.clone(),
            text: text.to_owned(),
        };
        CallChanges {
            items: vec![TranscriptItem::turn(
                &item_id,
                Role::Assistant,
                Some(text),
                None,
                at_ms,
            )],
            events: vec![self.event(at_ms, kind)],
            ended: None,
        }
    }

    /// The interviewer asks question `index` (0-based) of `count`, worded `text`.
    pub fn ask(&self, index: usize, count: usize, text: &str, at_ms: u64) -> CallChanges {
        let mut changes = self.say(text, at_ms);
        changes.events.push(self.asked_again(index, count, at_ms));
        changes
    }

    /// Question `index` is the current one again (a resumed interview): an event, no message.
    pub fn asked_again(&self, index: usize, count: usize, at_ms: u64) -> InterviewEvent {
        let kind = EventKind::QuestionAsked {
            question_index: index as u64,
            question_count: count as u64,
        };
        self.event(at_ms, kind)
    }

    /// The candidate answers `text` (typed, or a browser's final transcript).
    pub fn answer(&self, text: &str, at_ms: u64) -> CallChanges {
        let item_id = new_id("item_");
        let events = vec![
            EventKind::AnswerStarted {
                item_id: item_id.clone(),
                audio_start_ms: 0,
            },
            EventKind::AnswerEnded {
                item_id: item_id.clone(),
                audio_start_ms: 0,
                audio_end_ms: 0,
            },
            EventKind::Transcript {
                role: Role::User,
                item_id: item_id.clone(),
                text: text.to_owned(),
            },
        ];
        CallChanges {
            items: vec![TranscriptItem::turn(
                &item_id,
                Role::User,
                Some(text),
                None,
                at_ms,
            )],
            events: events.into_iter().map(|k| self.event(at_ms, k)).collect(),
            ended: None,
        }
    }

    /// The call ends, for `reason`.
    pub fn ended(&self, reason: EndReason, at_ms: u64) -> CallChanges {
        CallChanges {
            events: vec![self.event(at_ms, EventKind::Ended { reason })],
            ended: Some((reason, at_ms)),
            ..CallChanges::default()
        }
    }
}

/// `first`, then what `then` adds.
pub fn merged(mut first: CallChanges, then: CallChanges) -> CallChanges {
    first.items.extend(then.items);
    first.events.extend(then.events);
    first.ended = then.ended.or(first.ended);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_and_its_answer_are_items_with_the_events_of_a_voice_call() {
        let call = TextCall::new("org_a", "iv1");
        let asked = call.ask(1, 4, "Why Rust?", 10);
        assert_eq!(asked.items[0].role, Role::Assistant);
        assert!(matches!(
            asked.events[1].kind,
            EventKind::QuestionAsked {
                question_index: 1,
                question_count: 4
            }
        ));
        let answered = merged(asked, call.answer("Safety.", 20));
        assert_eq!(answered.items.len(), 2);
        assert_eq!(answered.items[1].text.as_deref(), Some("Safety."));
        assert!(
            answered
                .events
                .iter()
                .all(|e| e.call_id.as_deref() == Some(call.call_id.as_str())
                    && e.org_id.as_deref() == Some("org_a"))
        );
        let ended = call.ended(EndReason::Hangup, 30);
        assert_eq!(ended.ended, Some((EndReason::Hangup, 30)));
    }
}
