//! Interview results over real HTTP, with a real SQLite file and a fake OpenAI HTTP server
//! (axum on loopback) that checks every request it gets (model, key, strict JSON schema, the
//! transcript) and answers from a script: a good assessment is stored and shown by the native
//! and partner APIs; bad output (not JSON, fields missing, scores out of range) and a hanging
//! model are retried, then stored as `failed` with a code, the transcript untouched; without a
//! key, or without a word transcribed, no score is ever made up; a restart picks up what was
//! left.

#[path = "common/assessment.rs"]
mod assessment;
mod common;
#[path = "common/fake_openai.rs"]
mod fake_openai;

use std::time::{Duration, Instant};

use assessment::*;
use common::*;
use fake_openai::{FakeOpenAi, Reply};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva::interview::{EventKind, InterviewEvent, Status};
use viva::store::{DEFAULT_ORG_ID, InterviewResult, ResultState};

fn check_request(auth: &str, body: &Value) {
    assert_eq!(auth, format!("Bearer {OPENAI_KEY}"));
    assert_eq!(body["model"], MODEL);
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema", "{body}");
    assert_eq!(format["json_schema"]["strict"], true, "{body}");
    assert_eq!(format["json_schema"]["schema"], viva::assess::schema());
    let prompt = body["messages"].to_string();
    assert!(prompt.contains(ANSWER), "the transcript is sent: {prompt}");
    assert!(prompt.contains("[item_u1] candidate:"), "{prompt}");
    assert!(
        prompt.contains("[item_u2] candidate: (spoke for 2.5 s; not transcribed)"),
        "{prompt}"
    );
    assert!(prompt.contains("Backend team"), "the context: {prompt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_assessment_is_stored_and_shown_by_both_apis() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::Assessment(scripted_assessment())]);
    let server = server(Some(&fake), Duration::from_secs(30)).await;
    let base = base_url(server.addr);
    let id = interview_with(&server, answered_transcript()).await;
    let (_, before) = bearer_request(
        &base,
        Method::GET,
        &format!("/api/v1/interviews/{id}/results"),
        KEY,
        None,
    )
    .await;
    assert_eq!(before["state"], "not_ready", "{before}");
    assert!(before["overall_score"].is_null());

    end(&server, &id, Status::Completed).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "done", "{result}");
    assert_eq!(
        (result["attempts"].as_u64(), result["model"].as_str()),
        (Some(1), Some(MODEL))
    );
    assert_eq!(result["overall_score"], 78.0);
    assert_eq!(result["recommendation"], "hire");
    assert_eq!(result["weak_areas"][0]["area"], "Metrics");
    let answers = result["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2, "{result}");
    assert_eq!(
        (answers[0]["item_id"].as_str(), answers[0]["score"].as_f64()),
        (Some("item_u1"), Some(82.0))
    );
    assert_eq!(answers[1]["item_id"], "item_u2");
    assert!(
        answers[1]["score"].is_null(),
        "untranscribed: the model's 99 is not kept"
    );
    assert_eq!(
        result["measured"],
        json!({"duration_ms": 60_000, "questions_asked": 2, "questions_answered": 2, "talk_time_ms": 8_500})
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    check_request(&requests[0].0, &requests[0].1);

    // The partner API shows it too.
    let partner = format!("/v1/partners/mock-interviews/{id}/");
    let (s, details) = bearer_request(&base, Method::GET, &partner, KEY, None).await;
    assert_eq!(s, StatusCode::OK, "{details}");
    assert_eq!(details["score"], 78.0);
    assert_eq!(details["analysis"], scripted_assessment()["feedback"]);
    assert_eq!(
        details["weak_areas"],
        json!({"Metrics": "Gave no numbers."})
    );
    assert_eq!(
        details["strong_areas"]["Architecture"],
        "Knows service boundaries."
    );
    let (_, messages) = bearer_request(
        &base,
        Method::GET,
        &format!("{partner}messages/"),
        KEY,
        None,
    )
    .await;
    let by_id = |wanted: &str| {
        messages["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == wanted)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("item_u1")["score"], 82.0);
    assert_eq!(
        by_id("item_u1")["ideal_answer"],
        "Also the trade-offs of a queue."
    );
    assert!(by_id("item_u2")["score"].is_null() && by_id("item_a1")["score"].is_null());
    let (_, list) = bearer_request(
        &base,
        Method::GET,
        "/v1/partners/mock-interviews/",
        KEY,
        None,
    )
    .await;
    assert_eq!(list["results"][0]["score"], 78.0, "{list}");

    // Deleting the interview deletes its result.
    let (s, _) = bearer_request(
        &base,
        Method::DELETE,
        &format!("/api/v1/interviews/{id}"),
        KEY,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        server
            .state
            .store
            .result(DEFAULT_ORG_ID, &id)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_output_is_retried_then_failed_with_a_code_and_nothing_is_lost() {
    let fake = FakeOpenAi::start().await;
    let mut missing = scripted_assessment();
    missing.as_object_mut().unwrap().remove("overall_score");
    let mut out_of_range = scripted_assessment();
    out_of_range["overall_score"] = json!(780);
    fake.script([
        Reply::Content("The candidate did great!".into()),
        Reply::Assessment(missing),
        Reply::Assessment(out_of_range),
    ]);
    let server = server(Some(&fake), Duration::from_secs(30)).await;
    let base = base_url(server.addr);
    let id = interview_with(&server, answered_transcript()).await;
    end(&server, &id, Status::Incomplete).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "failed", "{result}");
    assert_eq!(result["reason"], "model_output_invalid");
    assert_eq!(result["attempts"], 3);
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("between 0 and 100"),
        "{result}"
    );
    assert!(result["overall_score"].is_null() && result["answers"] == json!([]));
    assert_eq!(fake.requests().len(), 3);
    // Nothing lost: the transcript is all there.
    let (_, messages) = bearer_request(
        &base,
        Method::GET,
        &format!("/v1/partners/mock-interviews/{id}/messages/"),
        KEY,
        None,
    )
    .await;
    assert_eq!(messages["pagination"]["total"], 5, "{messages}");
    assert!(messages["results"][1]["score"].is_null());

    // Saved as ended again, it is retried: a failing server, then a good answer.
    fake.script([Reply::Status(503), Reply::Assessment(scripted_assessment())]);
    end(&server, &id, Status::Completed).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let result = loop {
        let result = final_result(&server, &id).await;
        if result["state"] == "done" {
            break result;
        }
        assert!(Instant::now() < deadline, "never retried: {result}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (result["attempts"].as_u64(), result["reason"].clone()),
        (Some(2), Value::Null)
    );
    assert_eq!(result["overall_score"], 78.0);
    assert_eq!(fake.requests().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_model_times_out_and_the_result_says_so() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::Hang]);
    let server = server(Some(&fake), Duration::from_millis(500)).await;
    let id = interview_with(&server, answered_transcript()).await;
    end(&server, &id, Status::Completed).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "failed", "{result}");
    assert_eq!(
        (result["reason"].as_str(), result["attempts"].as_u64()),
        (Some("model_timeout"), Some(3))
    );
    assert!(result["overall_score"].is_null());
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_there_are_no_scores_only_what_was_measured() {
    let server = server(None, Duration::from_secs(30)).await;
    let base = base_url(server.addr);
    // Even with words in the transcript: no model, no judgement.
    let id = interview_with(&server, answered_transcript()).await;
    end(&server, &id, Status::Completed).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "unavailable", "{result}");
    assert_eq!(result["reason"], "assessment_unavailable");
    assert_eq!(
        (result["model"].clone(), result["attempts"].as_u64()),
        (Value::Null, Some(0))
    );
    assert!(result["overall_score"].is_null() && result["recommendation"].is_null());
    assert!(result["feedback"].is_null() && result["weak_areas"] == json!([]));
    let answers = result["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert!(
        answers
            .iter()
            .all(|a| a["score"].is_null() && a["analysis"].is_null())
    );
    assert_eq!(result["measured"]["talk_time_ms"], 8_500);
    assert_eq!(result["measured"]["duration_ms"], 60_000);
    assert_eq!(result["measured"]["questions_answered"], 2);
    let (_, details) = bearer_request(
        &base,
        Method::GET,
        &format!("/v1/partners/mock-interviews/{id}"),
        KEY,
        None,
    )
    .await;
    assert!(
        details["score"].is_null() && details["analysis"].is_null(),
        "{details}"
    );
    assert_eq!(details["weak_areas"], json!({}));

    // A cancelled interview is assessed like any ended one: here nothing can judge it.
    let id = interview_with(&server, untranscribed()).await;
    end(&server, &id, Status::Cancelled).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "unavailable", "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_transcribed_is_never_sent_to_the_model() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::Assessment(scripted_assessment())]);
    let server = server(Some(&fake), Duration::from_secs(30)).await;
    let id = interview_with(&server, untranscribed()).await;
    end(&server, &id, Status::Completed).await;
    let result = final_result(&server, &id).await;
    assert_eq!(result["state"], "unavailable", "{result}");
    assert_eq!(result["reason"], "no_transcript");
    assert!(result["overall_score"].is_null());
    assert_eq!(result["answers"][0]["item_id"], "item_u1");
    assert!(result["answers"][0]["score"].is_null());
    assert_eq!(result["measured"]["talk_time_ms"], 4_000);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_call_on_the_local_engine_ends_with_an_unavailable_result() {
    let server = server(None, Duration::from_secs(30)).await;
    let base = base_url(server.addr);
    let (_, templates) = bearer_request(&base, Method::GET, "/api/v1/templates", KEY, None).await;
    let body = json!({"template_id": templates[0]["id"], "email": "grace@example.com"});
    let (_, interview) =
        bearer_request(&base, Method::POST, "/api/v1/interviews/", KEY, Some(body)).await;
    let id = interview["id"].as_str().unwrap().to_owned();
    let (_, creds) = bearer_request(
        &base,
        Method::POST,
        &format!("/api/v1/interviews/{id}/credentials"),
        KEY,
        None,
    )
    .await;
    let secret = creds["session_token"]["client_secret"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let peer = connected_call(server.addr, &secret).await;
    // Hang up only once the server has seen the call join (the interview is in progress).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stored = server
            .state
            .store
            .interview(DEFAULT_ORG_ID, &id)
            .await
            .unwrap();
        if stored.unwrap().status == Status::InProgress {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the call never joined its interview"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    peer.hangup().await.unwrap();
    // The lifecycle makes it incomplete; the assessor then stores what it measured.
    let result = final_result(&server, &id).await;
    assert_eq!(
        (result["state"].as_str(), result["reason"].as_str()),
        (Some("unavailable"), Some("assessment_unavailable")),
        "{result}"
    );
    assert!(result["overall_score"].is_null());
    assert!(
        result["measured"]["duration_ms"].is_u64(),
        "the call joined and ended: {result}"
    );
    assert_eq!(
        result["measured"]["talk_time_ms"], 0,
        "the candidate never spoke"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_picks_up_interviews_left_without_a_result() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::Assessment(scripted_assessment())]);
    let config = test_config();
    // A first run: two interviews end while no model answers (none configured), one of them
    // with a result left pending as if the server stopped mid-assessment.
    let first = server_in(config.clone(), None, Duration::from_secs(30)).await;
    let never = interview_with(&first, answered_transcript()).await;
    let pending = interview_with(&first, answered_transcript()).await;
    for id in [&never, &pending] {
        let mut interview = first
            .state
            .store
            .interview(DEFAULT_ORG_ID, id)
            .await
            .unwrap()
            .unwrap();
        interview.status = Status::Completed;
        // Straight to the store: no event, so the first run's assessor never hears of them.
        let event = InterviewEvent::of_interview(
            DEFAULT_ORG_ID,
            id,
            1,
            EventKind::Updated {
                status: Status::Completed,
            },
        );
        first
            .state
            .store
            .update_interview(&interview, &event)
            .await
            .unwrap();
    }
    let left = InterviewResult {
        org_id: DEFAULT_ORG_ID.into(),
        interview_id: pending.clone(),
        state: ResultState::Pending,
        reason: None,
        error: None,
        attempts: 1,
        model: Some(MODEL.into()),
        transcript_digest: String::new(),
        assessment: None,
        updated_at_ms: 1,
    };
    assert!(first.state.store.save_result(&left).await.unwrap());

    // The second run, with a model, on the same data.
    let second = server_in(config, Some(&fake), Duration::from_secs(30)).await;
    for id in [&never, &pending] {
        let result = final_result(&second, id).await;
        assert_eq!(
            (result["state"].as_str(), result["overall_score"].as_f64()),
            (Some("done"), Some(78.0)),
            "{result}"
        );
    }
    assert_eq!(fake.requests().len(), 2);
}

/// `--llm-url` at a server that takes no `response_format` and no key (llama.cpp, Ollama):
/// no key is sent, the refusal turns the schema into instructions at once and for good, and
/// the fenced JSON answer is stored like OpenAI's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_openai_compatible_model_without_json_schema_or_key_assesses_too() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::NoResponseFormat(scripted_assessment())]);
    let mut config = test_config();
    config.llm_url = Some(fake.base.clone());
    config.assess_model = "llama-3.2-3b-instruct".into();
    let server = server_in(config, None, Duration::from_secs(30)).await;

    let first = interview_with(&server, answered_transcript()).await;
    end(&server, &first, Status::Completed).await;
    let result = final_result(&server, &first).await;
    assert_eq!(result["state"], "done", "{result}");
    assert_eq!(result["overall_score"], 78.0, "{result}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for (auth, body) in &requests {
        assert_eq!(auth, "", "no key is sent where none is configured");
        assert_eq!(body["model"], "llama-3.2-3b-instruct");
        assert!(body["messages"].to_string().contains(ANSWER), "{body}");
    }
    assert_eq!(requests[0].1["response_format"]["type"], "json_schema");
    assert!(
        requests[1].1.get("response_format").is_none(),
        "{}",
        requests[1].1
    );
    let system = requests[1].1["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("JSON schema") && system.contains("\"overall_score\""),
        "{system}"
    );

    let second = interview_with(&server, answered_transcript()).await;
    end(&server, &second, Status::Completed).await;
    assert_eq!(final_result(&server, &second).await["state"], "done");
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "the refusal is remembered: {requests:?}");
    assert!(requests[2].1.get("response_format").is_none());
}
