//! Seed 004's messages: `{"type", "payload"}` in, flat JSON objects out, and its error
//! `{"type": "error", "error_code", "message", "recoverable", "details": {"suggestion"}}` with
//! stable codes. Parsing never panics: anything a client sends is a message or an error.

use serde_json::{Map, Value, json};

/// Interview length a start may ask for, minutes.
pub(super) const DURATION_MINUTES: std::ops::RangeInclusive<u64> = 1..=120;

/// A message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Incoming {
    /// `start_interview`; `payload.duration` (minutes) is optional.
    StartInterview {
        /// Minutes, when the start names them.
        duration: Option<u32>,
    },
    /// `submit_answer` with `payload.answer` (an answer, or a command).
    SubmitAnswer {
        /// The text as sent.
        answer: String,
    },
    /// `pause_interview`.
    PauseInterview,
    /// `resume_interview`.
    ResumeInterview,
    /// `get_status`.
    GetStatus,
    /// `ping`.
    Ping,
}

/// What an answer's text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    /// `end`, `quit`, `exit`: end now and assess.
    End,
    /// `pause`: stop the timer.
    Pause,
}

/// The command `answer` is, if it is one (`"End"`, `" quit "` too).
pub(super) fn command(answer: &str) -> Option<Command> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "end" | "quit" | "exit" => Some(Command::End),
        "pause" => Some(Command::Pause),
        _ => None,
    }
}

/// The protocol's error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WsError {
    /// A stable code, e.g. `SESSION_NOT_FOUND`.
    pub(super) code: &'static str,
    pub(super) message: String,
    /// Whether the client may go on on this socket.
    pub(super) recoverable: bool,
    pub(super) suggestion: String,
}

impl WsError {
    pub(super) fn new(
        code: &'static str,
        message: impl Into<String>,
        recoverable: bool,
        suggestion: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            recoverable,
            suggestion: suggestion.into(),
        }
    }

    fn invalid(message: impl Into<String>, suggestion: impl Into<String>) -> Self {
        Self::new("INVALID_MESSAGE", message, true, suggestion)
    }

    /// `SESSION_NOT_FOUND`, in the document's words.
    pub(super) fn no_session() -> Self {
        Self::new(
            "SESSION_NOT_FOUND",
            "Session not found or expired",
            false,
            "Please start a new interview session",
        )
    }

    /// `INTERVIEW_COMPLETED`: the interview is over.
    pub(super) fn completed() -> Self {
        Self::new(
            "INTERVIEW_COMPLETED",
            "The interview has already been completed",
            false,
            "Connect again and send start_interview to start a new interview",
        )
    }

    /// A failure of the server's own (the cause is logged, never sent).
    pub(super) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "ai interview failed");
        Self::new(
            "INTERNAL_ERROR",
            "The interview could not be saved",
            true,
            "Try again in a moment",
        )
    }

    /// The message as sent.
    pub(super) fn to_json(&self) -> String {
        json!({
            "type": "error",
            "error_code": self.code,
            "message": self.message,
            "recoverable": self.recoverable,
            "details": { "suggestion": self.suggestion },
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
        Self::new(
            "NO_CREDITS",
            "The organization has no interview credits left",
            false,
            "Ask the organization's administrator for credits",
        )
    }
}

impl From<crate::store::StoreError> for WsError {
    fn from(error: crate::store::StoreError) -> Self {
        super::super::failure::from_store(error)
    }
}

const SHAPE: &str = "Send {\"type\": \"…\", \"payload\": {…}}";

/// Reads one text frame.
pub(super) fn parse(text: &str) -> Result<Incoming, WsError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        WsError::new(
            "INVALID_JSON",
            format!("Invalid JSON message: {e}"),
            true,
            "Send messages with JSON.stringify()",
        )
    })?;
    let Value::Object(message) = value else {
        return Err(WsError::invalid("Message must be a JSON object", SHAPE));
    };
    let kind = match message.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        None | Some(Value::Null) => {
            return Err(WsError::invalid("Message type is required", SHAPE));
        }
        Some(_) => return Err(WsError::invalid("Message type must be a string", SHAPE)),
    };
    let empty = Map::new();
    let payload = match message.get("payload") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(payload)) => payload,
        Some(_) => return Err(WsError::invalid("payload must be an object", SHAPE)),
    };
    match kind {
        "start_interview" => {
            let duration = match payload.get("duration") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_u64().filter(|m| DURATION_MINUTES.contains(m)) {
                    Some(minutes) => Some(minutes as u32),
                    None => {
                        return Err(WsError::invalid(
                            "payload.duration must be a whole number of minutes from 1 to 120",
                            "Leave it out for the default of 20 minutes",
                        ));
                    }
                },
            };
            Ok(Incoming::StartInterview { duration })
        }
        "submit_answer" => match payload.get("answer") {
            Some(Value::String(answer)) => Ok(Incoming::SubmitAnswer {
                answer: answer.clone(),
            }),
            None | Some(Value::Null) => Err(WsError::invalid(
                "payload.answer is required",
                "Send {\"type\": \"submit_answer\", \"payload\": {\"answer\": \"…\"}}",
            )),
            Some(_) => Err(WsError::invalid(
                "payload.answer must be a string",
                "Send the answer as text",
            )),
        },
        "pause_interview" => Ok(Incoming::PauseInterview),
        "resume_interview" => Ok(Incoming::ResumeInterview),
        "get_status" => Ok(Incoming::GetStatus),
        "ping" => Ok(Incoming::Ping),
        other => Err(WsError::new(
            "UNKNOWN_MESSAGE_TYPE",
            format!(
                "Unknown message type: {}",
                other.chars().take(64).collect::<String>()
            ),
            true,
            "Known types: start_interview, submit_answer, pause_interview, resume_interview, get_status, ping",
        )),
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
