//! The built-in realtime engine: speaks the GA event protocol without a network or a model.
//!
//! What it does for real: server VAD on the candidate's audio honouring `turn_detection`
//! (earshot's neural VAD), `speech_started`/`speech_stopped`/`committed`, conversation items
//! with the answer's duration, interviewer turns that ask the next question of a plan, as
//! transcript events and as audio (espeak-ng, or a tone without it), cancellation on barge-in.
//! With a [`Transcriber`] (`--stt-url`), a requested transcription (`audio.input.transcription`)
//! of each committed turn runs off the engine's loop and arrives as
//! `conversation.item.input_audio_transcription.completed` (or `.failed` with the reason), as
//! OpenAI's does, in order with the other events. What it cannot do it says plainly: without
//! a transcriber a requested transcription fails with `transcription_unavailable`, and it never
//! reacts to what was said (no language model).

mod generator;
mod heard;
mod plan;
mod turns;
mod voice;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{
    FROM_UPSTREAM_CAPACITY, FromUpstream, TO_UPSTREAM_CAPACITY, ToUpstream, Upstream,
    UpstreamError, UpstreamLink,
};
use crate::audio::vad::{TurnDetector, VadConfig, VadEvent};
use crate::ids::new_id;
use crate::realtime::events::{ClientEvent, ClientKind, ServerKind, error_event, server_event};
use crate::realtime::session::VadSettings;
use crate::realtime::{SessionConfig, TurnDetection};
use crate::stt::Transcriber;
use generator::Generator;
use heard::Heard;
pub use plan::{QuestionPlan, Turn};
pub use voice::SpeechSource;

/// Name of the local engine's model in session objects.
pub const MODEL: &str = "viva-local";

/// Audio is sent on in pieces of 100 ms, faster than real time, as OpenAI does.
const AUDIO_PIECE_SAMPLES: usize = 2_400;

/// The local engine as an [`Upstream`].
#[derive(Debug, Clone, Default)]
pub struct LocalUpstream {
    plan: QuestionPlan,
    transcriber: Option<Transcriber>,
}

impl LocalUpstream {
    /// An engine asking the questions of `plan`.
    pub fn new(plan: QuestionPlan) -> Self {
        Self {
            plan,
            transcriber: None,
        }
    }

    /// The same engine, transcribing candidate turns with `transcriber` (shared by every call).
    pub fn with_transcriber(mut self, transcriber: Option<Transcriber>) -> Self {
        self.transcriber = transcriber;
        self
    }
}

#[async_trait]
impl Upstream for LocalUpstream {
    fn name(&self) -> &'static str {
        "local"
    }

    fn model(&self) -> String {
        MODEL.into()
    }

    async fn connect(
        &self,
        call_id: &str,
        session: SessionConfig,
    ) -> Result<UpstreamLink, UpstreamError> {
        let (tx, to_engine) = mpsc::channel(TO_UPSTREAM_CAPACITY);
        let (from_engine, rx) = mpsc::channel(FROM_UPSTREAM_CAPACITY);
        let mut engine = Engine::new(session, self.plan.clone(), from_engine)
            .map_err(|e| UpstreamError::Refused(e.to_string()))?;
        engine.transcriber = self.transcriber.clone();
        let call_id = call_id.to_owned();
        tokio::spawn(async move {
            engine.run(to_engine).await;
            tracing::debug!(%call_id, "local engine stopped");
        });
        Ok(UpstreamLink { tx, rx })
    }
}

/// A response being generated.
struct ActiveResponse {
    id: String,
    item_id: String,
    task: JoinHandle<()>,
}

/// A candidate turn in progress.
struct UserTurn {
    item_id: String,
    start_ms: u64,
}

struct Engine {
    session_id: String,
    session: SessionConfig,
    vad: Option<TurnDetector>,
    vad_settings: Option<VadSettings>,
    out: mpsc::Sender<FromUpstream>,
    plan: QuestionPlan,
    asked: usize,
    user_turn: Option<UserTurn>,
    last_item_id: Option<String>,
    /// Audio received since the last commit (manual turn mode), in ms.
    uncommitted_ms: u64,
    response: Option<ActiveResponse>,
    generated_tx: mpsc::Sender<(String, FromUpstream)>,
    generated_rx: mpsc::Receiver<(String, FromUpstream)>,
    /// The engine's own plan, for sessions that bring none.
    base_plan: QuestionPlan,
    transcriber: Option<Transcriber>,
    /// The candidate's recent audio, by position in the input (24 kHz samples).
    heard: Heard,
    /// Input position where the turn detector's clock (`audio_*_ms`) starts.
    vad_origin: u64,
    /// Input position after the last commit or clear (manual turns start there).
    commit_mark: u64,
    /// Transcription events finished off the loop, to be sent in turn.
    transcribed_tx: mpsc::Sender<Value>,
    transcribed_rx: mpsc::Receiver<Value>,
}

/// Audio kept before a turn starts, beyond the prefix padding, in ms.
const IDLE_KEEP_MS: u64 = 1_500;
/// Input samples per ms.
const SAMPLES_PER_MS: u64 = voice::RATE as u64 / 1_000;

impl Engine {
    fn new(
        session: SessionConfig,
        plan: QuestionPlan,
        out: mpsc::Sender<FromUpstream>,
    ) -> Result<Self, crate::audio::AudioError> {
        let (generated_tx, generated_rx) = mpsc::channel(FROM_UPSTREAM_CAPACITY);
        let (transcribed_tx, transcribed_rx) = mpsc::channel(FROM_UPSTREAM_CAPACITY);
        let mut engine = Self {
            session_id: new_id("sess_"),
            session,
            vad: None,
            vad_settings: None,
            out,
            plan,
            asked: 0,
            user_turn: None,
            last_item_id: None,
            uncommitted_ms: 0,
            response: None,
            generated_tx,
            generated_rx,
            base_plan: QuestionPlan::default(),
            transcriber: None,
            heard: Heard::default(),
            vad_origin: 0,
            commit_mark: 0,
            transcribed_tx,
            transcribed_rx,
        };
        engine.base_plan = engine.plan.clone();
        engine.apply_plan();
        engine.apply_turn_detection()?;
        Ok(engine)
    }

    /// Takes the session's own question plan (`viva`), if it brings one.
    fn apply_plan(&mut self) {
        let session = serde_json::Value::Object(self.session.0.clone());
        if let Some((plan, start)) = QuestionPlan::from_session(&session, &self.base_plan) {
            self.plan = plan;
            self.asked = start;
        }
    }

    fn apply_turn_detection(&mut self) -> Result<(), crate::audio::AudioError> {
        self.vad_settings = self
            .session
            .turn_detection()
            .as_ref()
            .map(TurnDetection::vad_settings);
        match (&mut self.vad, self.vad_settings) {
            (_, None) => self.vad = None,
            (Some(vad), Some(s)) => vad.set_config(vad_config(s)),
            (None, Some(s)) => {
                self.vad = Some(TurnDetector::new(vad_config(s))?);
                self.vad_origin = self.heard.end();
            }
        }
        Ok(())
    }

    async fn emit(&self, event: Value) -> bool {
        self.out.send(FromUpstream::Event(event)).await.is_ok()
    }

    async fn run(mut self, mut input: mpsc::Receiver<ToUpstream>) {
        let session = self.session.effective(&self.session_id, MODEL, None);
        if !self
            .emit(server_event(
                "session.created",
                json!({ "session": session }),
            ))
            .await
        {
            return;
        }
        loop {
            tokio::select! {
                message = input.recv() => match message {
                    Some(ToUpstream::Audio(pcm)) => self.on_audio(&pcm).await,
                    Some(ToUpstream::Event(event)) => self.on_client_event(event).await,
                    None => break,
                },
                Some(event) = self.transcribed_rx.recv() => {
                    if !self.emit(event).await {
                        break;
                    }
                }
                Some((response_id, message)) = self.generated_rx.recv() => {
                    let current = self.response.as_ref().is_some_and(|r| r.id == response_id);
                    if !current {
                        continue; // from a cancelled response
                    }
                    let done = matches!(&message, FromUpstream::Event(e) if ServerKind::of(e) == ServerKind::ResponseDone);
                    if self.out.send(message).await.is_err() {
                        break;
                    }
                    if done {
                        self.response = None;
                    }
                }
            }
        }
        if let Some(response) = self.response.take() {
            response.task.abort();
        }
        // Transcriptions still running finish (each is bounded by --stt-timeout) and go out
        // while the call still listens.
        let Self {
            transcribed_tx,
            mut transcribed_rx,
            out,
            ..
        } = self;
        drop(transcribed_tx);
        while let Some(event) = transcribed_rx.recv().await {
            if out.send(FromUpstream::Event(event)).await.is_err() {
                break;
            }
        }
    }

    async fn on_audio(&mut self, pcm: &[u8]) {
        let samples: Vec<i16> = pcm
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        self.uncommitted_ms += samples.len() as u64 * 1000 / u64::from(voice::RATE);
        if self.transcriber.is_some() {
            self.heard.push(&samples); // kept only where it can be transcribed
        }
        let Some(vad) = &mut self.vad else {
            self.heard.keep_from(self.commit_mark);
            return;
        };
        vad.push(&samples);
        let events: Vec<VadEvent> = std::iter::from_fn(|| vad.poll()).collect();
        for event in events {
            match event {
                VadEvent::SpeechStarted { audio_start_ms } => {
                    self.on_speech_started(audio_start_ms).await
                }
                VadEvent::SpeechStopped { audio_end_ms } => {
                    self.on_speech_stopped(audio_end_ms).await
                }
            }
        }
        // Keep the open turn, or enough for the next one's prefix padding.
        let keep_from = match &self.user_turn {
            Some(turn) => self.position(turn.start_ms),
            None => {
                let padding = self
                    .vad_settings
                    .map_or(0, |s| u64::from(s.prefix_padding_ms));
                let keep = (padding + IDLE_KEEP_MS) * SAMPLES_PER_MS;
                self.heard.end().saturating_sub(keep)
            }
        };
        self.heard.keep_from(keep_from);
    }

    async fn on_client_event(&mut self, event: ClientEvent) {
        let id = event.event_id.as_deref();
        match &event.kind {
            ClientKind::SessionUpdate(patch) => {
                let patch_has_plan = patch.0.contains_key("viva");
                match self.session.merge(patch) {
                    Ok(()) => {
                        if patch_has_plan {
                            self.apply_plan();
                        }
                        if let Err(error) = self.apply_turn_detection() {
                            tracing::error!(%error, "turn detector setup failed");
                        }
                        let session = self.session.effective(&self.session_id, MODEL, None);
                        self.emit(server_event(
                            "session.updated",
                            json!({ "session": session }),
                        ))
                        .await;
                    }
                    Err(e) => {
                        self.emit(error_event(
                            "invalid_request_error",
                            "invalid_session",
                            &format!("{}: {}", e.param, e.message),
                            id,
                        ))
                        .await;
                    }
                }
            }
            ClientKind::ResponseCreate => {
                if self.response.is_some() {
                    let message = "Conversation already has an active response in progress.";
                    self.emit(error_event(
                        "invalid_request_error",
                        "conversation_already_has_active_response",
                        message,
                        id,
                    ))
                    .await;
                } else {
                    self.start_response().await;
                }
            }
            ClientKind::ResponseCancel => {
                if self.response.is_some() {
                    self.cancel_response("client_cancelled").await;
                } else {
                    let message = "Cancellation failed: no active response found";
                    self.emit(error_event(
                        "invalid_request_error",
                        "response_cancel_not_active",
                        message,
                        id,
                    ))
                    .await;
                }
            }
            ClientKind::InputAudioBufferCommit => {
                if self.uncommitted_ms < 100 {
                    let message = format!(
                        "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has {}ms of audio.",
                        self.uncommitted_ms
                    );
                    self.emit(error_event(
                        "invalid_request_error",
                        "input_audio_buffer_commit_empty",
                        &message,
                        id,
                    ))
                    .await;
                } else {
                    let ms = self.uncommitted_ms;
                    let span = (self.commit_mark, self.heard.end());
                    self.commit_user_item(new_id("item_"), ms, span).await;
                }
            }
            ClientKind::InputAudioBufferClear => {
                self.uncommitted_ms = 0;
                self.commit_mark = self.heard.end();
                self.emit(server_event("input_audio_buffer.cleared", json!({})))
                    .await;
            }
            ClientKind::ItemCreate => {
                let mut item = event.json.get("item").cloned().unwrap_or_else(|| json!({}));
                if item.get("id").and_then(Value::as_str).is_none() {
                    item["id"] = json!(new_id("item_"));
                }
                item["object"] = json!("realtime.item");
                item["status"] = json!("completed");
                let previous = self
                    .last_item_id
                    .replace(item["id"].as_str().unwrap_or_default().to_owned());
                for kind in ["conversation.item.added", "conversation.item.done"] {
                    self.emit(server_event(
                        kind,
                        json!({ "previous_item_id": previous, "item": item }),
                    ))
                    .await;
                }
            }
            ClientKind::ItemTruncate {
                item_id,
                content_index,
                audio_end_ms,
            } => {
                let fields = json!({
                    "item_id": item_id,
                    "content_index": content_index,
                    "audio_end_ms": audio_end_ms,
                });
                self.emit(server_event("conversation.item.truncated", fields))
                    .await;
            }
            ClientKind::ItemDelete { item_id } => {
                let fields = json!({ "item_id": item_id });
                self.emit(server_event("conversation.item.deleted", fields))
                    .await;
            }
            // Playback is the call's business (WebRTC), not the model's.
            ClientKind::OutputAudioBufferClear => {}
            ClientKind::Other(other) => {
                let message = format!(
                    "Invalid value: '{other}'. Supported values are: 'session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', 'response.create', 'response.cancel' and 'output_audio_buffer.clear'."
                );
                self.emit(error_event(
                    "invalid_request_error",
                    "unknown_event_type",
                    &message,
                    id,
                ))
                .await;
            }
        }
    }

    async fn start_response(&mut self) {
        let turn = self.plan.turn(self.asked);
        if turn.question_index.is_some() {
            self.asked += 1;
        }
        let response_id = new_id("resp_");
        let item_id = new_id("item_");
        let previous = self.last_item_id.replace(item_id.clone());
        let generator = Generator {
            response_id: response_id.clone(),
            item_id: item_id.clone(),
            previous_item_id: previous,
            voice: self.session.voice().to_owned(),
            turn,
            question_count: self.plan.questions.len(),
            tx: self.generated_tx.clone(),
        };
        let task = tokio::spawn(generator.run());
        self.response = Some(ActiveResponse {
            id: response_id,
            item_id,
            task,
        });
    }

    async fn cancel_response(&mut self, reason: &str) {
        let Some(response) = self.response.take() else {
            return;
        };
        response.task.abort();
        let item = json!({
            "id": response.item_id, "object": "realtime.item", "type": "message", "status": "incomplete",
            "role": "assistant", "content": [],
        });
        self.emit(server_event(
            "response.output_item.done",
            json!({ "response_id": response.id, "output_index": 0, "item": item }),
        ))
        .await;
        let done = json!({ "response": {
            "id": response.id, "object": "realtime.response", "status": "cancelled",
            "status_details": { "type": "cancelled", "reason": reason },
            "output": [item], "usage": null, "output_modalities": ["audio"],
        }});
        self.emit(server_event("response.done", done)).await;
    }
}

fn vad_config(settings: VadSettings) -> VadConfig {
    VadConfig {
        threshold: settings.threshold,
        prefix_padding_ms: settings.prefix_padding_ms,
        silence_duration_ms: settings.silence_duration_ms,
    }
}
