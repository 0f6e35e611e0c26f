//! One live call: an actor task that owns the peer, the outbound pipeline and the upstream
//! link, and reacts to each in turn (quinn's driver shape). Data flows one way: RTP in through
//! the track reader to the upstream; upstream audio through `audio::Outbound` and the 20 ms
//! pacer to the peer; events both ways over `oai-events`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::EndReason;
use super::reader::read_track;
use super::registry::Slot;
use super::timeline::{InputMark, InputTimeline};
use super::writer::TranscriptWriter;
use crate::audio::{FRAME_MS, FRAME_RTP_TICKS, Outbound, OutboundConfig};
use crate::clock::unix_ms;
use crate::peer::{Peer, PeerEvent};
use crate::realtime::SessionConfig;
use crate::realtime::events::{error_event, event_type, is_viva_event, server_event};
use crate::store::{CallStore, Role, TranscriptItem};
use crate::upstream::{FromUpstream, ToUpstream, UpstreamLink};

/// Events held for the data channel until it opens; the oldest go first when full.
const PENDING_EVENTS_MAX: usize = 256;
/// Capacity of the data channel → call channel. The reader waits when full (the data
/// channel itself applies back-pressure to the browser).
const CLIENT_EVENTS_CAPACITY: usize = 64;
/// Capacity of the control channel (hangup, …).
const CONTROL_CAPACITY: usize = 8;
/// A pacer tick this late while the interviewer speaks leaves a gap the candidate can hear
/// (their jitter buffer holds a few tens of ms).
const PACER_STALL: Duration = Duration::from_millis(40);
/// Calls that never connect are given up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Requests to a live call from outside (the HTTP API).
#[derive(Debug)]
pub enum Control {
    /// End the call.
    Hangup,
    /// Apply a client event as if the candidate had sent it (e.g. a `session.update`).
    ClientEvent(Value),
}

/// Everything a call starts with.
pub struct CallParts {
    /// The call id (`rtc_…`).
    pub call_id: String,
    /// The id of the client secret that opened it.
    pub secret_id: String,
    /// The interview it belongs to, if its secret was bound to one.
    pub interview_id: Option<String>,
    /// The answered peer and its events.
    pub peer: Peer,
    /// Events of the peer.
    pub peer_events: mpsc::Receiver<PeerEvent>,
    /// The connected upstream.
    pub upstream: UpstreamLink,
    /// The session configuration the call started with.
    pub session: SessionConfig,
    /// Where transcripts go.
    pub store: Arc<dyn CallStore>,
    /// Encoder settings of the interviewer's voice.
    pub outbound: OutboundConfig,
    /// The registry slot; freed when the call ends.
    pub slot: Slot,
    /// The client asked for Viva's own `viva.*` events beside OpenAI's.
    pub viva_events: bool,
}

/// Starts the call's actor; returns its control channel.
pub fn spawn_call(mut parts: CallParts) -> mpsc::Sender<Control> {
    let (control_tx, control) = mpsc::channel(CONTROL_CAPACITY);
    parts.slot.register(
        &parts.call_id,
        super::CallHandle {
            secret_id: parts.secret_id.clone(),
            interview_id: parts.interview_id.clone(),
            control: control_tx.clone(),
        },
    );
    tokio::spawn(async move {
        let call_id = parts.call_id.clone();
        let metrics = crate::metrics::media();
        metrics.calls_started.fetch_add(1, Ordering::Relaxed);
        let _ended = CallEnded;
        match Call::new(parts, control) {
            Ok((call, inputs)) => call.run(inputs).await,
            Err(error) => tracing::error!(%call_id, %error, "call setup failed"),
        }
    });
    control_tx
}

/// Counts the end of a call's actor, however it ends.
struct CallEnded;

impl Drop for CallEnded {
    fn drop(&mut self) {
        crate::metrics::media()
            .calls_ended
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// The channels a call's actor listens to.
struct Inputs {
    peer_events: mpsc::Receiver<PeerEvent>,
    upstream: mpsc::Receiver<FromUpstream>,
    control: mpsc::Receiver<Control>,
    client_events: mpsc::Receiver<ClientMessage>,
}

/// From the data channel reader.
enum ClientMessage {
    Text(String),
    Closed,
}

struct Call {
    id: String,
    peer: Peer,
    upstream: mpsc::Sender<ToUpstream>,
    transcript: TranscriptWriter,
    /// When each chunk of the candidate's audio reached the upstream.
    timeline: Arc<InputTimeline>,
    /// The end of the candidate's last turn, until a response takes it.
    turn_end: Option<TurnEnd>,
    outbound: Outbound,
    data_channel: Option<Arc<dyn DataChannel>>,
    pending: VecDeque<String>,
    client_events_tx: mpsc::Sender<ClientMessage>,
    connected: bool,
    playback: Playback,
    /// Start of the candidate's current turn, by user item id, for its duration.
    user_turn: Option<(String, u64)>,
    /// We cancelled a response ourselves: the model's "no active response" error is expected.
    expect_cancel_error: bool,
    /// Send `viva.*` events to the client (it asked for them).
    viva_events: bool,
    _slot: Slot,
}

/// The interviewer's side of the media: RTP position and the response being played.
struct Playback {
    started: Instant,
    rtp_base: u32,
    sequence: u16,
    timestamp: u32,
    /// Whether the last pacer tick sent a frame (RTP continuity).
    talking: bool,
    /// The response whose audio is arriving.
    response_id: Option<String>,
    /// The assistant item of that response.
    item_id: Option<String>,
    /// All of the response's audio has arrived.
    audio_done: bool,
    /// The response has not reported `response.done` yet.
    active: bool,
    /// The response `output_audio_buffer.started` was sent for.
    announced: Option<String>,
    /// Timing of the response being played, until its first frame goes out.
    timing: Option<ResponseTiming>,
}

/// Where the upstream said the candidate's turn ended, and when that audio reached it.
#[derive(Debug, Clone, Copy)]
struct TurnEnd {
    audio_end_ms: u64,
    mark: InputMark,
}

/// What a response's first frame needs to say how long each part took.
#[derive(Debug)]
struct ResponseTiming {
    turn_end: Option<TurnEnd>,
    first_audio_at: Option<Instant>,
}

impl Playback {
    fn new() -> Self {
        Self::starting_at(rand::random())
    }

    /// Playback whose RTP clock reads `rtp_base` now. The stream starts there too, so the
    /// first talk spurt is never "behind" the stream whatever the base.
    fn starting_at(rtp_base: u32) -> Self {
        Self {
            started: Instant::now(),
            rtp_base,
            sequence: rand::random(),
            timestamp: rtp_base,
            talking: false,
            response_id: None,
            item_id: None,
            audio_done: false,
            active: false,
            announced: None,
            timing: None,
        }
    }

    /// The RTP time of now: 48 kHz since the call started, from a random base.
    fn rtp_now(&self) -> u32 {
        let ticks = self.started.elapsed().as_micros() * 48 / 1000;
        self.rtp_base.wrapping_add(ticks as u32)
    }
}

impl Call {
    fn new(
        parts: CallParts,
        control: mpsc::Receiver<Control>,
    ) -> Result<(Self, Inputs), crate::audio::AudioError> {
        let (client_events_tx, client_events) = mpsc::channel(CLIENT_EVENTS_CAPACITY);
        let CallParts {
            call_id,
            peer,
            peer_events,
            upstream,
            store,
            outbound,
            slot,
            viva_events,
            ..
        } = parts;
        let call = Self {
            id: call_id.clone(),
            peer,
            upstream: upstream.tx,
            transcript: TranscriptWriter::spawn(call_id, store),
            timeline: Arc::new(InputTimeline::new()),
            turn_end: None,
            outbound: Outbound::new(outbound)?,
            data_channel: None,
            pending: VecDeque::new(),
            client_events_tx,
            connected: false,
            playback: Playback::new(),
            user_turn: None,
            expect_cancel_error: false,
            viva_events,
            _slot: slot,
        };
        Ok((
            call,
            Inputs {
                peer_events,
                upstream: upstream.rx,
                control,
                client_events,
            },
        ))
    }

    async fn run(mut self, mut inputs: Inputs) {
        let mut pacer = tokio::time::interval(Duration::from_millis(20));
        pacer.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let connect_deadline = tokio::time::sleep(CONNECT_TIMEOUT);
        tokio::pin!(connect_deadline);
        let reason = loop {
            tokio::select! {
                event = inputs.peer_events.recv() => match event {
                    None => break EndReason::PeerGone,
                    Some(event) => if let Some(reason) = self.on_peer_event(event).await { break reason },
                },
                message = inputs.client_events.recv() => match message {
                    Some(ClientMessage::Text(text)) => self.on_client_text(&text).await,
                    Some(ClientMessage::Closed) | None => break EndReason::PeerClosed,
                },
                message = inputs.upstream.recv() => match message {
                    Some(FromUpstream::Audio { pcm, .. }) => {
                        self.on_upstream_audio(&pcm);
                        // A new talk spurt goes out now, not at the next tick of a pacer
                        // whose phase has nothing to do with it; the pacer follows its phase.
                        if self.connected && !self.playback.talking && self.outbound.buffered_ms() >= FRAME_MS {
                            self.pace().await;
                            pacer.reset();
                        }
                    }
                    Some(FromUpstream::Event(event)) => self.on_upstream_event(event).await,
                    None => break EndReason::UpstreamClosed,
                },
                deadline = pacer.tick() => {
                    let late = crate::metrics::media().pacer_tick(deadline.into_std());
                    if late >= PACER_STALL && self.playback.talking {
                        tracing::warn!(call_id = %self.id, late_ms = late.as_millis() as u64, "pacer stalled while the interviewer spoke: the candidate hears a gap");
                    }
                    self.pace().await
                }
                control = inputs.control.recv() => match control {
                    Some(Control::Hangup) | None => break EndReason::Hangup,
                    Some(Control::ClientEvent(event)) => self.on_client_event(event).await,
                },
                _ = &mut connect_deadline, if !self.connected => break EndReason::ConnectTimeout,
            }
        };
        let reason = settle_end_reason(reason, &mut inputs.control);
        tracing::info!(call_id = %self.id, %reason, "call ended");
        self.peer.close().await;
        self.transcript.finish(reason, unix_ms()).await;
    }

    fn on_upstream_audio(&mut self, pcm: &[u8]) {
        if let Some(timing) = &mut self.playback.timing
            && timing.first_audio_at.is_none()
        {
            timing.first_audio_at = Some(Instant::now());
        }
        self.outbound.push_pcm16(pcm);
    }

    /// Handles a peer event; returns why the call ends, if it does.
    async fn on_peer_event(&mut self, event: PeerEvent) -> Option<EndReason> {
        match event {
            PeerEvent::Track(track) => {
                let (upstream, id) = (self.upstream.clone(), self.id.clone());
                tokio::spawn(read_track(track, upstream, self.timeline.clone(), id));
            }
            PeerEvent::DataChannel(channel) => {
                tokio::spawn(read_data_channel(
                    channel.clone(),
                    self.client_events_tx.clone(),
                ));
                // In order, before anything newer.
                for text in std::mem::take(&mut self.pending) {
                    if let Err(error) = channel.send_text(&text).await {
                        tracing::debug!(call_id = %self.id, %error, "data channel send failed");
                    }
                }
                self.data_channel = Some(channel);
            }
            PeerEvent::State(RTCPeerConnectionState::Connected) => self.connected = true,
            PeerEvent::State(RTCPeerConnectionState::Failed) => return Some(EndReason::PeerFailed),
            PeerEvent::State(RTCPeerConnectionState::Closed) => return Some(EndReason::PeerClosed),
            PeerEvent::State(state) => tracing::debug!(call_id = %self.id, ?state, "peer state"),
        }
        None
    }

    /// Sends an event to the candidate, or holds it until the data channel opens. Viva's own
    /// events go only to a client that asked for them.
    async fn send_to_client(&mut self, event: &Value) {
        if !self.viva_events && is_viva_event(event) {
            return;
        }
        let text = event.to_string();
        match &self.data_channel {
            Some(channel) => {
                if let Err(error) = channel.send_text(&text).await {
                    tracing::debug!(call_id = %self.id, %error, "data channel send failed");
                }
            }
            None => {
                if self.pending.len() == PENDING_EVENTS_MAX {
                    self.pending.pop_front();
                }
                self.pending.push_back(text);
            }
        }
    }

    async fn send_to_upstream(&mut self, event: Value) {
        if self.upstream.send(ToUpstream::Event(event)).await.is_err() {
            tracing::debug!(call_id = %self.id, "upstream gone");
        }
    }

    async fn on_client_text(&mut self, text: &str) {
        match serde_json::from_str::<Value>(text) {
            Ok(event @ Value::Object(_)) if event.get("type").is_some_and(Value::is_string) => {
                self.on_client_event(event).await;
            }
            Ok(_) => {
                let message = "Client events are JSON objects with a string \"type\".";
                self.send_to_client(&error_event(
                    "invalid_request_error",
                    "invalid_event",
                    message,
                    None,
                ))
                .await;
            }
            Err(e) => {
                let message = format!("The event is not valid JSON: {e}");
                self.send_to_client(&error_event(
                    "invalid_request_error",
                    "invalid_json",
                    &message,
                    None,
                ))
                .await;
            }
        }
    }

    async fn on_client_event(&mut self, event: Value) {
        match event_type(&event) {
            "output_audio_buffer.clear" => self.cut_playback().await,
            "session.update" => {
                let checked = event
                    .get("session")
                    .cloned()
                    .map(|s| SessionConfig::from_value(s, "session"));
                match checked {
                    Some(Ok(_)) => self.send_to_upstream(event).await,
                    Some(Err(e)) => {
                        let id = event.get("event_id").and_then(Value::as_str);
                        let message = format!("{}: {}", e.param, e.message);
                        self.send_to_client(&error_event(
                            "invalid_request_error",
                            "invalid_session",
                            &message,
                            id,
                        ))
                        .await;
                    }
                    None => {
                        let id = event.get("event_id").and_then(Value::as_str);
                        self.send_to_client(&error_event(
                            "invalid_request_error",
                            "missing_session",
                            "session.update needs a \"session\" object",
                            id,
                        ))
                        .await;
                    }
                }
            }
            _ => self.send_to_upstream(event).await,
        }
    }

    async fn on_upstream_event(&mut self, event: Value) {
        match event_type(&event) {
            "response.created" => {
                self.playback.response_id = event
                    .pointer("/response/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.playback.audio_done = false;
                self.playback.active = true;
                self.playback.timing = Some(ResponseTiming {
                    turn_end: self.turn_end.take(),
                    first_audio_at: None,
                });
                self.outbound.begin_response();
            }
            "response.output_item.added"
                if event.pointer("/item/role").and_then(Value::as_str) == Some("assistant") =>
            {
                self.playback.item_id = event
                    .pointer("/item/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            "response.output_audio.done" => {
                self.outbound.finish_response();
                self.playback.audio_done = true;
            }
            "response.done" => {
                self.playback.active = false;
                if !self.playback.audio_done {
                    self.outbound.finish_response();
                    self.playback.audio_done = true;
                }
            }
            "input_audio_buffer.speech_started" => {
                let item = event
                    .get("item_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let start = event
                    .get("audio_start_ms")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                self.user_turn = Some((item, start));
                self.turn_end = None;
                if self.playback.announced.is_some() || self.outbound.buffered_ms() > 0 {
                    self.cut_playback().await;
                }
            }
            "input_audio_buffer.speech_stopped" => {
                let end = event
                    .get("audio_end_ms")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                self.turn_end = self.timeline.mark_at(end).map(|mark| TurnEnd {
                    audio_end_ms: end,
                    mark,
                });
                if let Some((item_id, start)) = self.user_turn.take() {
                    let audio_ms = u32::try_from(end.saturating_sub(start)).ok();
                    self.record(TranscriptItem {
                        item_id,
                        role: Role::User,
                        text: None,
                        audio_ms,
                        truncated_at_ms: None,
                        at_ms: unix_ms(),
                    });
                }
            }
            "conversation.item.input_audio_transcription.completed" => {
                if let (Some(item_id), Some(text)) = (
                    event.get("item_id").and_then(Value::as_str),
                    event.get("transcript").and_then(Value::as_str),
                ) {
                    let item = TranscriptItem {
                        item_id: item_id.into(),
                        role: Role::User,
                        text: Some(text.into()),
                        audio_ms: None,
                        truncated_at_ms: None,
                        at_ms: unix_ms(),
                    };
                    self.record(item);
                }
            }
            "response.output_audio_transcript.done" => {
                if let (Some(item_id), Some(text)) = (
                    event.get("item_id").and_then(Value::as_str),
                    event.get("transcript").and_then(Value::as_str),
                ) {
                    let item = TranscriptItem {
                        item_id: item_id.into(),
                        role: Role::Assistant,
                        text: Some(text.into()),
                        audio_ms: None,
                        truncated_at_ms: None,
                        at_ms: unix_ms(),
                    };
                    self.record(item);
                }
            }
            "error"
                if self.expect_cancel_error
                    && event.pointer("/error/code")
                        == Some(&json!("response_cancel_not_active")) =>
            {
                self.expect_cancel_error = false;
                return;
            }
            "session.update" => return, // not a server event; never echo
            _ => {}
        }
        self.send_to_client(&event).await;
    }

    fn record(&self, item: TranscriptItem) {
        self.transcript.write(item);
    }

    /// Barge-in or `output_audio_buffer.clear`: stop the interviewer's audio within a frame,
    /// cancel the response upstream if it is still running, and truncate its item at what was
    /// actually played.
    async fn cut_playback(&mut self) {
        let report = self.outbound.clear();
        self.playback.talking = false;
        let response_id = self.playback.response_id.clone();
        if let Some(announced) = self.playback.announced.take() {
            self.send_to_client(&server_event(
                "output_audio_buffer.cleared",
                json!({ "response_id": announced }),
            ))
            .await;
        }
        if self.playback.active && response_id.is_some() {
            self.expect_cancel_error = true;
            self.send_to_upstream(json!({ "type": "response.cancel" }))
                .await;
            self.playback.active = false;
        }
        self.playback.audio_done = true;
        if report.dropped_ms > 0
            && let Some(item_id) = self.playback.item_id.clone()
        {
            let truncate = json!({ "type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": report.played_ms });
            self.send_to_upstream(truncate).await;
            let item = TranscriptItem {
                item_id,
                role: Role::Assistant,
                text: None,
                audio_ms: None,
                truncated_at_ms: Some(report.played_ms),
                at_ms: unix_ms(),
            };
            self.record(item);
        }
        tracing::debug!(call_id = %self.id, played_ms = report.played_ms, dropped_ms = report.dropped_ms, "playback cut");
    }

    /// One pacer tick: send the next 20 ms frame if there is one.
    async fn pace(&mut self) {
        if !self.connected {
            return;
        }
        let encode_started = Instant::now();
        let frame = match self.outbound.poll_frame() {
            Ok(Some(frame)) => {
                crate::metrics::media().frame_encoded(encode_started.elapsed());
                Bytes::copy_from_slice(frame.payload)
            }
            Ok(None) => {
                self.playback.talking = false;
                if self.playback.audio_done
                    && let Some(response_id) = self.playback.announced.take()
                {
                    self.send_to_client(&server_event(
                        "output_audio_buffer.stopped",
                        json!({ "response_id": response_id }),
                    ))
                    .await;
                }
                return;
            }
            Err(error) => {
                tracing::error!(call_id = %self.id, %error, "opus encode failed");
                return;
            }
        };
        let marker = !self.playback.talking;
        if marker {
            // A new talk spurt starts at the current RTP time, so the browser's jitter buffer
            // sees the silence that passed (never going back, should frames have run ahead).
            self.playback.timestamp =
                spurt_timestamp(self.playback.rtp_now(), self.playback.timestamp);
            self.playback.talking = true;
        }
        if self.playback.announced.is_none()
            && let Some(response_id) = self.playback.response_id.clone()
        {
            self.send_to_client(&server_event(
                "output_audio_buffer.started",
                json!({ "response_id": response_id }),
            ))
            .await;
            self.playback.announced = Some(response_id);
        }
        let (sequence, timestamp) = (self.playback.sequence, self.playback.timestamp);
        if let Err(error) = self
            .peer
            .send_opus(sequence, timestamp, marker, frame)
            .await
        {
            tracing::debug!(call_id = %self.id, %error, "RTP write failed");
        }
        self.playback.sequence = sequence.wrapping_add(1);
        self.playback.timestamp = timestamp.wrapping_add(FRAME_RTP_TICKS);
        if let Some(timing) = self.playback.timing.take() {
            self.report_latency(timing).await;
        }
    }

    /// After a response's first frame: `viva.response.latency` tells the candidate's client
    /// how the time since the end of its turn divides between Viva and the model; the media
    /// counters add it up for `/metrics`.
    async fn report_latency(&mut self, timing: ResponseTiming) {
        let (Some(turn_end), Some(first_audio_at)) = (timing.turn_end, timing.first_audio_at)
        else {
            return;
        };
        let sent_at = Instant::now();
        let mark = turn_end.mark;
        let inbound = mark.forwarded_at.saturating_duration_since(mark.read_at);
        let upstream = first_audio_at.saturating_duration_since(mark.forwarded_at);
        let outbound = sent_at.saturating_duration_since(first_audio_at);
        crate::metrics::media().response_timed(inbound, upstream, outbound);
        let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
        let event = server_event(
            "viva.response.latency",
            json!({
                "response_id": self.playback.announced,
                "audio_end_ms": turn_end.audio_end_ms,
                "rtp_timestamp": mark.rtp_timestamp,
                "inbound_ms": ms(inbound),
                "upstream_ms": ms(upstream),
                "outbound_ms": ms(outbound),
            }),
        );
        self.send_to_client(&event).await;
    }
}

/// The RTP timestamp a talk spurt starts at: the RTP time of `now`, unless the stream's
/// `next` timestamp is already past it (frames ran ahead).
fn spurt_timestamp(now: u32, next: u32) -> u32 {
    if (now.wrapping_sub(next) as i32) > 0 {
        now
    } else {
        next
    }
}

/// Reads the candidate's data channel into the call; the only task that polls it.
async fn read_data_channel(channel: Arc<dyn DataChannel>, call: mpsc::Sender<ClientMessage>) {
    while let Some(event) = channel.poll().await {
        let message = match event {
            DataChannelEvent::OnMessage(message) => {
                match String::from_utf8(message.data.to_vec()) {
                    Ok(text) => ClientMessage::Text(text),
                    Err(_) => ClientMessage::Text(String::new()),
                }
            }
            DataChannelEvent::OnClose => break,
            _ => continue,
        };
        if call.send(message).await.is_err() {
            return;
        }
    }
    let _ = call.send(ClientMessage::Closed).await;
}

/// A hangup the API accepted is why the call ended, even if the peer's close (which the
/// client sends right after its hangup) reached the actor in the same turn of its loop.
fn settle_end_reason(reason: EndReason, control: &mut mpsc::Receiver<Control>) -> EndReason {
    while let Ok(message) = control.try_recv() {
        if reason.peer_went_away() && matches!(message, Control::Hangup) {
            return EndReason::Hangup;
        }
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::{Control, EndReason, Playback, settle_end_reason, spurt_timestamp};
    use tokio::sync::mpsc;

    #[test]
    fn talk_spurts_start_at_the_current_rtp_time() {
        // The first spurt starts at the clock, even when the random base is in the upper
        // half of the range (a stream that started at 0 would look "ahead" of it).
        for base in [0x9000_0000, 0x1000, u32::MAX - 10] {
            let playback = Playback::starting_at(base);
            std::thread::sleep(std::time::Duration::from_millis(2));
            let now = playback.rtp_now();
            assert_eq!(
                spurt_timestamp(now, playback.timestamp),
                now,
                "base {base:#x}"
            );
        }
        // Later spurts jump over the silence that passed, across the wrap too...
        assert_eq!(spurt_timestamp(48_000, 9_600), 48_000);
        assert_eq!(spurt_timestamp(1_000, u32::MAX - 959), 1_000);
        // ...but never go back if the frames ran ahead of the clock.
        assert_eq!(spurt_timestamp(9_000, 9_600), 9_600);
    }

    #[test]
    fn a_hangup_before_the_peer_closed_is_why_the_call_ended() {
        let (tx, mut rx) = mpsc::channel(4);
        tx.try_send(Control::Hangup).unwrap();
        assert_eq!(
            settle_end_reason(EndReason::PeerClosed, &mut rx),
            EndReason::Hangup
        );
        assert_eq!(
            settle_end_reason(EndReason::PeerClosed, &mut rx),
            EndReason::PeerClosed
        );
        tx.try_send(Control::Hangup).unwrap();
        assert_eq!(
            settle_end_reason(EndReason::ConnectTimeout, &mut rx),
            EndReason::ConnectTimeout
        );
    }
}
