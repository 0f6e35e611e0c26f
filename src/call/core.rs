//! The logic of one call, without I/O (str0m's shape): the actor hands it inputs with the time
//! they happened (`handle_input(now, …)`) and sends what it yields (`poll_output()`): events to
//! the candidate and to the upstream, RTP frames of the interviewer's voice, transcript items.
//! It owns the interviewer's Opus encoder, the RTP clock, the response being played, barge-in
//! and the latency split; it never awaits, sleeps or reads a clock.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use super::playback::{ResponsePlayback, ResponseTiming, RtpClock, TurnEnd};
use super::timeline::{InputMark, InputTimeline};
use crate::audio::{AudioError, FRAME_MS, Outbound, OutboundConfig};
use crate::interview::EventKind;
use crate::realtime::events::{
    ClientEvent, ClientEventError, ClientKind, ServerKind, is_viva_event, server_event,
};
use crate::store::{Role, TranscriptItem};

/// A point in time, monotonic for media and wall-clock for records.
#[derive(Debug, Clone, Copy)]
pub(super) struct Now {
    /// For media timing.
    pub(super) at: Instant,
    /// Unix milliseconds, for records.
    pub(super) unix_ms: u64,
}

/// What happens to a call.
#[derive(Debug)]
pub(super) enum Input<'a> {
    /// The peer connected: frames may go out.
    Connected,
    /// Text from the candidate's data channel.
    ClientText(&'a str),
    /// A client event from the API, as if the candidate had sent it.
    ClientEvent(Value),
    /// An event from the upstream.
    UpstreamEvent(Value),
    /// pcm16 of the interviewer's voice from the upstream.
    UpstreamAudio(&'a [u8]),
    /// A chunk of the candidate's audio reached the upstream.
    Mark(InputMark),
    /// The candidate's track (re)started: a new input timeline.
    TrackStarted,
    /// The 20 ms pacer ticked.
    Tick,
}

/// What the call has to do.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Output {
    /// An event for the candidate's data channel.
    ToClient(Value),
    /// An event for the upstream.
    ToUpstream(ClientEvent),
    /// One 20 ms Opus frame of the interviewer's voice.
    Rtp {
        /// RTP sequence number.
        sequence: u16,
        /// RTP timestamp.
        timestamp: u32,
        /// First frame of a talk spurt.
        marker: bool,
        /// The Opus packet.
        payload: Bytes,
    },
    /// A transcript item to store.
    Record(TranscriptItem),
    /// Something happened in the interview (published on the event bus).
    Event(EventKind),
    /// A response's first frame went out: how the time since the end of the turn divided.
    ResponseTimed {
        /// Packet read → audio handed to the upstream.
        inbound: Duration,
        /// Hand-off → the response's first audio.
        upstream: Duration,
        /// First audio → first frame sent.
        outbound: Duration,
    },
}

/// The state of one call.
pub(super) struct CallCore {
    outbound: Outbound,
    clock: RtpClock,
    playback: ResponsePlayback,
    /// When each chunk of the candidate's audio reached the upstream.
    timeline: InputTimeline,
    /// The end of the candidate's last turn, until a response takes it.
    turn_end: Option<TurnEnd>,
    /// Start of the candidate's current turn, by user item id, for its duration.
    user_turn: Option<(String, u64)>,
    /// We cancelled a response ourselves: the model's "no active response" error is expected.
    expect_cancel_error: bool,
    /// Send `viva.*` events to the client (it asked for them).
    viva_events: bool,
    connected: bool,
    outputs: VecDeque<Output>,
}

impl CallCore {
    /// A call whose RTP stream starts at `rtp_base`/`sequence` at `now`.
    pub(super) fn new(
        outbound: OutboundConfig,
        viva_events: bool,
        rtp_base: u32,
        sequence: u16,
        now: Instant,
    ) -> Result<Self, AudioError> {
        Ok(Self {
            outbound: Outbound::new(outbound)?,
            clock: RtpClock::starting_at(rtp_base, sequence, now),
            playback: ResponsePlayback::default(),
            timeline: InputTimeline::new(),
            turn_end: None,
            user_turn: None,
            expect_cancel_error: false,
            viva_events,
            connected: false,
            outputs: VecDeque::new(),
        })
    }

    /// Whether the peer has connected.
    pub(super) fn is_connected(&self) -> bool {
        self.connected
    }

    /// Whether the interviewer is mid talk spurt.
    pub(super) fn is_talking(&self) -> bool {
        self.clock.talking
    }

    /// Whether a new talk spurt is ready: its first frame should go out now rather than at the
    /// next tick of a pacer whose phase has nothing to do with it.
    pub(super) fn spurt_ready(&self) -> bool {
        self.connected && !self.clock.talking && self.outbound.buffered_ms() >= FRAME_MS
    }

    /// The next thing to do, in order.
    pub(super) fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Handles what happened at `now`.
    pub(super) fn handle_input(&mut self, now: Now, input: Input<'_>) {
        match input {
            Input::Connected => {
                self.connected = true;
                self.outputs.push_back(Output::Event(EventKind::Joined));
            }
            Input::ClientText(text) => self.on_client_event(now, ClientEvent::parse(text)),
            Input::ClientEvent(json) => self.on_client_event(now, ClientEvent::from_value(json)),
            Input::UpstreamEvent(event) => self.on_upstream_event(now, event),
            Input::UpstreamAudio(pcm) => {
                if let Some(timing) = &mut self.playback.timing
                    && timing.first_audio_at.is_none()
                {
                    timing.first_audio_at = Some(now.at);
                }
                self.outbound.push_pcm16(pcm);
            }
            Input::Mark(mark) => self.timeline.push(mark),
            Input::TrackStarted => self.timeline.reset(),
            Input::Tick => self.pace(now),
        }
    }

    /// Sends an event to the candidate; Viva's own events only to a client that asked.
    fn send_to_client(&mut self, event: Value) {
        if self.viva_events || !is_viva_event(&event) {
            self.outputs.push_back(Output::ToClient(event));
        }
    }

    fn send_to_upstream(&mut self, event: ClientEvent) {
        self.outputs.push_back(Output::ToUpstream(event));
    }

    fn record(&mut self, item: TranscriptItem) {
        self.outputs.push_back(Output::Record(item));
    }

    /// A line of the transcript: stored, and published.
    fn transcript(&mut self, item_id: String, role: Role, text: String, now: Now) {
        self.outputs.push_back(Output::Event(EventKind::Transcript {
            role,
            item_id: item_id.clone(),
            text: text.clone(),
        }));
        self.record(item(item_id, role, Some(text), now));
    }

    /// A client event from the data channel (`text`) or the API (`json`), checked once here:
    /// a malformed one is answered with an `error` event and goes no further.
    fn on_client_event(&mut self, now: Now, event: Result<ClientEvent, ClientEventError>) {
        match event {
            Err(refused) => self.send_to_client(refused.to_event()),
            Ok(event) if event.kind == ClientKind::OutputAudioBufferClear => self.cut_playback(now),
            Ok(event) => self.send_to_upstream(event),
        }
    }

    fn on_upstream_event(&mut self, now: Now, event: Value) {
        match ServerKind::of(&event) {
            ServerKind::ResponseCreated { response_id } => {
                self.playback.response_id = response_id.map(str::to_owned);
                self.playback.audio_done = false;
                self.playback.active = true;
                self.playback.timing = Some(ResponseTiming {
                    turn_end: self.turn_end.take(),
                    first_audio_at: None,
                });
                self.outbound.begin_response();
            }
            ServerKind::AssistantItemAdded { item_id } => {
                self.playback.item_id = item_id.map(str::to_owned);
            }
            ServerKind::OutputAudioDone => {
                self.outbound.finish_response();
                self.playback.audio_done = true;
            }
            ServerKind::ResponseDone => {
                self.playback.active = false;
                if !self.playback.audio_done {
                    self.outbound.finish_response();
                    self.playback.audio_done = true;
                }
            }
            ServerKind::SpeechStarted {
                item_id,
                audio_start_ms,
            } => {
                let item = item_id.unwrap_or_default().to_owned();
                self.outputs
                    .push_back(Output::Event(EventKind::AnswerStarted {
                        item_id: item.clone(),
                        audio_start_ms,
                    }));
                self.user_turn = Some((item, audio_start_ms));
                self.turn_end = None;
                if self.playback.announced.is_some() || self.outbound.buffered_ms() > 0 {
                    self.cut_playback(now);
                }
            }
            ServerKind::SpeechStopped { audio_end_ms: end } => {
                self.turn_end = self.timeline.mark_at(end).map(|mark| TurnEnd {
                    audio_end_ms: end,
                    mark,
                });
                if let Some((item_id, start)) = self.user_turn.take() {
                    self.outputs
                        .push_back(Output::Event(EventKind::AnswerEnded {
                            item_id: item_id.clone(),
                            audio_start_ms: start,
                            audio_end_ms: end,
                        }));
                    let audio_ms = u32::try_from(end.saturating_sub(start)).ok();
                    self.record(TranscriptItem {
                        audio_ms,
                        ..item(item_id, Role::User, None, now)
                    });
                }
            }
            ServerKind::InputTranscript {
                item_id,
                transcript,
            } => self.transcript(item_id.to_owned(), Role::User, transcript.to_owned(), now),
            ServerKind::OutputTranscript {
                item_id,
                transcript,
            } => self.transcript(
                item_id.to_owned(),
                Role::Assistant,
                transcript.to_owned(),
                now,
            ),
            ServerKind::Error {
                code: Some("response_cancel_not_active"),
            } if self.expect_cancel_error => {
                self.expect_cancel_error = false;
                return;
            }
            ServerKind::InterviewProgress {
                question_index,
                question_count,
            } => self
                .outputs
                .push_back(Output::Event(EventKind::QuestionAsked {
                    question_index,
                    question_count,
                })),
            ServerKind::SessionUpdate => return, // not a server event; never echo
            ServerKind::Error { .. } | ServerKind::Other => {}
        }
        self.send_to_client(event);
    }

    /// Barge-in or `output_audio_buffer.clear`: stop the interviewer's audio within a frame,
    /// cancel the response upstream if it is still running, and truncate its item at what was
    /// actually played.
    fn cut_playback(&mut self, now: Now) {
        let report = self.outbound.clear();
        self.clock.talking = false;
        if let Some(announced) = self.playback.announced.take() {
            self.send_to_client(server_event(
                "output_audio_buffer.cleared",
                json!({ "response_id": announced }),
            ));
        }
        if self.playback.active && self.playback.response_id.is_some() {
            self.expect_cancel_error = true;
            self.send_to_upstream(ClientEvent::response_cancel());
            self.playback.active = false;
        }
        self.playback.audio_done = true;
        if report.dropped_ms > 0
            && let Some(item_id) = self.playback.item_id.clone()
        {
            self.send_to_upstream(ClientEvent::truncate(
                item_id.clone(),
                u64::from(report.played_ms),
            ));
            self.record(TranscriptItem {
                truncated_at_ms: Some(report.played_ms),
                ..item(item_id, Role::Assistant, None, now)
            });
        }
        tracing::debug!(
            played_ms = report.played_ms,
            dropped_ms = report.dropped_ms,
            "playback cut"
        );
    }

    /// One pacer tick: the next 20 ms frame, if there is one.
    fn pace(&mut self, now: Now) {
        if !self.connected {
            return;
        }
        let payload = match self.outbound.poll_frame() {
            Ok(Some(frame)) => Bytes::copy_from_slice(frame.payload),
            Ok(None) => {
                self.clock.talking = false;
                if self.playback.audio_done
                    && let Some(response_id) = self.playback.announced.take()
                {
                    self.send_to_client(server_event(
                        "output_audio_buffer.stopped",
                        json!({ "response_id": response_id }),
                    ));
                }
                return;
            }
            Err(error) => {
                tracing::error!(%error, "opus encode failed");
                return;
            }
        };
        if self.playback.announced.is_none()
            && let Some(response_id) = self.playback.response_id.clone()
        {
            self.send_to_client(server_event(
                "output_audio_buffer.started",
                json!({ "response_id": response_id }),
            ));
            self.playback.announced = Some(response_id);
        }
        let (sequence, timestamp, marker) = self.clock.next_frame(now.at);
        self.outputs.push_back(Output::Rtp {
            sequence,
            timestamp,
            marker,
            payload,
        });
        if let Some(timing) = self.playback.timing.take() {
            self.report_latency(&timing, now.at);
        }
    }

    /// After a response's first frame: `viva.response.latency` tells the candidate's client
    /// how the time since the end of its turn divides between Viva and the model.
    fn report_latency(&mut self, timing: &ResponseTiming, sent_at: Instant) {
        let Some((turn_end, split)) = timing.split(sent_at) else {
            return;
        };
        self.outputs.push_back(Output::ResponseTimed {
            inbound: split.inbound,
            upstream: split.upstream,
            outbound: split.outbound,
        });
        let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
        self.send_to_client(server_event(
            "viva.response.latency",
            json!({
                "response_id": self.playback.announced,
                "audio_end_ms": turn_end.audio_end_ms,
                "rtp_timestamp": turn_end.mark.rtp_timestamp,
                "inbound_ms": ms(split.inbound),
                "upstream_ms": ms(split.upstream),
                "outbound_ms": ms(split.outbound),
            }),
        ));
    }
}

/// A transcript item of `role` recorded at `now`.
fn item(item_id: String, role: Role, text: Option<String>, now: Now) -> TranscriptItem {
    TranscriptItem {
        item_id,
        role,
        text,
        audio_ms: None,
        truncated_at_ms: None,
        at_ms: now.unix_ms,
    }
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
