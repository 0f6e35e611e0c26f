//! A live call end to end with real parts: a webrtc-rs candidate peer sends Opus speech
//! (espeak-ng) through Viva to an upstream; the upstream is a fake OpenAI Realtime server
//! (checking what Viva sends it) or the built-in local engine.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use viva::config::UpstreamKind;
use viva::load::{ClientEvent, SyntheticPeer};

async fn server_with_fake_upstream(fake: &FakeUpstream) -> viva::server::Running {
    let mut config = test_config();
    config.upstream = Some(UpstreamKind::Openai);
    config.openai_api_key = Some("sk-upstream-test".into());
    config.openai_url = fake.url.clone();
    config.openai_model = "gpt-realtime-test".into();
    start_server(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_is_relayed_to_the_model_and_its_voice_and_transcript_come_back() {
    let mut fake = FakeUpstream::start().await;
    let server = server_with_fake_upstream(&fake).await;
    let secret = mint_secret(
        server.addr,
        json!({"session": {"type": "realtime", "instructions": "Interview about Rust"}}),
    )
    .await;

    let speech =
        speech_48k("I have five years of experience building distributed systems in Rust.");
    let packets = speech_packets(&speech, 0);
    let peer = SyntheticPeer::call(&base_url(server.addr), &secret)
        .await
        .expect("call answered");
    let (path, auth) = fake.handshakes.recv().await.unwrap();
    assert_eq!(
        auth, "Bearer sk-upstream-test",
        "the server's key, never the client's secret"
    );
    assert!(path.contains("model=gpt-realtime-test"), "{path}");
    let mut peer = peer;
    connected(&mut peer).await;
    let peer = Arc::new(peer);
    send_paced(peer.clone(), packets.clone()).await.unwrap();

    // What the model received: the session first, then 24 kHz pcm16 matching the speech.
    let expected_samples = packets.len() * 480;
    let received = fake
        .wait_for(Duration::from_secs(5), {
            let appends = std::cell::Cell::new(0usize);
            move |e| {
                if e["type"] == "input_audio_buffer.append" {
                    appends.set(appends.get() + 1);
                }
                appends.get() >= expected_samples / 480
            }
        })
        .await;
    assert_eq!(received[0]["type"], "session.update");
    assert_eq!(received[0]["session"]["type"], "realtime");
    assert_eq!(
        received[0]["session"]["instructions"],
        "Interview about Rust"
    );
    let audio = appended_audio(&received);
    assert_eq!(
        audio.len(),
        expected_samples,
        "every 20 ms of speech arrived as 480 samples at 24 kHz"
    );
    let reference = viva::audio::resample_clip(&speech, 48_000, 24_000).unwrap();
    let (correlation, lag) = best_correlation(
        &reference[..reference.len().min(audio.len()) - 1_200],
        &audio,
        1_200,
    );
    assert!(
        correlation > 0.8,
        "relayed speech correlates with the source: {correlation:.3} at lag {lag}"
    );

    // The model answers with 1 s of voice and a transcript.
    for event in response_start("resp_1", "item_a1").into_iter().chain(tone_deltas("resp_1", "item_a1", 1_000)).chain([
        json!({"type": "response.output_audio.done", "response_id": "resp_1", "item_id": "item_a1", "output_index": 0, "content_index": 0}),
        json!({"type": "response.output_audio_transcript.done", "response_id": "resp_1", "item_id": "item_a1", "output_index": 0, "content_index": 0, "transcript": "Tell me about your last project."}),
        json!({"type": "response.done", "response": {"id": "resp_1", "status": "completed", "output": []}}),
    ]) {
        fake.send.send(event).unwrap();
    }
    let mut peer = Arc::into_inner(peer).expect("sender finished");
    let events = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        has_event(seen, "output_audio_buffer.stopped")
    })
    .await;
    let transcript = event_of(&events, "response.output_audio_transcript.delta").cloned();
    assert_eq!(
        transcript.map(|e| e["delta"].clone()),
        Some(json!("Tell me about"))
    );
    assert!(
        has_event(&events, "output_audio_buffer.started"),
        "playback announced"
    );
    assert!(
        has_event(&events, "output_audio_buffer.stopped"),
        "end of playback announced"
    );
    assert!(
        !has_event(&events, "response.output_audio.delta"),
        "audio travels on RTP, not the data channel"
    );
    let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
    let mut pcm = Vec::new();
    let mut buffer = vec![0i16; 5_760];
    for event in &events {
        if let ClientEvent::Audio { payload, .. } = event {
            let n = decoder.decode(payload, &mut buffer, false).unwrap();
            pcm.extend_from_slice(&buffer[..n]);
        }
    }
    assert!(
        (48..=52).contains(&audio_packets(&events)),
        "1 s of voice is 50 packets, got {}",
        audio_packets(&events)
    );
    let rms = (pcm.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / pcm.len() as f64).sqrt();
    assert!(rms > 3_000.0, "the candidate hears the voice: rms {rms:.0}");

    peer.hangup().await.expect("hangup accepted");
    let closed = fake.wait_for(Duration::from_secs(3), |_| false).await;
    assert!(
        closed.iter().all(|e| e["type"] != "response.create"),
        "nothing unexpected sent"
    );
    let url = format!(
        "{}/v1/realtime/calls/{}",
        base_url(server.addr),
        peer.call_id
    );
    let record = get_json(&url, Some("sk_test_bootstrap")).await;
    assert_eq!(record["end_reason"], "hangup");
    assert_eq!(record["live"], false);
    assert_eq!(record["items"][0]["role"], "assistant");
    assert_eq!(
        record["items"][0]["text"],
        "Tell me about your last project."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barge_in_stops_the_voice_within_a_frame_and_truncates_at_what_was_played() {
    let mut fake = FakeUpstream::start().await;
    let server = server_with_fake_upstream(&fake).await;
    let secret = mint_secret(server.addr, json!({})).await;
    let mut peer = connected_call(server.addr, &secret).await;

    // 3 s of interviewer voice, all delivered at once (models send faster than real time).
    for event in response_start("resp_2", "item_a2")
        .into_iter()
        .chain(tone_deltas("resp_2", "item_a2", 3_000))
    {
        fake.send.send(event).unwrap();
    }
    fake.send.send(json!({"type": "response.output_audio.done", "response_id": "resp_2", "item_id": "item_a2"})).unwrap();
    let before = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        audio_packets(seen) >= 40
    })
    .await;
    assert!(audio_packets(&before) >= 40);

    // The model's VAD hears the candidate.
    let barge_at = Instant::now();
    fake.send.send(json!({"type": "input_audio_buffer.speech_started", "audio_start_ms": 2_000, "item_id": "item_u1"})).unwrap();
    let after = collect_until(&mut peer, Duration::from_secs(2), |_| false).await;
    let cleared_at = after.iter().position(
        |e| matches!(e, ClientEvent::ServerEvent(v) if v["type"] == "output_audio_buffer.cleared"),
    );
    let cleared_at = cleared_at.expect("output_audio_buffer.cleared sent");
    let late_packets = audio_packets(&after[cleared_at..]);
    assert!(
        late_packets <= 1,
        "{late_packets} packets after the clear; at most the one in flight"
    );
    let total = audio_packets(&before) + audio_packets(&after);
    assert!(
        total < 75,
        "playback stopped early: {total} of 150 packets sent"
    );
    assert!(barge_at.elapsed() >= Duration::from_secs(2));

    let sent = fake
        .wait_for(Duration::from_secs(2), |e| {
            e["type"] == "conversation.item.truncate"
        })
        .await;
    assert!(
        sent.iter().any(|e| e["type"] == "response.cancel"),
        "the unfinished response is cancelled: {sent:?}"
    );
    let truncate = sent
        .iter()
        .find(|e| e["type"] == "conversation.item.truncate")
        .expect("truncate sent");
    assert_eq!(truncate["item_id"], "item_a2");
    assert_eq!(truncate["content_index"], 0);
    let played = truncate["audio_end_ms"].as_u64().unwrap();
    let heard = (audio_packets(&before) + audio_packets(&after[..cleared_at])) as u64 * 20;
    assert!(
        played.abs_diff(heard) <= 60,
        "audio_end_ms {played} vs {heard} ms of audio the candidate received"
    );
    peer.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_engine_detects_the_answer_and_asks_the_next_question_aloud() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, json!({"session": {"audio": {"input": {"transcription": {"model": "whisper-1"}, "turn_detection": {"type": "server_vad", "silence_duration_ms": 600}}}}})).await;
    let peer = connected_call(server.addr, &secret).await;
    let speech =
        speech_48k("My name is Alex and I have worked as a backend engineer for six years.");
    let speech_ms = speech.len() / 48;
    let peer = Arc::new(peer);
    let packets = speech_packets(&speech, 1_500);
    let sent_timestamps: Vec<u32> = packets.iter().map(|p| p.timestamp).collect();
    let sender = send_paced(peer.clone(), packets);
    let mut peer_events = Vec::new();
    let started = Instant::now();
    sender.await.unwrap();
    let mut peer = Arc::into_inner(peer).unwrap();
    peer_events.extend(
        collect_until(&mut peer, Duration::from_secs(20), |seen| {
            audio_packets(seen) >= 100
                && has_event(seen, "response.output_audio_transcript.delta")
                && has_event(seen, "viva.response.latency")
        })
        .await,
    );
    let events = server_events(&peer_events);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    let position = |kind: &str| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("no {kind} in {kinds:?}"))
    };
    assert!(position("session.created") < position("input_audio_buffer.speech_started"));
    assert!(
        position("input_audio_buffer.speech_started")
            < position("input_audio_buffer.speech_stopped")
    );
    assert!(
        position("input_audio_buffer.speech_stopped") < position("input_audio_buffer.committed")
    );
    assert!(position("input_audio_buffer.committed") < position("response.created"));
    let started_ms = events[position("input_audio_buffer.speech_started")]["audio_start_ms"]
        .as_u64()
        .unwrap();
    let stopped_ms = events[position("input_audio_buffer.speech_stopped")]["audio_end_ms"]
        .as_u64()
        .unwrap();
    let detected = stopped_ms - started_ms;
    assert!(
        detected.abs_diff(speech_ms as u64 + 600) < 800,
        "turn of {detected} ms for {speech_ms} ms of speech + 600 ms silence window"
    );
    // The first frame of the answer says how the time since the end of the turn divided: it
    // names the candidate packet that ended the turn, at the position speech_stopped gave.
    let latency = &events[position("viva.response.latency")];
    let response_id = &events[position("response.created")]["response"]["id"];
    assert_eq!(&latency["response_id"], response_id, "{latency}");
    assert_eq!(latency["audio_end_ms"], stopped_ms, "{latency}");
    let named = latency["rtp_timestamp"].as_u64().unwrap() as u32;
    let index = sent_timestamps
        .iter()
        .position(|&ts| ts == named)
        .unwrap_or_else(|| panic!("{latency} names a packet that was sent"));
    let packet_end_ms = (index as u64 + 1) * 20;
    assert!(
        packet_end_ms.abs_diff(stopped_ms) <= 40,
        "packet {index} ends at {packet_end_ms} ms, the turn at {stopped_ms} ms"
    );
    for part in ["inbound_ms", "upstream_ms", "outbound_ms"] {
        assert!(latency[part].as_f64().unwrap() >= 0.0, "{latency}");
    }
    // No invented transcript: the requested transcription fails, saying why.
    let failed = events
        .iter()
        .find(|e| e["type"] == "conversation.item.input_audio_transcription.failed")
        .expect("transcription failure reported");
    assert_eq!(failed["error"]["code"], "transcription_unavailable");
    assert!(!kinds.contains(&"conversation.item.input_audio_transcription.completed"));
    let question = events
        .iter()
        .find(|e| e["type"] == "response.output_audio_transcript.delta")
        .unwrap();
    assert!(
        question["delta"]
            .as_str()
            .unwrap()
            .contains("tell me a little about yourself"),
        "{question}"
    );
    assert!(
        audio_packets(&peer_events) >= 100,
        "the question is heard ({} packets)",
        audio_packets(&peer_events)
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    peer.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_ends_when_the_candidates_packets_stop_right_after_the_speech() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, json!({"session": {"audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}}}})).await;
    let peer = connected_call(server.addr, &secret).await;
    let speech = speech_48k("I led a team of four engineers on a payments platform.");
    let speech_ms = speech.len() / 48;
    // Speech, then nothing at all: no trailing silence, no more packets (a muted track with
    // DTX, a stalled network, a peer that stopped sending).
    let peer = Arc::new(peer);
    send_paced(peer.clone(), speech_packets(&speech, 0))
        .await
        .unwrap();
    let mut peer = Arc::into_inner(peer).unwrap();
    let events = collect_until(&mut peer, Duration::from_secs(10), |seen| {
        let kinds: Vec<_> = server_events(seen)
            .into_iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        kinds
            .iter()
            .position(|k| *k == "input_audio_buffer.speech_stopped")
            .is_some_and(|stopped| kinds[stopped..].contains(&"response.created"))
    })
    .await;
    let started = event_of(&events, "input_audio_buffer.speech_started")
        .expect("the speech was heard")["audio_start_ms"]
        .as_u64()
        .unwrap();
    let stopped = event_of(&events, "input_audio_buffer.speech_stopped")
        .unwrap_or_else(|| panic!("the turn never ended: {:?}", server_events(&events)))
        ["audio_end_ms"]
        .as_u64()
        .unwrap();
    assert!(
        (stopped - started).abs_diff(speech_ms as u64 + 500) < 800,
        "turn of {} ms for {speech_ms} ms of speech + the 500 ms silence window",
        stopped - started
    );
    let kinds: Vec<_> = server_events(&events)
        .into_iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    let stopped_at = kinds
        .iter()
        .position(|k| *k == "input_audio_buffer.speech_stopped")
        .unwrap();
    assert!(
        kinds[stopped_at..].contains(&"response.created"),
        "the interviewer answers the turn: {kinds:?}"
    );
    peer.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_calls_life_is_one_stream_of_interview_events() {
    use viva::interview::EventKind;
    let server = start_server(test_config()).await;
    let mut events = server.state.calls.subscribe();
    let secret = mint_secret(server.addr, json!({"session": {"audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}}}})).await;
    let peer = connected_call(server.addr, &secret).await;
    let speech = speech_48k("I have built payment systems for six years.");
    let peer = Arc::new(peer);
    send_paced(peer.clone(), speech_packets(&speech, 800))
        .await
        .unwrap();
    let mut peer = Arc::into_inner(peer).unwrap();
    collect_until(&mut peer, Duration::from_secs(15), |seen| {
        has_event(seen, "response.output_audio_transcript.done")
    })
    .await;
    peer.hangup().await.unwrap();

    let mut kinds = Vec::new();
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(kinds.last(), Some(EventKind::Ended { .. })) {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no end event; so far {kinds:?}"))
            .unwrap();
        let call_id = event.call_id.as_deref().unwrap_or_default();
        assert!(call_id.starts_with("rtc_"), "{event:?}");
        assert_eq!(event.interview_id, None);
        kinds.push(event.kind.clone());
        heard.push(event);
    }
    let names: Vec<&str> = kinds
        .iter()
        .map(|k| match k {
            EventKind::Joined => "joined",
            EventKind::QuestionAsked { .. } => "question_asked",
            EventKind::AnswerStarted { .. } => "answer_started",
            EventKind::AnswerEnded { .. } => "answer_ended",
            EventKind::Transcript { .. } => "transcript",
            EventKind::Ended { .. } => "ended",
            EventKind::Created
            | EventKind::Updated { .. }
            | EventKind::Deleted
            | EventKind::ResultsAvailable { .. } => "interview",
        })
        .collect();
    let at = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no {name} in {names:?}"))
    };
    assert_eq!(at("joined"), 0, "{names:?}");
    assert!(at("answer_started") < at("answer_ended"), "{names:?}");
    assert!(at("answer_ended") < at("question_asked"), "{names:?}");
    assert!(at("question_asked") < at("transcript"), "{names:?}");
    let EventKind::AnswerEnded {
        audio_start_ms,
        audio_end_ms,
        ..
    } = &kinds[at("answer_ended")]
    else {
        unreachable!()
    };
    assert!(audio_end_ms > audio_start_ms, "{kinds:?}");
    let EventKind::Transcript { role, text, .. } = &kinds[at("transcript")] else {
        unreachable!()
    };
    assert_eq!(*role, viva::store::Role::Assistant);
    assert!(text.contains("about yourself"), "{text}");
    assert_eq!(
        kinds.last(),
        Some(&EventKind::Ended {
            reason: viva::call::EndReason::Hangup
        })
    );
    // No candidate transcript: the local engine cannot transcribe, and nothing is invented.
    assert!(!kinds.iter().any(|k| matches!(
        k,
        EventKind::Transcript {
            role: viva::store::Role::User,
            ..
        }
    )));
    // What was published was stored first, in the same order: the store is the record.
    let call_id = heard[0].call_id.clone().unwrap();
    let stored = server
        .state
        .store
        .events(viva::store::EventsOf::Call(&call_id))
        .await
        .unwrap();
    assert_eq!(stored, heard);
}
