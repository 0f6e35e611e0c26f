//! Voice activity detection and turn taking on the candidate's 24 kHz audio, for the local
//! engine's server VAD. Sans-IO like the rest of `audio`: time is the count of samples pushed.
//!
//! Frames are scored by earshot's neural VAD (16 kHz, 16 ms frames), after rubato converts
//! 24 kHz to 16 kHz. Speech starts when 3 of the last 5 frames score above the threshold; the
//! reported start goes back by `prefix_padding_ms`. It stops after `silence_duration_ms`
//! without a speech frame.

use std::collections::VecDeque;

use super::resample::StreamResampler;
use super::{AudioError, samples_in};

const VAD_RATE: u32 = 16_000;
const VAD_FRAME: usize = 256;
const FRAME_MS_X1000: u64 = 16_000; // 16 ms in µs
const WINDOW: usize = 5;
const NEEDED: usize = 3;

/// Turn-detection parameters (the session's `turn_detection`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    /// Speech probability above which a frame is speech (0–1).
    pub threshold: f32,
    /// How far before the detected start the turn is reported to begin, in ms.
    pub prefix_padding_ms: u32,
    /// Silence that ends a turn, in ms.
    pub silence_duration_ms: u32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
        }
    }
}

/// A change of turn, with its position in the audio stream (ms since the first sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    /// The candidate started speaking (`input_audio_buffer.speech_started`).
    SpeechStarted {
        /// Start of the speech, prefix padding included.
        audio_start_ms: u64,
    },
    /// The candidate stopped (`input_audio_buffer.speech_stopped`).
    SpeechStopped {
        /// End of the turn, the trailing silence window included.
        audio_end_ms: u64,
    },
}

/// Streaming turn detector.
pub struct TurnDetector {
    config: VadConfig,
    detector: Box<earshot::Detector>,
    resampler: StreamResampler,
    resampled: VecDeque<i16>,
    frame: Vec<i16>,
    recent: VecDeque<bool>,
    /// Frames scored so far.
    frames: u64,
    speaking: bool,
    last_speech_frame: u64,
    events: VecDeque<VadEvent>,
}

impl std::fmt::Debug for TurnDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnDetector")
            .field("config", &self.config)
            .field("speaking", &self.speaking)
            .finish()
    }
}

impl TurnDetector {
    /// A detector for 24 kHz input.
    pub fn new(config: VadConfig) -> Result<Self, AudioError> {
        samples_in(16, VAD_RATE).ok_or(AudioError::BadDuration {
            ms: 16,
            rate: VAD_RATE,
        })?;
        Ok(Self {
            config,
            detector: earshot::Detector::default_boxed(),
            resampler: StreamResampler::new(24_000, VAD_RATE)?,
            resampled: VecDeque::with_capacity(VAD_FRAME * 4),
            frame: vec![0; VAD_FRAME],
            recent: VecDeque::with_capacity(WINDOW + 1),
            frames: 0,
            speaking: false,
            last_speech_frame: 0,
            events: VecDeque::with_capacity(4),
        })
    }

    /// Changes the parameters (a `session.update`), keeping the stream position.
    pub fn set_config(&mut self, config: VadConfig) {
        self.config = config;
    }

    /// Whether a turn is in progress.
    pub fn is_speaking(&self) -> bool {
        self.speaking
    }

    /// Milliseconds of audio scored so far.
    pub fn position_ms(&self) -> u64 {
        self.frames * FRAME_MS_X1000 / 1000
    }

    /// Feeds 24 kHz samples; turn changes become available from [`TurnDetector::poll`].
    pub fn push(&mut self, samples: &[i16]) {
        // Chunk sizes are fixed at construction, so this cannot fail.
        self.resampler
            .push(samples, &mut self.resampled)
            .expect("fixed-size resampler chunk");
        while self.resampled.len() >= VAD_FRAME {
            for (dst, src) in self.frame.iter_mut().zip(self.resampled.drain(..VAD_FRAME)) {
                *dst = src;
            }
            let score = self.detector.predict_i16(&self.frame);
            self.score_frame(score >= self.config.threshold);
        }
    }

    fn score_frame(&mut self, voiced: bool) {
        self.frames += 1;
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(voiced);
        if voiced {
            self.last_speech_frame = self.frames;
        }
        let frame_ms = |frames: u64| frames * FRAME_MS_X1000 / 1000;
        if !self.speaking && self.recent.iter().filter(|&&v| v).count() >= NEEDED {
            self.speaking = true;
            let first_voiced = self.frames
                - (self.recent.len() - self.recent.iter().position(|&v| v).unwrap_or(0)) as u64;
            let start =
                frame_ms(first_voiced).saturating_sub(u64::from(self.config.prefix_padding_ms));
            self.events.push_back(VadEvent::SpeechStarted {
                audio_start_ms: start,
            });
        } else if self.speaking
            && frame_ms(self.frames - self.last_speech_frame)
                >= u64::from(self.config.silence_duration_ms)
        {
            self.speaking = false;
            self.recent.clear();
            self.events.push_back(VadEvent::SpeechStopped {
                audio_end_ms: frame_ms(self.frames),
            });
        }
    }

    /// The next turn change, in order.
    pub fn poll(&mut self) -> Option<VadEvent> {
        self.events.pop_front()
    }

    /// Ends the stream: an open turn is closed at the current position.
    pub fn finish(&mut self) {
        if self.speaking {
            self.speaking = false;
            self.events.push_back(VadEvent::SpeechStopped {
                audio_end_ms: self.position_ms(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(detector: &mut TurnDetector, samples: &[i16]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        for chunk in samples.chunks(480) {
            detector.push(chunk);
            events.extend(std::iter::from_fn(|| detector.poll()));
        }
        events
    }

    #[test]
    fn silence_and_a_steady_tone_are_not_speech() {
        let mut detector = TurnDetector::new(VadConfig::default()).unwrap();
        let mut signal = vec![0i16; 24_000];
        signal.extend(crate::audio::synth::sine(24_000, 1_000.0, 0.3, 48_000));
        assert_eq!(run(&mut detector, &signal), vec![]);
        // 3 s scored in whole 16 ms frames, less what the resampler's delay still holds.
        let position = detector.position_ms();
        assert!((2_960..=3_000).contains(&position), "{position} ms scored");
    }

    #[test]
    fn turn_timing_follows_the_frames() {
        let mut detector = TurnDetector::new(VadConfig {
            threshold: 0.5,
            prefix_padding_ms: 100,
            silence_duration_ms: 320,
        })
        .unwrap();
        // Drive the state machine directly: 20 silent frames, 30 voiced, 30 silent.
        let pattern = std::iter::repeat_n(false, 20)
            .chain(std::iter::repeat_n(true, 30))
            .chain(std::iter::repeat_n(false, 30));
        for voiced in pattern {
            detector.score_frame(voiced);
        }
        let events: Vec<VadEvent> = std::iter::from_fn(|| detector.poll()).collect();
        // Speech is confirmed on frame 23 (3 of 5), started at frame 21 = 320 ms, minus 100 ms.
        assert_eq!(
            events[0],
            VadEvent::SpeechStarted {
                audio_start_ms: 220
            }
        );
        // Last voiced frame 50 (800 ms); 20 silent frames = 320 ms later, at frame 70 = 1120 ms.
        assert_eq!(
            events[1],
            VadEvent::SpeechStopped {
                audio_end_ms: 1_120
            }
        );
        assert_eq!(events.len(), 2);
    }
}
