//! A webhook receiver for the tests: an HTTP server on loopback that records each POST to
//! `/hooks` and answers from a script; and the Standard Webhooks reference library's verdict
//! on what it got (Python `standardwebhooks`, in the test venv).
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use viva::config::ServeConfig;
use viva::webhooks::Schedule;

use crate::common::{run_json_script, test_config};

/// How long a test waits for deliveries.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// What the receiver answers, request by request (then 200).
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Receiver {
    script: Arc<Mutex<VecDeque<Answer>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver on `addr` (127.0.0.1:0 for any port) answering `script` first.
    pub async fn start_on(addr: SocketAddr, script: &[Answer]) -> (Self, String) {
        let receiver = Self::default();
        receiver.script.lock().unwrap().extend(script);
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    pub async fn start(script: &[Answer]) -> (Self, String) {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), script).await
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to [`DEADLINE`]) until `n` requests have come.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "only {} of {n} requests came: {:?}",
                got.len(),
                got.iter().map(|r| &r.body).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    receiver
        .received
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let next = receiver.script.lock().unwrap().pop_front();
    match next {
        Some(Answer::Status(code)) => StatusCode::from_u16(code).unwrap(),
        Some(Answer::Hang) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::OK
        }
        None => StatusCode::OK,
    }
}

pub fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers.get(name).unwrap().to_str().unwrap()
}

/// Test settings for webhooks to loopback, with short retries.
pub fn webhook_config(retries: &[u64]) -> ServeConfig {
    let mut config = test_config();
    config.webhook_allow_private = true;
    config.webhook_schedule = Schedule {
        retries: retries
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect(),
        jitter: 0.0,
        timeout: Duration::from_secs(1),
        poll: Duration::from_millis(100),
    };
    config
}

/// Verifies `cases` (`{secret, headers, body}`) with the `standardwebhooks` library.
pub async fn reference_verify(cases: Value) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aiortc");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/install-deps --test`",
        python.display()
    );
    let input: PathBuf =
        std::env::temp_dir().join(format!("viva-webhooks-{}.json", viva::ids::new_id("")));
    std::fs::write(&input, cases.to_string()).unwrap();
    let mut command = tokio::process::Command::new(&python);
    command.arg(dir.join("verify_webhooks.py")).arg(&input);
    let (summary, _) = run_json_script(command, Duration::from_secs(60)).await;
    let _ = std::fs::remove_file(&input);
    summary["results"].as_array().unwrap().clone()
}
