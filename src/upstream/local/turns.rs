//! The candidate's turns in the local engine: speech started and stopped (from the turn
//! detector), the commit that makes the user item, and the transcription it asks for, which
//! runs off the engine's loop and comes back as `.completed` or `.failed`.

use serde_json::{Value, json};

use super::{Engine, SAMPLES_PER_MS, UserTurn};
use crate::ids::new_id;
use crate::realtime::events::server_event;
use crate::stt::Utterance;

impl Engine {
    /// The input position of the turn detector's `ms`.
    pub(super) fn position(&self, ms: u64) -> u64 {
        self.vad_origin + ms * SAMPLES_PER_MS
    }

    pub(super) async fn on_speech_started(&mut self, audio_start_ms: u64) {
        let interrupt = self.vad_settings.is_some_and(|s| s.interrupt_response);
        if interrupt && self.response.is_some() {
            self.cancel_response("turn_detected").await;
        }
        let item_id = new_id("item_");
        self.emit(server_event(
            "input_audio_buffer.speech_started",
            json!({ "audio_start_ms": audio_start_ms, "item_id": item_id }),
        ))
        .await;
        self.user_turn = Some(UserTurn {
            item_id,
            start_ms: audio_start_ms,
        });
    }

    pub(super) async fn on_speech_stopped(&mut self, audio_end_ms: u64) {
        let Some(turn) = self.user_turn.take() else {
            return;
        };
        self.emit(server_event(
            "input_audio_buffer.speech_stopped",
            json!({ "audio_end_ms": audio_end_ms, "item_id": turn.item_id }),
        ))
        .await;
        let span = (self.position(turn.start_ms), self.position(audio_end_ms));
        self.commit_user_item(
            turn.item_id,
            audio_end_ms.saturating_sub(turn.start_ms),
            span,
        )
        .await;
        if self.vad_settings.is_some_and(|s| s.create_response) && self.response.is_none() {
            self.start_response().await;
        }
    }

    /// `input_audio_buffer.committed` and the user item it makes, of the input in `span`
    /// (positions). The item carries no transcript; a requested one comes from the transcriber,
    /// later, or fails.
    pub(super) async fn commit_user_item(
        &mut self,
        item_id: String,
        audio_ms: u64,
        span: (u64, u64),
    ) {
        self.uncommitted_ms = 0;
        self.commit_mark = self.heard.end();
        let previous = self.last_item_id.replace(item_id.clone());
        self.emit(server_event(
            "input_audio_buffer.committed",
            json!({ "item_id": item_id, "previous_item_id": previous }),
        ))
        .await;
        let item = json!({
            "id": item_id, "object": "realtime.item", "type": "message", "status": "completed",
            "role": "user", "content": [{ "type": "input_audio", "transcript": null }],
            "viva_audio_ms": audio_ms,
        });
        for kind in ["conversation.item.added", "conversation.item.done"] {
            self.emit(server_event(
                kind,
                json!({ "previous_item_id": previous, "item": item }),
            ))
            .await;
        }
        let requested = self
            .session
            .0
            .get("audio")
            .and_then(|a| a.pointer("/input/transcription"))
            .filter(|t| !t.is_null())
            .cloned();
        let Some(requested) = requested else { return };
        let Some(transcriber) = self.transcriber.clone() else {
            let message = "No transcription service is configured (--stt-url): the answer is kept as audio, without a transcript.";
            self.emit(transcription_failed(
                &item_id,
                "transcription_unavailable",
                message,
            ))
            .await;
            return;
        };
        let text_of = |key: &str| {
            requested
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let utterance = Utterance {
            samples: self.heard.range(span.0, span.1),
            language: text_of("language"),
            prompt: text_of("prompt"),
        };
        let done = self.transcribed_tx.clone();
        tokio::spawn(async move {
            let event = match transcriber.transcribe(utterance).await {
                Ok(heard) => server_event(
                    "conversation.item.input_audio_transcription.completed",
                    json!({
                        "item_id": item_id,
                        "content_index": 0,
                        "transcript": heard.text,
                        "usage": { "type": "duration", "seconds": heard.audio_seconds },
                    }),
                ),
                Err(error) => {
                    let message =
                        format!("{error}: the answer is kept as audio, without a transcript.");
                    transcription_failed(&item_id, error.code(), &message)
                }
            };
            let _ = done.send(event).await;
        });
    }
}

/// `conversation.item.input_audio_transcription.failed` for `item_id`.
fn transcription_failed(item_id: &str, code: &str, message: &str) -> Value {
    server_event(
        "conversation.item.input_audio_transcription.failed",
        json!({
            "item_id": item_id,
            "content_index": 0,
            "error": { "type": "transcription_error", "code": code, "message": message, "param": null },
        }),
    )
}
