//! `CallCore` on virtual time: no sockets, no sleeps; every instant is made up by the test.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{CallCore, Input, Now, Output};
use crate::audio::synth::sine;
use crate::audio::{FRAME_RTP_TICKS, OutboundConfig};
use crate::call::timeline::InputMark;
use crate::interview::EventKind;
use crate::realtime::events::ClientKind;
use crate::store::Role;

const BASE: u32 = 0x9000_0000;

/// A core and its virtual clock.
struct Harness {
    core: CallCore,
    start: Instant,
    ms: u64,
}

impl Harness {
    fn new(viva_events: bool) -> Self {
        let start = Instant::now();
        let core = CallCore::new(OutboundConfig::default(), viva_events, BASE, 100, start).unwrap();
        let mut harness = Self { core, start, ms: 0 };
        harness.input(Input::Connected);
        harness
    }

    fn now(&self) -> Now {
        Now {
            at: self.start + Duration::from_millis(self.ms),
            unix_ms: 1_700_000_000_000 + self.ms,
        }
    }

    /// Feeds `input` at the current virtual time; returns what the core yielded.
    fn input(&mut self, input: Input<'_>) -> Vec<Output> {
        self.core.handle_input(self.now(), input);
        std::iter::from_fn(|| self.core.poll_output()).collect()
    }

    fn upstream(&mut self, event: Value) -> Vec<Output> {
        self.input(Input::UpstreamEvent(event))
    }

    /// `n` pacer ticks 20 ms apart; all they yielded.
    fn ticks(&mut self, n: usize) -> Vec<Output> {
        let mut outputs = Vec::new();
        for _ in 0..n {
            self.ms += 20;
            outputs.extend(self.input(Input::Tick));
        }
        outputs
    }

    /// A response with `ms` of the interviewer's voice arrived.
    fn response(&mut self, id: &str, item: &str, ms: usize) {
        self.upstream(json!({"type": "response.created", "response": {"id": id}}));
        self.upstream(json!({"type": "response.output_item.added", "item": {"id": item, "role": "assistant"}}));
        let pcm: Vec<u8> = sine(24_000, 300.0, 0.3, 24 * ms)
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        self.input(Input::UpstreamAudio(&pcm));
        self.upstream(json!({"type": "response.output_audio.done", "response_id": id}));
    }
}

/// The RTP frames among `outputs`: (sequence, timestamp, marker).
fn frames(outputs: &[Output]) -> Vec<(u16, u32, bool)> {
    outputs
        .iter()
        .filter_map(|o| {
            let Output::Rtp {
                sequence: seq,
                timestamp: ts,
                marker: m,
                payload: opus,
            } = o
            else {
                return None;
            };
            assert!(!opus.is_empty());
            Some((*seq, *ts, *m))
        })
        .collect()
}

fn client_types(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::ToClient(e) => e["type"].as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

fn upstream_events(outputs: &[Output]) -> Vec<&Value> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::ToUpstream(e) => Some(&e.json),
            _ => None,
        })
        .collect()
}

#[test]
fn talk_spurts_are_paced_frames_that_start_at_the_rtp_time() {
    let mut h = Harness::new(false);
    h.ms = 1_000;
    h.response("resp_1", "item_a", 200);
    let first = h.ticks(12);
    let sent = frames(&first);
    assert_eq!(sent.len(), 10, "200 ms of voice is ten frames");
    let start = BASE.wrapping_add(48 * 1_020);
    for (i, &(sequence, timestamp, marker)) in sent.iter().enumerate() {
        assert_eq!(sequence, 100 + i as u16);
        assert_eq!(timestamp, start.wrapping_add(FRAME_RTP_TICKS * i as u32));
        assert_eq!(marker, i == 0, "the marker starts the spurt only");
    }
    let types = client_types(&first);
    assert_eq!(
        types,
        ["output_audio_buffer.started", "output_audio_buffer.stopped"]
    );
    // The next spurt, 2 s later, jumps over the silence; sequence numbers go on.
    h.ms += 2_000;
    h.response("resp_2", "item_b", 40);
    assert!(h.core.spurt_ready());
    let second = frames(&h.ticks(3));
    let at = BASE.wrapping_add(48 * (h.ms as u32 - 40));
    assert_eq!(
        second,
        [
            (110, at, true),
            (111, at.wrapping_add(FRAME_RTP_TICKS), false)
        ]
    );
}

#[test]
fn barge_in_cuts_the_voice_cancels_and_truncates_at_what_was_played() {
    let mut h = Harness::new(false);
    h.response("resp_1", "item_a", 1_000);
    // Audio done, but the response itself is still running upstream.
    assert_eq!(frames(&h.ticks(10)).len(), 10);
    let cut = h.upstream(
        json!({"type": "input_audio_buffer.speech_started", "item_id": "item_u", "audio_start_ms": 4_000}),
    );
    assert_eq!(
        client_types(&cut),
        [
            "output_audio_buffer.cleared",
            "input_audio_buffer.speech_started"
        ]
    );
    let upstream = upstream_events(&cut);
    assert_eq!(upstream[0]["type"], "response.cancel");
    assert_eq!(upstream[1]["type"], "conversation.item.truncate");
    assert_eq!(upstream[1]["item_id"], "item_a");
    assert_eq!(upstream[1]["audio_end_ms"], 200, "what was played");
    let truncated = cut.iter().find_map(|o| match o {
        Output::Record(item) => Some(item),
        _ => None,
    });
    let truncated = truncated.expect("the cut is recorded");
    assert_eq!(truncated.role, Role::Assistant);
    assert_eq!(truncated.truncated_at_ms, Some(200));
    assert_eq!(truncated.at_ms, 1_700_000_000_200);
    assert!(frames(&h.ticks(5)).is_empty(), "silent within a frame");
    // The model's "nothing to cancel" answer to our own cancel is not the candidate's business.
    let answer =
        h.upstream(json!({"type": "error", "error": {"code": "response_cancel_not_active"}}));
    assert!(answer.is_empty(), "{answer:?}");
}

#[test]
fn a_question_switch_reaches_the_upstream_and_a_bad_one_the_candidate() {
    let mut h = Harness::new(false);
    let update = json!({"type": "session.update", "event_id": "e1", "session": {"type": "realtime", "instructions": "Question 2: tell me about a conflict."}});
    let out = h.input(Input::ClientEvent(update.clone()));
    let [Output::ToUpstream(sent)] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(sent.json, update, "passed on exactly as sent");
    assert!(matches!(sent.kind, ClientKind::SessionUpdate(_)));
    let bad = h.input(Input::ClientEvent(
        json!({"type": "session.update", "event_id": "e2", "session": {"type": "realtime", "instructions": 42}}),
    ));
    let Output::ToClient(error) = &bad[0] else {
        panic!("{bad:?}")
    };
    assert_eq!(error["error"]["code"], "invalid_session");
    assert_eq!(error["error"]["event_id"], "e2");
    let missing = h.input(Input::ClientText(r#"{"type": "session.update"}"#));
    assert_eq!(client_types(&missing), ["error"]);
    let garbage = h.input(Input::ClientText("{not json"));
    let Output::ToClient(error) = &garbage[0] else {
        panic!("{garbage:?}")
    };
    assert_eq!(error["error"]["code"], "invalid_json");
}

#[test]
fn the_turn_end_and_first_frame_split_the_response_latency() {
    for viva_events in [false, true] {
        let mut h = Harness::new(viva_events);
        let read_at = h.now().at;
        h.input(Input::Mark(InputMark {
            end_ms: 1_000,
            rtp_timestamp: 777,
            read_at,
            forwarded_at: read_at + Duration::from_millis(1),
        }));
        h.upstream(json!({"type": "input_audio_buffer.speech_started", "item_id": "item_u", "audio_start_ms": 200}));
        h.ms += 10;
        let stopped = h.upstream(json!({"type": "input_audio_buffer.speech_stopped", "item_id": "item_u", "audio_end_ms": 990}));
        assert_eq!(
            stopped[0],
            Output::Event(EventKind::AnswerEnded {
                item_id: "item_u".into(),
                audio_start_ms: 200,
                audio_end_ms: 990
            })
        );
        let Some(Output::Record(turn)) = stopped.get(1) else {
            panic!("{stopped:?}")
        };
        assert_eq!((turn.role, turn.audio_ms), (Role::User, Some(790)));
        assert_eq!(turn.text, None, "no transcript is invented");
        h.ms = 100;
        h.response("resp_1", "item_a", 100);
        let out = h.ticks(1);
        let timed = out.iter().find_map(|o| match o {
            Output::ResponseTimed {
                inbound,
                upstream,
                outbound,
            } => Some((*inbound, *upstream, *outbound)),
            _ => None,
        });
        let ms = Duration::from_millis;
        assert_eq!(timed, Some((ms(1), ms(99), ms(20))));
        let latency = out.iter().find_map(|o| match o {
            Output::ToClient(e) if e["type"] == "viva.response.latency" => Some(e),
            _ => None,
        });
        assert_eq!(latency.is_some(), viva_events, "only when asked");
        if let Some(latency) = latency {
            assert_eq!(latency["audio_end_ms"], 990);
            assert_eq!(latency["rtp_timestamp"], 777);
            assert_eq!(latency["upstream_ms"], 99.0);
        }
        let progress = h.upstream(
            json!({"type": "viva.interview.progress", "question_index": 1, "question_count": 5}),
        );
        assert_eq!(
            progress[0],
            Output::Event(EventKind::QuestionAsked {
                question_index: 1,
                question_count: 5
            }),
            "published whoever listens"
        );
        assert_eq!(
            progress.len(),
            1 + usize::from(viva_events),
            "to the client only when asked"
        );
    }
}
