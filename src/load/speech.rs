//! The candidates' voice, Opus-encoded once at start and shared by every peer: a few spoken
//! answers and a stretch of encoded silence to send between them, as a microphone would.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use crate::audio::resample_clip;
use crate::audio::synth::{PacketiseOptions, packetise, speech_like};
use crate::audio::wav::parse_wav;

/// What the default clips say (espeak-ng).
const ANSWERS: [&str; 3] = [
    "I have five years of experience building backend systems in Rust.",
    "I led the migration of our billing service and cut its latency in half.",
    "I would start by measuring, then fix the slowest part first.",
];

/// Pre-encoded 20 ms Opus packets (payloads only: each peer writes its own RTP header).
#[derive(Debug, Clone)]
pub struct Clips {
    /// The answers, each trimmed of leading and trailing silence.
    pub answers: Vec<Arc<[Bytes]>>,
    /// One second of encoded silence, sent in a loop while the candidate listens.
    pub silence: Arc<[Bytes]>,
    /// Where the answers came from, for the report.
    pub source: String,
}

/// Why the clips could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// The directory or a file could not be read.
    #[error("{0}")]
    Io(String),
    /// No usable clip.
    #[error("no usable WAV clip in {0}")]
    Empty(String),
    /// Encoding failed.
    #[error("opus: {0}")]
    Encode(String),
}

impl Clips {
    /// Clips from the WAV files of `dir`, or generated ones when `dir` is `None`.
    pub fn load(dir: Option<&Path>) -> Result<Self, SpeechError> {
        let (signals, source) = match dir {
            Some(dir) => (read_dir(dir)?, format!("WAV clips from {}", dir.display())),
            None => generated(),
        };
        let mut answers = Vec::new();
        for signal in signals {
            let trimmed = trim_silence(&signal);
            if trimmed.len() < 48 * 200 {
                continue; // under 200 ms of sound: not an answer
            }
            answers.push(encode(trimmed)?);
        }
        if answers.is_empty() {
            return Err(SpeechError::Empty(source));
        }
        let silence = encode(&vec![0i16; 48_000])?;
        Ok(Self {
            answers,
            silence,
            source,
        })
    }

    /// Mean length of an answer, in ms.
    pub fn mean_answer_ms(&self) -> u64 {
        let packets: usize = self.answers.iter().map(|a| a.len()).sum();
        (packets * 20 / self.answers.len()) as u64
    }
}

fn encode(signal_48k: &[i16]) -> Result<Arc<[Bytes]>, SpeechError> {
    let packets = packetise(signal_48k, &PacketiseOptions::default())
        .map_err(|e| SpeechError::Encode(e.to_string()))?;
    Ok(packets
        .into_iter()
        .map(|p| Bytes::from(p.payload))
        .collect())
}

fn read_dir(dir: &Path) -> Result<Vec<Vec<i16>>, SpeechError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| SpeechError::Io(format!("{}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
        .collect();
    paths.sort();
    let mut signals = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path)
            .map_err(|e| SpeechError::Io(format!("{}: {e}", path.display())))?;
        let wav =
            parse_wav(&bytes).map_err(|e| SpeechError::Io(format!("{}: {e}", path.display())))?;
        signals.push(to_mono_48k(&wav.samples, wav.channels, wav.rate)?);
    }
    Ok(signals)
}

fn to_mono_48k(samples: &[i16], channels: u16, rate: u32) -> Result<Vec<i16>, SpeechError> {
    let mono: Vec<i16> = if channels <= 1 {
        samples.to_vec()
    } else {
        samples
            .chunks(usize::from(channels))
            .map(|frame| frame[0])
            .collect()
    };
    resample_clip(&mono, rate, 48_000).map_err(|e| SpeechError::Encode(e.to_string()))
}

/// espeak-ng's answers, or a speech-like signal (saying so) when it is missing.
fn generated() -> (Vec<Vec<i16>>, String) {
    let mut signals = Vec::new();
    for text in ANSWERS {
        let output = std::process::Command::new("espeak-ng")
            .args(["--stdout", "-s", "160", "-v", "en-us", "--", text])
            .output();
        let Ok(output) = output else { break };
        if !output.status.success() {
            break;
        }
        let Ok(wav) = parse_wav(&output.stdout) else {
            break;
        };
        match to_mono_48k(&wav.samples, wav.channels, wav.rate) {
            Ok(signal) => signals.push(signal),
            Err(_) => break,
        }
    }
    if signals.len() == ANSWERS.len() {
        return (signals, "answers spoken by espeak-ng".into());
    }
    let synthetic = (0..3)
        .map(|seed| speech_like(48_000, 48_000 * 3, seed))
        .collect();
    (
        synthetic,
        "espeak-ng not found: a synthetic speech-like signal (audio::synth::speech_like)".into(),
    )
}

/// The signal without its leading and trailing silence (20 ms blocks under -45 dBFS peak),
/// so that "the end of the answer" is the last packet with speech in it.
fn trim_silence(signal: &[i16]) -> &[i16] {
    const BLOCK: usize = 960;
    const LOUD: i16 = 180;
    let loud = |block: &[i16]| block.iter().any(|s| s.unsigned_abs() > LOUD as u16);
    let blocks: Vec<&[i16]> = signal.chunks(BLOCK).collect();
    let Some(first) = blocks.iter().position(|b| loud(b)) else {
        return &signal[..0];
    };
    let last = blocks.iter().rposition(|b| loud(b)).unwrap_or(first);
    &signal[first * BLOCK..((last + 1) * BLOCK).min(signal.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_trimmed_at_both_ends() {
        let mut signal = vec![0i16; 4_800];
        signal.extend(std::iter::repeat_n(5_000i16, 9_600));
        signal.extend(vec![0i16; 9_600]);
        let trimmed = trim_silence(&signal);
        assert_eq!(trimmed.len(), 9_600);
        assert!(trimmed.iter().all(|&s| s == 5_000));
    }

    #[test]
    fn clips_are_made_with_or_without_espeak() {
        let clips = Clips::load(None).unwrap();
        assert!(!clips.answers.is_empty());
        assert_eq!(clips.silence.len(), 50);
        assert!(clips.mean_answer_ms() > 500);
    }
}
