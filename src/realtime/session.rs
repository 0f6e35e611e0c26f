//! The GA realtime session configuration: what a client secret is bound to, what
//! `session.update` changes, and what `session.created` reports.
//!
//! Kept as a JSON object so that fields Viva does not interpret (tools, tracing, prompt, …)
//! pass through to an OpenAI upstream unchanged; the fields Viva acts on have typed readers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Default voice of the interviewer (OpenAI recommends `marin` or `cedar`).
pub const DEFAULT_VOICE: &str = "marin";

/// A realtime session configuration (GA shape: `type`, `instructions`, `audio.input`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionConfig(pub Map<String, Value>);

/// Why a session configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SessionError {
    /// The offending field, as a JSON path such as `session.audio.input.turn_detection`.
    pub param: String,
    /// What is wrong with it.
    pub message: String,
}

/// Server-side turn detection settings (`audio.input.turn_detection`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TurnDetection {
    /// Voice activity detection with fixed thresholds.
    ServerVad {
        /// Speech probability above which a frame counts as speech (0–1, default 0.5).
        #[serde(default = "default_threshold")]
        threshold: f32,
        /// Audio kept before the detected start of speech (default 300 ms).
        #[serde(default = "default_prefix_padding_ms")]
        prefix_padding_ms: u32,
        /// Silence that ends a turn (default 500 ms).
        #[serde(default = "default_silence_duration_ms")]
        silence_duration_ms: u32,
        /// Whether the end of a turn starts a response (default true).
        #[serde(default = "yes")]
        create_response: bool,
        /// Whether speech interrupts a response in progress (default true).
        #[serde(default = "yes")]
        interrupt_response: bool,
    },
    /// Model-judged end of turn; the local engine maps eagerness to a silence duration.
    SemanticVad {
        /// `low`, `medium`, `high` or `auto`.
        #[serde(default)]
        eagerness: Option<String>,
        /// Whether the end of a turn starts a response (default true).
        #[serde(default = "yes")]
        create_response: bool,
        /// Whether speech interrupts a response in progress (default true).
        #[serde(default = "yes")]
        interrupt_response: bool,
    },
}

fn default_threshold() -> f32 {
    0.5
}
fn default_prefix_padding_ms() -> u32 {
    300
}
fn default_silence_duration_ms() -> u32 {
    500
}
fn yes() -> bool {
    true
}

impl Default for TurnDetection {
    fn default() -> Self {
        Self::ServerVad {
            threshold: default_threshold(),
            prefix_padding_ms: default_prefix_padding_ms(),
            silence_duration_ms: default_silence_duration_ms(),
            create_response: true,
            interrupt_response: true,
        }
    }
}

/// The VAD parameters an engine runs with, whatever kind of turn detection was asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadSettings {
    /// Speech probability threshold.
    pub threshold: f32,
    /// Audio kept before speech start, in ms.
    pub prefix_padding_ms: u32,
    /// Silence that ends a turn, in ms.
    pub silence_duration_ms: u32,
    /// Whether the end of a turn starts a response.
    pub create_response: bool,
    /// Whether speech interrupts a response in progress.
    pub interrupt_response: bool,
}

impl TurnDetection {
    /// Concrete VAD settings. Semantic VAD's eagerness maps to a silence duration: low 1500 ms,
    /// medium/auto 800 ms, high 400 ms.
    pub fn vad_settings(&self) -> VadSettings {
        match self {
            Self::ServerVad {
                threshold,
                prefix_padding_ms,
                silence_duration_ms,
                create_response,
                interrupt_response,
            } => VadSettings {
                threshold: *threshold,
                prefix_padding_ms: *prefix_padding_ms,
                silence_duration_ms: *silence_duration_ms,
                create_response: *create_response,
                interrupt_response: *interrupt_response,
            },
            Self::SemanticVad {
                eagerness,
                create_response,
                interrupt_response,
            } => VadSettings {
                threshold: 0.5,
                prefix_padding_ms: 300,
                silence_duration_ms: match eagerness.as_deref() {
                    Some("low") => 1_500,
                    Some("high") => 400,
                    _ => 800,
                },
                create_response: *create_response,
                interrupt_response: *interrupt_response,
            },
        }
    }
}

impl SessionConfig {
    /// Parses and checks a session object from a request (`session` of a client secret request,
    /// of `session.update`, or the multipart `session` part).
    pub fn from_value(value: Value, param: &str) -> Result<Self, SessionError> {
        let Value::Object(map) = value else {
            return Err(SessionError {
                param: param.into(),
                message: "session must be a JSON object".into(),
            });
        };
        let config = Self(map);
        config.validate(param)?;
        Ok(config)
    }

    fn validate(&self, param: &str) -> Result<(), SessionError> {
        let err = |field: &str, message: String| SessionError {
            param: format!("{param}.{field}"),
            message,
        };
        if let Some(kind) = self.0.get("type")
            && kind != "realtime"
        {
            return Err(err(
                "type",
                format!("unsupported session type {kind}; Viva runs \"realtime\" sessions"),
            ));
        }
        if let Some(instructions) = self.0.get("instructions")
            && !instructions.is_string()
        {
            return Err(err("instructions", "instructions must be a string".into()));
        }
        if let Some(voice) = self.pointer("/audio/output/voice")
            && !(voice.is_string() || voice.get("id").is_some_and(Value::is_string))
        {
            return Err(err(
                "audio.output.voice",
                "voice must be a name or {\"id\": …}".into(),
            ));
        }
        if let Some(format) = self.pointer("/audio/input/format") {
            let pcm24 = format.get("type") == Some(&json!("audio/pcm"))
                && format.get("rate").is_none_or(|rate| rate == &json!(24_000));
            if !pcm24 {
                return Err(err(
                    "audio.input.format",
                    "Viva relays audio/pcm at 24000 Hz".into(),
                ));
            }
        }
        if let Some(turn) = self.pointer("/audio/input/turn_detection")
            && !turn.is_null()
        {
            TurnDetection::deserialize(turn).map_err(|e| {
                err(
                    "audio.input.turn_detection",
                    format!("invalid turn_detection: {e}"),
                )
            })?;
        }
        Ok(())
    }

    fn pointer(&self, path: &str) -> Option<&Value> {
        let mut parts = path.trim_start_matches('/').split('/');
        let first = self.0.get(parts.next()?)?;
        parts.try_fold(first, |value, key| value.get(key))
    }

    /// Applies a partial session (`session.update`): objects merge field by field, anything
    /// else (including `null`, which switches a feature off) replaces. Checked before applying.
    pub fn merge(&mut self, patch: &SessionConfig) -> Result<(), SessionError> {
        let mut merged = self.0.clone();
        merge_objects(&mut merged, &patch.0);
        let candidate = Self(merged);
        candidate.validate("session")?;
        *self = candidate;
        Ok(())
    }

    /// The instructions (system prompt), if any.
    pub fn instructions(&self) -> Option<&str> {
        self.0.get("instructions").and_then(Value::as_str)
    }

    /// The voice name (default `marin`).
    pub fn voice(&self) -> &str {
        self.pointer("/audio/output/voice")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_VOICE)
    }

    /// Turn detection in effect: `None` when switched off with `null`, the default when absent.
    pub fn turn_detection(&self) -> Option<TurnDetection> {
        match self.pointer("/audio/input/turn_detection") {
            None => Some(TurnDetection::default()),
            Some(Value::Null) => None,
            Some(value) => TurnDetection::deserialize(value).ok(),
        }
    }

    /// The session object as `session.created` / `session.updated` and the client secret
    /// response report it: every field Viva applies, with its effective value.
    pub fn effective(&self, id: &str, model: &str, expires_at: Option<u64>) -> Value {
        let mut full = json!({
            "type": "realtime",
            "object": "realtime.session",
            "id": id,
            "model": model,
            "output_modalities": ["audio"],
            "instructions": "",
            "tools": [],
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": null,
            "truncation": "auto",
            "prompt": null,
            "expires_at": expires_at.unwrap_or(0),
            "include": null,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24_000},
                    "transcription": null,
                    "noise_reduction": null,
                    "turn_detection": serde_json::to_value(TurnDetection::default()).unwrap_or(Value::Null),
                },
                "output": {
                    "format": {"type": "audio/pcm", "rate": 24_000},
                    "voice": DEFAULT_VOICE,
                    "speed": 1.0,
                },
            },
        });
        if let Value::Object(full_map) = &mut full {
            merge_objects(full_map, &self.0);
            full_map.remove("viva");
            if let Some(Value::Object(td)) = full_map
                .get_mut("audio")
                .and_then(|a| a.pointer_mut("/input/turn_detection"))
            {
                // Report the defaults the engine applies inside turn_detection too.
                if let Ok(parsed) = TurnDetection::deserialize(Value::Object(td.clone()))
                    && let Ok(Value::Object(filled)) = serde_json::to_value(parsed)
                {
                    *td = filled;
                }
            }
        }
        full
    }
}

fn merge_objects(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(update)) => {
                merge_objects(existing, update)
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(value: Value) -> SessionConfig {
        SessionConfig::from_value(value, "session").unwrap()
    }

    #[test]
    fn turn_detection_defaults_off_and_custom() {
        assert_eq!(
            session(json!({})).turn_detection(),
            Some(TurnDetection::default())
        );
        let off = session(json!({"audio": {"input": {"turn_detection": null}}}));
        assert_eq!(off.turn_detection(), None);
        let custom = session(
            json!({"audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 900}}}}),
        );
        assert_eq!(
            custom
                .turn_detection()
                .unwrap()
                .vad_settings()
                .silence_duration_ms,
            900
        );
        assert_eq!(
            custom
                .turn_detection()
                .unwrap()
                .vad_settings()
                .prefix_padding_ms,
            300
        );
    }

    #[test]
    fn bad_sessions_name_the_field() {
        let e = SessionConfig::from_value(json!({"type": "transcription"}), "session").unwrap_err();
        assert_eq!(e.param, "session.type");
        let e = SessionConfig::from_value(
            json!({"audio": {"input": {"turn_detection": {"type": "loud"}}}}),
            "session",
        )
        .unwrap_err();
        assert_eq!(e.param, "session.audio.input.turn_detection");
        let e = SessionConfig::from_value(
            json!({"audio": {"input": {"format": {"type": "audio/pcmu"}}}}),
            "session",
        )
        .unwrap_err();
        assert_eq!(e.param, "session.audio.input.format");
        assert!(SessionConfig::from_value(json!([1]), "session").is_err());
    }

    #[test]
    fn updates_merge_objects_and_replace_the_rest() {
        let mut s = session(json!({"instructions": "a", "audio": {"output": {"voice": "cedar"}}}));
        s.merge(&session(
            json!({"audio": {"input": {"turn_detection": null}}}),
        ))
        .unwrap();
        assert_eq!(s.voice(), "cedar");
        assert_eq!(s.turn_detection(), None);
        assert_eq!(s.instructions(), Some("a"));
        let bad = SessionConfig(json!({"type": "x"}).as_object().unwrap().clone());
        assert!(s.merge(&bad).is_err());
        assert_eq!(
            s.instructions(),
            Some("a"),
            "a refused update changes nothing"
        );
    }

    #[test]
    fn the_effective_session_fills_defaults() {
        let s = session(
            json!({"instructions": "Be kind", "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.7}}}}),
        );
        let full = s.effective("sess_1", "viva-local", Some(10));
        assert_eq!(full["instructions"], "Be kind");
        assert_eq!(full["audio"]["output"]["voice"], DEFAULT_VOICE);
        let threshold = full["audio"]["input"]["turn_detection"]["threshold"]
            .as_f64()
            .unwrap();
        assert!((threshold - 0.7).abs() < 1e-6);
        assert_eq!(
            full["audio"]["input"]["turn_detection"]["silence_duration_ms"],
            500
        );
    }
}
