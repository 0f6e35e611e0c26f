//! When each piece of the candidate's audio reached the upstream: the track reader sends the
//! call a mark for every chunk it forwards, and the call looks up the chunk a `speech_stopped`
//! points at, so it can tell the model's own time from the time Viva adds.

use std::collections::VecDeque;
use std::time::Instant;

/// Marks kept: 10 s of 20 ms chunks, far more than a turn detector's silence window.
const MARKS_KEPT: usize = 500;

/// One forwarded chunk of candidate audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InputMark {
    /// Position of the chunk's end in the audio sent upstream, in ms since the first chunk.
    pub(crate) end_ms: u64,
    /// RTP timestamp of the candidate's packet that completed the chunk.
    pub(crate) rtp_timestamp: u32,
    /// When that packet was read off the track.
    pub(crate) read_at: Instant,
    /// When the chunk was handed to the upstream.
    pub(crate) forwarded_at: Instant,
}

/// The recent marks of one call.
#[derive(Debug, Default)]
pub(crate) struct InputTimeline {
    marks: VecDeque<InputMark>,
}

impl InputTimeline {
    /// An empty timeline.
    pub(crate) fn new() -> Self {
        Self {
            marks: VecDeque::with_capacity(MARKS_KEPT),
        }
    }

    /// Records a forwarded chunk; the oldest mark goes when the window is full.
    pub(crate) fn push(&mut self, mark: InputMark) {
        if self.marks.len() == MARKS_KEPT {
            self.marks.pop_front();
        }
        self.marks.push_back(mark);
    }

    /// Forgets everything (a new track starts a new stream).
    pub(crate) fn reset(&mut self) {
        self.marks.clear();
    }

    /// The chunk holding audio position `ms`: the first whose end reaches it, or `None` when
    /// it is older than the window or not yet forwarded.
    pub(crate) fn mark_at(&self, ms: u64) -> Option<InputMark> {
        let marks = &self.marks;
        let first = marks.front()?;
        if ms + chunk_ms(first) < first.end_ms {
            return None;
        }
        let index = marks.partition_point(|m| m.end_ms < ms);
        marks.get(index).copied()
    }
}

/// A chunk's length, guessed from its end (chunks are 20 ms; the first may be all there is).
fn chunk_ms(mark: &InputMark) -> u64 {
    mark.end_ms.min(20)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(end_ms: u64, now: Instant) -> InputMark {
        InputMark {
            end_ms,
            rtp_timestamp: (end_ms * 48) as u32,
            read_at: now,
            forwarded_at: now,
        }
    }

    #[test]
    fn finds_the_chunk_holding_a_position() {
        let mut timeline = InputTimeline::new();
        let now = Instant::now();
        for end in (20..=200).step_by(20) {
            timeline.push(mark(end, now));
        }
        assert_eq!(timeline.mark_at(100).map(|m| m.end_ms), Some(100));
        assert_eq!(timeline.mark_at(101).map(|m| m.end_ms), Some(120));
        assert_eq!(timeline.mark_at(0).map(|m| m.end_ms), Some(20));
        assert_eq!(timeline.mark_at(201), None, "not forwarded yet");
    }

    #[test]
    fn forgets_what_left_the_window() {
        let mut timeline = InputTimeline::new();
        let now = Instant::now();
        for i in 1..=(MARKS_KEPT as u64 + 10) {
            timeline.push(mark(i * 20, now));
        }
        assert_eq!(timeline.mark_at(100), None, "older than the window");
        let newest = (MARKS_KEPT as u64 + 10) * 20;
        assert_eq!(timeline.mark_at(newest).map(|m| m.end_ms), Some(newest));
        timeline.reset();
        assert_eq!(timeline.mark_at(newest), None);
    }
}
