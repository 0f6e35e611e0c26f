//! A partner's candidate holds a real voice interview from the partner API's `interview_url`:
//! an interview created on `/v1/partners/mock-interviews/` with an API key and an email, its
//! link opened in headless Chromium (`tests/browser/call.mjs` with `VIVA_PAGE_URL`, the
//! fake microphone playing an espeak-ng answer), the local engine asking the plan's question.
//! The partner API then shows what happened: the interview `IN_PROGRESS` while the call is
//! up, `COMPLETED` after it (its one question asked and answered), and the messages: the
//! interviewer's lines word for word and the candidate's answer (no text: the local engine has
//! no recogniser).

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva::interview::EventKind;
use viva::server::Running;
use viva::store::EventsOf;

const PATH: &str = "/v1/partners/mock-interviews/";

/// The facade's view of interview `id` with `key`.
async fn details(server: &Running, key: &str, id: &str) -> Value {
    let path = format!("{PATH}{id}/");
    let (status, body) =
        bearer_request(&base_url(server.addr), Method::GET, &path, key, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interview_url_holds_a_voice_interview_in_chromium() {
    let server = start_server(test_config()).await;
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org("partner", Some(5), now).await.unwrap();
    let (_, key) = store
        .create_api_key(&org.id, "partner", false, now)
        .await
        .unwrap();

    let body = json!({"focus_area": "SKILL", "email": "ada@example.com", "topic": "SQL",
                      "difficulty_level": 2, "number_of_questions": 1});
    let (status, created) =
        bearer_request(&base_url(server.addr), Method::POST, PATH, &key, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["organization"]["remaining_credits"], 4);
    let id = created["interview_details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let question = created["interview_details"]["questions"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let url = created["interview_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!(
            "{}/embed/ai-interview/{id}/?access=",
            base_url(server.addr)
        )),
        "{url}"
    );
    assert_eq!(details(&server, &key, &id).await["status"], "UNATTEMPTED");

    // The browser holds the call; meanwhile the partner API is asked how it goes.
    let answer = "I would add an index on the customer column and read the query plan first.";
    let env = [("VIVA_PAGE_URL", url.as_str())];
    let browser = run_browser_call_env(server.addr, answer, &env);
    let watch = async {
        let mut seen = Vec::<String>::new();
        // Far longer than any call, ended by the first IN_PROGRESS; slow enough to stay well
        // inside the partner API's 100 requests a minute.
        for _ in 0..450 {
            let status = details(&server, &key, &id).await["status"]
                .as_str()
                .unwrap()
                .to_owned();
            if seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if status == "IN_PROGRESS" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        seen
    };
    let (summary, during) = tokio::join!(browser, watch);
    println!("call.mjs: {summary}");
    assert_eq!(summary["page"], format!("/embed/ai-interview/{id}/"));
    assert_eq!(summary["state"], "ended");
    assert!(summary["speechStopped"].as_u64() >= Some(1), "{summary}");
    assert!(summary["packetsReceived"].as_u64() > Some(50), "{summary}");
    let lines = summary["interviewerLines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains(&question))),
        "the plan's question is on the page: {lines:?}"
    );
    assert_eq!(
        during.last().map(String::as_str),
        Some("IN_PROGRESS"),
        "{during:?}"
    );

    // The call ended by hangup: the interview is final, its one question answered.
    // (The call is the partner organization's: its key reads it, the bootstrap key gets 404.)
    let call_url = format!(
        "{}/v1/realtime/calls/{}",
        base_url(server.addr),
        summary["callId"].as_str().unwrap()
    );
    let mut record = Value::Null;
    for _ in 0..100 {
        record = get_json(&call_url, Some(&key)).await;
        if record["live"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(record["end_reason"], "hangup", "{record:#}");
    let mut after = Value::Null;
    for _ in 0..100 {
        after = details(&server, &key, &id).await;
        if after["status"] != "IN_PROGRESS" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(after["status"], "COMPLETED", "{after:#}");
    assert!(after["started_at"].is_string(), "{after:#}");
    let events = store.events(EventsOf::Interview(&id)).await.unwrap();
    let joined = events.iter().position(|e| e.kind == EventKind::Joined);
    let ended = events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Ended { .. }));
    assert!(
        joined.is_some() && joined < ended,
        "joined, then ended: {events:?}"
    );

    // The messages: the interviewer's words, and the candidate's answer.
    let path = format!("{PATH}{id}/messages/");
    let (status, messages) =
        bearer_request(&base_url(server.addr), Method::GET, &path, &key, None).await;
    assert_eq!(status, StatusCode::OK, "{messages}");
    let results = messages["results"].as_array().unwrap();
    let said: Vec<&str> = results
        .iter()
        .filter(|m| m["role"] == "assistant")
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(
        said.iter().any(|c| c.contains(&question)),
        "the question, word for word: {messages:#}"
    );
    assert!(said.iter().all(|c| !c.is_empty()), "{messages:#}");
    assert!(
        results.iter().all(|m| m["mock_assessment"] == id.as_str()),
        "{messages:#}"
    );
    let answered = results.iter().find(|m| m["role"] == "user");
    let answered = answered.unwrap_or_else(|| panic!("no candidate message: {messages:#}"));
    assert_eq!(answered["content"], "", "nothing invented: {answered}");
    assert_eq!(messages["pagination"]["total"], results.len());

    // The candidate's own token reads the same transcript; the link's token only joins.
    let access = created["tokens"]["access"].as_str().unwrap();
    let (status, theirs) =
        bearer_request(&base_url(server.addr), Method::GET, &path, access, None).await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["results"], messages["results"]);
    let join = url.split("access=").nth(1).unwrap();
    let (status, _) = bearer_request(&base_url(server.addr), Method::GET, &path, join, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a join token reads nothing"
    );
}
