//! One live call: an actor task that owns the peer, the outbound pipeline and the upstream
//! link, and reacts to each in turn (quinn's driver shape). Data flows one way: RTP in through
//! the track reader to the upstream; upstream audio through `audio::Outbound` and the 20 ms
//! pacer to the peer; events both ways over `oai-events`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::EndReason;
use super::core::{CallCore, Input, Now, Output};
use super::reader::read_track;
use super::registry::Slot;
use super::timeline::InputMark;
use super::writer::CallWriter;
use crate::audio::OutboundConfig;
use crate::clock::unix_ms;
use crate::interview::{EventBus, EventKind, InterviewEvent};
use crate::peer::{self, Peer, PeerEvent};
use crate::realtime::SessionConfig;
use crate::recording::{CallRecorder, Recorders};
use crate::store::CallStore;
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
/// How long an ended call waits for its `viva.call.ended` to reach the candidate.
const END_NOTICE_GRACE: Duration = Duration::from_millis(250);
/// What the candidate is told when a shutdown ends the call.
const SHUTDOWN_NOTICE: &str =
    "The server is restarting, so this call has ended. Please join again.";
/// Calls that never connect are given up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Requests to a live call from outside (the HTTP API, later another node): serialisable, so
/// a message bus can carry them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "event", rename_all = "snake_case")]
pub enum Control {
    /// End the call.
    Hangup,
    /// Apply a client event as if the candidate had sent it (e.g. a `session.update`).
    ClientEvent(Value),
    /// End the call, telling the candidate why first (`viva.call.ended` on the data channel).
    End {
        /// Why, for the candidate.
        reason: String,
    },
    /// Send this event to the candidate's client (e.g. `viva.server.draining`).
    Notice(Value),
    /// End the call because the server is shutting down, telling the candidate first.
    Shutdown,
}

/// Everything a call starts with.
pub struct CallParts {
    /// The call id (`rtc_…`).
    pub call_id: String,
    /// The id of the client secret that opened it.
    pub secret_id: String,
    /// Its organization.
    pub org_id: String,
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
    /// Where the call's interview events go.
    pub events: EventBus,
    /// Records the candidate, when recording is on.
    pub recorders: Option<Recorders>,
}

/// Starts the call's actor; returns its control channel.
pub fn spawn_call(mut parts: CallParts) -> mpsc::Sender<Control> {
    let (control_tx, control) = mpsc::channel(CONTROL_CAPACITY);
    parts.slot.register(
        &parts.call_id,
        super::CallHandle {
            secret_id: parts.secret_id.clone(),
            org_id: parts.org_id.clone(),
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
    marks: mpsc::Receiver<InputMark>,
}

/// From the data channel reader.
enum ClientMessage {
    Text(String),
    Closed,
}

/// Capacity of the track reader → call queue of input marks (1.3 s of 20 ms chunks, taken every
/// 20 ms pacer tick); marks are dropped, never waited for, if the call falls that far behind.
const MARKS_CAPACITY: usize = 64;

/// The I/O of one call around its [`CallCore`].
struct Call {
    id: String,
    interview_id: Option<String>,
    org_id: String,
    peer: Peer,
    upstream: mpsc::Sender<ToUpstream>,
    /// Its record and events, to the store and then the bus.
    writer: CallWriter,
    core: CallCore,
    data_channel: Option<Arc<dyn DataChannel>>,
    /// Events held for the data channel until it opens.
    pending: VecDeque<String>,
    client_events_tx: mpsc::Sender<ClientMessage>,
    marks_tx: mpsc::Sender<InputMark>,
    /// The candidate's recorder, when recording is on.
    recorder: Option<CallRecorder>,
    _slot: Slot,
}

impl Call {
    fn new(
        parts: CallParts,
        control: mpsc::Receiver<Control>,
    ) -> Result<(Self, Inputs), crate::audio::AudioError> {
        let (client_events_tx, client_events) = mpsc::channel(CLIENT_EVENTS_CAPACITY);
        let (marks_tx, marks) = mpsc::channel(MARKS_CAPACITY);
        let CallParts {
            call_id,
            peer,
            peer_events,
            upstream,
            store,
            outbound,
            slot,
            viva_events,
            events,
            interview_id,
            org_id,
            recorders,
            ..
        } = parts;
        let recorder = recorders.map(|r| r.start(&call_id, &org_id, interview_id.as_deref()));
        let core = CallCore::new(
            outbound,
            viva_events,
            rand::random(),
            rand::random(),
            Instant::now(),
        )?;
        let call = Self {
            id: call_id.clone(),
            interview_id,
            org_id,
            peer,
            upstream: upstream.tx,
            writer: CallWriter::spawn(call_id, store, events),
            core,
            data_channel: None,
            pending: VecDeque::new(),
            client_events_tx,
            marks_tx,
            recorder,
            _slot: slot,
        };
        Ok((
            call,
            Inputs {
                peer_events,
                upstream: upstream.rx,
                control,
                client_events,
                marks,
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
                    Some(ClientMessage::Text(text)) => self.handle(Input::ClientText(&text)).await,
                    Some(ClientMessage::Closed) | None => break EndReason::PeerClosed,
                },
                message = inputs.upstream.recv() => match message {
                    Some(FromUpstream::Audio { pcm, .. }) => {
                        self.handle(Input::UpstreamAudio(&pcm)).await;
                        if self.core.spurt_ready() {
                            self.tick().await;
                            pacer.reset();
                        }
                    }
                    Some(FromUpstream::Event(event)) => {
                        self.take_marks(&mut inputs.marks);
                        self.handle(Input::UpstreamEvent(event)).await
                    }
                    None => break EndReason::UpstreamClosed,
                },
                deadline = pacer.tick() => {
                    let late = crate::metrics::media().pacer_tick(deadline.into_std());
                    if late >= PACER_STALL && self.core.is_talking() {
                        tracing::warn!(call_id = %self.id, late_ms = late.as_millis() as u64, "pacer stalled while the interviewer spoke: the candidate hears a gap");
                    }
                    self.take_marks(&mut inputs.marks);
                    self.tick().await;
                }
                control = inputs.control.recv() => match control {
                    Some(Control::Hangup) | None => break EndReason::Hangup,
                    Some(Control::ClientEvent(event)) => self.handle(Input::ClientEvent(event)).await,
                    Some(Control::End { reason }) => {
                        self.tell_ended(&reason).await;
                        break EndReason::Hangup;
                    }
                    Some(Control::Notice(event)) => self.send_to_client(event.to_string()).await,
                    Some(Control::Shutdown) => {
                        self.tell_ended(SHUTDOWN_NOTICE).await;
                        break EndReason::ServerShutdown;
                    }
                },
                _ = &mut connect_deadline, if !self.core.is_connected() => break EndReason::ConnectTimeout,
            }
        };
        let reason = settle_end_reason(reason, &mut inputs.control);
        tracing::info!(call_id = %self.id, %reason, "call ended");
        self.peer.close().await;
        let ended = self.event(EventKind::Ended { reason });
        self.writer.finish(reason, ended).await;
        if let Some(recorder) = self.recorder.take() {
            recorder.finish().await;
        }
    }

    /// Hands the core the input marks the reader queued. They are taken on the pacer's tick and
    /// before each upstream event (which may need them), never awaited: a mark does not wake
    /// the call.
    fn take_marks(&mut self, marks: &mut mpsc::Receiver<InputMark>) {
        while let Ok(mark) = marks.try_recv() {
            self.core.handle_input(now(), Input::Mark(mark));
        }
    }

    /// Hands `input` to the core and carries out what it yields.
    async fn handle(&mut self, input: Input<'_>) {
        self.core.handle_input(now(), input);
        self.flush().await;
    }

    /// One pacer tick; the time it takes is the frame's encode time.
    async fn tick(&mut self) {
        let started = Instant::now();
        self.core.handle_input(now(), Input::Tick);
        if self.core.is_talking() {
            crate::metrics::media().frame_encoded(started.elapsed());
        }
        self.flush().await;
    }

    /// Carries out the core's outputs, in order.
    async fn flush(&mut self) {
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::ToClient(event) => self.send_to_client(event.to_string()).await,
                Output::ToUpstream(event) => {
                    if self.upstream.send(ToUpstream::Event(event)).await.is_err() {
                        tracing::debug!(call_id = %self.id, "upstream gone");
                    }
                }
                Output::Rtp {
                    sequence,
                    timestamp,
                    marker,
                    payload,
                } => {
                    if let Err(error) = self
                        .peer
                        .send_opus(sequence, timestamp, marker, payload)
                        .await
                    {
                        tracing::debug!(call_id = %self.id, %error, "RTP write failed");
                    }
                }
                Output::Record(item) => self.writer.item(item),
                Output::Event(kind) => {
                    if let Some(recorder) = &self.recorder {
                        recorder.note(&kind);
                    }
                    self.writer.event(self.event(kind));
                }
                Output::ResponseTimed {
                    inbound,
                    upstream,
                    outbound,
                } => crate::metrics::media().response_timed(inbound, upstream, outbound),
            }
        }
    }

    fn event(&self, kind: EventKind) -> InterviewEvent {
        InterviewEvent {
            call_id: Some(self.id.clone()),
            interview_id: self.interview_id.clone(),
            org_id: Some(self.org_id.clone()),
            at_ms: unix_ms(),
            kind,
        }
    }

    /// Handles a peer event; returns why the call ends, if it does.
    async fn on_peer_event(&mut self, event: PeerEvent) -> Option<EndReason> {
        match event {
            PeerEvent::Track(track) => {
                self.core.handle_input(now(), Input::TrackStarted);
                let (upstream, id) = (self.upstream.clone(), self.id.clone());
                let recorder = self.recorder.as_ref().map(CallRecorder::packets);
                tokio::spawn(read_track(
                    track,
                    upstream,
                    self.marks_tx.clone(),
                    recorder,
                    id,
                ));
            }
            PeerEvent::DataChannel(channel) => {
                tokio::spawn(peer::read_data_channel(
                    channel.clone(),
                    self.client_events_tx.clone(),
                    client_message,
                    ClientMessage::Closed,
                ));
                // In order, before anything newer.
                for text in std::mem::take(&mut self.pending) {
                    if let Err(error) = channel.send_text(&text).await {
                        tracing::debug!(call_id = %self.id, %error, "data channel send failed");
                    }
                }
                self.data_channel = Some(channel);
            }
            PeerEvent::State(RTCPeerConnectionState::Connected) => {
                self.handle(Input::Connected).await
            }
            PeerEvent::State(RTCPeerConnectionState::Failed) => return Some(EndReason::PeerFailed),
            PeerEvent::State(RTCPeerConnectionState::Closed) => return Some(EndReason::PeerClosed),
            PeerEvent::State(state) => tracing::debug!(call_id = %self.id, ?state, "peer state"),
        }
        None
    }

    /// Tells the candidate why the call ends (`viva.call.ended`) and lets it leave.
    async fn tell_ended(&mut self, reason: &str) {
        let told = serde_json::json!({"type": "viva.call.ended", "reason": reason});
        self.send_to_client(told.to_string()).await;
        // Let the message leave before the connection closes.
        tokio::time::sleep(END_NOTICE_GRACE).await;
    }

    /// Sends an event to the candidate, or holds it until the data channel opens (the oldest
    /// go first when full).
    async fn send_to_client(&mut self, text: String) {
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
}

/// Now, for the core.
fn now() -> Now {
    Now {
        at: Instant::now(),
        unix_ms: unix_ms(),
    }
}

/// A data-channel event as the call takes it: text (invalid UTF-8 as empty text, which the core
/// answers with an `invalid_json` error), nothing else.
fn client_message(event: DataChannelEvent) -> Option<ClientMessage> {
    match event {
        DataChannelEvent::OnMessage(message) => Some(ClientMessage::Text(
            String::from_utf8(message.data.to_vec()).unwrap_or_default(),
        )),
        _ => None,
    }
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
    use super::{Control, EndReason, settle_end_reason};
    use tokio::sync::mpsc;

    #[test]
    fn controls_travel_as_json() {
        for control in [
            Control::Hangup,
            Control::ClientEvent(serde_json::json!({"type": "response.create"})),
        ] {
            let json = serde_json::to_string(&control).unwrap();
            assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), control);
        }
        assert_eq!(
            serde_json::to_value(Control::Hangup).unwrap(),
            serde_json::json!({"type": "hangup"})
        );
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
