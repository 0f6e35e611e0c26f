//! Seed 003's messages: `{"type", "data"}` in, the same envelope out, and its flat error
//! `{"type": "error", "message", "details", "status_code", "exception_type"}` with the
//! document's texts. Parsing never panics: anything a client sends is a message or an error.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Difficulty of the questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Difficulty {
    Easy,
    Medium,
    Hard,
}

/// `preferences` of a start; absent fields are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Preferences {
    /// Minutes, 1–240.
    pub(super) max_duration: Option<u32>,
    pub(super) difficulty_level: Option<Difficulty>,
    pub(super) focus_areas: Vec<String>,
}

/// `start_interview`'s data.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Start {
    pub(super) job_id: String,
    pub(super) candidate_id: String,
    pub(super) resume_text: Option<String>,
    pub(super) preferences: Preferences,
}

/// A message from the client.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Incoming {
    StartInterview(Start),
    CandidateResponse { response: String },
    LiveTranscript { transcript: String, is_final: bool },
    EndInterview,
    GetStatus,
}

/// The protocol's error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WsError {
    pub(super) message: String,
    pub(super) details: String,
    pub(super) status_code: u16,
    pub(super) exception_type: &'static str,
}

impl WsError {
    pub(super) fn new(
        status_code: u16,
        exception_type: &'static str,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self {
            message: message.into(),
            details: details.into(),
            status_code,
            exception_type,
        }
    }

    /// The document's HTTPException with `status_code`.
    pub(super) fn http(
        status_code: u16,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self::new(status_code, "HTTPException", message, details)
    }

    fn invalid(field: &str, expected: &str) -> Self {
        Self::new(
            422,
            "ValidationError",
            format!("Invalid field: {field}"),
            format!("{field} must be {expected}"),
        )
    }

    /// `job_id and candidate_id are required`.
    pub(super) fn ids_required() -> Self {
        Self::http(
            400,
            "job_id and candidate_id are required",
            "start_interview needs data.job_id and data.candidate_id",
        )
    }

    /// `Interview session not found`.
    pub(super) fn no_session() -> Self {
        Self::http(
            404,
            "Interview session not found",
            "Send start_interview first",
        )
    }

    /// A failure of the server's own (the cause is logged, never sent).
    pub(super) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "openhire interview failed");
        Self::http(
            500,
            "Database error: the interview could not be saved",
            "Try again",
        )
    }

    /// The message as sent.
    pub(super) fn to_json(&self) -> String {
        json!({
            "type": "error",
            "message": self.message,
            "details": self.details,
            "status_code": self.status_code,
            "exception_type": self.exception_type,
        })
        .to_string()
    }
}

impl super::super::failure::Failure for WsError {
    fn no_session() -> Self {
        Self::no_session()
    }

    fn internal(cause: impl std::fmt::Display) -> Self {
        Self::internal(cause)
    }

    fn no_credits() -> Self {
        Self::http(
            403,
            "Organization has no interview credits available",
            "Ask the organization's administrator for credits",
        )
    }
}

impl From<crate::store::StoreError> for WsError {
    fn from(error: crate::store::StoreError) -> Self {
        super::super::failure::from_store(error)
    }
}

/// `{"type": kind, "data": data}` as sent.
pub(super) fn envelope(kind: &str, data: impl Serialize) -> String {
    json!({ "type": kind, "data": data }).to_string()
}

/// Field `name` of `data` as a string: `Ok(None)` when absent or null.
fn string(data: &Map<String, Value>, name: &str) -> Result<Option<String>, WsError> {
    match data.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(WsError::invalid(name, "a string")),
    }
}

fn preferences(value: Option<&Value>) -> Result<Preferences, WsError> {
    let data = match value {
        None | Some(Value::Null) => return Ok(Preferences::default()),
        Some(Value::Object(data)) => data,
        Some(_) => return Err(WsError::invalid("preferences", "an object")),
    };
    let max_duration = match data.get("max_duration") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(m) if (1.0..=240.0).contains(&m) => Some(m.round() as u32),
            _ => {
                return Err(WsError::invalid(
                    "preferences.max_duration",
                    "a number of minutes from 1 to 240",
                ));
            }
        },
    };
    let difficulty_level = match string(data, "difficulty_level")?.as_deref() {
        None => None,
        Some("easy") => Some(Difficulty::Easy),
        Some("medium") => Some(Difficulty::Medium),
        Some("hard") => Some(Difficulty::Hard),
        Some(_) => {
            return Err(WsError::invalid(
                "preferences.difficulty_level",
                "\"easy\", \"medium\" or \"hard\"",
            ));
        }
    };
    let focus_areas = match data.get("focus_areas") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.len() <= 20 => items
            .iter()
            .map(|v| match v.as_str() {
                Some(s) if s.chars().count() <= 100 => Ok(s.trim().to_owned()),
                _ => Err(WsError::invalid(
                    "preferences.focus_areas",
                    "up to 20 strings of up to 100 characters",
                )),
            })
            .filter(|s| !matches!(s, Ok(s) if s.is_empty()))
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(WsError::invalid(
                "preferences.focus_areas",
                "up to 20 strings of up to 100 characters",
            ));
        }
    };
    Ok(Preferences {
        max_duration,
        difficulty_level,
        focus_areas,
    })
}

/// Reads `start_interview`'s data (shared with the native route that pre-creates a session).
pub(super) fn start(data: &Map<String, Value>) -> Result<Start, WsError> {
    let id = |name| string(data, name).map(|v| v.map(|s| s.trim().to_owned()));
    let (job_id, candidate_id) = (id("job_id")?, id("candidate_id")?);
    let (Some(job_id), Some(candidate_id)) = (job_id, candidate_id) else {
        return Err(WsError::ids_required());
    };
    if job_id.is_empty() || candidate_id.is_empty() {
        return Err(WsError::ids_required());
    }
    if job_id.len() > 128 || candidate_id.len() > 128 {
        return Err(WsError::invalid("job_id", "at most 128 characters"));
    }
    Ok(Start {
        job_id,
        candidate_id,
        resume_text: string(data, "resume_text")?.filter(|r| !r.trim().is_empty()),
        preferences: preferences(data.get("preferences"))?,
    })
}

/// Reads one text frame.
pub(super) fn parse(text: &str) -> Result<Incoming, WsError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        WsError::new(
            400,
            "JSONDecodeError",
            "Invalid JSON message",
            e.to_string(),
        )
    })?;
    let Value::Object(message) = value else {
        return Err(WsError::new(
            400,
            "ValueError",
            "Message must be a JSON object",
            "Send {\"type\": \"…\", \"data\": {…}}",
        ));
    };
    let kind = match message.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        None | Some(Value::Null) => {
            return Err(WsError::new(
                400,
                "ValueError",
                "Message type is required",
                "Send {\"type\": \"…\", \"data\": {…}}",
            ));
        }
        Some(_) => return Err(WsError::invalid("type", "a string")),
    };
    let empty = Map::new();
    let data = match message.get("data") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(data)) => data,
        Some(_) => return Err(WsError::invalid("data", "an object")),
    };
    match kind {
        "start_interview" => Ok(Incoming::StartInterview(start(data)?)),
        "candidate_response" => match string(data, "response")? {
            Some(response) => Ok(Incoming::CandidateResponse { response }),
            None => Err(WsError::http(
                400,
                "response is required",
                "candidate_response needs data.response",
            )),
        },
        "live_transcript" => {
            let Some(transcript) = string(data, "transcript")? else {
                return Err(WsError::http(
                    400,
                    "transcript is required",
                    "live_transcript needs data.transcript",
                ));
            };
            let is_final = match data.get("is_final") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(WsError::invalid("is_final", "a boolean")),
            };
            Ok(Incoming::LiveTranscript {
                transcript,
                is_final,
            })
        }
        "end_interview" => Ok(Incoming::EndInterview),
        "get_status" => Ok(Incoming::GetStatus),
        other => Err(WsError::new(
            400,
            "ValueError",
            format!(
                "Unknown message type: {}",
                other.chars().take(64).collect::<String>()
            ),
            "Known types: start_interview, candidate_response, live_transcript, end_interview, get_status",
        )),
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
