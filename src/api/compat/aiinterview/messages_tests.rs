//! The parser on the document's messages, on every error, and a property test: whatever text
//! arrives, the parser answers a message or an error of the protocol's shape, never panics.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn error_of(text: &str) -> Value {
    let error = parse(text).expect_err(text);
    serde_json::from_str(&error.to_json()).unwrap()
}

#[test]
fn the_documents_messages_parse() {
    let answer = "I have 5 years of experience in Python development";
    let cases = [
        (
            json!({"type": "start_interview", "payload": {}}),
            Incoming::StartInterview { duration: None },
        ),
        (
            json!({"type": "start_interview", "payload": {"duration": 30}}),
            Incoming::StartInterview { duration: Some(30) },
        ),
        (
            json!({"type": "submit_answer", "payload": {"answer": answer}}),
            Incoming::SubmitAnswer {
                answer: answer.into(),
            },
        ),
        (
            json!({"type": "pause_interview", "payload": {}}),
            Incoming::PauseInterview,
        ),
        (
            json!({"type": "resume_interview", "payload": {}}),
            Incoming::ResumeInterview,
        ),
        (
            json!({"type": "get_status", "payload": {}}),
            Incoming::GetStatus,
        ),
        (json!({"type": "ping"}), Incoming::Ping),
    ];
    for (message, parsed) in cases {
        assert_eq!(parse(&message.to_string()).unwrap(), parsed, "{message}");
    }
}

#[test]
fn commands_are_recognised_in_any_case_and_only_alone() {
    assert_eq!(command("end"), Some(Command::End));
    assert_eq!(command(" QUIT "), Some(Command::End));
    assert_eq!(command("Exit"), Some(Command::End));
    assert_eq!(command("pause"), Some(Command::Pause));
    assert_eq!(command("I want to pause and think"), None);
    assert_eq!(command("the end"), None);
}

#[test]
fn every_error_has_its_code_and_the_documents_shape() {
    let cases = [
        ("not json", "INVALID_JSON"),
        ("[1, 2]", "INVALID_MESSAGE"),
        (r#"{"payload": {}}"#, "INVALID_MESSAGE"),
        (r#"{"type": 5}"#, "INVALID_MESSAGE"),
        (r#"{"type": "ping", "payload": "x"}"#, "INVALID_MESSAGE"),
        (
            r#"{"type": "submit_answer", "payload": {}}"#,
            "INVALID_MESSAGE",
        ),
        (
            r#"{"type": "submit_answer", "payload": {"answer": 7}}"#,
            "INVALID_MESSAGE",
        ),
        (
            r#"{"type": "start_interview", "payload": {"duration": 0}}"#,
            "INVALID_MESSAGE",
        ),
        (
            r#"{"type": "start_interview", "payload": {"duration": "long"}}"#,
            "INVALID_MESSAGE",
        ),
        (r#"{"type": "dance"}"#, "UNKNOWN_MESSAGE_TYPE"),
    ];
    for (text, code) in cases {
        let e = error_of(text);
        assert_eq!(e["type"], "error", "{text}");
        assert_eq!(e["error_code"], code, "{text}");
        assert_eq!(e["recoverable"], true, "{text}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(e["details"]["suggestion"].is_string(), "{text}");
    }
    let unknown = error_of(&format!(r#"{{"type": "{}"}}"#, "x".repeat(500)));
    assert!(unknown["message"].as_str().unwrap().len() < 100, "cut");
    let lost = serde_json::from_str::<Value>(&WsError::no_session().to_json()).unwrap();
    assert_eq!(
        lost,
        json!({"type": "error", "error_code": "SESSION_NOT_FOUND",
               "message": "Session not found or expired", "recoverable": false,
               "details": {"suggestion": "Please start a new interview session"}})
    );
}

/// Frames a client might send: any text, JSON values, and the protocol's messages with their
/// fields replaced by anything.
fn frames() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let kinds = prop_oneof![
        Just("start_interview"),
        Just("submit_answer"),
        Just("pause_interview"),
        Just("resume_interview"),
        Just("get_status"),
        Just("ping"),
        Just("other"),
    ];
    prop_oneof![
        ".{0,64}",
        value.clone().prop_map(|v| v.to_string()),
        (kinds.clone(), value.clone())
            .prop_map(|(k, v)| json!({"type": k, "payload": v}).to_string()),
        (kinds.clone(), value.clone())
            .prop_map(|(k, v)| json!({"type": k, "payload": {"answer": v}}).to_string()),
        (kinds, value)
            .prop_map(|(k, v)| json!({"type": k, "payload": {"duration": v}}).to_string()),
    ]
}

proptest! {
    #[test]
    fn any_frame_is_a_message_or_an_error_of_the_protocol(text in frames()) {
        match parse(&text) {
            Ok(Incoming::SubmitAnswer { answer }) => {
                let sent: Value = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(sent["payload"]["answer"].as_str(), Some(answer.as_str()));
            }
            Ok(Incoming::StartInterview { duration: Some(minutes) }) => {
                prop_assert!(DURATION_MINUTES.contains(&u64::from(minutes)));
            }
            Ok(_) => {}
            Err(error) => {
                let sent: Value = serde_json::from_str(&error.to_json()).unwrap();
                prop_assert_eq!(&sent["type"], "error");
                let code = sent["error_code"].as_str().unwrap_or_default();
                prop_assert!(
                    ["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_MESSAGE_TYPE"].contains(&code),
                    "{}", code
                );
                prop_assert_eq!(&sent["recoverable"], true);
                prop_assert!(sent["details"]["suggestion"].is_string());
            }
        }
    }
}
