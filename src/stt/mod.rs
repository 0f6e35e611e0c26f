//! Speech to text for the local engine: one VAD-closed candidate utterance (24 kHz mono
//! pcm16, as the audio path makes it) in, its text out, off the call's actor.
//!
//! One [`Transcriber`] per server: at most `--stt-concurrency` requests at once and
//! `--stt-queue` more waiting ([`queue`]); beyond that an utterance is refused at once with
//! [`TranscribeError::Overloaded`] and kept as audio without text — never dropped silently.
//! The backend is any OpenAI-compatible `POST /v1/audio/transcriptions` ([`client`]): Viva's
//! own `stt/` service, OpenAI, whisper.cpp's server, vLLM; or none.

mod client;
pub mod metrics;
pub mod queue;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use client::HttpBackend;
use queue::{Overloaded, Queue};

/// OpenAI's transcription endpoint base, used with `OPENAI_API_KEY` and no `--stt-url`.
pub const OPENAI_BASE: &str = "https://api.openai.com/v1";
/// The model asked of OpenAI by default.
pub const OPENAI_MODEL: &str = "gpt-4o-mini-transcribe";
/// The model asked of another OpenAI-compatible service by default (the name most of them
/// accept; Viva's `stt/` serves tiny.en whatever the name).
pub const COMPATIBLE_MODEL: &str = "whisper-1";
/// The longest utterance sent, in samples at 24 kHz (5 minutes, 14 MB of WAV: under the 25 MB
/// OpenAI takes). The local engine keeps no more of one turn.
pub const MAX_UTTERANCE_SAMPLES: usize = 5 * 60 * 24_000;
/// The rate of the audio handed in.
pub const RATE: u32 = 24_000;

/// Settings of the transcriber (flattened into `viva serve`'s).
#[derive(Debug, Clone, clap::Args)]
pub struct SttConfig {
    /// OpenAI-compatible transcription service (`POST {url}/v1/audio/transcriptions`), e.g.
    /// `http://127.0.0.1:8178` (scripts/run starts Viva's own, stt/), or `none`. Default:
    /// OpenAI's when OPENAI_API_KEY is set, else none.
    #[arg(long, env = "VIVA_STT_URL")]
    pub stt_url: Option<String>,

    /// Transcription model asked for. Default: `gpt-4o-mini-transcribe` at OpenAI,
    /// `whisper-1` elsewhere.
    #[arg(long, env = "VIVA_STT_MODEL")]
    pub stt_model: Option<String>,

    /// Bearer key of the transcription service. Default: OPENAI_API_KEY at OpenAI's, none
    /// elsewhere.
    #[arg(long, env = "VIVA_STT_API_KEY", hide_env_values = true)]
    pub stt_api_key: Option<String>,

    /// Transcriptions running at once, for the whole server.
    #[arg(long, env = "VIVA_STT_CONCURRENCY", default_value_t = 2)]
    pub stt_concurrency: usize,

    /// Utterances waiting for a transcription beyond those; more are stored without text,
    /// with `.failed` (`transcription_overloaded`).
    #[arg(long, env = "VIVA_STT_QUEUE", default_value_t = 32)]
    pub stt_queue: usize,

    /// Seconds one transcription request may take.
    #[arg(long, env = "VIVA_STT_TIMEOUT", default_value_t = 30)]
    pub stt_timeout: u64,
}

impl Default for SttConfig {
    fn default() -> Self {
        Self {
            stt_url: None,
            stt_model: None,
            stt_api_key: None,
            stt_concurrency: 2,
            stt_queue: 32,
            stt_timeout: 30,
        }
    }
}

/// Why an utterance has no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscribeError {
    /// The server's queue was full: the utterance was not sent.
    #[error("the transcription queue is full ({0})")]
    Overloaded(Overloaded),
    /// The service could not be reached.
    #[error("the transcription service is unreachable: {0}")]
    Unreachable(String),
    /// The service took longer than `--stt-timeout`.
    #[error("the transcription service did not answer in time")]
    Timeout,
    /// The service answered with an error.
    #[error("the transcription service answered {status}: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Its error message.
        message: String,
    },
    /// The service answered something else than `{"text": …}`.
    #[error("the transcription service answered nonsense: {0}")]
    BadResponse(String),
}

impl TranscribeError {
    /// The stable code of the `.failed` event's error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Overloaded(_) => "transcription_overloaded",
            Self::Unreachable(_) => "transcription_unavailable",
            Self::Timeout => "transcription_timeout",
            Self::Rejected { .. } | Self::BadResponse(_) => "transcription_failed",
        }
    }
}

/// What was heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The words (empty when nothing was recognised).
    pub text: String,
    /// Length of the audio, in seconds.
    pub audio_seconds: f64,
}

/// One utterance to transcribe.
#[derive(Debug, Clone, Default)]
pub struct Utterance {
    /// 24 kHz mono samples.
    pub samples: Vec<i16>,
    /// The session's `audio.input.transcription.language`, if any.
    pub language: Option<String>,
    /// The session's `audio.input.transcription.prompt`, if any.
    pub prompt: Option<String>,
}

/// The server's transcriber. Cheap to clone; every clone shares the queue.
#[derive(Clone)]
pub struct Transcriber {
    inner: Arc<Inner>,
}

struct Inner {
    backend: HttpBackend,
    queue: Queue,
}

impl std::fmt::Debug for Transcriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcriber")
            .field("endpoint", &self.inner.backend.endpoint())
            .field("model", &self.inner.backend.model())
            .finish_non_exhaustive()
    }
}

impl Transcriber {
    /// The transcriber `config` asks for: its URL (unless `none`), else OpenAI's when
    /// `openai_api_key` is set, else none.
    pub fn from_config(config: &SttConfig, openai_api_key: Option<&str>) -> Option<Self> {
        let url = config.stt_url.as_deref().map(str::trim);
        let (url, model, key) = match url {
            Some("" | "none" | "off") => return None,
            Some(url) => (
                url.to_owned(),
                config.stt_model.clone().unwrap_or(COMPATIBLE_MODEL.into()),
                config.stt_api_key.clone(),
            ),
            None => {
                let key = config
                    .stt_api_key
                    .clone()
                    .or(openai_api_key.map(str::to_owned))?;
                (
                    OPENAI_BASE.to_owned(),
                    config.stt_model.clone().unwrap_or(OPENAI_MODEL.into()),
                    Some(key),
                )
            }
        };
        let timeout = Duration::from_secs(config.stt_timeout.max(1));
        Some(Self {
            inner: Arc::new(Inner {
                backend: HttpBackend::new(&url, model, key, timeout),
                queue: Queue::new(config.stt_concurrency, config.stt_queue),
            }),
        })
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &str {
        self.inner.backend.endpoint()
    }

    /// Logs, in the background, whether the service answers its health check: `viva serve`
    /// starts without it, and says so. Services without `/health` (OpenAI) are not asked.
    pub fn log_health(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let backend = &this.inner.backend;
            if backend.endpoint().starts_with(OPENAI_BASE) {
                tracing::info!(model = backend.model(), "transcription: OpenAI");
                return;
            }
            // A service started beside Viva (scripts/run) may still be loading its model.
            let mut last = String::new();
            for _ in 0..10 {
                match backend.healthy().await {
                    Ok(()) => {
                        tracing::info!(
                            endpoint = backend.endpoint(),
                            model = backend.model(),
                            "transcription service is up"
                        );
                        return;
                    }
                    Err(e) => last = e,
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            tracing::warn!(endpoint = backend.endpoint(), error = %last, "transcription service not reachable: candidate turns are stored without text (input_audio_transcription.failed) until it is");
        });
    }

    /// The text of one utterance: queued behind at most `--stt-queue` others, or refused at
    /// once when the queue is full.
    pub async fn transcribe(&self, utterance: Utterance) -> Result<Transcript, TranscribeError> {
        let m = metrics::metrics();
        let mut samples = utterance.samples;
        samples.truncate(MAX_UTTERANCE_SAMPLES);
        let audio_seconds = samples.len() as f64 / f64::from(RATE);
        let backend = &self.inner.backend;
        let result = self
            .inner
            .queue
            .run(|| async {
                m.audio_ms
                    .fetch_add((audio_seconds * 1e3) as u64, Ordering::Relaxed);
                let wav = crate::audio::wav::write_wav(RATE, &samples);
                backend
                    .transcribe(
                        wav,
                        utterance.language.as_deref(),
                        utterance.prompt.as_deref(),
                    )
                    .await
            })
            .await;
        let result = match result {
            Err(overloaded) => Err(TranscribeError::Overloaded(overloaded)),
            Ok(Ok(text)) => {
                m.completed.fetch_add(1, Ordering::Relaxed);
                Ok(Transcript {
                    text,
                    audio_seconds,
                })
            }
            Ok(Err(e)) => {
                m.failed.fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        };
        if let Err(error) = &result {
            tracing::warn!(%error, code = error.code(), audio_seconds, "utterance not transcribed");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_follows_the_url_then_the_openai_key() {
        let mut config = SttConfig::default();
        assert!(Transcriber::from_config(&config, None).is_none());
        let openai = Transcriber::from_config(&config, Some("sk-x")).unwrap();
        assert_eq!(
            openai.endpoint(),
            "https://api.openai.com/v1/audio/transcriptions"
        );
        assert_eq!(openai.inner.backend.model(), OPENAI_MODEL);
        config.stt_url = Some("http://127.0.0.1:8178".into());
        let local = Transcriber::from_config(&config, Some("sk-x")).unwrap();
        assert_eq!(
            local.endpoint(),
            "http://127.0.0.1:8178/v1/audio/transcriptions"
        );
        assert_eq!(local.inner.backend.model(), COMPATIBLE_MODEL);
        config.stt_url = Some("none".into());
        assert!(Transcriber::from_config(&config, Some("sk-x")).is_none());
    }

    #[test]
    fn failures_have_stable_codes() {
        let full = TranscribeError::Overloaded(Overloaded {
            waiting: 1,
            running: 1,
        });
        assert_eq!(full.code(), "transcription_overloaded");
        assert_eq!(
            TranscribeError::Unreachable("x".into()).code(),
            "transcription_unavailable"
        );
        assert_eq!(TranscribeError::Timeout.code(), "transcription_timeout");
    }

    #[tokio::test]
    async fn a_closed_port_fails_as_unavailable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = SttConfig {
            stt_url: Some(format!("http://127.0.0.1:{port}")),
            ..SttConfig::default()
        };
        let t = Transcriber::from_config(&config, None).unwrap();
        let error = t
            .transcribe(Utterance {
                samples: vec![0; 2_400],
                ..Utterance::default()
            })
            .await
            .unwrap_err();
        assert_eq!(error.code(), "transcription_unavailable", "{error}");
    }
}
