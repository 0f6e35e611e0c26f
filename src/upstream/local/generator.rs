//! One interviewer turn of the local engine: its response and item events around the spoken
//! audio, in the order OpenAI's GA API sends them.

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{AUDIO_PIECE_SAMPLES, Turn, voice};
use crate::realtime::events::server_event;
use crate::upstream::FromUpstream;

/// Produces the events of one interviewer turn.
pub(super) struct Generator {
    pub(super) response_id: String,
    pub(super) item_id: String,
    pub(super) previous_item_id: Option<String>,
    pub(super) voice: String,
    pub(super) turn: Turn,
    pub(super) question_count: usize,
    pub(super) tx: mpsc::Sender<(String, FromUpstream)>,
}

impl Generator {
    /// Sends one event; false once the call is gone.
    async fn send(&self, kind: &str, fields: Value) -> bool {
        self.tx
            .send((
                self.response_id.clone(),
                FromUpstream::Event(server_event(kind, fields)),
            ))
            .await
            .is_ok()
    }

    /// Sends the turn's events and audio, in the order OpenAI does.
    pub(super) async fn run(self) {
        let (rid, iid) = (self.response_id.clone(), self.item_id.clone());
        let text = self.turn.text.clone();
        if let Some(index) = self.turn.question_index {
            let progress =
                json!({ "question_index": index, "question_count": self.question_count });
            self.send("viva.interview.progress", progress).await;
        }
        let response = |status: &str, output: Value| {
            json!({
                "id": rid, "object": "realtime.response", "status": status, "status_details": null,
                "output": output, "usage": null, "output_modalities": ["audio"],
                "audio": { "output": { "format": { "type": "audio/pcm", "rate": 24_000 }, "voice": self.voice } },
            })
        };
        let item = |status: &str, transcript: Option<&str>| {
            json!({
                "id": iid, "object": "realtime.item", "type": "message", "status": status, "role": "assistant",
                "content": match transcript { Some(t) => json!([{ "type": "output_audio", "transcript": t }]), None => json!([]) },
            })
        };
        let location =
            json!({ "response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0 });
        let with = |extra: Value| {
            let mut fields = location.clone();
            if let (Value::Object(f), Value::Object(e)) = (&mut fields, extra) {
                f.extend(e);
            }
            fields
        };
        let steps = [
            (
                "response.created",
                json!({ "response": response("in_progress", json!([])) }),
            ),
            (
                "response.output_item.added",
                json!({ "response_id": rid, "output_index": 0, "item": item("in_progress", None) }),
            ),
            (
                "conversation.item.added",
                json!({ "previous_item_id": self.previous_item_id, "item": item("in_progress", None) }),
            ),
            // A part's type is "audio" here in GA too; "output_audio" types an item's content.
            (
                "response.content_part.added",
                with(json!({ "part": { "type": "audio", "transcript": "" } })),
            ),
            (
                "response.output_audio_transcript.delta",
                with(json!({ "delta": text })),
            ),
        ];
        for (kind, fields) in steps {
            if !self.send(kind, fields).await {
                return;
            }
        }
        let (samples, _source) = voice::speak(&text, &self.voice).await;
        for piece in samples.chunks(AUDIO_PIECE_SAMPLES) {
            let pcm: Vec<u8> = piece.iter().flat_map(|s| s.to_le_bytes()).collect();
            let audio = FromUpstream::Audio {
                response_id: rid.clone(),
                item_id: iid.clone(),
                pcm: Bytes::from(pcm),
            };
            if self.tx.send((rid.clone(), audio)).await.is_err() {
                return;
            }
        }
        let done_item = item("completed", Some(&text));
        let steps = [
            ("response.output_audio.done", with(json!({}))),
            (
                "response.output_audio_transcript.done",
                with(json!({ "transcript": text })),
            ),
            (
                "response.content_part.done",
                with(json!({ "part": { "type": "audio", "transcript": text } })),
            ),
            (
                "response.output_item.done",
                json!({ "response_id": rid, "output_index": 0, "item": done_item }),
            ),
            (
                "conversation.item.done",
                json!({ "previous_item_id": self.previous_item_id, "item": done_item }),
            ),
            (
                "response.done",
                json!({ "response": response("completed", json!([done_item])) }),
            ),
        ];
        for (kind, fields) in steps {
            if !self.send(kind, fields).await {
                return;
            }
        }
    }
}
