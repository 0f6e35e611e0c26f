//! An independent OpenAI-realtime client against Viva: `tests/aiortc/peer.py`, an aiortc peer
//! that knows nothing of Viva (data channel `oai-events`, `POST /v1/realtime/calls` with an
//! `ek_` secret), plays espeak-ng speech and then stops sending packets, and validates every
//! server event against the openai Python SDK's GA models. Its venv comes from
//! `scripts/install-deps --test`.
//!
//! Regression tests of issue 10: a turn ends when the candidate's packets stop (bug 2), content
//! parts are typed as GA types them (bug 3), and `viva.*` events go only to clients that ask
//! for them with `?viva_events=1` (bug 4).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const ANSWER: &str = "I have built web services in Rust for five years, mostly payment systems.";

/// A session with server VAD ending a turn after 500 ms of silence.
fn session() -> Value {
    json!({"session": {"type": "realtime", "instructions": "Interview the candidate.",
        "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}}}})
}

/// espeak-ng speaking `text` at 48 kHz with its trailing near-silence cut off, followed by
/// `silence_ms` of zeros, as a WAV file in a directory of its own.
fn answer_wav(text: &str, silence_ms: usize) -> PathBuf {
    let mut samples = speech_48k(text);
    let end = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > 300)
        .expect("espeak-ng spoke");
    samples.truncate(end + 1);
    samples.extend(std::iter::repeat_n(0, 48 * silence_ms));
    let dir = std::env::temp_dir().join(format!("viva-aiortc-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("answer.wav");
    std::fs::write(&wav, viva::audio::wav::write_wav(48_000, &samples)).unwrap();
    wav
}

/// Runs the aiortc peer against the server at `addr`; returns its JSON summary.
async fn run_peer(addr: std::net::SocketAddr, secret: &str, query: &str, wav: &Path) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aiortc");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/install-deps --test` (it makes the aiortc peer's venv)",
        python.display()
    );
    let mut command = tokio::process::Command::new(&python);
    command
        .arg(dir.join("peer.py"))
        .env("VIVA_URL", base_url(addr))
        .env("VIVA_SECRET", secret)
        .env("VIVA_QUERY", query)
        .env("VIVA_WAV", wav)
        .env("VIVA_TIMEOUT_MS", "30000");
    let (summary, output) = run_json_script(command, Duration::from_secs(60)).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && summary["error"].is_null(),
        "the aiortc peer failed: {}\nstderr: {stderr}",
        summary["error"]
    );
    assert_eq!(summary["call_status"], 201, "{summary:#}");
    summary
}

fn count(summary: &Value, kind: &str) -> u64 {
    summary["counts"][kind].as_u64().unwrap_or(0)
}

/// The event types in the order they came.
fn types(summary: &Value) -> Vec<&str> {
    summary["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether `kind` came after the first `input_audio_buffer.speech_stopped`.
fn after_speech_stopped(summary: &Value, kind: &str) -> bool {
    let types = types(summary);
    types
        .iter()
        .position(|t| *t == "input_audio_buffer.speech_stopped")
        .is_some_and(|stop| types[stop..].contains(&kind))
}

/// What the SDK's models refused, one line per event.
fn validation_failures(summary: &Value) -> Vec<String> {
    summary["validation_failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["type"], f["errors"]))
        .collect()
}

/// Fails with every broken expectation at once, and the peer's summary.
fn assert_all(failures: &[String], summary: &Value) {
    assert!(
        failures.is_empty(),
        "{} expectation(s) failed:\n- {}\nevent types: {:?}\nsummary: {summary}",
        failures.len(),
        failures.join("\n- "),
        types(summary),
    );
}

/// Checks what every call must show: the candidate's turn heard, ended and answered, and every
/// OpenAI event valid for the SDK.
fn check_turn_and_validity(summary: &Value, failures: &mut Vec<String>) {
    if count(summary, "input_audio_buffer.speech_started") < 1 {
        failures.push("no input_audio_buffer.speech_started".into());
    }
    if count(summary, "input_audio_buffer.speech_stopped") < 1 {
        failures.push(
            "no input_audio_buffer.speech_stopped after the packets stopped (issue 10, bug 2)"
                .into(),
        );
    }
    for kind in ["response.created", "response.done"] {
        if !after_speech_stopped(summary, kind) {
            failures.push(format!("no {kind} after the speech_stopped"));
        }
    }
    let invalid = validation_failures(summary);
    if !invalid.is_empty() {
        failures.push(format!(
            "{} event(s) refused by the openai SDK's GA models (bug 3 is part.type \"output_audio\"): {}",
            invalid.len(),
            invalid.join("; ")
        ));
    }
    if summary["hangup_status"] != 200 {
        failures.push(format!("hangup answered {}", summary["hangup_status"]));
    }
}

/// Runs a plain OpenAI client (no `viva_events`) on `wav` and checks everything: a complete,
/// valid turn and no `viva.*` event.
async fn plain_client_call(wav: &Path) {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, session()).await;
    let summary = run_peer(server.addr, &secret, "", wav).await;

    let mut failures = Vec::new();
    check_turn_and_validity(&summary, &mut failures);
    let viva: Vec<&str> = types(&summary)
        .into_iter()
        .filter(|t| t.starts_with("viva."))
        .collect();
    if !viva.is_empty() {
        failures.push(format!(
            "Viva's own events sent to a client that did not ask for them (bug 4): {viva:?}"
        ));
    }
    assert_all(&failures, &summary);
}

/// Bug 2: speech only, the packets stop when the speech does (a muted or stalled browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_ends_when_the_candidates_packets_stop_after_speech() {
    plain_client_call(&answer_wav(ANSWER, 0)).await;
}

/// Bugs 3 and 4 on their own: trailing silence ends this turn by VAD whatever becomes of
/// stopped packets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_openai_client_gets_only_valid_openai_events() {
    plain_client_call(&answer_wav(ANSWER, 1_500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_opts_in_gets_viva_events_beside_valid_openai_ones() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, session()).await;
    // Trailing silence ends this turn by VAD whatever becomes of stopped packets.
    let wav = answer_wav(ANSWER, 1_500);
    let summary = run_peer(server.addr, &secret, "viva_events=1", &wav).await;

    let mut failures = Vec::new();
    check_turn_and_validity(&summary, &mut failures);
    if count(&summary, "viva.interview.progress") < 1 {
        failures.push("no viva.interview.progress for a client that asked (viva_events=1)".into());
    }
    assert_all(&failures, &summary);
}
