//! The assessment tests' shared parts: a server whose assessments go to a fake OpenAI, the
//! transcripts they judge, a call recorded as the call service writes it, and waiting for the
//! final result.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva::assess::Limits;
use viva::call::EndReason;
use viva::interview::{EventKind, InterviewEvent, Status};
use viva::server::Running;
use viva::store::{CallChanges, DEFAULT_ORG_ID, NewCall, Role, TranscriptItem};

use super::common::*;
use super::fake_openai::FakeOpenAi;

pub const KEY: &str = "sk_test_bootstrap";
pub const OPENAI_KEY: &str = "sk-fake-openai";
pub const MODEL: &str = "gpt-assess-test";
pub const ANSWER: &str = "I split the monolith into three services behind a queue.";

/// The assessment the fake's model "writes" for the transcript of [`answered_transcript`].
pub fn scripted_assessment() -> Value {
    json!({
        "overall_score": 78,
        "answers": [
            {"item_id": "item_u1", "score": 82, "analysis": "Concrete and structured.", "ideal_answer": "Also the trade-offs of a queue."},
            {"item_id": "item_u2", "score": 99, "analysis": "Invented.", "ideal_answer": "-"},
        ],
        "strengths": [{"area": "Architecture", "detail": "Knows service boundaries."}],
        "weak_areas": [{"area": "Metrics", "detail": "Gave no numbers."}],
        "key_areas": [{"area": "Communication", "score": 85, "assessment": "Clear."}],
        "feedback": "A clear, concrete answer; quantify the impact next time.",
        "recommendation": "hire",
    })
}

/// A server whose assessments go to `fake` (with a key), or to no model at all.
pub async fn server(fake: Option<&FakeOpenAi>, timeout: Duration) -> Running {
    server_in(test_config(), fake, timeout).await
}

pub async fn server_in(
    mut config: viva::config::ServeConfig,
    fake: Option<&FakeOpenAi>,
    timeout: Duration,
) -> Running {
    if let Some(fake) = fake {
        config.openai_api_key = Some(OPENAI_KEY.into());
        config.openai_api_base = fake.base.clone();
        config.assess_model = MODEL.into();
    }
    config.upstream = Some(viva::config::UpstreamKind::Local);
    config.assess_limits = Limits {
        timeout,
        attempts: 3,
        backoff: Duration::from_millis(20),
        concurrency: 2,
    };
    start_server(config).await
}

pub fn item(id: &str, role: Role, text: Option<&str>, audio_ms: Option<u32>) -> TranscriptItem {
    TranscriptItem::turn(id, role, text, audio_ms, 1_700_000_000_000)
}

/// Two questions: the first answered in words, the second answered with speech nobody
/// transcribed; then the closing line.
pub fn answered_transcript() -> Vec<TranscriptItem> {
    vec![
        item(
            "item_a1",
            Role::Assistant,
            Some("Tell me about a system you changed."),
            None,
        ),
        item("item_u1", Role::User, Some(ANSWER), Some(6_000)),
        item(
            "item_a2",
            Role::Assistant,
            Some("What would you do differently?"),
            None,
        ),
        item("item_u2", Role::User, None, Some(2_500)),
        item(
            "item_a3",
            Role::Assistant,
            Some("Thank you, goodbye!"),
            None,
        ),
    ]
}

/// The transcript the local engine leaves: the interviewer's words, the candidate's speech
/// without text.
pub fn untranscribed() -> Vec<TranscriptItem> {
    vec![
        item(
            "item_a1",
            Role::Assistant,
            Some("Tell me about yourself."),
            None,
        ),
        item("item_u1", Role::User, None, Some(4_000)),
    ]
}

/// A call of interview `id` that joined, asked two questions and ended a minute later, with
/// `items`, written as the call service writes it.
pub async fn record_call(server: &Running, id: &str, items: Vec<TranscriptItem>) {
    let store = &server.state.store;
    let call_id = viva::ids::new_id("rtc_");
    let t0 = 1_700_000_000_000;
    store
        .call_started(&NewCall {
            call_id: &call_id,
            secret_id: "cs_test",
            org_id: DEFAULT_ORG_ID,
            interview_id: Some(id),
            at_ms: t0,
        })
        .await
        .unwrap();
    let event = |at_ms, kind| InterviewEvent {
        call_id: Some(call_id.clone()),
        interview_id: Some(id.to_owned()),
        org_id: Some(DEFAULT_ORG_ID.into()),
        at_ms,
        kind,
    };
    let asked = |i| EventKind::QuestionAsked {
        question_index: i,
        question_count: 5,
    };
    let changes = CallChanges {
        items,
        events: vec![
            event(t0, EventKind::Joined),
            event(t0 + 10, asked(0)),
            event(t0 + 20_000, asked(1)),
            event(
                t0 + 60_000,
                EventKind::Ended {
                    reason: EndReason::Hangup,
                },
            ),
        ],
        ended: Some((EndReason::Hangup, t0 + 60_000)),
    };
    store.record_call(&call_id, &changes).await.unwrap();
}

/// A new interview of the default organization (through the API), with a recorded call.
pub async fn interview_with(server: &Running, items: Vec<TranscriptItem>) -> String {
    let base = base_url(server.addr);
    let (_, templates) = bearer_request(&base, Method::GET, "/api/v1/templates", KEY, None).await;
    let body = json!({"template_id": templates[0]["id"], "email": "ada@example.com", "context": "Backend team"});
    let (s, interview) =
        bearer_request(&base, Method::POST, "/api/v1/interviews/", KEY, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{interview}");
    let id = interview["id"].as_str().unwrap().to_owned();
    record_call(server, &id, items).await;
    id
}

/// Ends the interview `id` as `status`, as the lifecycle does.
pub async fn end(server: &Running, id: &str, status: Status) {
    let store = &server.state.store;
    let mut interview = store.interview(DEFAULT_ORG_ID, id).await.unwrap().unwrap();
    interview.status = status;
    interview.completed_at_ms = (status == Status::Completed).then(viva::clock::unix_ms);
    server.state.interviews.save(&interview).await.unwrap();
}

/// `GET /api/v1/interviews/{id}/results` until its state is done, unavailable or failed (at
/// most 60 s: the model's answers come asynchronously).
pub async fn final_result(server: &Running, id: &str) -> Value {
    let base = base_url(server.addr);
    let path = format!("/api/v1/interviews/{id}/results");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, result) = bearer_request(&base, Method::GET, &path, KEY, None).await;
        assert_eq!(s, StatusCode::OK, "{result}");
        if ["done", "unavailable", "failed"].contains(&result["state"].as_str().unwrap()) {
            return result;
        }
        assert!(Instant::now() < deadline, "no final result: {result}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
