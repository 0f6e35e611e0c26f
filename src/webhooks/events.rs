//! Which interview events become which webhook events, and their envelope (Standard Webhooks'
//! recommended `{type, timestamp, data}`).
//!
//! | webhook event         | from the interview event                                    |
//! |-----------------------|-------------------------------------------------------------|
//! | `interview.created`   | `created`                                                   |
//! | `interview.started`   | `updated` to `in_progress` (a call joined; again on rejoin)  |
//! | `interview.completed` | `updated` to `completed`                                    |
//! | `interview.cancelled` | `updated` to `cancelled`                                    |
//! | `interview.error`     | `updated` to `incomplete` (a call ended before the plan was done; the candidate may rejoin) |
//! | `results.available`   | `results_available` (see [`RESULTS_AVAILABLE_KIND`])         |
//!
//! The mapping reads the stored JSON, not [`crate::interview::EventKind`], so an event kind a
//! newer module adds maps without a change here.

use serde_json::{Value, json};

use crate::interview::rfc3339;
use crate::store::{NewDeliveries, OutboxEvent};

/// Every webhook event type.
pub const EVENT_TYPES: [&str; 6] = [
    "interview.created",
    "interview.started",
    "interview.completed",
    "interview.cancelled",
    "interview.error",
    "results.available",
];

/// The stored `type` of the interview event the results (assessment) module is to publish
/// when an interview's result is ready (`EventKind::ResultsAvailable { state }`, serialised
/// `{"type": "results_available", "state": "done" | "unavailable" | "failed", …}` with the
/// interview's `org_id` and `interview_id`). It becomes `results.available`.
pub const RESULTS_AVAILABLE_KIND: &str = "results_available";

/// The external-id system of the sessions facade (seed 002): its id is `data.sessionId`.
pub const SESSIONS_SYSTEM: &str = "tezhire";

/// The webhook event type and `data.status` of a stored interview event, if it is one.
fn webhook_type(event: &Value) -> Option<(&'static str, String)> {
    let kind = event.get("type")?.as_str()?;
    let status = event.get("status").and_then(Value::as_str);
    let found = match (kind, status) {
        ("created", _) => ("interview.created", "created"),
        ("updated", Some("in_progress")) => ("interview.started", "in_progress"),
        ("updated", Some("completed")) => ("interview.completed", "completed"),
        ("updated", Some("cancelled")) => ("interview.cancelled", "cancelled"),
        ("updated", Some("incomplete")) => ("interview.error", "incomplete"),
        (RESULTS_AVAILABLE_KIND, _) => return Some(("results.available", results_state(event))),
        _ => return None,
    };
    Some((found.0, found.1.to_owned()))
}

/// The mapping hook of `results.available`: `data.status` is the result's state.
fn results_state(event: &Value) -> String {
    event
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or("done")
        .to_owned()
}

/// What the stored interview event `event` becomes: the body for the endpoints of its
/// organization, or `None` when it is no webhook event (or belongs to no organization).
pub fn map_event(event: &OutboxEvent) -> Option<NewDeliveries> {
    let json = &event.event;
    let (event_type, status) = webhook_type(json)?;
    let org_id = json.get("org_id")?.as_str()?.to_owned();
    let interview_id = json
        .get("interview_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let at_ms = json
        .get("at_ms")
        .and_then(Value::as_u64)
        .unwrap_or_default();
    let mut data = json!({
        "interview_id": interview_id,
        "status": status,
        "call_id": json.get("call_id").cloned().unwrap_or(Value::Null),
    });
    if !event.external_ids.is_empty() {
        data["external_ids"] = Value::Object(event.external_ids.clone());
    }
    // The sessions facade's receivers know the interview by their own `sessionId`.
    if let Some(session_id) = event.external_ids.get(SESSIONS_SYSTEM) {
        data["sessionId"] = session_id.clone();
    }
    let payload = json!({
        "type": event_type,
        "timestamp": rfc3339(at_ms),
        "data": data,
    });
    Some(NewDeliveries {
        org_id,
        event_type: event_type.to_owned(),
        interview_id,
        payload: payload.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::{EventKind, InterviewEvent, Status};

    fn mapped(kind: EventKind) -> Option<NewDeliveries> {
        let event = InterviewEvent::of_interview("org_a", "int_1", 1_700_000_000_000, kind);
        map_event(&OutboxEvent {
            seq: 1,
            event: serde_json::to_value(event).unwrap(),
            external_ids: Default::default(),
        })
    }

    #[test]
    fn interview_events_map_to_webhook_types() {
        let cases = [
            (EventKind::Created, Some("interview.created")),
            (
                EventKind::Updated {
                    status: Status::InProgress,
                },
                Some("interview.started"),
            ),
            (
                EventKind::Updated {
                    status: Status::Completed,
                },
                Some("interview.completed"),
            ),
            (
                EventKind::Updated {
                    status: Status::Cancelled,
                },
                Some("interview.cancelled"),
            ),
            (
                EventKind::Updated {
                    status: Status::Incomplete,
                },
                Some("interview.error"),
            ),
            (
                EventKind::Updated {
                    status: Status::Paused,
                },
                None,
            ),
            (EventKind::Deleted, None),
            (EventKind::Joined, None),
        ];
        for (kind, want) in cases {
            let got = mapped(kind.clone());
            assert_eq!(
                got.as_ref().map(|d| d.event_type.as_str()),
                want,
                "{kind:?}"
            );
        }
        let created = mapped(EventKind::Created).unwrap();
        assert_eq!(created.org_id, "org_a");
        let body: Value = serde_json::from_str(&created.payload).unwrap();
        assert_eq!(body["type"], "interview.created");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(body["data"]["interview_id"], "int_1");
        assert_eq!(body["data"]["status"], "created");
    }

    #[test]
    fn the_results_event_maps_to_results_available() {
        let got = mapped(EventKind::ResultsAvailable {
            state: "done".into(),
        })
        .unwrap();
        assert_eq!(got.event_type, "results.available");
        let body: Value = serde_json::from_str(&got.payload).unwrap();
        assert_eq!(body["data"]["status"], "done");
    }

    #[test]
    fn a_stored_results_event_maps_with_its_session_id() {
        let event = json!({"type": "results_available", "state": "unavailable",
            "org_id": "org_a", "interview_id": "int_1", "call_id": null, "at_ms": 0});
        let external_ids = json!({"tezhire": "ses-42"}).as_object().unwrap().clone();
        let got = map_event(&OutboxEvent {
            seq: 3,
            event,
            external_ids,
        })
        .unwrap();
        assert_eq!(got.event_type, "results.available");
        let body: Value = serde_json::from_str(&got.payload).unwrap();
        assert_eq!(body["data"]["status"], "unavailable");
        assert_eq!(body["data"]["sessionId"], "ses-42");
        assert_eq!(body["data"]["external_ids"]["tezhire"], "ses-42");
    }

    #[test]
    fn events_of_no_organization_go_nowhere() {
        let event = json!({"type": "created", "interview_id": "int_1", "at_ms": 0});
        let unbound = OutboxEvent {
            seq: 1,
            event,
            external_ids: Default::default(),
        };
        assert!(map_event(&unbound).is_none());
    }
}
