//! The candidate's recent audio, kept so that a closed turn can be transcribed: samples are
//! addressed by their position in the session's input (24 kHz), and what no turn can still
//! need is let go.

use crate::stt::MAX_UTTERANCE_SAMPLES;

/// Samples let go at once, at least (so trimming is not a copy per chunk): 1 s.
const TRIM_STEP: u64 = 24_000;

/// Input audio by position.
#[derive(Debug, Default)]
pub(super) struct Heard {
    samples: Vec<i16>,
    /// Position of `samples[0]`.
    first: u64,
}

impl Heard {
    /// Position after the last sample.
    pub(super) fn end(&self) -> u64 {
        self.first + self.samples.len() as u64
    }

    /// Appends samples; keeps at most what an utterance may hold.
    pub(super) fn push(&mut self, samples: &[i16]) {
        self.samples.extend_from_slice(samples);
        let cap = self.end().saturating_sub(MAX_UTTERANCE_SAMPLES as u64);
        self.keep_from(cap);
    }

    /// Lets go of what lies before `position` (in steps of at least a second).
    pub(super) fn keep_from(&mut self, position: u64) {
        if position >= self.first + TRIM_STEP || position >= self.end() {
            let n = (position.saturating_sub(self.first) as usize).min(self.samples.len());
            self.samples.drain(..n);
            self.first += n as u64;
        }
    }

    /// A copy of `[start, end)`, clipped to what is kept.
    pub(super) fn range(&self, start: u64, end: u64) -> Vec<i16> {
        let from = start.max(self.first).min(self.end()) - self.first;
        let to = end.max(self.first).min(self.end()) - self.first;
        self.samples[from as usize..to.max(from) as usize].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_addressed_by_position_after_trimming() {
        let mut heard = Heard::default();
        let ramp: Vec<i16> = (0..30_000).map(|i| (i % 30_000) as i16).collect();
        heard.push(&ramp);
        assert_eq!(heard.end(), 30_000);
        heard.keep_from(100); // less than a step: kept
        assert_eq!(heard.range(0, 3), vec![0, 1, 2]);
        heard.keep_from(25_000);
        assert_eq!(heard.range(0, 25_002), vec![25_000, 25_001]);
        assert_eq!(heard.range(29_998, 40_000), vec![29_998, 29_999]);
        assert!(heard.range(40_000, 50_000).is_empty());
        heard.keep_from(30_000);
        assert_eq!(heard.end(), 30_000);
        assert!(heard.range(0, 30_000).is_empty());
    }

    #[test]
    fn no_more_than_one_utterance_is_kept() {
        let mut heard = Heard::default();
        let minute = vec![1i16; 60 * 24_000];
        for _ in 0..7 {
            heard.push(&minute);
        }
        assert!(heard.samples.len() <= MAX_UTTERANCE_SAMPLES + TRIM_STEP as usize);
        assert_eq!(heard.end(), 7 * 60 * 24_000);
    }
}
