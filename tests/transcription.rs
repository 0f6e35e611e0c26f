//! The local engine transcribes: a webrtc-rs peer speaks espeak-ng sentences to a server whose
//! `--stt-url` points at the real transcription service (`stt/server.py`, faster-whisper
//! tiny.en), and the `conversation.item.input_audio_transcription.completed` events and the
//! stored answers carry what was said (word error rate under 30 %, printed). With the service
//! gone, each answer fails plainly (`.failed`, with the reason), is stored without text, and the
//! call goes on.
//!
//! The service's venv comes from `scripts/install-deps` (`stt/.venv`).

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use viva::audio::synth::{PacketiseOptions, packetise};
use viva::load::{ClientEvent, SyntheticPeer};
use viva::store::{DEFAULT_ORG_ID, Role};

/// What the candidate says, one turn each.
const SENTENCES: [&str; 3] = [
    "I enjoy building reliable systems and I like working with people.",
    "When we disagree, I listen first and then we test both ideas.",
    "I would use a left join and group the orders by customer.",
];
const COMPLETED: &str = "conversation.item.input_audio_transcription.completed";
const FAILED: &str = "conversation.item.input_audio_transcription.failed";

/// The transcription service, killed when dropped.
struct SttService {
    child: Child,
    url: String,
}

impl SttService {
    async fn start() -> Self {
        viva::http_client::install_crypto_provider();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join("stt/.venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `scripts/install-deps --test` (it makes the transcription service's venv)",
            python.display()
        );
        let port = free_port();
        let child = Command::new(python)
            .arg(root.join("stt/server.py"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--log-level",
                "warning",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("the transcription service starts");
        let service = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let health = reqwest::get(format!("{}/health", service.url)).await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return service;
            }
            assert!(
                Instant::now() < deadline,
                "the transcription service did not come up"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for SttService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Lower-case words, punctuation dropped.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance of `heard` from `reference`, and the reference's length.
fn word_errors(reference: &str, heard: &str) -> (usize, usize) {
    let (r, h) = (words(reference), words(heard));
    let mut row: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, hw) in h.iter().enumerate() {
            let substitute = diagonal + usize::from(rw != hw);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    (row[h.len()], r.len())
}

/// Word error rate of `heard` against `reference`: edits over the reference's length.
fn word_error_rate(reference: &str, heard: &str) -> f64 {
    let (errors, words) = word_errors(reference, heard);
    errors as f64 / words.max(1) as f64
}

#[test]
fn word_error_rate_counts_edits_per_reference_word() {
    assert_eq!(word_error_rate("a b c d", "a b c d"), 0.0);
    assert_eq!(word_error_rate("a b c d", "A, b. x d"), 0.25);
    assert_eq!(word_error_rate("a b c d", "a b d"), 0.25);
    assert_eq!(word_error_rate("a b", ""), 1.0);
}

/// A server transcribing with `stt_url`, and a call on it that asks for transcription.
async fn call_with_stt(
    stt_url: &str,
) -> (viva::server::Running, SyntheticPeer, std::path::PathBuf) {
    let mut config = test_config();
    config.stt.stt_url = Some(stt_url.to_owned());
    let data_dir = config.data_dir.clone();
    let server = start_server(config).await;
    let session = json!({"session": {"audio": {"input": {
        "transcription": {"model": "whisper-1", "language": "en"},
        "turn_detection": {"type": "server_vad", "silence_duration_ms": 600},
    }}}});
    let secret = mint_secret(server.addr, session).await;
    let peer = connected_call(server.addr, &secret).await;
    (server, peer, data_dir)
}

/// The candidate's one RTP stream: each turn continues the sequence numbers, and its
/// timestamps follow the wall clock (nothing is sent between turns, as with DTX).
struct Candidate {
    peer: Option<SyntheticPeer>,
    started: Instant,
    next_sequence: u16,
    next_timestamp: u32,
}

impl Candidate {
    fn new(peer: SyntheticPeer) -> Self {
        Self {
            peer: Some(peer),
            started: Instant::now(),
            next_sequence: 0,
            next_timestamp: 0,
        }
    }

    /// Speaks `text` (then 1.5 s of silence) and collects events until `done`.
    async fn say(&mut self, text: &str, done: impl FnMut(&[ClientEvent]) -> bool) -> Vec<Value> {
        let mut signal = speech_48k(text);
        signal.extend(std::iter::repeat_n(0, 48 * 1_500));
        let wall = (self.started.elapsed().as_millis() as u32).wrapping_mul(48);
        let options = PacketiseOptions {
            first_sequence: self.next_sequence,
            first_timestamp: self.next_timestamp.max(wall),
            ..PacketiseOptions::default()
        };
        let packets = packetise(&signal, &options).unwrap();
        let last = packets.last().unwrap();
        self.next_sequence = last.sequence_number.wrapping_add(1);
        self.next_timestamp = last.timestamp.wrapping_add(960);
        let peer = Arc::new(self.peer.take().expect("one turn at a time"));
        send_paced(peer.clone(), packets).await.unwrap();
        let peer = self
            .peer
            .insert(Arc::into_inner(peer).expect("the sender let go of the peer"));
        let events = collect_until(peer, Duration::from_secs(30), done).await;
        server_events(&events).into_iter().cloned().collect()
    }

    /// Hangs up; returns the call id.
    async fn hangup(self) -> String {
        let peer = self.peer.expect("not mid-turn");
        peer.hangup().await.unwrap();
        peer.call_id.clone()
    }
}

fn count(events: &[ClientEvent], kind: &str) -> usize {
    server_events(events)
        .iter()
        .filter(|e| e["type"] == kind)
        .count()
}

/// The stored items of the call, once `ready` holds for them (the writer batches).
async fn stored_items(
    server: &viva::server::Running,
    call_id: &str,
    ready: impl Fn(&[viva::store::TranscriptItem]) -> bool,
) -> Vec<viva::store::TranscriptItem> {
    let mut items = Vec::new();
    for _ in 0..100 {
        if let Some(call) = server
            .state
            .store
            .call(DEFAULT_ORG_ID, call_id)
            .await
            .unwrap()
        {
            items = call.items;
            if ready(&items) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_answer_is_transcribed_then_fails_plainly_once_the_service_stops() {
    let service = SttService::start().await;
    let (server, peer, data_dir) = call_with_stt(&service.url).await;
    let mut candidate = Candidate::new(peer);

    // Each sentence: its turn, its item, then its transcript, in order with the other events.
    let mut transcripts = Vec::new();
    let (mut errors, mut said) = (0, 0);
    for (n, sentence) in SENTENCES.iter().enumerate() {
        let events = candidate
            .say(sentence, |seen| {
                count(seen, COMPLETED) + count(seen, FAILED) >= 1
            })
            .await;
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        let position = |kind: &str| {
            kinds
                .iter()
                .position(|k| *k == kind)
                .unwrap_or_else(|| panic!("turn {n}: no {kind} in {kinds:?}"))
        };
        let completed = &events[position(COMPLETED)];
        let committed = &events[position("input_audio_buffer.committed")];
        assert!(position("input_audio_buffer.committed") < position(COMPLETED));
        assert!(position("conversation.item.done") < position(COMPLETED));
        assert_eq!(completed["item_id"], committed["item_id"], "{completed}");
        assert_eq!(completed["content_index"], 0);
        assert_eq!(completed["usage"]["type"], "duration", "{completed}");
        assert!(completed["usage"]["seconds"].as_f64().unwrap() > 1.0);
        let heard = completed["transcript"].as_str().unwrap().to_owned();
        let wer = word_error_rate(sentence, &heard);
        eprintln!(
            "said:  {sentence}\nheard: {heard}\nWER {:.0} %",
            wer * 100.0
        );
        // One sentence may be misheard more (tiny.en on espeak-ng); none may be lost.
        assert!(
            wer < 0.5,
            "WER {wer:.2}: said {sentence:?}, heard {heard:?}"
        );
        let (e, w) = word_errors(sentence, &heard);
        (errors, said) = (errors + e, said + w);
        transcripts.push((committed["item_id"].as_str().unwrap().to_owned(), heard));
    }
    let wer = errors as f64 / said as f64;
    eprintln!(
        "WER over {} sentences ({said} words): {:.1} %",
        SENTENCES.len(),
        wer * 100.0
    );
    assert!(wer < 0.3, "WER {:.1} % over every sentence", wer * 100.0);

    // What the server measured: each transcription's wait and time (Prometheus histograms).
    let metrics = reqwest::get(format!("{}/metrics", base_url(server.addr)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in metrics.lines() {
        if line.starts_with("viva_stt_") && !line.contains("_bucket") {
            eprintln!("{line}");
        }
    }
    assert!(metrics.contains("viva_stt_utterances_total{outcome=\"completed\"}"));

    // The service stops: the next answer fails, saying why, and the interviewer goes on.
    drop(service);
    let events = candidate
        .say("I also mentor the newer engineers on the team.", |seen| {
            count(seen, FAILED) >= 1 && count(seen, "response.done") >= 1
        })
        .await;
    let failed = events
        .iter()
        .find(|e| e["type"] == FAILED)
        .unwrap_or_else(|| panic!("no {FAILED}: {events:?}"));
    assert_eq!(failed["error"]["type"], "transcription_error", "{failed}");
    assert_eq!(
        failed["error"]["code"], "transcription_unavailable",
        "{failed}"
    );
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{failed}"
    );
    assert!(!events.iter().any(|e| e["type"] == COMPLETED));
    let unheard = failed["item_id"].as_str().unwrap().to_owned();
    assert!(
        events.iter().any(|e| e["type"] == "response.done"),
        "the interviewer asks on: {events:?}"
    );
    let call_id = candidate.hangup().await;

    // Stored: every answer, with its text, and the last one as audio without text.
    let items = stored_items(&server, &call_id, |items| {
        transcripts.iter().all(|(id, heard)| {
            items
                .iter()
                .any(|i| &i.item_id == id && i.text.as_deref() == Some(heard))
        }) && items.iter().any(|i| i.item_id == unheard)
    })
    .await;
    for (id, heard) in &transcripts {
        let item = items
            .iter()
            .find(|i| &i.item_id == id)
            .unwrap_or_else(|| panic!("answer {id} stored: {items:?}"));
        assert_eq!(item.role, Role::User);
        assert_eq!(item.text.as_deref(), Some(heard.as_str()), "{item:?}");
        assert!(item.audio_ms.is_some_and(|ms| ms > 1_000), "{item:?}");
    }
    let last = items
        .iter()
        .find(|i| i.item_id == unheard)
        .unwrap_or_else(|| panic!("the untranscribed answer is kept: {items:?}"));
    assert_eq!(last.text, None, "never an invented transcript: {last:?}");
    assert!(last.audio_ms.is_some_and(|ms| ms > 1_000), "{last:?}");
    drop(server);
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_service_every_answer_fails_plainly_and_the_call_goes_on() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let (server, peer, data_dir) = call_with_stt(&closed).await;
    let mut candidate = Candidate::new(peer);
    let mut unheard = Vec::new();
    for sentence in &SENTENCES[..2] {
        let events = candidate
            .say(sentence, |seen| {
                count(seen, FAILED) >= 1 && count(seen, "response.created") >= 1
            })
            .await;
        let failed = events
            .iter()
            .find(|e| e["type"] == FAILED)
            .unwrap_or_else(|| panic!("no {FAILED}: {events:?}"));
        assert_eq!(
            failed["error"]["code"], "transcription_unavailable",
            "{failed}"
        );
        assert!(
            events.iter().any(|e| e["type"] == "response.created"),
            "the call goes on: {events:?}"
        );
        unheard.push(failed["item_id"].as_str().unwrap().to_owned());
    }
    let call_id = candidate.hangup().await;
    let items = stored_items(&server, &call_id, |items| {
        unheard
            .iter()
            .all(|id| items.iter().any(|i| &i.item_id == id))
    })
    .await;
    for id in &unheard {
        let item = items
            .iter()
            .find(|i| &i.item_id == id)
            .unwrap_or_else(|| panic!("answer {id} is kept: {items:?}"));
        assert_eq!(item.text, None);
        assert!(item.audio_ms.is_some_and(|ms| ms > 1_000), "{item:?}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(data_dir);
}
