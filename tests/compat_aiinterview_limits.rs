//! Seed 004's error paths over a real socket: a non-UUID or unknown application id, messages
//! before a start, bad frames (non-JSON, unknown type, missing and wrongly typed fields, over
//! 64 KiB, binary), a flood, an idle socket. Each bad frame gets the protocol's error with its
//! stable code, and the socket stays usable where `recoverable` says so.

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use ws_client::*;

const IT_APP: &str = "550e8400-e29b-41d4-a716-446655440000";

fn assert_error(error: &Value, code: &str, recoverable: bool) {
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["error_code"], code, "{error}");
    assert_eq!(error["recoverable"], recoverable, "{error}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{error}"
    );
    assert!(error["details"]["suggestion"].is_string(), "{error}");
}

async fn error_for(ws: &mut WsClient, text: &str) -> Value {
    ws.send_text(text).await;
    let reply = ws.recv().await;
    assert_eq!(reply["type"], "error", "{text} → {reply}");
    reply
}

#[tokio::test]
async fn bad_application_ids_are_refused_first_and_the_socket_closed() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    for (path, code) in [
        ("/interview/not-a-uuid", "INVALID_APPLICATION_ID"),
        ("/interview/123", "INVALID_APPLICATION_ID"),
        // Before the token is even looked at.
        ("/interview/xyz?token=garbage", "INVALID_APPLICATION_ID"),
        (
            "/interview/00000000-0000-4000-8000-000000000000",
            "APPLICATION_NOT_FOUND",
        ),
    ] {
        let mut ws = WsClient::connect(&ws_url(server.addr, path)).await;
        let error = ws.recv().await;
        assert_error(&error, code, false);
        assert_eq!(ws.recv().await, Value::Null, "{path}: closed");
    }
    let plain = reqwest::get(format!("{}/interview/{IT_APP}", base_url(server.addr)))
        .await
        .unwrap();
    assert_eq!(plain.status(), 400, "no handshake, no socket");
}

#[tokio::test]
async fn every_bad_frame_gets_its_code_and_the_socket_stays_usable() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, &format!("/interview/{IT_APP}"))).await;
    // Before a start there is no session, for every message that needs one.
    for kind in [
        "submit_answer",
        "pause_interview",
        "resume_interview",
        "get_status",
    ] {
        let text = json!({"type": kind, "payload": {"answer": "hello there friend"}}).to_string();
        let error = error_for(&mut ws, &text).await;
        assert_eq!(error["error_code"], "SESSION_NOT_FOUND", "{kind}");
        assert_eq!(error["message"], "Session not found or expired");
        assert_eq!(
            error["details"]["suggestion"],
            "Please start a new interview session"
        );
    }
    let end = error_for(
        &mut ws,
        r#"{"type": "submit_answer", "payload": {"answer": "end"}}"#,
    )
    .await;
    assert_eq!(end["error_code"], "SESSION_NOT_FOUND");
    // A ping needs none.
    ws.send(json!({"type": "ping", "payload": {}})).await;
    assert_eq!(ws.recv().await["type"], "pong");

    let cases = [
        ("this is not json", "INVALID_JSON"),
        ("[1, 2, 3]", "INVALID_MESSAGE"),
        (r#"{"payload": {}}"#, "INVALID_MESSAGE"),
        (r#"{"type": 7, "payload": {}}"#, "INVALID_MESSAGE"),
        (
            r#"{"type": "get_status", "payload": "x"}"#,
            "INVALID_MESSAGE",
        ),
        (
            r#"{"type": "submit_answer", "payload": {}}"#,
            "INVALID_MESSAGE",
        ),
        (
            r#"{"type": "submit_answer", "payload": {"answer": 5}}"#,
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
        (
            r#"{"type": "dance", "payload": {}}"#,
            "UNKNOWN_MESSAGE_TYPE",
        ),
    ];
    for (text, code) in cases {
        assert_error(&error_for(&mut ws, text).await, code, true);
    }
    let big = json!({"type": "submit_answer", "payload": {"answer": "a".repeat(70_000)}});
    assert_error(
        &error_for(&mut ws, &big.to_string()).await,
        "MESSAGE_TOO_LARGE",
        true,
    );
    ws.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_error(&ws.recv().await, "UNSUPPORTED_DATA", true);
    ws.ws
        .send(Message::Ping(b"hi".to_vec().into()))
        .await
        .unwrap();

    // Still usable: the interview starts and takes answers; bad answers change nothing.
    ws.send(json!({"type": "start_interview", "payload": {}}))
        .await;
    assert_eq!(ws.recv().await["type"], "interview_started");
    assert_eq!(ws.recv().await["question_number"], 1);
    let wrong = error_for(
        &mut ws,
        r#"{"type": "submit_answer", "payload": {"answer": null}}"#,
    )
    .await;
    assert_error(&wrong, "INVALID_MESSAGE", true);
    ws.send(json!({"type": "submit_answer", "payload": {"answer": "I build Django services."}}))
        .await;
    assert_eq!(ws.recv().await["status"], "processing");
    let next = ws.recv().await;
    assert_eq!(
        (next["type"].as_str(), next["question_number"].as_u64()),
        (Some("new_question"), Some(2)),
        "{next}"
    );
    // An empty answer is the cue for a clarification, twice at most; then the plan goes on.
    for round in 0..3 {
        ws.send(json!({"type": "submit_answer", "payload": {"answer": "  "}}))
            .await;
        assert_eq!(ws.recv().await["status"], "processing");
        let reply = ws.recv().await;
        let expected = if round < 2 {
            ("clarification", 2)
        } else {
            ("resume", 3)
        };
        assert_eq!(
            (
                reply["question_type"].as_str(),
                reply["question_number"].as_u64()
            ),
            (Some(expected.0), Some(expected.1)),
            "{reply}"
        );
    }
}

#[tokio::test]
async fn a_flood_is_refused_with_one_notice_a_second_and_the_socket_recovers() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, &format!("/interview/{IT_APP}"))).await;
    for _ in 0..100 {
        ws.send(json!({"type": "ping"})).await;
    }
    let mut replies = Vec::new();
    while let Some(reply) = ws.next_within(Duration::from_millis(500)).await {
        replies.push(reply);
    }
    let limited: Vec<_> = replies.iter().filter(|r| r["type"] == "error").collect();
    assert!(!limited.is_empty() && limited.len() <= 2, "{replies:?}");
    assert_error(limited[0], "RATE_LIMITED", true);
    assert!(
        replies.len() < 60,
        "most of the flood was dropped: {}",
        replies.len()
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.recv().await["type"], "pong", "usable again");
}

#[tokio::test]
async fn an_idle_socket_is_closed() {
    let mut config = test_config();
    config.ws_idle_secs = 1;
    let (config, _dir) = cleaned(config);
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, &format!("/interview/{IT_APP}"))).await;
    let closed = ws.next_within(Duration::from_secs(4)).await;
    assert_eq!(closed, Some(Value::Null), "closed after the idle time");
}
