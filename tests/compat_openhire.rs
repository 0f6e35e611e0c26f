//! Seed 003 (OpenHire) over a real socket against a running server: the `InterviewWebSocket`
//! flow on the demo data (start, responses, a clarification, live transcripts, status, end)
//! with every field, the interview it leaves in the core (messages, lifecycle, results), a
//! reconnect mid-interview. Who may connect: `compat_openhire_tenancy.rs`; error paths:
//! `compat_openhire_limits.rs`.

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use viva::interview::{EventKind, Status};
use viva::store::{EventsOf, Role};
use ws_client::*;

const TEST_JOB: &str = "ff7f1e59-3014-4cc8-8f2e-4b3ca694ceb3";

fn start(job: &str, candidate: &str, preferences: Value) -> Value {
    json!({"type": "start_interview", "data": {"job_id": job, "candidate_id": candidate, "preferences": preferences}})
}

fn respond(text: &str) -> Value {
    json!({"type": "candidate_response", "data": {"response": text}})
}

fn transcript(text: &str, is_final: bool) -> Value {
    json!({"type": "live_transcript", "data": {"transcript": text, "is_final": is_final}})
}

/// Checks an `ai_response`'s fields.
fn assert_ai(data: &Value, phase: &str, asked: u64, completed: bool) {
    assert_eq!(data["interview_phase"], phase, "{data}");
    assert_eq!(data["questions_asked"], asked, "{data}");
    assert_eq!(data["completed"], completed, "{data}");
    assert!(
        data["time_elapsed"].as_f64().is_some_and(|t| t >= 0.0),
        "{data}"
    );
    assert!(
        data["response"].as_str().is_some_and(|r| !r.is_empty()),
        "{data}"
    );
    assert_eq!(data["comfort_level"], Value::Null, "never guessed: {data}");
}

#[tokio::test]
async fn the_seeds_flow_on_the_demo_data_is_an_interview_of_the_core() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, "/ws/interview/test-session-123")).await;
    let prefs = json!({"max_duration": 45, "difficulty_level": "hard", "focus_areas": ["react", "node.js"]});
    let started = ws
        .ask(
            start(TEST_JOB, "candidate-uuid-here", prefs),
            "interview_started",
        )
        .await;
    let session_id = started["session_id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&session_id).is_ok(), "{started}");
    assert_eq!(started["job_title"], "Senior Frontend Developer");
    assert_eq!(started["company"], "TechCorp Inc.");
    assert_eq!(started["max_duration"], 45);
    assert_eq!(started["interview_phase"], "introduction");
    let first = started["initial_question"].as_str().unwrap().to_owned();
    assert!(
        first.contains("Senior Frontend Developer role at TechCorp Inc."),
        "{first}"
    );

    let status = ws
        .ask(json!({"type": "get_status", "data": {}}), "status_update")
        .await;
    assert_eq!(status["session_id"], session_id.as_str());
    assert_eq!(status["candidate_id"], "candidate-uuid-here");
    assert_eq!(status["interview_phase"], "introduction");
    assert!(status["time_elapsed"].as_f64().is_some());
    assert_eq!(status["max_duration"], 45);
    assert_eq!(status["questions_asked"], 1);
    assert_eq!(status["completed"], false);
    assert_eq!(status["comfort_level"], Value::Null);
    assert_eq!(status["strengths_identified"], json!([]));
    assert_eq!(status["areas_to_probe"], json!([]));

    // A very short answer is the one measurable cue for a clarification: the same question.
    let clarify = ws.ask(respond("ok"), "ai_response").await;
    assert_ai(&clarify, "introduction", 1, false);
    assert_eq!(clarify["question"], first.as_str());
    assert!(
        clarify["response"]
            .as_str()
            .unwrap()
            .contains("a little more")
    );

    let next = ws
        .ask(
            respond("I have 5 years of experience with React and Node."),
            "ai_response",
        )
        .await;
    assert_ai(&next, "technical", 2, false);
    assert!(
        next["question"].as_str().unwrap().contains("react"),
        "{next}"
    );

    // Live transcripts are echoed; a final one becomes the answer after a short wait.
    let echo = ws
        .ask(
            transcript("I think the best", false),
            "live_transcript_update",
        )
        .await;
    assert_eq!(
        echo,
        json!({"transcript": "I think the best", "is_final": false})
    );
    let text = "I think the best approach was a streaming Node.js service.";
    let echo = ws
        .ask(transcript(text, true), "live_transcript_update")
        .await;
    assert_eq!(echo, json!({"transcript": text, "is_final": true}));
    let next = ws.expect("ai_response").await;
    assert_ai(&next, "technical", 3, false);
    assert!(
        next["question"].as_str().unwrap().contains("node.js"),
        "{next}"
    );

    // A candidate_response right after a final transcript replaces it: one answer only.
    ws.ask(
        transcript("We split the team's work by risk.", true),
        "live_transcript_update",
    )
    .await;
    let next = ws
        .ask(
            respond("We split the work by risk and agreed on it together."),
            "ai_response",
        )
        .await;
    assert_ai(&next, "behavioral", 4, false);
    tokio::time::sleep(Duration::from_millis(1_800)).await;
    let status = ws.ask(json!({"type": "get_status"}), "status_update").await;
    assert_eq!(
        status["questions_asked"], 4,
        "the transcript was not taken as well"
    );
    assert_eq!(status["interview_phase"], "behavioral");

    let next = ws
        .ask(
            respond("I asked for help early and cut the scope to the essentials."),
            "ai_response",
        )
        .await;
    assert_ai(&next, "behavioral", 5, false);
    let last = ws
        .ask(
            respond("I would like to hear about the team's roadmap."),
            "ai_response",
        )
        .await;
    assert_ai(&last, "conclusion", 6, false);
    let done = ws
        .ask(
            respond("No more questions from me, thank you for your time."),
            "ai_response",
        )
        .await;
    assert_ai(&done, "conclusion", 6, true);
    assert_eq!(done["question"], Value::Null);
    let ended = ws.expect("interview_ended").await;
    assert_eq!(
        ended,
        json!({"final_feedback": null, "completed": true, "session_id": session_id})
    );
    let after = ws.ask(respond("hello?"), "error").await;
    assert_eq!(after["status_code"], 409);

    // In the core: its messages, its lifecycle, its results.
    let (org_id, key) = org_key(&server, "demo").await;
    wait_status(&server, &org_id, &session_id, Status::Completed).await;
    let items = server
        .state
        .store
        .interview_items(&org_id, &session_id)
        .await
        .unwrap();
    let answers: Vec<_> = items.iter().filter(|i| i.role == Role::User).collect();
    assert_eq!(
        answers.len(),
        7,
        "every answer, the short one too: {items:?}"
    );
    assert_eq!(
        answers[4].text.as_deref(),
        Some("I asked for help early and cut the scope to the essentials.")
    );
    assert_eq!(items[0].text.as_deref(), Some(first.as_str()));
    assert_eq!(
        statuses(&server, &session_id).await,
        [Status::InProgress, Status::Completed]
    );
    let url = format!("{}/api/v1/interviews/{session_id}", base_url(server.addr));
    assert_eq!(get_json(&url, Some(&key)).await["status"], "completed");
    let mut results = Value::Null;
    for _ in 0..100 {
        results = get_json(&format!("{url}/results"), Some(&key)).await;
        if results["state"] != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(results["state"], "unavailable", "{results}");
    assert_eq!(results["overall_score"], Value::Null);
    assert_eq!(results["measured"]["questions_asked"], 6, "{results}");
    assert_eq!(results["measured"]["questions_answered"], 6, "{results}");
    // What webhooks are made of: the stored events of the interview, as for a voice call.
    let events = server
        .state
        .store
        .events(EventsOf::Interview(&session_id))
        .await
        .unwrap();
    assert!(matches!(events[0].kind, EventKind::Created));
    assert!(
        events.iter().any(
            |e| matches!(&e.kind, EventKind::ResultsAvailable { state } if state == "unavailable")
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn reconnecting_resumes_at_the_current_question() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let path = "/ws/interview/resume-me";
    let mut ws = WsClient::connect(&ws_url(server.addr, path)).await;
    let started = ws
        .ask(
            start(TEST_JOB, "test-candidate", json!({})),
            "interview_started",
        )
        .await;
    let id = started["session_id"].as_str().unwrap().to_owned();
    let second = ws
        .ask(
            respond("I build accessible single page apps for shops."),
            "ai_response",
        )
        .await;
    drop(ws);
    let (org_id, _) = org_key(&server, "demo").await;
    wait_status(&server, &org_id, &id, Status::Incomplete).await;

    let mut ws = WsClient::connect(&ws_url(server.addr, path)).await;
    let resumed = ws.expect("ai_response").await;
    assert_eq!(resumed["question"], second["question"]);
    assert_ai(&resumed, "technical", 2, false);
    wait_status(&server, &org_id, &id, Status::InProgress).await;
    // The seed's client starts again on open: the same session, at the same question.
    let again = ws
        .ask(
            start(TEST_JOB, "test-candidate", json!({})),
            "interview_started",
        )
        .await;
    assert_eq!(again["session_id"], id.as_str());
    assert_eq!(again["initial_question"], second["question"]);
    // The reported session id reaches the same session, alongside.
    let mut other = WsClient::connect(&ws_url(server.addr, &format!("/ws/interview/{id}"))).await;
    assert_eq!(
        other.expect("ai_response").await["question"],
        second["question"]
    );
    let third = other
        .ask(
            respond("With JavaScript I built a checkout that loads fast."),
            "ai_response",
        )
        .await;
    assert_ai(&third, "technical", 3, false);
    let status = ws.ask(json!({"type": "get_status"}), "status_update").await;
    assert_eq!(
        status["questions_asked"], 3,
        "both sockets share the session"
    );
    let wrong = ws
        .ask(start(TEST_JOB, "candidate-uuid-here", json!({})), "error")
        .await;
    assert_eq!(wrong["status_code"], 409);
}
