//! Recordings end to end: a voice interview opened from the partner facade's `interview_url`
//! (the embed page's calls, then a webrtc-rs peer speaking real espeak-ng speech), its answer's
//! `audio_url` downloaded over HTTP (signed, expiring, Range), parsed as Ogg Opus, its duration
//! held against the answer's and its audio decoded and correlated with what the peer sent;
//! the whole call's track beside it; deleting the interview removes both.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva::load::ClientEvent;
use viva::recording::{FileRecordings, RecordingStore};

const PATH: &str = "/v1/partners/mock-interviews/";
const LEAD_IN_MS: usize = 1_000;

/// An Ogg Opus file read back: pre-skip, playable duration (ms) and its audio at 16 kHz.
struct OggOpus {
    pre_skip: u64,
    duration_ms: u64,
    pcm_16k: Vec<i16>,
}

fn read_ogg_opus(file: &[u8]) -> OggOpus {
    let mut reader = ogg::reading::PacketReader::new(std::io::Cursor::new(file));
    let head = reader.read_packet().unwrap().expect("OpusHead").data;
    assert!(head.starts_with(b"OpusHead"), "not Ogg Opus");
    assert_eq!(head[9], 1, "mono");
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let tags = reader.read_packet().unwrap().expect("OpusTags").data;
    assert!(tags.starts_with(b"OpusTags"));
    let mut decoder = opus::Decoder::new(16_000, opus::Channels::Mono).unwrap();
    let mut pcm = vec![0i16; 16 * 120];
    let (mut pcm_16k, mut last_granule, mut ended) = (Vec::new(), 0, false);
    while let Some(packet) = reader.read_packet().unwrap() {
        let n = decoder.decode(&packet.data, &mut pcm, false).unwrap();
        pcm_16k.extend_from_slice(&pcm[..n]);
        last_granule = packet.absgp_page();
        ended = packet.last_in_stream();
    }
    assert!(ended, "the stream is ended");
    let skip = (pre_skip / 3) as usize;
    OggOpus {
        pre_skip,
        duration_ms: (last_granule - pre_skip) / 48,
        pcm_16k: pcm_16k.split_off(skip.min(pcm_16k.len())),
    }
}

fn server_event<'a>(events: &'a [ClientEvent], kind: &str) -> Option<&'a Value> {
    event_of(events, kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_recorded_served_signed_and_removed_with_its_interview() {
    let config = test_config();
    let data_dir = config.data_dir.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = viva::server::start(config.clone(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let base = base_url(server.addr);
    let (status, created) = bearer_request(
        &base,
        Method::POST,
        PATH,
        "sk_test_bootstrap",
        Some(
            json!({"focus_area": "SKILL", "email": "rec@example.com", "topic": "SQL",
                    "difficulty_level": 2, "number_of_questions": 2}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (id, access, secret) = embed_secret(&base, &created).await;

    // The candidate: a second of quiet, then an answer, then quiet for the turn to end.
    let speech = speech_48k("I would use a left join and group by the customer.");
    let mut sent = vec![0i16; 48 * LEAD_IN_MS];
    sent.extend_from_slice(&speech);
    let peer = Arc::new(connected_call(server.addr, &secret).await);
    let sender = send_paced(peer.clone(), speech_packets(&sent, 1_500));
    let mut peer = Arc::into_inner(wait_for_sender(peer, sender).await).unwrap();
    let events = collect_until(&mut peer, Duration::from_secs(10), |seen| {
        has_event(seen, "input_audio_buffer.speech_stopped")
    })
    .await;
    let started = server_event(&events, "input_audio_buffer.speech_started")
        .unwrap_or_else(|| panic!("no speech_started: {:?}", server_events(&events)));
    let stopped = server_event(&events, "input_audio_buffer.speech_stopped").unwrap();
    let (start_ms, end_ms) = (
        started["audio_start_ms"].as_u64().unwrap(),
        stopped["audio_end_ms"].as_u64().unwrap(),
    );
    let item_id = stopped["item_id"].as_str().unwrap().to_owned();
    peer.hangup().await.unwrap();

    // The answer's message carries a signed link to its recording.
    let messages_path = format!("{PATH}{id}/messages/");
    let mut answer = Value::Null;
    for _ in 0..100 {
        let (_, messages) = bearer_request(&base, Method::GET, &messages_path, &access, None).await;
        if let Some(found) = messages["results"]
            .as_array()
            .and_then(|r| r.iter().find(|m| m["id"] == item_id.as_str()))
            .filter(|m| m["audio_url"].is_string())
        {
            answer = found.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let audio_url = answer["audio_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no recording for {item_id}: {answer}"))
        .to_owned();
    assert_eq!(answer["role"], "user");

    let response = reqwest::get(&audio_url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "audio/ogg");
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    let file = response.bytes().await.unwrap();
    let ogg = read_ogg_opus(&file);
    let answer_ms = end_ms - start_ms;
    assert!(
        ogg.duration_ms.abs_diff(answer_ms) <= 100,
        "recording {} ms, answer {answer_ms} ms",
        ogg.duration_ms
    );
    assert!(ogg.pre_skip <= 5_760);

    // It is what the candidate said: the speech, found where the answer's start puts it.
    let reference = resample_16k(&speech);
    let expected_lag = (LEAD_IN_MS as u64).saturating_sub(start_ms) as usize * 16;
    let window = 16 * 60;
    let from = expected_lag.saturating_sub(window);
    let (correlation, _) = best_correlation(&reference, &ogg.pcm_16k[from..], 2 * window);
    eprintln!(
        "recording {} ms, answer {answer_ms} ms, correlation {correlation:.2}",
        ogg.duration_ms
    );
    assert!(correlation > 0.5, "correlation {correlation:.2}");

    // Range: a player seeking.
    let partial = reqwest::Client::new()
        .get(&audio_url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(partial.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(partial.bytes().await.unwrap(), file.slice(10..20));

    // The link is the credential: a changed signature, expiry or id is refused.
    let forged = audio_url.replace("sig=", "sig=00");
    assert_eq!(
        reqwest::get(&forged).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let later = audio_url.replace("expires=", "expires=9");
    let refused = reqwest::get(&later).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "recording_link_invalid");
    let rec_id = audio_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let expired = format!("{base}{}", server.state.recording_urls.sign(rec_id, 1));
    let refused = reqwest::get(&expired).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "recording_link_expired");
    let unsigned = audio_url.split('?').next().unwrap().to_owned();
    assert_eq!(
        reqwest::get(&unsigned).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    // A restart on the same data directory keeps the interview, its messages and recordings.
    stop.send(()).unwrap();
    let viva::server::Running { task, state, .. } = server;
    task.await.unwrap().unwrap();
    drop(state);
    let server = start_server(config).await;
    let base = base_url(server.addr);
    let (status, messages) =
        bearer_request(&base, Method::GET, &messages_path, &access, None).await;
    assert_eq!(status, StatusCode::OK, "{messages}");
    let kept = messages["results"]
        .as_array()
        .and_then(|r| r.iter().find(|m| m["id"] == item_id.as_str()))
        .unwrap_or_else(|| panic!("the answer survived the restart: {messages}"));
    let audio_url = kept["audio_url"].as_str().unwrap().to_owned();
    let again = reqwest::get(&audio_url).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.bytes().await.unwrap(), file, "the same recording");

    // The whole call's track is kept too, at least as long as the answer.
    let store = &server.state.store;
    let org_id = viva::store::DEFAULT_ORG_ID;
    let recordings = store.interview_recordings(org_id, &id).await.unwrap();
    let whole = recordings
        .iter()
        .find(|r| r.item_id.is_none())
        .expect("the whole call's recording");
    assert!(whole.duration_ms >= answer_ms, "{whole:?}");

    // Deleting the interview takes its recordings: links stop working, the sweeper removes
    // the files.
    let (status, _) = bearer_request(
        &base,
        Method::DELETE,
        &format!("{PATH}{id}/"),
        "sk_test_bootstrap",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reqwest::get(&audio_url).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let files = FileRecordings::new(data_dir.join("recordings"));
    let viva::recording::Location::File(whole_path) = files.locate(&whole.key);
    assert!(whole_path.exists());
    let removed =
        viva::recording::retention::sweep(store.as_ref(), &files, None, viva::clock::unix_ms())
            .await;
    assert_eq!(removed, recordings.len());
    assert!(!whole_path.exists());
    assert!(
        store
            .interview_recordings(org_id, &id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Waits until every packet was sent, then hands the peer back.
async fn wait_for_sender(
    peer: Arc<viva::load::SyntheticPeer>,
    sender: tokio::task::JoinHandle<()>,
) -> Arc<viva::load::SyntheticPeer> {
    sender.await.unwrap();
    peer
}

fn resample_16k(samples_48k: &[i16]) -> Vec<i16> {
    viva::audio::resample_clip(samples_48k, 48_000, 16_000).unwrap()
}
