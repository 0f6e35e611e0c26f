//! Server events (model → browser), read once into what the call acts on. The event itself
//! travels on to the client unchanged; [`ServerKind`] is a typed view of it.

use serde_json::Value;

/// What a server event means to the call, with the fields it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind<'a> {
    /// `response.created`.
    ResponseCreated {
        /// `response.id`.
        response_id: Option<&'a str>,
    },
    /// `response.output_item.added` of an assistant item.
    AssistantItemAdded {
        /// `item.id`.
        item_id: Option<&'a str>,
    },
    /// `response.output_audio.done`.
    OutputAudioDone,
    /// `response.done`.
    ResponseDone,
    /// `input_audio_buffer.speech_started`.
    SpeechStarted {
        /// The user item the speech becomes.
        item_id: Option<&'a str>,
        /// Where in the input audio it started.
        audio_start_ms: u64,
    },
    /// `input_audio_buffer.speech_stopped`.
    SpeechStopped {
        /// Where in the input audio it stopped.
        audio_end_ms: u64,
    },
    /// `conversation.item.input_audio_transcription.completed`.
    InputTranscript {
        /// The user item.
        item_id: &'a str,
        /// What the candidate said.
        transcript: &'a str,
    },
    /// `response.output_audio_transcript.done`.
    OutputTranscript {
        /// The assistant item.
        item_id: &'a str,
        /// What the interviewer said.
        transcript: &'a str,
    },
    /// `error`.
    Error {
        /// `error.code`.
        code: Option<&'a str>,
    },
    /// `viva.interview.progress`: the interviewer moved to a question.
    InterviewProgress {
        /// 0-based.
        question_index: u64,
        /// How many the plan has.
        question_count: u64,
    },
    /// A `session.update` a model echoed: a client event, never passed to the client.
    SessionUpdate,
    /// Anything else: passed to the client as it is.
    Other,
}

impl<'a> ServerKind<'a> {
    /// Reads `event`.
    pub fn of(event: &'a Value) -> Self {
        let str_at = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
        let u64_at = |name: &str| event.get(name).and_then(Value::as_u64);
        match str_at("/type").unwrap_or_default() {
            "response.created" => Self::ResponseCreated {
                response_id: str_at("/response/id"),
            },
            "response.output_item.added" if str_at("/item/role") == Some("assistant") => {
                Self::AssistantItemAdded {
                    item_id: str_at("/item/id"),
                }
            }
            "response.output_audio.done" => Self::OutputAudioDone,
            "response.done" => Self::ResponseDone,
            "input_audio_buffer.speech_started" => Self::SpeechStarted {
                item_id: str_at("/item_id"),
                audio_start_ms: u64_at("audio_start_ms").unwrap_or(0),
            },
            "input_audio_buffer.speech_stopped" => Self::SpeechStopped {
                audio_end_ms: u64_at("audio_end_ms").unwrap_or(0),
            },
            "conversation.item.input_audio_transcription.completed" => {
                match (str_at("/item_id"), str_at("/transcript")) {
                    (Some(item_id), Some(transcript)) => Self::InputTranscript {
                        item_id,
                        transcript,
                    },
                    _ => Self::Other,
                }
            }
            "response.output_audio_transcript.done" => {
                match (str_at("/item_id"), str_at("/transcript")) {
                    (Some(item_id), Some(transcript)) => Self::OutputTranscript {
                        item_id,
                        transcript,
                    },
                    _ => Self::Other,
                }
            }
            "error" => Self::Error {
                code: str_at("/error/code"),
            },
            "viva.interview.progress" => match (u64_at("question_index"), u64_at("question_count"))
            {
                (Some(question_index), Some(question_count)) => Self::InterviewProgress {
                    question_index,
                    question_count,
                },
                _ => Self::Other,
            },
            "session.update" => Self::SessionUpdate,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_the_call_acts_on() {
        let e = json!({"type": "response.created", "response": {"id": "resp_1"}});
        assert_eq!(
            ServerKind::of(&e),
            ServerKind::ResponseCreated {
                response_id: Some("resp_1")
            }
        );
        let e = json!({"type": "response.output_item.added", "item": {"id": "i", "role": "user"}});
        assert_eq!(ServerKind::of(&e), ServerKind::Other);
        let e = json!({"type": "input_audio_buffer.speech_started", "item_id": "u1", "audio_start_ms": 40});
        assert_eq!(
            ServerKind::of(&e),
            ServerKind::SpeechStarted {
                item_id: Some("u1"),
                audio_start_ms: 40
            }
        );
        let e = json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "u1"});
        assert_eq!(
            ServerKind::of(&e),
            ServerKind::Other,
            "no transcript, nothing to store"
        );
        let e = json!({"type": "error", "error": {"code": "response_cancel_not_active"}});
        assert_eq!(
            ServerKind::of(&e),
            ServerKind::Error {
                code: Some("response_cancel_not_active")
            }
        );
        assert_eq!(ServerKind::of(&json!({"no": "type"})), ServerKind::Other);
    }
}
