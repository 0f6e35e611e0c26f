//! A real `viva serve` child process for the tests that signal or kill it, and the helpers
//! they share: waiting for a peer's events, taking them out of the peer.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::*;

/// The bootstrap admin key the process starts with.
pub const ADMIN: &str = "sk_test_bootstrap";

/// A `viva serve` child process.
pub struct Viva {
    /// The process.
    pub child: tokio::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Viva {
    /// Starts the binary on a free loopback port with `data_dir`, and waits until it answers.
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[]).await
    }

    /// Like [`Viva::start`], with `extra` flags.
    pub async fn start_with(data_dir: &Path, extra: &[&str]) -> Self {
        viva::http_client::install_crypto_provider();
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let log = std::fs::File::create(data_dir.with_extension("log")).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_viva"))
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--upstream",
                "local",
            ])
            .args(["--turn-listen", "off", "--drain-timeout", "600"])
            .args(extra)
            .arg("--data-dir")
            .arg(data_dir)
            .env("VIVA_API_KEY", ADMIN)
            .env("VIVA_SIGNING_KEY", "drain-test-signing-key")
            .env_remove("OPENAI_API_KEY")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let viva = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(viva.url("/livez")).await.is_err() {
            assert!(Instant::now() < deadline, "viva serve never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        viva
    }

    /// `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", base_url(self.addr))
    }

    /// Sends SIGTERM.
    pub fn signal_term(&self) {
        self.signal("-TERM");
    }

    /// Sends SIGKILL: the process dies at once, mid-write.
    pub fn kill_9(&self) {
        self.signal("-KILL");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(sent.success());
    }
}

/// Receives the peer's events until one of `kind` comes (15 s at most); returns it.
pub async fn wait_event(events: &mut Events, kind: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while !has_event(&seen, kind) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Some(event)) => seen.push(event),
            _ => panic!("no {kind}: {:?}", server_events(&seen)),
        }
    }
    event_of(&seen, kind).unwrap().clone()
}

/// A peer's event stream, taken out so the peer itself can be shared with its sender.
pub type Events = tokio::sync::mpsc::Receiver<viva::load::ClientEvent>;

/// Takes `peer`'s events out of it.
pub fn take_events(peer: &mut viva::load::SyntheticPeer) -> Events {
    std::mem::replace(&mut peer.events, tokio::sync::mpsc::channel(1).1)
}
