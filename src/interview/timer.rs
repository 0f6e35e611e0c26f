//! The interview's own clock: the time the candidate has had to answer. It runs while a
//! question waits for its answer, the candidate is connected and the interview is not paused;
//! it stops while an answer is being processed (from the answer to the next question), while
//! paused and while nobody is connected. Pure: it is told each event and its time, so the same
//! clock is kept live and rebuilt from an interview's stored events after a reconnect.

use super::{EventKind, InterviewEvent, Status};

/// Milliseconds used, and whether the clock runs now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerClock {
    used_ms: u64,
    /// Since when it runs (Unix ms), while it does.
    since_ms: Option<u64>,
    /// A question was asked and not answered yet.
    waiting: bool,
    /// Calls connected now.
    connected: u32,
    paused: bool,
}

impl AnswerClock {
    /// The clock of an interview whose stored events (in order) are `events`. A call that never
    /// ended stops the clock at the last event: a crash counts no time.
    pub fn replay(events: &[InterviewEvent]) -> Self {
        let mut clock = Self::default();
        for event in events {
            clock.observe(&event.kind, event.at_ms);
        }
        if let Some(last) = events.last() {
            clock.stop_at(last.at_ms);
        }
        clock.connected = 0;
        clock
    }

    /// Takes `kind`, which happened at `at_ms`: a question asked, an answer ended, a call
    /// joined or ended, the interview paused or resumed.
    pub fn observe(&mut self, kind: &EventKind, at_ms: u64) {
        match kind {
            EventKind::QuestionAsked { .. } => self.waiting = true,
            EventKind::AnswerEnded { .. } => self.waiting = false,
            EventKind::Joined => self.connected += 1,
            EventKind::Ended { .. } => self.connected = self.connected.saturating_sub(1),
            EventKind::Updated { status } => self.paused = *status == Status::Paused,
            _ => return,
        }
        let runs = self.waiting && self.connected > 0 && !self.paused;
        match (runs, self.since_ms) {
            (true, None) => self.since_ms = Some(at_ms),
            (false, Some(_)) => self.stop_at(at_ms),
            _ => {}
        }
    }

    fn stop_at(&mut self, at_ms: u64) {
        if let Some(since) = self.since_ms.take() {
            self.used_ms += at_ms.saturating_sub(since);
        }
    }

    /// Milliseconds used by `now_ms`.
    pub fn used_ms(&self, now_ms: u64) -> u64 {
        self.used_ms + self.since_ms.map_or(0, |s| now_ms.saturating_sub(s))
    }

    /// Whole seconds left of `limit_s` by `now_ms` (0 when used up).
    pub fn remaining_s(&self, limit_s: u64, now_ms: u64) -> u64 {
        limit_s.saturating_sub(self.used_ms(now_ms).div_ceil(1000))
    }

    /// Whether it runs now.
    pub fn running(&self) -> bool {
        self.since_ms.is_some()
    }

    /// Whether the interview is paused.
    pub fn paused(&self) -> bool {
        self.paused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::EndReason;

    fn asked() -> EventKind {
        EventKind::QuestionAsked {
            question_index: 0,
            question_count: 3,
        }
    }

    fn answered() -> EventKind {
        EventKind::AnswerEnded {
            item_id: "u".into(),
            audio_start_ms: 0,
            audio_end_ms: 0,
        }
    }

    fn event(at_ms: u64, kind: EventKind) -> InterviewEvent {
        InterviewEvent {
            call_id: Some("txt_1".into()),
            interview_id: Some("i".into()),
            org_id: Some("o".into()),
            at_ms,
            kind,
        }
    }

    #[test]
    fn it_runs_only_while_a_question_waits_unpaused_and_connected() {
        let paused = EventKind::Updated {
            status: Status::Paused,
        };
        let resumed = EventKind::Updated {
            status: Status::InProgress,
        };
        let ended = EventKind::Ended {
            reason: EndReason::PeerClosed,
        };
        let events = vec![
            event(0, EventKind::Joined),
            event(1_000, asked()),    // runs from 1 s
            event(5_000, answered()), // 4 s; processing is not counted
            event(9_000, asked()),    // runs from 9 s
            event(10_000, paused),    // 1 s
            event(60_000, resumed),   // runs from 60 s
            event(62_000, ended),     // 2 s; disconnected
            event(90_000, EventKind::Joined),
            event(90_000, asked()), // asked again on rejoin: runs from 90 s
        ];
        let mut live = AnswerClock::default();
        for e in &events {
            live.observe(&e.kind, e.at_ms);
        }
        assert!(live.running());
        assert_eq!(live.used_ms(93_000), 10_000);
        assert_eq!(live.remaining_s(60, 93_000), 50);
        assert_eq!(live.remaining_s(5, 93_000), 0);
        // Rebuilt from storage, the call that never ended stops at its last event.
        let replayed = AnswerClock::replay(&events);
        assert!(!replayed.running());
        assert_eq!(replayed.used_ms(1_000_000), 7_000);
    }
}
