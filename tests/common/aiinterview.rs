//! Helpers of the seed 004 (AI Interview) socket tests: its messages and checks of its replies.
#![allow(dead_code, unreachable_pub)]

use serde_json::{Value, json};
use viva::server::Running;

use super::ws_client::WsClient;

pub fn message(kind: &str, payload: Value) -> Value {
    json!({"type": kind, "payload": payload})
}

pub fn answer(text: &str) -> Value {
    message("submit_answer", json!({ "answer": text }))
}

/// The next message, which must be of `kind` (the whole flat message).
pub async fn next(ws: &mut WsClient, kind: &str) -> Value {
    let got = ws.recv().await;
    assert_eq!(got["type"], kind, "{got}");
    got
}

pub async fn ask(ws: &mut WsClient, value: Value, kind: &str) -> Value {
    ws.send(value).await;
    next(ws, kind).await
}

/// `start_interview` (no payload); the `interview_started`.
pub async fn start(ws: &mut WsClient) -> Value {
    ask(
        ws,
        message("start_interview", json!({})),
        "interview_started",
    )
    .await
}

/// Sends `answer` and takes its `status_update` "processing"; the `new_question` after it.
pub async fn answered(ws: &mut WsClient, text: &str) -> Value {
    ws.send(answer(text)).await;
    processing(ws).await;
    next(ws, "new_question").await
}

/// Checks a `new_question`'s fields; its `time_remaining`.
pub fn assert_question(q: &Value, number: u64, kind: &str, limit_s: u64) -> u64 {
    assert_eq!(q["question_number"], number, "{q}");
    assert_eq!(q["question_type"], kind, "{q}");
    let clarification = kind == "clarification";
    assert_eq!(q["is_clarification"], clarification, "{q}");
    assert_eq!(q["is_followup"], clarification, "{q}");
    assert!(q["question"].as_str().is_some_and(|t| t.len() > 10), "{q}");
    let remaining = q["time_remaining"].as_u64().expect("time_remaining");
    assert!(remaining <= limit_s && remaining + 60 > limit_s, "{q}");
    let progress = q["progress"].as_u64().expect("progress");
    assert!((1..=100).contains(&progress), "{q}");
    assert_eq!(
        q["question_context"],
        json!({"type": kind, "question_number": number, "is_followup": clarification, "time_remaining": remaining}),
        "{q}"
    );
    remaining
}

/// A `status_update` "processing" with its fields.
pub async fn processing(ws: &mut WsClient) -> Value {
    let update = next(ws, "status_update").await;
    assert_eq!(update["status"], "processing", "{update}");
    assert!(
        update["message"].is_string() && update["progress"].is_u64(),
        "{update}"
    );
    assert!(update["time_remaining"].is_u64(), "{update}");
    update
}

pub async fn demo_org(server: &Running) -> String {
    let store = &server.state.store;
    store.ensure_org("demo", None, 0).await.unwrap().id
}
