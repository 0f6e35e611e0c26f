//! The candidate page in headless Chromium holding a call relay-only (`?relay=1`,
//! `iceTransportPolicy: "relay"`): its ICE servers come from `GET /v1/realtime/ice_servers` and
//! every media packet goes through the embedded TURN server, as on a network that allows
//! nothing else. getStats() must show a relay candidate on the browser's side of the pair.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;
use viva::audio::wav::write_wav;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_holds_a_call_relayed_through_the_embedded_turn_server() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let server = start_server(test_config()).await;
    assert!(server.turn.is_some(), "the embedded TURN server runs");

    let mut mic = vec![0i16; 48_000 * 7];
    mic.extend(speech_48k(
        "I have led a team of four engineers building payment systems.",
    ));
    mic.extend(std::iter::repeat_n(0, 48_000 * 3));
    let dir = std::env::temp_dir().join(format!("viva-browser-relay-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("answer.wav");
    std::fs::write(&wav, write_wav(48_000, &mic)).unwrap();

    let run = tokio::process::Command::new("node")
        .arg("call.mjs")
        .current_dir(&browser_dir)
        .env("VIVA_URL", base_url(server.addr))
        .env("VIVA_WAV", &wav)
        .env("VIVA_RELAY", "1")
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
        "relayed browser call failed: {summary:#}"
    );
    assert_eq!(summary["iceTransportPolicy"], "relay", "{summary}");
    assert!(summary["iceServers"].as_u64() >= Some(1), "{summary}");
    assert_eq!(summary["localCandidateType"], "relay", "{summary}");
    assert_eq!(summary["relayProtocol"], "udp", "{summary}");
    assert!(summary["packetsReceived"].as_u64() > Some(50), "{summary}");
    assert!(
        summary["totalAudioEnergy"].as_f64() > Some(0.0),
        "{summary}"
    );
    assert!(summary["speechStarted"].as_u64() >= Some(1), "{summary}");
    assert_eq!(summary["state"], "ended");
}
