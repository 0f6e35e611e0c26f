//! Seed 004's test page driven to completion in headless Chromium
//! (`tests/browser/interview_test.mjs`): it connects to a running server, starts on open,
//! answers, pauses, resumes, pings, ends, and shows the final assessment; the interview it
//! leaves in the core is completed with the page's answers.

mod common;

use std::time::Duration;

use common::*;
use viva::interview::Status;
use viva::store::Role;

const IT_APP: &str = "550e8400-e29b-41d4-a716-446655440000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_page_runs_an_interview_to_its_assessment_in_chromium() {
    let server = start_server(test_config()).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let mut command = tokio::process::Command::new("node");
    command
        .arg(dir.join("interview_test.mjs"))
        .env("VIVA_URL", base_url(server.addr))
        .env("VIVA_APPLICATION", IT_APP);
    let (summary, _) = run_json_script(command, Duration::from_secs(60)).await;
    assert_eq!(summary["ok"], true, "{summary:#}");
    assert_eq!(summary["errors"], serde_json::json!([]), "{summary:#}");
    assert_eq!(
        summary["types"],
        serde_json::json!(["icebreaker", "icebreaker", "resume"]),
        "{summary:#}"
    );
    assert_eq!(summary["progress"], "8%");
    let timer = summary["timer"].as_str().unwrap();
    assert!(timer == "20:00" || timer.starts_with("19:"), "{timer}");
    assert_eq!(summary["finalProgress"], "100%");
    let fields = &summary["assessment"]["fields"];
    assert_eq!(fields["Overall Score"], "not assessed", "{summary:#}");
    assert_eq!(fields["Recommendation"], "not assessed");
    assert_eq!(fields["Questions Answered"], "2");
    assert_eq!(fields["Completion"], "ended_by_candidate");
    assert_eq!(fields["Engagement Level"], "not assessed");
    assert_eq!(summary["assessment"]["industry"], "IT");
    let skills = summary["assessment"]["industryScores"].to_string();
    assert!(
        skills.contains("Technical Proficiency: not assessed"),
        "{skills}"
    );
    assert!(
        summary["assessment"]["reason"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );
    let log = summary["log"].to_string();
    for seen in [
        "Interview started for Priya Nair",
        "Interview has been paused",
        "Interview has been resumed",
        "pong",
        "Interview completed!",
    ] {
        assert!(log.contains(seen), "{seen}: {log}");
    }

    let store = &server.state.store;
    let org = store.ensure_org("demo", None, 0).await.unwrap();
    let id = store
        .external_interview(&org.id, "aiinterview", IT_APP)
        .await
        .unwrap()
        .expect("the page's interview");
    let interview = store.interview(&org.id, &id).await.unwrap().unwrap();
    assert_eq!(interview.status, Status::Completed);
    let items = store.interview_items(&org.id, &id).await.unwrap();
    let answers: Vec<_> = items
        .iter()
        .filter(|i| i.role == Role::User)
        .filter_map(|i| i.text.clone())
        .collect();
    assert_eq!(
        answers,
        [
            "I have five years of Python and Django experience.",
            "Lately a reporting service built on PostgreSQL views."
        ]
    );
}
