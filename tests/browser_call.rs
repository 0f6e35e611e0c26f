//! The candidate page in a real headless Chromium (Debian's package, driven by playwright-core
//! from `tests/browser/call.mjs`), holding a call with the local engine on a server started
//! here: fake microphone from an espeak-ng WAV, VAD events for the spoken answer, the
//! interviewer's question heard (getStats) and shown on the page, and a clean hangup.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;
use viva::audio::wav::write_wav;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_holds_an_interview_call_with_the_local_engine() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let server = start_server(test_config()).await;

    // The fake microphone loops this file: 7 s of quiet while the interviewer greets, then
    // the answer, then 3 s of quiet so the turn ends.
    let mut mic = vec![0i16; 48_000 * 7];
    mic.extend(speech_48k(
        "I studied computer science and I have built web services for five years.",
    ));
    mic.extend(std::iter::repeat_n(0, 48_000 * 3));
    let dir = std::env::temp_dir().join(format!("viva-browser-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("answer.wav");
    std::fs::write(&wav, write_wav(48_000, &mic)).unwrap();

    let run = tokio::process::Command::new("node")
        .arg("call.mjs")
        .current_dir(&browser_dir)
        .env("VIVA_URL", base_url(server.addr))
        .env("VIVA_WAV", &wav)
        .env("VIVA_TIMEOUT_MS", "60000")
        .env("VIVA_SCREENSHOT", dir.join("call.png"))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("browser test finishes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "no JSON summary; stdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert!(
        output.status.success() && summary["ok"] == true,
        "browser call failed: {summary:#}"
    );
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
    let call_id = summary["callId"].as_str().unwrap();
    let mut record = Value::Null;
    for _ in 0..50 {
        record = reqwest::Client::new()
            .get(format!(
                "{}/v1/realtime/calls/{call_id}",
                base_url(server.addr)
            ))
            .bearer_auth("sk_test_bootstrap")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if record["live"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
