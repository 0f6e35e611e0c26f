//! The realtime events: client events parsed once ([`ClientEvent`]), a typed view of server
//! events ([`ServerKind`]), and builders for the server events Viva makes (every one carries
//! `type` and a fresh `event_id`).

mod client;
mod server;

use serde_json::{Value, json};

pub use client::{ClientEvent, ClientEventError, ClientKind};
pub use server::ServerKind;

use crate::ids::new_id;

/// A server event of `kind` with `fields` (a JSON object) merged in.
pub fn server_event(kind: &str, fields: Value) -> Value {
    let mut event = json!({ "type": kind, "event_id": new_id("event_") });
    if let (Value::Object(event), Value::Object(fields)) = (&mut event, fields) {
        event.extend(fields);
    }
    event
}

/// An `error` event: `type` is the error class (`invalid_request_error`, `server_error`),
/// `code` a stable machine-readable code, `event_id` the client event it answers, if any.
pub fn error_event(
    error_type: &str,
    code: &str,
    message: &str,
    client_event_id: Option<&str>,
) -> Value {
    server_event(
        "error",
        json!({ "error": {
            "type": error_type,
            "code": code,
            "message": message,
            "param": null,
            "event_id": client_event_id,
        }}),
    )
}

/// Whether `event` is one of Viva's own (`viva.*`), which OpenAI clients do not know: they go
/// only to clients that asked for them (`?viva_events=1` on the call URL).
pub fn is_viva_event(event: &Value) -> bool {
    event_type(event).starts_with("viva.")
}

/// The `type` of an event, or "" if it has none.
pub fn event_type(event: &Value) -> &str {
    event.get("type").and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_type_id_and_fields() {
        let e = server_event("response.created", json!({"response": {"id": "resp_1"}}));
        assert_eq!(event_type(&e), "response.created");
        assert!(e["event_id"].as_str().unwrap().starts_with("event_"));
        assert_eq!(e["response"]["id"], "resp_1");
        let err = error_event(
            "invalid_request_error",
            "unknown_event",
            "nope",
            Some("evt_9"),
        );
        assert_eq!(err["error"]["code"], "unknown_event");
        assert_eq!(err["error"]["event_id"], "evt_9");
        assert!(is_viva_event(&server_event(
            "viva.response.latency",
            json!({})
        )));
        assert!(!is_viva_event(&e));
    }
}
