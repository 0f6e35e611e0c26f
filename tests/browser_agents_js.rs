//! An independent client: the unmodified openai-agents-js WebRTC transport
//! (`OpenAIRealtimeWebRTC` from `@openai/agents-realtime`, bundled with esbuild at test time by
//! `tests/browser/agents.mjs`) in headless Chromium, on a page served from another loopback port
//! than the server's (so its `POST /v1/realtime/calls` is a cross-origin request with a CORS
//! preflight), pointed at Viva by its `baseUrl` only, with an `ek_…` client secret minted here.
//! It holds a call with the local engine, hears the interviewer's first question (getStats and
//! the transcript event through the transport), and closes.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// Runs `tests/browser/agents.mjs` against the server at `addr` with `secret`; returns its JSON
/// summary and whether it exited 0.
async fn run_agents_js(addr: std::net::SocketAddr, secret: &str) -> (Value, bool) {
    let browser_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir
            .join("node_modules/@openai/agents-realtime")
            .exists()
            && browser_dir.join("node_modules/esbuild").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let dir = std::env::temp_dir().join(format!("viva-agents-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("quiet.wav");
    std::fs::write(
        &wav,
        viva::audio::wav::write_wav(48_000, &vec![0i16; 48_000 * 5]),
    )
    .unwrap();
    let mut command = tokio::process::Command::new("node");
    command
        .arg("agents.mjs")
        .current_dir(&browser_dir)
        .env("VIVA_URL", base_url(addr))
        .env("VIVA_CLIENT_SECRET", secret)
        .env("VIVA_WAV", &wav)
        .env("VIVA_BUNDLE_DIR", &dir)
        .env("VIVA_TIMEOUT_MS", "60000")
        .env("VIVA_SCREENSHOT", dir.join("agents.png"));
    let (summary, output) = run_json_script(command, Duration::from_secs(90)).await;
    let _ = std::fs::remove_dir_all(&dir);
    (summary, output.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_agents_js_webrtc_transport_holds_a_call_from_another_origin() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(
        server.addr,
        json!({"session": {"type": "realtime", "instructions": "You are a friendly interviewer."}}),
    )
    .await;
    let (summary, exited_ok) = run_agents_js(server.addr, &secret).await;
    println!("agents-js summary: {summary}");
    assert!(
        exited_ok && summary["ok"] == true,
        "agents-js call failed: {summary:#}"
    );
    assert_ne!(
        summary["pageOrigin"].as_str(),
        Some(base_url(server.addr).as_str()),
        "the page is on another origin"
    );
    assert_eq!(summary["connected"], true, "{summary:#}");
    assert!(
        summary["packetsReceived"].as_u64() > Some(50),
        "{summary:#}"
    );
    assert!(
        summary["totalAudioEnergy"].as_f64() > Some(0.0),
        "{summary:#}"
    );
    let transcripts: Vec<&str> = summary["transcripts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        transcripts.iter().any(|t| !t.trim().is_empty()),
        "the interviewer's transcript came through the transport: {summary:#}"
    );
    // What the transport sent on connect (its session.update) was accepted.
    assert!(
        summary["sent"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "session.update"),
        "{summary:#}"
    );
    assert_eq!(
        summary["errors"].as_array().map(Vec::len),
        Some(0),
        "the server answered the transport's events with errors: {summary:#}"
    );
    assert_eq!(summary["closed"], true, "{summary:#}");

    // The server saw the call, and saw it end when the transport closed its peer connection.
    let call_id = summary["callId"]
        .as_str()
        .expect("the transport has a call id");
    assert!(call_id.starts_with("rtc_"), "{summary:#}");
    let record = ended_call_record(server.addr, call_id).await;
    assert_eq!(record["live"], false, "{record:#}");
}
