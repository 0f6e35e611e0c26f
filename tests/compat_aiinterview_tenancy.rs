//! Seed 004 (AI Interview): who may connect. A token opens its own application's interview
//! only; two organizations see neither each other's applications nor interviews; without a
//! token a socket is in the demo organization, and only where the server listens on loopback or
//! runs with `--demo`. Also the metrics (per organization) and the test page.

#[path = "common/aiinterview.rs"]
mod aiinterview;
mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use aiinterview::*;
use common::*;
use serde_json::{Value, json};
use ws_client::*;

const IT_APP: &str = "550e8400-e29b-41d4-a716-446655440000";

#[tokio::test]
async fn tokens_bind_an_application_and_organizations_see_only_their_own() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let base = base_url(server.addr);
    let (_, key_a) = org_key(&server, "org-a").await;
    let (_, key_b) = org_key(&server, "org-b").await;
    let post = |path: &str, key: &str, body: Value| post_json(&base, path, key, body);
    let job = created(
        post(
            "/api/v1/jobs",
            &key_a,
            json!({"title": "Rust Engineer", "company": "Acme", "industry": "IT"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let candidate = created(
        post(
            "/api/v1/candidates",
            &key_a,
            json!({"name": "Ada", "email": "ada@example.com"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let application = created(
        post(
            "/api/v1/applications",
            &key_a,
            json!({"job_id": job["id"], "candidate_id": candidate["id"]}),
        )
        .await
        .unwrap(),
    )
    .await;
    let app_id = application["id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&app_id).is_ok());

    let by_b = post(
        "/api/v1/aiinterview/sessions",
        &key_b,
        json!({"application_id": app_id}),
    )
    .await
    .unwrap();
    assert_eq!(by_b.status(), 404, "B does not see A's application");
    let minted = created(
        post(
            "/api/v1/aiinterview/sessions",
            &key_a,
            json!({"application_id": app_id, "duration": 10}),
        )
        .await
        .unwrap(),
    )
    .await;
    let token = minted["token"].as_str().unwrap();
    let path = format!("/interview/{app_id}?token={token}");
    assert!(minted["ws_url"].as_str().unwrap().ends_with(&path));

    let mut ws = WsClient::connect(&ws_url(server.addr, &path)).await;
    let started = start(&mut ws).await;
    assert_eq!(started["session_id"], minted["session_id"]);
    assert_eq!(
        (
            started["candidate_name"].as_str(),
            started["job_title"].as_str()
        ),
        (Some("Ada"), Some("Rust Engineer"))
    );
    assert_eq!(started["duration"], 10);
    assert_question(&next(&mut ws, "new_question").await, 1, "icebreaker", 600);

    // The token opens its own application only; a bad token nothing; the demo organization
    // does not see A's application.
    let refusal = |path: String| {
        let url = ws_url(server.addr, &path);
        async move {
            let mut ws = WsClient::connect(&url).await;
            let error = next(&mut ws, "error").await;
            assert_eq!(error["recoverable"], false, "{error}");
            assert_eq!(ws.recv().await, Value::Null, "closed");
            error["error_code"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(
        refusal(format!("/interview/{IT_APP}?token={token}")).await,
        "APPLICATION_NOT_FOUND"
    );
    assert_eq!(
        refusal(format!("/interview/{app_id}?token=nope")).await,
        "INVALID_TOKEN"
    );
    assert_eq!(
        refusal(format!("/interview/{app_id}")).await,
        "APPLICATION_NOT_FOUND"
    );
    let seen_by_b = get_json(
        &format!(
            "{base}/api/v1/interviews/{}",
            minted["session_id"].as_str().unwrap()
        ),
        Some(&key_b),
    )
    .await;
    assert_eq!(seen_by_b["detail"], "Interview not found");

    // Metrics are the organization's own.
    let metrics = get_json(&format!("{base}/api/interview/metrics"), Some(&key_a)).await;
    assert_eq!(metrics["started_interviews"], 1, "{metrics}");
    assert_eq!(metrics["active_interviews"], 1);
    assert_eq!(metrics["completed_interviews"], 0);
    assert_eq!(metrics["average_duration_seconds"], Value::Null);
    let of_b = get_json(&format!("{base}/api/interview/metrics"), Some(&key_b)).await;
    assert_eq!(of_b["started_interviews"], 0);
    answered(&mut ws, "I have written Rust services for four years.").await;
    ask(&mut ws, answer("exit"), "status_update").await;
    next(&mut ws, "interview_completed").await;
    let metrics = get_json(&format!("{base}/api/interview/metrics"), Some(&key_a)).await;
    assert_eq!(
        (
            metrics["completed_interviews"].as_u64(),
            metrics["active_interviews"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(metrics["answers_submitted"], 1);
    assert_eq!(metrics["average_questions_answered"], 1.0);
    assert!(metrics["average_duration_seconds"].is_number());
    // The token's interview is over: it starts no other.
    let over = ask(&mut ws, message("start_interview", json!({})), "error").await;
    assert_eq!(over["error_code"], "INTERVIEW_COMPLETED");

    // The test page and its script are served.
    let page = reqwest::get(format!("{base}/interview_test.html"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("/assets/interview_test.js")
    );
    let script = reqwest::get(format!("{base}/assets/interview_test.js"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains("start_interview") && script.contains("final_assessment"));
}

#[tokio::test]
async fn without_a_token_only_loopback_or_demo_servers_answer() {
    let mut config = test_config();
    config.listen = "0.0.0.0:0".parse().unwrap();
    let (config, _dir) = cleaned(config);
    let server = start_server(config).await;
    let port = server.addr.port();
    let mut ws = WsClient::connect(&format!("ws://127.0.0.1:{port}/interview/{IT_APP}")).await;
    let error = next(&mut ws, "error").await;
    assert_eq!(error["error_code"], "AUTH_REQUIRED");
    assert_eq!(ws.recv().await, Value::Null, "closed");
    let metrics = get_json(
        &format!("http://127.0.0.1:{port}/api/interview/metrics"),
        None,
    )
    .await;
    assert!(metrics["detail"].is_string(), "{metrics}");
}
