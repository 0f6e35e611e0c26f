//! Client events (browser or API → model), parsed once where they enter Viva: the call's data
//! channel, the API's question switch, a facade. The call and the upstreams match on
//! [`ClientKind`]; the event as sent stays in [`ClientEvent::json`], so an OpenAI upstream
//! receives exactly what the client wrote.

use serde_json::{Value, json};

use super::error_event;
use crate::realtime::SessionConfig;

/// A client event, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientEvent {
    /// The client's `event_id`, which errors answering it carry.
    pub event_id: Option<String>,
    /// What it asks for.
    pub kind: ClientKind,
    /// The event as sent.
    pub json: Value,
}

/// What a client event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientKind {
    /// `session.update`, its `session` already validated.
    SessionUpdate(Box<SessionConfig>),
    /// `response.create`.
    ResponseCreate,
    /// `response.cancel`.
    ResponseCancel,
    /// `input_audio_buffer.commit`.
    InputAudioBufferCommit,
    /// `input_audio_buffer.clear`.
    InputAudioBufferClear,
    /// `conversation.item.create` (the item stays in `json`).
    ItemCreate,
    /// `conversation.item.truncate`.
    ItemTruncate {
        /// The item cut.
        item_id: Option<String>,
        /// Its content part.
        content_index: u64,
        /// How much of its audio was heard.
        audio_end_ms: u64,
    },
    /// `conversation.item.delete`.
    ItemDelete {
        /// The item deleted.
        item_id: Option<String>,
    },
    /// `output_audio_buffer.clear`: stop the interviewer's audio (WebRTC only).
    OutputAudioBufferClear,
    /// A type Viva does not interpret, passed on as it came (an OpenAI upstream may know it).
    Other(String),
}

/// Why a client event was refused: becomes an `error` event with a stable `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ClientEventError {
    /// Stable code: `invalid_json`, `invalid_event`, `missing_session`, `invalid_session`.
    pub code: &'static str,
    /// For a person.
    pub message: String,
    /// The refused event's `event_id`, if it had one.
    pub event_id: Option<String>,
}

impl ClientEventError {
    /// The `error` server event that tells the client.
    pub fn to_event(&self) -> Value {
        error_event(
            "invalid_request_error",
            self.code,
            &self.message,
            self.event_id.as_deref(),
        )
    }
}

impl ClientEvent {
    /// Parses the text of a data-channel message.
    pub fn parse(text: &str) -> Result<Self, ClientEventError> {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => Self::from_value(value),
            Err(e) => Err(ClientEventError {
                code: "invalid_json",
                message: format!("The event is not valid JSON: {e}"),
                event_id: None,
            }),
        }
    }

    /// Checks a JSON client event.
    pub fn from_value(json: Value) -> Result<Self, ClientEventError> {
        let Some(kind) = json.get("type").and_then(Value::as_str) else {
            return Err(ClientEventError {
                code: "invalid_event",
                message: "Client events are JSON objects with a string \"type\".".into(),
                event_id: None,
            });
        };
        let event_id = json
            .get("event_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let refuse = |code, message: String| ClientEventError {
            code,
            message,
            event_id: event_id.clone(),
        };
        let str_at = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
        let u64_at = |name: &str| json.get(name).and_then(Value::as_u64).unwrap_or(0);
        let kind = match kind {
            "session.update" => match json.get("session") {
                None => {
                    return Err(refuse(
                        "missing_session",
                        "session.update needs a \"session\" object".into(),
                    ));
                }
                Some(session) => SessionConfig::from_value(session.clone(), "session")
                    .map(|s| ClientKind::SessionUpdate(Box::new(s)))
                    .map_err(|e| {
                        refuse("invalid_session", format!("{}: {}", e.param, e.message))
                    })?,
            },
            "response.create" => ClientKind::ResponseCreate,
            "response.cancel" => ClientKind::ResponseCancel,
            "input_audio_buffer.commit" => ClientKind::InputAudioBufferCommit,
            "input_audio_buffer.clear" => ClientKind::InputAudioBufferClear,
            "conversation.item.create" => ClientKind::ItemCreate,
            "conversation.item.truncate" => ClientKind::ItemTruncate {
                item_id: str_at("item_id"),
                content_index: u64_at("content_index"),
                audio_end_ms: u64_at("audio_end_ms"),
            },
            "conversation.item.delete" => ClientKind::ItemDelete {
                item_id: str_at("item_id"),
            },
            "output_audio_buffer.clear" => ClientKind::OutputAudioBufferClear,
            other => ClientKind::Other(other.to_owned()),
        };
        Ok(Self {
            event_id,
            kind,
            json,
        })
    }

    /// `session.update` with `session`, as Viva itself sends it (a question switch).
    pub fn session_update(session: SessionConfig) -> Self {
        let json = json!({ "type": "session.update", "session": session });
        Self {
            event_id: None,
            kind: ClientKind::SessionUpdate(Box::new(session)),
            json,
        }
    }

    /// `response.cancel`, as Viva sends it on barge-in.
    pub fn response_cancel() -> Self {
        Self {
            event_id: None,
            kind: ClientKind::ResponseCancel,
            json: json!({ "type": "response.cancel" }),
        }
    }

    /// `conversation.item.truncate` of `item_id`'s audio at `audio_end_ms`.
    pub fn truncate(item_id: String, audio_end_ms: u64) -> Self {
        let json = json!({ "type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": audio_end_ms });
        Self {
            event_id: None,
            kind: ClientKind::ItemTruncate {
                item_id: Some(item_id),
                content_index: 0,
                audio_end_ms,
            },
            json,
        }
    }

    /// The event's `type`.
    pub fn type_name(&self) -> &str {
        self.json
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_are_typed_and_the_rest_passes_on_unchanged() {
        let e = ClientEvent::parse(
            r#"{"type":"response.create","event_id":"e1","response":{"instructions":"x"}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, ClientKind::ResponseCreate);
        assert_eq!(e.event_id.as_deref(), Some("e1"));
        assert_eq!(e.json["response"]["instructions"], "x");
        let e = ClientEvent::parse(
            r#"{"type":"conversation.item.truncate","item_id":"i","audio_end_ms":1500}"#,
        )
        .unwrap();
        assert_eq!(
            e.kind,
            ClientKind::ItemTruncate {
                item_id: Some("i".into()),
                content_index: 0,
                audio_end_ms: 1500
            }
        );
        let e = ClientEvent::parse(r#"{"type":"transcription_session.update"}"#).unwrap();
        assert_eq!(
            e.kind,
            ClientKind::Other("transcription_session.update".into())
        );
    }

    #[test]
    fn session_updates_are_validated_where_they_enter() {
        let ok = ClientEvent::parse(r#"{"type":"session.update","session":{"instructions":"hi"}}"#)
            .unwrap();
        let ClientKind::SessionUpdate(session) = &ok.kind else {
            panic!("{ok:?}")
        };
        assert_eq!(session.instructions(), Some("hi"));
        let bad = ClientEvent::parse(
            r#"{"type":"session.update","event_id":"e2","session":{"instructions":42}}"#,
        )
        .unwrap_err();
        assert_eq!(
            (bad.code, bad.event_id.as_deref()),
            ("invalid_session", Some("e2"))
        );
        assert!(
            bad.message.starts_with("session.instructions"),
            "{}",
            bad.message
        );
        let missing = ClientEvent::parse(r#"{"type":"session.update"}"#).unwrap_err();
        assert_eq!(missing.code, "missing_session");
        assert_eq!(missing.to_event()["error"]["code"], "missing_session");
    }

    #[test]
    fn malformed_events_get_stable_codes() {
        assert_eq!(
            ClientEvent::parse("{nope").unwrap_err().code,
            "invalid_json"
        );
        assert_eq!(ClientEvent::parse("[1]").unwrap_err().code, "invalid_event");
        assert_eq!(
            ClientEvent::parse(r#"{"type":7}"#).unwrap_err().code,
            "invalid_event"
        );
    }

    /// Any text off the data channel, and JSON shaped like the events Viva reads with fields
    /// of any type: an event, or a refusal with one of the stable codes whose `error` event
    /// carries it; never a panic.
    mod hostile {
        use super::*;
        use proptest::prelude::*;

        const CODES: [&str; 4] = [
            "invalid_json",
            "invalid_event",
            "missing_session",
            "invalid_session",
        ];
        const TYPES: [&str; 6] = [
            "session.update",
            "response.create",
            "response.cancel",
            "conversation.item.truncate",
            "output_audio_buffer.clear",
            "input_audio_buffer.commit",
        ];

        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                ".{0,20}".prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(
                        prop::sample::select(
                            &[
                                "session",
                                "instructions",
                                "voice",
                                "turn_detection",
                                "item_id",
                                "audio_end_ms",
                                "content_index",
                                "response",
                                "modalities",
                                "tools",
                            ][..]
                        ),
                        inner,
                        0..5,
                    )
                    .prop_map(|m| Value::Object(
                        m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                    )),
                ]
            })
        }

        fn refused_with_a_code(
            result: Result<ClientEvent, ClientEventError>,
        ) -> Result<(), TestCaseError> {
            if let Err(refused) = result {
                prop_assert!(CODES.contains(&refused.code), "{}", refused.code);
                let told = refused.to_event();
                prop_assert_eq!(told["error"]["code"].as_str(), Some(refused.code));
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn any_text_is_an_event_or_a_coded_refusal(text in ".{0,200}") {
                refused_with_a_code(ClientEvent::parse(&text))?;
            }

            #[test]
            fn any_event_shape_is_an_event_or_a_coded_refusal(
                kind in prop::sample::select(&TYPES[..]),
                event_id in prop::option::of("[a-z0-9]{1,8}"),
                fields in any_json(),
            ) {
                let mut event = match fields {
                    Value::Object(map) => map,
                    other => [("session".to_owned(), other)].into_iter().collect(),
                };
                event.insert("type".into(), Value::from(kind));
                if let Some(id) = &event_id {
                    event.insert("event_id".into(), Value::from(id.as_str()));
                }
                let result = ClientEvent::parse(&Value::Object(event).to_string());
                if let (Err(refused), Some(id)) = (&result, &event_id) {
                    prop_assert_eq!(refused.event_id.as_deref(), Some(id.as_str()));
                }
                refused_with_a_code(result)?;
            }
        }
    }
}
