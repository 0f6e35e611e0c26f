//! The candidate page in a real headless Chromium (Debian's package, driven by playwright-core
//! from `tests/browser/call.mjs`), holding a call with the local engine on a server started
//! here: fake microphone from an espeak-ng WAV, VAD events for the spoken answer, the
//! interviewer's question heard (getStats) and shown on the page, and a clean hangup.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_holds_an_interview_call_with_the_local_engine() {
    let server = start_server(test_config()).await;
    let summary = run_browser_call(
        server.addr,
        "I studied computer science and I have built web services for five years.",
        false,
    )
    .await;
    assert!(summary["speechStarted"].as_u64() >= Some(1), "{summary}");
    assert!(summary["speechStopped"].as_u64() >= Some(1), "{summary}");
    assert!(summary["packetsReceived"].as_u64() > Some(50), "{summary}");
    assert!(
        summary["totalAudioEnergy"].as_f64() > Some(0.0),
        "{summary}"
    );
    let lines: Vec<&str> = summary["interviewerLines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("tell me a little about yourself")),
        "the first question is on the page: {lines:?}"
    );
    assert_eq!(summary["state"], "ended");

    // The server saw the same call end by hangup, with the interviewer's words stored.
    let record = ended_call_record(server.addr, summary["callId"].as_str().unwrap()).await;
    assert_eq!(record["end_reason"], "hangup", "{record:#}");
    let items = record["items"].as_array().unwrap();
    assert!(
        items.iter().any(|i| i["role"] == "assistant"
            && i["text"]
                .as_str()
                .is_some_and(|t| t.contains("about yourself"))),
        "{record:#}"
    );
    assert!(
        items.iter().any(|i| i["role"] == "user"
            && i["text"].is_null()
            && i["audio_ms"].as_u64() > Some(1_000)),
        "{record:#}"
    );
}
