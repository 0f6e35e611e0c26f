//! Node clients of our own for the two WebSocket interview facades, run against a live server
//! on loopback (the demo organization): `tests/compat/openhire.mjs` speaks seed 003 the way its
//! `InterviewWebSocket` class does, `tests/compat/aiinterview.mjs` seed 004 the way its React
//! component does. Each prints one JSON summary; here its checks must all hold, and the
//! interview it made must be one of the core's (store and native API).

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use std::time::Duration;

use common::*;
use serde_json::Value;
use viva::interview::Status;
use viva::server::Running;
use viva::store::Role;
use ws_client::*;

/// Runs `tests/compat/{script}` with node's global `WebSocket`, `{prefix}_BASE_URL` pointing
/// at `server`; its summary, after checking it passed with more than `min_checks` checks.
async fn run_client(server: &Running, script: &str, prefix: &str, min_checks: u64) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat");
    let mut command = tokio::process::Command::new("node");
    command
        .arg("--experimental-websocket")
        .arg("--no-warnings")
        .arg(script)
        .current_dir(&dir)
        .env(
            format!("{prefix}_BASE_URL"),
            format!("ws://{}", server.addr),
        );
    let (s, output) = run_json_script(command, Duration::from_secs(90)).await;
    println!("{script}: {s}");
    assert!(
        output.status.success() && s["ok"] == true,
        "{s:#}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(s["checks"].as_u64() > Some(min_checks), "{s:#}");
    s
}

/// The interview `id` of the demo organization as the native API returns it.
async fn native_interview(server: &Running, org_key: &str, id: &str) -> Value {
    let url = format!("{}/api/v1/interviews/{id}", base_url(server.addr));
    get_json(&url, Some(org_key)).await
}

/// The candidate's stored lines of interview `id`.
async fn answers(server: &Running, org_id: &str, id: &str) -> Vec<String> {
    let items = server
        .state
        .store
        .interview_items(org_id, id)
        .await
        .unwrap();
    items
        .into_iter()
        .filter(|i| i.role == Role::User)
        .filter_map(|i| i.text)
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_client_of_seed_003_runs_the_interview_websocket_flow() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let s = run_client(&server, "openhire.mjs", "OPENHIRE", 150).await;

    let session_id = s["session_id"].as_str().expect("a session id").to_owned();
    assert!(uuid::Uuid::parse_str(&session_id).is_ok(), "{s:#}");
    assert_ne!(
        s["connected_as"], s["session_id"],
        "the system's id, not the path's"
    );
    assert_eq!(s["job_title"], "Senior Frontend Developer");
    assert_eq!(s["unknown_job"]["status_code"], 404, "{s:#}");
    assert_eq!(s["phases"][0], "introduction", "{s:#}");
    assert_eq!(
        s["phases"].as_array().unwrap().last().unwrap(),
        "conclusion"
    );

    // In the core: completed, with every answer the client gave, the final transcript too.
    let (org_id, key) = org_key(&server, "demo").await;
    wait_status(&server, &org_id, &session_id, Status::Completed).await;
    assert_eq!(
        answers(&server, &org_id, &session_id).await,
        strings(&s["answers"]),
        "{s:#}"
    );
    let native = native_interview(&server, &key, &session_id).await;
    assert_eq!(native["status"], "completed", "{native}");
    // Ended by hand before its plan was done: the core calls it incomplete.
    let early = s["ended_early"].as_str().expect("the early session");
    assert_ne!(early, session_id);
    wait_status(&server, &org_id, early, Status::Incomplete).await;
    assert_eq!(
        answers(&server, &org_id, early).await,
        ["I build accessible single page apps for online shops."]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_client_of_seed_004_runs_the_react_components_flow() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let s = run_client(&server, "aiinterview.mjs", "AIINTERVIEW", 140).await;

    let session_id = s["session_id"].as_str().expect("a session id").to_owned();
    assert!(uuid::Uuid::parse_str(&session_id).is_ok(), "{s:#}");
    assert_eq!(s["application_id"], "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(s["candidate_name"], "Priya Nair");
    assert_eq!(s["invalid_id"]["error_code"], "INVALID_APPLICATION_ID");
    assert_eq!(s["invalid_id"]["closed"], true, "{s:#}");
    assert_eq!(
        s["question_types"],
        serde_json::json!(["icebreaker", "icebreaker", "resume", "resume"]),
        "the plan of a 20-minute interview, Q1 to Q4"
    );
    let a = &s["final_assessment"];
    assert_eq!(a["overall_score"], Value::Null, "no model, no score: {a}");
    assert_eq!(a["reason"]["code"], "assessment_unavailable", "{a}");
    assert_eq!(a["industry_type"], "IT");
    assert_eq!(
        a["interview_metrics"]["completion_status"],
        "ended_by_candidate"
    );

    // In the core: completed, the answers stored and the commands not.
    let (org_id, key) = org_key(&server, "demo").await;
    wait_status(&server, &org_id, &session_id, Status::Completed).await;
    assert_eq!(
        answers(&server, &org_id, &session_id).await,
        strings(&s["answers"]),
        "{s:#}"
    );
    assert_eq!(
        a["interview_metrics"]["questions_answered"],
        s["questions_answered"]
    );
    let native = native_interview(&server, &key, &session_id).await;
    assert_eq!(native["status"], "completed", "{native}");
}
