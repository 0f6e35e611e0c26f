//! Cost of setting up a session on an in-process server over loopback: the credentials an
//! integrator fetches before a call, and a candidate's call from SDP offer to answer and to a
//! connected peer (a real webrtc-rs peer, ICE and DTLS included). Run with
//! `cargo bench --bench session`; figures are in BENCHMARKS.md. Setup under load is measured
//! by `viva load` (`latency_ms.setup`).

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use viva::config::ServeConfig;
use viva::load::{ClientEvent, SyntheticPeer};
use viva::server::{Running, start};
use webrtc::peer_connection::RTCPeerConnectionState;

const SERVER_KEY: &str = "sk_test_bootstrap";

/// A server on loopback with the embedded defaults (SQLite, local engine, embedded TURN), the
/// runtime it runs on, and a client of it.
struct Fixture {
    runtime: Runtime,
    base: String,
    http: reqwest::Client,
    _server: Running,
}

impl Fixture {
    fn new() -> Self {
        let runtime = Runtime::new().unwrap();
        let mut config = ServeConfig::for_tests();
        config.data_dir =
            std::env::temp_dir().join(format!("viva-bench-{}", viva::ids::new_id("")));
        config.max_calls = 10_000;
        let server = runtime
            .block_on(start(config, std::future::pending()))
            .expect("server starts");
        Self {
            base: format!("http://{}", server.addr),
            runtime,
            http: reqwest::Client::new(),
            _server: server,
        }
    }
}

/// POSTs `body` with the server key and returns the JSON answer.
async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(SERVER_KEY)
        .json(&body)
        .send()
        .await
        .expect("server reachable");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON answer")
}

async fn client_secret(http: &reqwest::Client, base: &str) -> String {
    let secret = post(
        http,
        format!("{base}/v1/realtime/client_secrets"),
        json!({}),
    )
    .await;
    secret["value"].as_str().expect("a secret").to_owned()
}

/// How long one call took to set up, from the SDP offer's POST.
struct CallTimes {
    /// Until the SDP answer came back.
    answer: Duration,
    /// Until the peer connection was connected (ICE and DTLS done).
    connected: Duration,
}

/// Opens a call, times its setup and hangs up.
async fn timed_call(http: &reqwest::Client, base: &str) -> CallTimes {
    let secret = client_secret(http, base).await;
    let mut peer = SyntheticPeer::call(base, &secret)
        .await
        .expect("call answered");
    let answer = peer.answered_at - peer.offer_sent_at;
    let connected = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = peer.events.recv().await {
            if matches!(event, ClientEvent::State(RTCPeerConnectionState::Connected)) {
                return Instant::now();
            }
        }
        panic!("the peer's events ended before it connected");
    })
    .await
    .expect("connected within 10 s");
    peer.hangup().await.expect("hangup accepted");
    CallTimes {
        answer,
        connected: connected - peer.offer_sent_at,
    }
}

fn credentials(c: &mut Criterion) {
    let Fixture {
        runtime,
        base,
        http,
        ..
    } = &Fixture::new();
    let mut group = c.benchmark_group("credentials");
    group.bench_function("client_secret", |b| {
        b.iter(|| runtime.block_on(client_secret(http, base)));
    });
    let interview_id = runtime.block_on(async {
        let templates = http
            .get(format!("{base}/api/v1/templates"))
            .bearer_auth(SERVER_KEY)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let body = json!({"template_id": templates[0]["id"], "email": "bench@viva.test"});
        let interview = post(http, format!("{base}/api/v1/interviews/"), body).await;
        interview["id"]
            .as_str()
            .expect("an interview id")
            .to_owned()
    });
    // What an integrator's backend fetches per candidate: TURN credentials and a session token.
    group.bench_function("interview_credentials", |b| {
        let url = format!("{base}/api/v1/interviews/{interview_id}/credentials");
        b.iter(|| runtime.block_on(post(http, url.clone(), json!({}))));
    });
    group.finish();
}

fn calls(c: &mut Criterion) {
    let Fixture {
        runtime,
        base,
        http,
        ..
    } = &Fixture::new();
    let mut group = c.benchmark_group("call_setup");
    // A call is tens of milliseconds: ten samples of a few calls each.
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    type Pick = fn(&CallTimes) -> Duration;
    let figures: [(&str, Pick); 2] = [
        ("offer_to_answer", |t| t.answer),
        ("offer_to_connected", |t| t.connected),
    ];
    for (name, pick) in figures {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += pick(&timed_call(http, base).await);
                    }
                    total
                })
            });
        });
    }
    group.finish();
}

criterion_group!(benches, credentials, calls);
criterion_main!(benches);
