//! Shared helpers of the integration tests: a server on loopback, real speech, a fake
//! OpenAI Realtime upstream, and waiting on a synthetic peer's events.
#![allow(dead_code, unreachable_pub)]

use std::future::pending;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use viva::audio::resample_clip;
use viva::audio::synth::{OwnedPacket, PacketiseOptions, packetise};
use viva::audio::wav::parse_wav;
use viva::config::ServeConfig;
use viva::load::{ClientEvent, SyntheticPeer};
use viva::server::{Running, start};

/// Test settings with a data directory of its own.
pub fn test_config() -> ServeConfig {
    viva::http_client::install_crypto_provider();
    let mut config = ServeConfig::for_tests();
    config.data_dir = std::env::temp_dir().join(format!("viva-test-{}", viva::ids::new_id("")));
    config
}

/// Starts a server that runs until the test ends.
pub async fn start_server(config: ServeConfig) -> Running {
    start(config, pending()).await.expect("server starts")
}

/// `http://addr`.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Mints a client secret through the API with the test server key.
pub async fn mint_secret(addr: SocketAddr, body: Value) -> String {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/realtime/client_secrets", base_url(addr)))
        .bearer_auth("sk_test_bootstrap")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["value"].as_str().unwrap().to_owned()
}

/// Real speech from espeak-ng as 48 kHz mono samples.
pub fn speech_48k(text: &str) -> Vec<i16> {
    let output = std::process::Command::new("espeak-ng")
        .args(["--stdout", "-s", "150", "-v", "en-us", "--", text])
        .output()
        .expect("espeak-ng is installed (scripts/install-deps --test)");
    assert!(output.status.success(), "espeak-ng failed");
    let wav = parse_wav(&output.stdout).unwrap();
    resample_clip(&wav.samples, wav.rate, 48_000).unwrap()
}

/// Opus packets of `samples` (48 kHz) followed by `silence_ms` of encoded silence.
pub fn speech_packets(samples: &[i16], silence_ms: usize) -> Vec<OwnedPacket> {
    let mut signal = samples.to_vec();
    signal.extend(std::iter::repeat_n(0, 48 * silence_ms));
    packetise(&signal, &PacketiseOptions::default()).unwrap()
}

/// Sends packets in real time (20 ms apart) from a background task.
pub fn send_paced(
    peer: std::sync::Arc<SyntheticPeer>,
    packets: Vec<OwnedPacket>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        for packet in packets {
            ticker.tick().await;
            let _ = peer
                .send_opus(
                    packet.sequence_number,
                    packet.timestamp,
                    packet.marker,
                    packet.payload.into(),
                )
                .await;
        }
    })
}

/// Normalised cross-correlation at the best lag of `output` behind `reference`.
pub fn best_correlation(reference: &[i16], output: &[i16], max_lag: usize) -> (f64, usize) {
    let len = reference.len().min(output.len().saturating_sub(max_lag));
    let mut best = (f64::MIN, 0);
    for lag in 0..=max_lag {
        let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
        for n in 0..len {
            let (x, y) = (f64::from(reference[n]), f64::from(output[n + lag]));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        let c = ab / (aa * bb).sqrt().max(1e-9);
        if c > best.0 {
            best = (c, lag);
        }
    }
    best
}

/// Collects a peer's events until `done` says so or `timeout` passes; returns them all.
pub async fn collect_until(
    peer: &mut SyntheticPeer,
    timeout: Duration,
    mut done: impl FnMut(&[ClientEvent]) -> bool,
) -> Vec<ClientEvent> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, peer.events.recv()).await {
            Ok(Some(event)) => seen.push(event),
            _ => break,
        }
    }
    seen
}

/// The server events among `events`.
pub fn server_events(events: &[ClientEvent]) -> Vec<&Value> {
    events
        .iter()
        .filter_map(|e| {
            if let ClientEvent::ServerEvent(v) = e {
                Some(v)
            } else {
                None
            }
        })
        .collect()
}

/// The first server event of `kind` among `events`.
pub fn event_of<'a>(events: &'a [ClientEvent], kind: &str) -> Option<&'a Value> {
    server_events(events)
        .into_iter()
        .find(|e| e["type"] == kind)
}

/// Opens a call with `secret` on the server at `addr` and waits until it is connected.
pub async fn connected_call(addr: SocketAddr, secret: &str) -> SyntheticPeer {
    let mut peer = SyntheticPeer::call(&base_url(addr), secret)
        .await
        .expect("call answered");
    connected(&mut peer).await;
    peer
}

/// Whether a server event of `kind` is among `events`.
pub fn has_event(events: &[ClientEvent], kind: &str) -> bool {
    event_of(events, kind).is_some()
}

/// Number of audio packets among `events`.
pub fn audio_packets(events: &[ClientEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Audio { .. }))
        .count()
}

/// Waits for the peer to connect.
pub async fn connected(peer: &mut SyntheticPeer) -> Vec<ClientEvent> {
    let events = collect_until(peer, Duration::from_secs(10), |seen| {
        seen.iter().any(|e| {
            matches!(
                e,
                ClientEvent::State(webrtc::peer_connection::RTCPeerConnectionState::Connected)
            )
        })
    })
    .await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            ClientEvent::State(webrtc::peer_connection::RTCPeerConnectionState::Connected)
        )),
        "peer did not connect: {events:?}"
    );
    events
}

/// A fake OpenAI Realtime server: accepts one WebSocket per call, reports every client
/// event it receives and the handshake's headers, and sends what the test tells it to.
pub struct FakeUpstream {
    /// `ws://127.0.0.1:port/v1/realtime`.
    pub url: String,
    /// Per accepted connection: (request path+query, Authorization header).
    pub handshakes: mpsc::UnboundedReceiver<(String, String)>,
    /// Client events received, in order, from any connection.
    pub received: mpsc::UnboundedReceiver<Value>,
    /// Server events to send on the current connection.
    pub send: mpsc::UnboundedSender<Value>,
}

impl FakeUpstream {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/v1/realtime", listener.local_addr().unwrap());
        let (handshake_tx, handshakes) = mpsc::unbounded_channel();
        let (received_tx, received) = mpsc::unbounded_channel();
        let (send, mut to_send) = mpsc::unbounded_channel::<Value>();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handshake_tx = handshake_tx.clone();
                // The handshake callback's signature is tokio-tungstenite's.
                #[allow(clippy::result_large_err)]
                let callback = move |request: &Request, response: Response| {
                    let auth = request
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let _ = handshake_tx.send((request.uri().to_string(), auth));
                    Ok(response)
                };
                let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await
                else {
                    continue;
                };
                let created = json!({"type": "session.created", "event_id": "event_fake0", "session": {"id": "sess_fake", "type": "realtime"}});
                let _ = socket.send(Message::text(created.to_string())).await;
                loop {
                    tokio::select! {
                        frame = socket.next() => match frame {
                            Some(Ok(Message::Text(text))) => {
                                if let Ok(value) = serde_json::from_str::<Value>(&text) {
                                    let _ = received_tx.send(value);
                                }
                            }
                            Some(Ok(_)) => {}
                            _ => break,
                        },
                        Some(event) = to_send.recv() => {
                            if event["type"] == "fake.drop_connection" {
                                break;
                            }
                            if socket.send(Message::text(event.to_string())).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        Self {
            url,
            handshakes,
            received,
            send,
        }
    }

    /// Client events received so far (without waiting).
    pub fn drain(&mut self) -> Vec<Value> {
        std::iter::from_fn(|| self.received.try_recv().ok()).collect()
    }

    /// Waits up to `timeout` for a client event matching `pred`; returns all events seen.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.received.recv()).await {
                Ok(Some(event)) => {
                    let hit = pred(&event);
                    seen.push(event);
                    if hit {
                        return seen;
                    }
                }
                _ => return seen,
            }
        }
    }
}

/// The audio of `input_audio_buffer.append` events, concatenated.
pub fn appended_audio(events: &[Value]) -> Vec<i16> {
    use base64::Engine;
    events
        .iter()
        .filter(|e| e["type"] == "input_audio_buffer.append")
        .flat_map(|e| {
            base64::engine::general_purpose::STANDARD
                .decode(e["audio"].as_str().unwrap())
                .unwrap()
        })
        .collect::<Vec<u8>>()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// `response.output_audio.delta` events carrying `ms` of a tone at 24 kHz, in 100 ms pieces.
pub fn tone_deltas(response_id: &str, item_id: &str, ms: usize) -> Vec<Value> {
    use base64::Engine;
    let tone = viva::audio::synth::sine(24_000, 300.0, 0.3, 24 * ms);
    tone.chunks(2_400)
        .map(|piece| {
            let bytes: Vec<u8> = piece.iter().flat_map(|s| s.to_le_bytes()).collect();
            json!({"type": "response.output_audio.delta", "event_id": viva::ids::new_id("event_"), "response_id": response_id, "item_id": item_id,
                   "output_index": 0, "content_index": 0, "delta": base64::engine::general_purpose::STANDARD.encode(bytes)})
        })
        .collect()
}

/// The start of a response: `response.created` and its assistant item.
pub fn response_start(response_id: &str, item_id: &str) -> Vec<Value> {
    vec![
        json!({"type": "response.created", "event_id": "event_r1", "response": {"id": response_id, "object": "realtime.response", "status": "in_progress", "output": []}}),
        json!({"type": "response.output_item.added", "event_id": "event_r2", "response_id": response_id, "output_index": 0,
               "item": {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []}}),
        json!({"type": "response.output_audio_transcript.delta", "event_id": "event_r3", "response_id": response_id, "item_id": item_id,
               "output_index": 0, "content_index": 0, "delta": "Tell me about"}),
    ]
}

/// Runs `tests/browser/call.mjs` (headless Chromium on the candidate page) against the server
/// at `addr`, the fake microphone looping 7 s of quiet, `answer` spoken, and 3 s of quiet.
/// `relay` opens the page with `?relay=1`. Returns the script's JSON summary after checking
/// that it succeeded.
pub async fn run_browser_call(addr: SocketAddr, answer: &str, relay: bool) -> Value {
    let extra_env: &[(&str, &str)] = if relay { &[("VIVA_RELAY", "1")] } else { &[] };
    run_browser_call_env(addr, answer, extra_env).await
}

/// [`run_browser_call`] with extra environment for `call.mjs` (`VIVA_RELAY`, `VIVA_ICE`, …).
pub async fn run_browser_call_env(
    addr: SocketAddr,
    answer: &str,
    extra_env: &[(&str, &str)],
) -> Value {
    let browser_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let mut mic = vec![0i16; 48_000 * 7];
    mic.extend(speech_48k(answer));
    mic.extend(std::iter::repeat_n(0, 48_000 * 3));
    let dir = std::env::temp_dir().join(format!("viva-browser-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("answer.wav");
    std::fs::write(&wav, viva::audio::wav::write_wav(48_000, &mic)).unwrap();
    let mut command = tokio::process::Command::new("node");
    command
        .arg("call.mjs")
        .current_dir(&browser_dir)
        .env("VIVA_URL", base_url(addr))
        .env("VIVA_WAV", &wav)
        .env("VIVA_TIMEOUT_MS", "60000")
        .env("VIVA_SCREENSHOT", dir.join("call.png"))
        .envs(extra_env.iter().copied());
    let (summary, output) = run_json_script(command, Duration::from_secs(90)).await;
    assert!(
        output.status.success() && summary["ok"] == true,
        "browser call failed: {summary:#}"
    );
    summary
}

/// Runs a test script (node, python) that prints one JSON summary line on stdout, within
/// `limit`; returns the last JSON line and the process's output. Panics, with what the script
/// printed, when it hangs or prints no JSON.
pub async fn run_json_script(
    mut command: tokio::process::Command,
    limit: Duration,
) -> (Value, std::process::Output) {
    let program = command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned();
    let output = tokio::time::timeout(limit, command.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("{program} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("{program} does not run: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| {
            panic!(
                "no JSON summary from {program}; stdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    (summary, output)
}

/// `GET url` as JSON, with `key` as the bearer token if given.
pub async fn get_json(url: &str, key: Option<&str>) -> Value {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Polls `GET /v1/realtime/calls/{id}` (server key) until the call is over (at most 10 s);
/// returns the last record.
pub async fn ended_call_record(addr: SocketAddr, call_id: &str) -> Value {
    let url = format!("{}/v1/realtime/calls/{call_id}", base_url(addr));
    let mut record = Value::Null;
    for _ in 0..100 {
        record = get_json(&url, Some("sk_test_bootstrap")).await;
        if record["live"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    record
}

/// `method` `base` + `path` with `token` as bearer and `body` as JSON: the status and the JSON
/// answer (null when there is none).
pub async fn bearer_request(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (reqwest::StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// What the partner facade's embed page does with a created interview's `interview_url`:
/// loads the page, then asks for the interview's credentials with the link's access token.
/// Returns the interview id, the candidate's access token (the create's `tokens.access`) and
/// the client secret (`ek_…`).
pub async fn embed_secret(base: &str, created: &Value) -> (String, String, String) {
    let id = created["interview_details"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = reqwest::Url::parse(created["interview_url"].as_str().unwrap()).unwrap();
    assert_eq!(url.path(), format!("/embed/ai-interview/{id}/"));
    let page = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(page.status(), 200);
    let join = url
        .query_pairs()
        .find(|(k, _)| k == "access")
        .expect("a join token in the link")
        .1
        .into_owned();
    let credentials = format!("/api/v1/interviews/{id}/credentials");
    let (status, creds) =
        bearer_request(base, reqwest::Method::POST, &credentials, &join, None).await;
    assert_eq!(status, 200, "{creds}");
    let secret = creds["session_token"]["client_secret"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = created["tokens"]["access"].as_str().unwrap().to_owned();
    (id, access, secret)
}

/// Asks the interviewer to speak (`response.create`), retrying while the data channel opens
/// (around when the peer connects); returns the events until its first line of transcript.
pub async fn first_interviewer_line(peer: &mut SyntheticPeer) -> Vec<ClientEvent> {
    let mut asked = false;
    for _ in 0..100 {
        if peer
            .send_event(&json!({"type": "response.create"}))
            .await
            .is_ok()
        {
            asked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(asked, "the data channel never opened");
    collect_until(peer, Duration::from_secs(15), |seen| {
        has_event(seen, "response.output_audio_transcript.done")
    })
    .await
}
