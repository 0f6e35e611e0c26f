//! The interviewer's side of a call's media: the RTP clock of the stream sent to the candidate,
//! and the state of the response being played.

use std::time::{Duration, Instant};

use crate::audio::FRAME_RTP_TICKS;

use super::timeline::InputMark;

/// The RTP stream sent to the candidate: its clock, sequence and timestamp.
#[derive(Debug)]
pub(super) struct RtpClock {
    started: Instant,
    base: u32,
    /// The sequence number of the next packet.
    pub(super) sequence: u16,
    /// The timestamp of the next packet.
    pub(super) timestamp: u32,
    /// Whether the last pacer tick sent a frame (a talk spurt is running).
    pub(super) talking: bool,
}

impl RtpClock {
    /// A stream whose clock reads `base` at `now`. The stream starts there too, so the first
    /// talk spurt is never "behind" the stream whatever the base.
    pub(super) fn starting_at(base: u32, sequence: u16, now: Instant) -> Self {
        Self {
            started: now,
            base,
            sequence,
            timestamp: base,
            talking: false,
        }
    }

    /// The RTP time of `now`: 48 kHz since the stream started, from its base.
    pub(super) fn rtp_now(&self, now: Instant) -> u32 {
        let ticks = now.saturating_duration_since(self.started).as_micros() * 48 / 1000;
        self.base.wrapping_add(ticks as u32)
    }

    /// The sequence number, timestamp and marker of the next 20 ms frame sent at `now`; a new
    /// talk spurt starts at the current RTP time, so the receiver's jitter buffer sees the
    /// silence that passed (never going back, should frames have run ahead of the clock).
    pub(super) fn next_frame(&mut self, now: Instant) -> (u16, u32, bool) {
        let marker = !self.talking;
        if marker {
            self.timestamp = spurt_timestamp(self.rtp_now(now), self.timestamp);
            self.talking = true;
        }
        let frame = (self.sequence, self.timestamp, marker);
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME_RTP_TICKS);
        frame
    }
}

/// The RTP timestamp a talk spurt starts at: the RTP time of `now`, unless the stream's
/// `next` timestamp is already past it (frames ran ahead).
pub(super) fn spurt_timestamp(now: u32, next: u32) -> u32 {
    if (now.wrapping_sub(next) as i32) > 0 {
        now
    } else {
        next
    }
}

/// The response whose audio is arriving or playing.
#[derive(Debug, Default)]
pub(super) struct ResponsePlayback {
    /// The response whose audio is arriving.
    pub(super) response_id: Option<String>,
    /// The assistant item of that response.
    pub(super) item_id: Option<String>,
    /// All of the response's audio has arrived.
    pub(super) audio_done: bool,
    /// The response has not reported `response.done` yet.
    pub(super) active: bool,
    /// The response `output_audio_buffer.started` was sent for.
    pub(super) announced: Option<String>,
    /// Timing of the response being played, until its first frame goes out.
    pub(super) timing: Option<ResponseTiming>,
}

/// Where the upstream said the candidate's turn ended, and when that audio reached it.
#[derive(Debug, Clone, Copy)]
pub(super) struct TurnEnd {
    pub(super) audio_end_ms: u64,
    pub(super) mark: InputMark,
}

/// What a response's first frame needs to say how long each part took.
#[derive(Debug)]
pub(super) struct ResponseTiming {
    pub(super) turn_end: Option<TurnEnd>,
    pub(super) first_audio_at: Option<Instant>,
}

/// How the time from the end of a turn to the response's first frame divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LatencySplit {
    /// From reading the packet that ended the turn to handing its audio to the upstream.
    pub(super) inbound: Duration,
    /// From that hand-off to the response's first audio.
    pub(super) upstream: Duration,
    /// From the first audio to its first frame going out.
    pub(super) outbound: Duration,
}

impl ResponseTiming {
    /// The split for a first frame sent at `sent_at`, when the turn's end and the first audio
    /// are both known.
    pub(super) fn split(&self, sent_at: Instant) -> Option<(TurnEnd, LatencySplit)> {
        let (turn_end, first_audio_at) = (self.turn_end?, self.first_audio_at?);
        let mark = turn_end.mark;
        Some((
            turn_end,
            LatencySplit {
                inbound: mark.forwarded_at.saturating_duration_since(mark.read_at),
                upstream: first_audio_at.saturating_duration_since(mark.forwarded_at),
                outbound: sent_at.saturating_duration_since(first_audio_at),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn talk_spurts_start_at_the_current_rtp_time() {
        let start = Instant::now();
        // The first spurt starts at the clock, even when the base is in the upper half of the
        // range (a stream that started at 0 would look "ahead" of it).
        for base in [0x9000_0000, 0x1000, u32::MAX - 10] {
            let mut clock = RtpClock::starting_at(base, 7, start);
            let now = start + Duration::from_millis(2);
            let rtp = clock.rtp_now(now);
            assert_eq!(clock.next_frame(now), (7, rtp, true), "base {base:#x}");
            assert_eq!(
                clock.next_frame(now),
                (8, rtp.wrapping_add(FRAME_RTP_TICKS), false)
            );
        }
        // A later spurt jumps over the silence that passed.
        let mut clock = RtpClock::starting_at(1_000, 0, start);
        clock.next_frame(start);
        clock.talking = false;
        let later = start + Duration::from_secs(1);
        assert_eq!(clock.next_frame(later), (1, 49_000, true));
        // Across the wrap too, but never back if frames ran ahead of the clock.
        assert_eq!(spurt_timestamp(1_000, u32::MAX - 959), 1_000);
        assert_eq!(spurt_timestamp(9_000, 9_600), 9_600);
    }
}
