//! Seed 003's error paths over a real socket: every documented error text, bad frames
//! (non-JSON, unknown type, wrong fields, over 64 KiB, binary), a flood, an idle socket and
//! pings. Each bad frame gets the protocol's error and the socket stays usable.

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use viva::store::Candidate;
use ws_client::*;

const TEST_JOB: &str = "ff7f1e59-3014-4cc8-8f2e-4b3ca694ceb3";

fn assert_error(error: &Value, status: u16, exception: &str, message: &str) {
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["status_code"], status, "{error}");
    assert_eq!(error["exception_type"], exception, "{error}");
    assert_eq!(error["message"], message, "{error}");
    assert!(error["details"].is_string(), "{error}");
}

async fn status_error(ws: &mut WsClient) -> Value {
    ws.ask(json!({"type": "get_status", "data": {}}), "error")
        .await
}

#[tokio::test]
async fn every_documented_error_and_every_bad_frame_leaves_the_socket_usable() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, "/ws/interview/errors-1")).await;
    let not_found = status_error(&mut ws).await;
    assert_error(
        &not_found,
        404,
        "HTTPException",
        "Interview session not found",
    );
    for kind in ["candidate_response", "end_interview"] {
        let data = json!({"response": "hello there friend"});
        let error = ws.ask(json!({"type": kind, "data": data}), "error").await;
        assert_eq!(error["message"], "Interview session not found");
    }

    let start = |data: Value| json!({"type": "start_interview", "data": data});
    let missing = ws.ask(start(json!({"job_id": TEST_JOB})), "error").await;
    assert_error(
        &missing,
        400,
        "HTTPException",
        "job_id and candidate_id are required",
    );
    let empty = ws
        .ask(start(json!({"job_id": "", "candidate_id": "c"})), "error")
        .await;
    assert_eq!(empty["message"], "job_id and candidate_id are required");
    let no_job = ws
        .ask(
            start(json!({"job_id": "xyz", "candidate_id": "test-candidate"})),
            "error",
        )
        .await;
    assert_error(&no_job, 404, "HTTPException", "Job with ID xyz not found");
    let no_candidate = ws
        .ask(
            start(json!({"job_id": TEST_JOB, "candidate_id": "xyz"})),
            "error",
        )
        .await;
    assert_error(
        &no_candidate,
        404,
        "HTTPException",
        "Candidate with ID xyz not found",
    );

    // A demo candidate without a resume: refused unless the start brings one.
    let store = &server.state.store;
    let demo = store.ensure_org("demo", None, 0).await.unwrap();
    let now = viva::clock::unix_ms();
    let bare = Candidate {
        id: "no-resume".into(),
        org_id: demo.id.clone(),
        name: "No Resume".into(),
        email: None,
        resume_text: None,
        resume_url: None,
        skills: vec![],
        experience: String::new(),
        education: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
    };
    store.create_candidate(&bare).await.unwrap();
    let ids = json!({"job_id": TEST_JOB, "candidate_id": "no-resume"});
    let no_resume = ws.ask(start(ids), "error").await;
    assert_error(
        &no_resume,
        404,
        "HTTPException",
        "No resume found for candidate",
    );

    let wrong_type = ws
        .ask(start(json!({"job_id": 7, "candidate_id": "c"})), "error")
        .await;
    assert_error(&wrong_type, 422, "ValidationError", "Invalid field: job_id");
    let prefs = json!({"job_id": TEST_JOB, "candidate_id": "test-candidate", "preferences": {"max_duration": "long"}});
    let bad_prefs = ws.ask(start(prefs), "error").await;
    assert_error(
        &bad_prefs,
        422,
        "ValidationError",
        "Invalid field: preferences.max_duration",
    );

    ws.send_text("this is not json").await;
    let error = ws.expect("error").await;
    assert_error(&error, 400, "JSONDecodeError", "Invalid JSON message");
    let unknown = ws.ask(json!({"type": "dance", "data": {}}), "error").await;
    assert_error(&unknown, 400, "ValueError", "Unknown message type: dance");
    let no_type = ws.ask(json!({"data": {}}), "error").await;
    assert_error(&no_type, 400, "ValueError", "Message type is required");
    let bad_data = ws
        .ask(json!({"type": "get_status", "data": "x"}), "error")
        .await;
    assert_error(&bad_data, 422, "ValidationError", "Invalid field: data");

    let big = json!({"type": "candidate_response", "data": {"response": "a".repeat(70_000)}});
    let too_large = ws.ask(big, "error").await;
    assert_error(&too_large, 413, "MessageTooLarge", "Message too large");
    ws.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let binary = ws.expect("error").await;
    assert_error(
        &binary,
        415,
        "UnsupportedData",
        "Binary frames are not supported",
    );
    ws.ws
        .send(Message::Ping(b"hi".to_vec().into()))
        .await
        .unwrap();

    // Still usable: the interview starts and takes answers.
    let ids = json!({"job_id": TEST_JOB, "candidate_id": "test-candidate"});
    let started = ws.ask(start(ids), "interview_started").await;
    assert_eq!(started["interview_phase"], "introduction");
    let bad_answer = ws
        .ask(
            json!({"type": "candidate_response", "data": {"response": 5}}),
            "error",
        )
        .await;
    assert_error(
        &bad_answer,
        422,
        "ValidationError",
        "Invalid field: response",
    );
    let flag = json!({"type": "live_transcript", "data": {"transcript": "a", "is_final": "yes"}});
    assert_eq!(
        ws.ask(flag, "error").await["message"],
        "Invalid field: is_final"
    );
    let answer = json!({"type": "candidate_response", "data": {"response": "I build shops with JavaScript."}});
    assert_eq!(ws.ask(answer, "ai_response").await["questions_asked"], 2);
}

#[tokio::test]
async fn a_flood_is_refused_with_one_notice_a_second_and_the_socket_recovers() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, "/ws/interview/flood")).await;
    for _ in 0..100 {
        ws.send(json!({"type": "get_status"})).await;
    }
    let mut replies = Vec::new();
    while let Some(reply) = ws.next_within(Duration::from_millis(500)).await {
        replies.push(reply);
    }
    let limited: Vec<_> = replies.iter().filter(|r| r["status_code"] == 429).collect();
    assert!(!limited.is_empty() && limited.len() <= 2, "{replies:?}");
    assert_error(limited[0], 429, "RateLimitExceeded", "Too many messages");
    assert!(
        replies.len() < 60,
        "most of the flood was dropped: {}",
        replies.len()
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let after = status_error(&mut ws).await;
    assert_eq!(
        after["message"], "Interview session not found",
        "usable again"
    );
}

#[tokio::test]
async fn an_idle_socket_is_closed_and_bad_handshakes_are_refused() {
    let mut config = test_config();
    config.ws_idle_secs = 1;
    let (config, _dir) = cleaned(config);
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, "/ws/interview/idle")).await;
    let closed = ws.next_within(Duration::from_secs(4)).await;
    assert_eq!(closed, Some(Value::Null), "closed after the idle time");

    let long = format!("/ws/interview/{}", "x".repeat(200));
    assert_eq!(refused_status(&ws_url(server.addr, &long)).await, 400);
    let plain = reqwest::get(format!("{}/ws/interview/plain", base_url(server.addr)))
        .await
        .unwrap();
    assert_eq!(plain.status(), 400, "no handshake, no socket");
}
