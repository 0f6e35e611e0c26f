//! The local engine's voice: espeak-ng when it is installed, otherwise a short tone, so a
//! machine without it still hears that the interviewer took its turn.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::audio::resample_clip;
use crate::audio::synth::sine;
use crate::audio::wav::parse_wav;

/// Output rate of the engine (the realtime protocol's pcm16 rate).
pub(crate) const RATE: u32 = 24_000;

static ESPEAK_MISSING: AtomicBool = AtomicBool::new(false);
/// espeak-ng runs started by this process.
static SYNTHESES: AtomicU64 = AtomicU64::new(0);

/// Where a clip of speech came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechSource {
    /// Synthesised by espeak-ng.
    Espeak,
    /// A tone standing in for speech (espeak-ng missing or failed).
    Tone,
}

/// The espeak-ng voice variant for an OpenAI voice name.
fn espeak_variant(voice: &str) -> &'static str {
    match voice {
        "marin" | "coral" | "sage" | "shimmer" | "ballad" => "en-us+f3",
        _ => "en-us+m3",
    }
}

/// Lines already spoken, by (text, espeak variant): the interview plan repeats the same few
/// lines in every call, and running espeak-ng for each turn cost a process spawn and ~40 ms
/// before the first audio (found by `viva load`). Each line is spoken once even when many
/// calls ask for it at the same moment: a burst of espeak-ng processes starved the media
/// tasks of CPU and left audible gaps in every call (also found by `viva load`).
type SpokenCache = Mutex<HashMap<(String, &'static str), Arc<OnceCell<Arc<[i16]>>>>>;
const CACHE_MAX_LINES: usize = 256;

fn cache() -> &'static SpokenCache {
    static CACHE: OnceLock<SpokenCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Speaks `text` as pcm16 mono at 24 kHz.
pub(crate) async fn speak(text: &str, voice: &str) -> (Vec<i16>, SpeechSource) {
    if ESPEAK_MISSING.load(Ordering::Relaxed) {
        return (tone(), SpeechSource::Tone);
    }
    let key = (text.to_owned(), espeak_variant(voice));
    let cell = cache().lock().ok().and_then(|mut cache| {
        if let Some(cell) = cache.get(&key) {
            return Some(cell.clone());
        }
        (cache.len() < CACHE_MAX_LINES).then(|| cache.entry(key).or_default().clone())
    });
    let spoken = match &cell {
        Some(cell) => cell
            .get_or_try_init(|| async { espeak(text, voice).await.map(Arc::<[i16]>::from) })
            .await
            .map(|samples| samples.to_vec()),
        None => espeak(text, voice).await,
    };
    match spoken {
        Ok(samples) if !samples.is_empty() => return (samples, SpeechSource::Espeak),
        Ok(_) => tracing::warn!("espeak-ng produced no audio; using a tone"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!("espeak-ng is not installed; the local interviewer speaks with a tone");
            ESPEAK_MISSING.store(true, Ordering::Relaxed);
        }
        Err(error) => tracing::warn!(%error, "espeak-ng failed; using a tone"),
    }
    (tone(), SpeechSource::Tone)
}

async fn espeak(text: &str, voice: &str) -> std::io::Result<Vec<i16>> {
    SYNTHESES.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(text, voice, "espeak-ng speaks a new line");
    let output = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new("espeak-ng")
            .args([
                "--stdout",
                "-s",
                "160",
                "-v",
                espeak_variant(voice),
                "--",
                text,
            ])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "espeak-ng timed out"))??;
    if !output.status.success() {
        return Err(std::io::Error::other(format!(
            "espeak-ng exited with {}",
            output.status
        )));
    }
    let wav = parse_wav(&output.stdout).map_err(std::io::Error::other)?;
    let mono: Vec<i16> = if wav.channels == 1 {
        wav.samples
    } else {
        wav.samples
            .chunks(usize::from(wav.channels))
            .map(|frame| frame[0])
            .collect()
    };
    resample_clip(&mono, wav.rate, RATE).map_err(std::io::Error::other)
}

/// Two soft beeps, 0.6 s in all.
fn tone() -> Vec<i16> {
    let beep = sine(RATE, 660.0, 0.2, RATE as usize / 5);
    let mut out = Vec::with_capacity(RATE as usize * 6 / 10);
    for _ in 0..2 {
        let len = beep.len();
        out.extend(beep.iter().enumerate().map(|(n, &s)| {
            let edge = n.min(len - n).min(480) as f32 / 480.0; // 20 ms fades, no clicks
            (f32::from(s) * edge) as i16
        }));
        out.extend(std::iter::repeat_n(0, RATE as usize / 10));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_line_many_calls_ask_for_at_once_is_spoken_once() {
        let text = format!("Line number {} of this test.", rand::random::<u32>());
        let before = SYNTHESES.load(Ordering::Relaxed);
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let text = text.clone();
                tokio::spawn(async move { speak(&text, "alloy").await })
            })
            .collect();
        let mut spoken = Vec::new();
        for call in calls {
            spoken.push(call.await.unwrap());
        }
        assert!(
            spoken.windows(2).all(|w| w[0] == w[1]),
            "every call hears the same line"
        );
        if spoken[0].1 == SpeechSource::Espeak {
            // Other tests may speak their own lines meanwhile, never this one twice.
            let runs = SYNTHESES.load(Ordering::Relaxed) - before;
            assert!(
                (1..=5).contains(&runs),
                "{runs} espeak-ng runs for one line"
            );
            let again = speak(&text, "alloy").await;
            assert_eq!(again, spoken[0]);
        }
    }

    #[tokio::test]
    async fn speech_is_24k_audio_of_plausible_length() {
        let (samples, source) = speak("Tell me about yourself.", "marin").await;
        let seconds = samples.len() as f32 / RATE as f32;
        match source {
            SpeechSource::Espeak => assert!((0.8..4.0).contains(&seconds), "{seconds} s of speech"),
            SpeechSource::Tone => assert_eq!(samples.len(), RATE as usize * 6 / 10),
        }
        assert!(samples.iter().any(|&s| s.abs() > 1_000), "audible");
    }
}
