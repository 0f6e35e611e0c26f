//! Seed 003 (OpenHire): who may connect. A socket token opens its own session only (and the
//! interview's voice credentials); two organizations see neither each other's jobs, candidates
//! nor interviews; without a token a socket is in the demo organization, and only where the
//! server listens on loopback or runs with `--demo`.

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use common::*;
use serde_json::{Value, json};
use ws_client::*;

fn start(job: &str, candidate: &str, preferences: Value) -> Value {
    json!({"type": "start_interview", "data": {"job_id": job, "candidate_id": candidate, "preferences": preferences}})
}

#[tokio::test]
async fn tokens_bind_a_session_and_organizations_see_only_their_own() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let base = base_url(server.addr);
    let (_, key_a) = org_key(&server, "org-a").await;
    let (_, key_b) = org_key(&server, "org-b").await;
    let post = |path: &str, key: &str, body: Value| post_json(&base, path, key, body);
    let http = reqwest::Client::new();
    let job = post(
        "/api/v1/jobs",
        &key_a,
        json!({"title": "Rust Engineer", "company": "Acme", "skills_required": ["rust"]}),
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    let job_id = job["id"].as_str().unwrap().to_owned();
    let candidate = post(
        "/api/v1/candidates",
        &key_a,
        json!({"name": "Ada", "email": "ada@example.com", "resume_text": "Rust, 4 years."}),
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    let candidate_id = candidate["id"].as_str().unwrap().to_owned();
    let ids = json!({"job_id": job_id, "candidate_id": candidate_id, "session_id": "a-session"});

    // Another organization neither sees A's job nor starts a session with it.
    let response = post("/api/v1/openhire/sessions", &key_b, ids.clone())
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], format!("Job with ID {job_id} not found"));
    let minted = post("/api/v1/openhire/sessions", &key_a, ids)
        .await
        .unwrap();
    assert_eq!(minted.status(), 201);
    let minted: Value = minted.json().await.unwrap();
    let token = minted["token"].as_str().unwrap();
    let interview_id = minted["interview_id"].as_str().unwrap();
    assert!(
        minted["ws_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/ws/interview/a-session?token={token}"))
    );

    // The same token opens the interview's voice credentials (a voice call of this interview).
    let voice = http
        .post(format!(
            "{base}/api/v1/interviews/{interview_id}/credentials"
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(voice.status(), 200);

    let url = ws_url(
        server.addr,
        &format!("/ws/interview/a-session?token={token}"),
    );
    let mut ws = WsClient::connect(&url).await;
    let started = ws
        .ask(
            start(&job_id, &candidate_id, json!({})),
            "interview_started",
        )
        .await;
    assert_eq!(started["session_id"], interview_id);
    assert_eq!(
        (started["job_title"].as_str(), started["company"].as_str()),
        (Some("Rust Engineer"), Some("Acme"))
    );
    assert!(
        started["initial_question"]
            .as_str()
            .unwrap()
            .contains("Rust Engineer role at Acme")
    );

    // The token opens its own session only; a bad token nothing.
    let elsewhere = ws_url(server.addr, &format!("/ws/interview/other?token={token}"));
    assert_eq!(refused_status(&elsewhere).await, 403);
    assert_eq!(
        refused_status(&ws_url(server.addr, "/ws/interview/a-session?token=nope")).await,
        401
    );
    let seen_by_b = get_json(
        &format!("{base}/api/v1/interviews/{interview_id}"),
        Some(&key_b),
    )
    .await;
    assert_eq!(seen_by_b["detail"], "Interview not found");
    let job_by_b = get_json(&format!("{base}/api/v1/jobs/{job_id}"), Some(&key_b)).await;
    assert_eq!(job_by_b["detail"], "Job not found");
    let seen_by_a = get_json(
        &format!("{base}/api/v1/interviews/{interview_id}"),
        Some(&key_a),
    )
    .await;
    assert_eq!(seen_by_a["status"], "in-progress");

    // Without a token a socket is in the demo organization: A's job is not there.
    let mut demo = WsClient::connect(&ws_url(server.addr, "/ws/interview/a-session")).await;
    let error = demo
        .ask(start(&job_id, &candidate_id, json!({})), "error")
        .await;
    assert_eq!(error["message"], format!("Job with ID {job_id} not found"));
    assert_eq!(error["status_code"], 404);
}

#[tokio::test]
async fn without_a_token_only_loopback_or_demo_servers_answer() {
    let mut config = test_config();
    config.listen = "0.0.0.0:0".parse().unwrap();
    let (config, _dir) = cleaned(config);
    let server = start_server(config).await;
    let port = server.addr.port();
    let url = format!("ws://127.0.0.1:{port}/ws/interview/test-session-123");
    assert_eq!(refused_status(&url).await, 401);
}
