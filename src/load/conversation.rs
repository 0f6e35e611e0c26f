//! One synthetic candidate's whole call: credentials, SDP, then an interview with the server's
//! upstream: it lets the interviewer speak, answers with a pre-encoded clip, sends encoded
//! silence so that the server's VAD ends its turn, and measures what comes back. Every await is
//! bounded; the call ends by the run's hard deadline at the latest.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::time::{MissedTickBehavior, timeout, timeout_at};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::collector::{Collector, Figure};
use super::credentials::{CallCredentials, CredentialsMode, Integrator};
use super::impair::Impairment;
use super::peer::{CallOptions, ClientEvent, SyntheticPeer};
use super::speech::Clips;

/// Limits of each step.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CHANNEL_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
const TURN_TIMEOUT: Duration = Duration::from_secs(30);
const HANGUP_TIMEOUT: Duration = Duration::from_secs(3);
/// How far into an interviewer turn a barging candidate starts talking.
const BARGE_AFTER: Duration = Duration::from_secs(1);
/// No interviewer packet for this long after a barge-in: the interviewer has stopped.
const BARGE_QUIET: Duration = Duration::from_millis(400);
/// A silence this long inside a talk spurt is an audio gap.
const GAP: Duration = Duration::from_millis(60);
/// Opus RTP ticks per 20 ms packet.
const TICKS: u32 = 960;
/// Sequence holes remembered for late packets to fill (over a second of audio).
const HOLES_KEPT: usize = 64;
/// Sent packets remembered, by RTP timestamp: 10 s, longer than any turn detector's wait.
const SENT_KEPT: usize = 500;

/// What every peer shares.
#[derive(Debug)]
pub(super) struct Shared {
    /// Server base URL, without a trailing slash.
    pub url: String,
    /// Where credentials come from, and the integrator that fetches them.
    pub mode: CredentialsMode,
    pub integrator: Integrator,
    /// The template interviews are created from (interview mode).
    pub template_id: String,
    /// Whether calls send all media through the interview's TURN server.
    pub relay: bool,
    /// The network between each candidate and the server.
    pub impairment: Impairment,
    /// The candidates' voice.
    pub clips: Clips,
    /// Where results go.
    pub collector: Arc<Collector>,
    /// Candidates stop starting answers after this.
    pub talk_until: tokio::time::Instant,
    /// Everything ends by this.
    pub hard_until: tokio::time::Instant,
}

/// Runs candidate `index`'s call to its end; results go to the collector.
pub(super) async fn run_peer(shared: Arc<Shared>, index: usize, interrupts: bool) {
    let c = &shared.collector;
    Collector::bump(&c.attempted);
    let asked_at = Instant::now();
    let credentials = shared
        .integrator
        .open(shared.mode, &shared.template_id, index)
        .await;
    let credentials = match credentials {
        Ok(credentials) => credentials,
        Err(error) => return c.failure(&format!("credentials_{}", error.code())),
    };
    c.record(Figure::Credentials, asked_at.elapsed());
    if let Some(ms) = credentials.silence_ms {
        c.silence_ms.store(u64::from(ms), Ordering::Relaxed);
    }
    call_with(&shared, index, interrupts, &credentials).await;
    if let Some(interview_id) = &credentials.interview_id {
        shared.integrator.close(interview_id).await;
    }
}

/// The call itself, once the candidate has its secret.
async fn call_with(
    shared: &Arc<Shared>,
    index: usize,
    interrupts: bool,
    credentials: &CallCredentials,
) {
    let c = &shared.collector;
    let secret = &credentials.secret;
    let relay = match (&credentials.relay, shared.relay) {
        (_, false) => None,
        (Some(relay), true) => Some(relay),
        (None, true) => return c.failure("no_turn_credentials"),
    };
    let options = CallOptions {
        relay,
        impairment: Some((shared.impairment, index)),
    };
    let call = SyntheticPeer::call_with_options(&shared.url, secret, options);
    let call = timeout(CALL_TIMEOUT, call).await;
    let mut peer = match call {
        Err(_) => return c.failure("call_timeout"),
        Ok(Err(error)) => return c.failure(&error.code()),
        Ok(Ok(peer)) => peer,
    };
    let connected_by = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    let mut early = Vec::new();
    let connected_at = loop {
        match timeout_at(connected_by, peer.events.recv()).await {
            Err(_) => {
                peer.close().await;
                return c.failure("connect_timeout");
            }
            Ok(None) => return c.failure("peer_error"),
            Ok(Some(ClientEvent::State(RTCPeerConnectionState::Connected))) => {
                break Instant::now();
            }
            Ok(Some(ClientEvent::State(
                RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed,
            ))) => {
                peer.close().await;
                return c.failure("connect_failed");
            }
            Ok(Some(event)) => early.push(event),
        }
    };
    c.record(Figure::Answer, peer.answered_at - peer.offer_sent_at);
    c.record(Figure::Setup, connected_at - peer.offer_sent_at);
    Collector::bump(&c.connected);
    c.active.fetch_add(1, Ordering::Relaxed);
    let mut talk = Talk::new(shared, &peer, index, interrupts);
    talk.interview_id = credentials.interview_id.clone();
    for event in early {
        talk.on_event(event, &peer).await;
    }
    talk.run(&mut peer).await;
    c.active.fetch_sub(1, Ordering::Relaxed);
    if timeout(HANGUP_TIMEOUT, peer.hangup()).await.is_err() {
        c.error("hangup_timeout");
        peer.close().await;
    }
}

/// Where the conversation is.
#[derive(Debug)]
enum Phase {
    /// Connected; waiting for the data channel to send `response.create`.
    AwaitChannel { since: Instant },
    /// Waiting for the interviewer's voice; `speech_end` is when the answer ended.
    AwaitResponse {
        since: Instant,
        speech_end: Option<Instant>,
    },
    /// The interviewer is speaking.
    Listening { first_audio: Instant, barge: bool },
    /// The candidate is answering: packet `pos` of answer `clip` goes next.
    Speaking { clip: usize, pos: usize },
    /// The call is over.
    Done,
}

/// An interruption being measured.
#[derive(Debug)]
struct Barge {
    started: Instant,
    last_audio: Option<Instant>,
}

/// Inbound RTP bookkeeping: loss from sequence holes, RFC 3550 jitter and gaps within talk
/// spurts (the server starts each spurt at the current RTP time, so a timestamp jump larger
/// than the sequence step marks a new spurt).
#[derive(Debug, Default)]
struct RtpStats {
    last: Option<(u16, u32, Instant)>,
    /// The latest sequence holes, so that a late packet filling one is not counted lost.
    holes: VecDeque<u16>,
    last_transit: Option<f64>,
    /// Jitter in RTP ticks (48 kHz).
    jitter: f64,
}

struct Talk<'a> {
    shared: &'a Arc<Shared>,
    c: &'a Collector,
    phase: Phase,
    interrupts: bool,
    turns: u64,
    next_clip: usize,
    barge: Option<Barge>,
    /// First packet of this turn, `output_audio_buffer.started` arrival, whether the
    /// event delay of this turn was recorded.
    turn_marks: (Option<Instant>, Option<Instant>, bool),
    /// When each recent packet was sent, by RTP timestamp.
    sent_log: VecDeque<(u32, Instant)>,
    /// This turn's `viva.response.latency`: when the packet it names was sent, and the
    /// upstream's own time; joined with the turn's first packet.
    turn_latency: Option<(Instant, Duration)>,
    /// When the candidate's last answer ended.
    speech_end: Option<Instant>,
    rtp: RtpStats,
    epoch: Instant,
    offer_sent_at: Instant,
    seq: u16,
    ts: u32,
    first_packet: bool,
    silence_pos: usize,
    /// The interview the call belongs to (interview mode): a token is fetched per question.
    interview_id: Option<String>,
}

impl<'a> Talk<'a> {
    fn new(shared: &'a Arc<Shared>, peer: &SyntheticPeer, index: usize, interrupts: bool) -> Self {
        Self {
            shared,
            c: &shared.collector,
            phase: Phase::AwaitChannel {
                since: Instant::now(),
            },
            interrupts,
            turns: 0,
            next_clip: index % shared.clips.answers.len(),
            barge: None,
            turn_marks: (None, None, false),
            sent_log: VecDeque::with_capacity(SENT_KEPT),
            turn_latency: None,
            speech_end: None,
            rtp: RtpStats::default(),
            epoch: peer.offer_sent_at,
            offer_sent_at: peer.offer_sent_at,
            seq: rand::random(),
            ts: rand::random(),
            first_packet: true,
            silence_pos: 0,
            interview_id: None,
        }
    }

    async fn run(&mut self, peer: &mut SyntheticPeer) {
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut jitter_sample = tokio::time::interval(Duration::from_secs(1));
        jitter_sample.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let hard_until = self.shared.hard_until;
        while !matches!(self.phase, Phase::Done) {
            tokio::select! {
                event = peer.events.recv() => match event {
                    Some(event) => self.on_event(event, peer).await,
                    None => { self.c.error("peer_gone"); break }
                },
                _ = ticker.tick() => self.on_tick(peer).await,
                _ = jitter_sample.tick() => {
                    if self.rtp.last_transit.is_some() {
                        self.c.record_ms(Figure::Jitter, self.rtp.jitter / 48.0);
                    }
                }
                _ = tokio::time::sleep_until(hard_until) => {
                    if matches!(self.phase, Phase::AwaitResponse { speech_end: Some(_), .. }) {
                        self.c.error("response_after_deadline");
                    }
                    break;
                }
            }
        }
    }

    async fn on_event(&mut self, event: ClientEvent, peer: &SyntheticPeer) {
        match event {
            ClientEvent::Audio {
                sequence_number,
                timestamp,
                at,
                ..
            } => self.on_audio(sequence_number, timestamp, at),
            ClientEvent::ServerEvent(event) => self.on_server_event(&event).await,
            ClientEvent::DataChannelOpen => {
                if matches!(self.phase, Phase::AwaitChannel { .. }) {
                    let create = json!({"type": "response.create"});
                    if let Err(error) = peer.send_event(&create).await {
                        self.c.error(&error.code());
                        self.phase = Phase::Done;
                        return;
                    }
                    self.phase = Phase::AwaitResponse {
                        since: Instant::now(),
                        speech_end: None,
                    };
                }
            }
            ClientEvent::DataChannelClosed => {
                self.c.error("channel_closed");
                self.phase = Phase::Done;
            }
            ClientEvent::State(
                RTCPeerConnectionState::Failed
                | RTCPeerConnectionState::Disconnected
                | RTCPeerConnectionState::Closed,
            ) => {
                self.c.error("disconnected");
                self.phase = Phase::Done;
            }
            ClientEvent::State(_) => {}
        }
    }

    fn on_audio(&mut self, seq: u16, ts: u32, at: Instant) {
        let c = self.c;
        Collector::bump(&c.packets);
        let transit = at.duration_since(self.epoch).as_secs_f64() * 48_000.0 - f64::from(ts);
        if let Some((last_seq, last_ts, last_at)) = self.rtp.last {
            {
                let step = seq.wrapping_sub(last_seq);
                if step > 0x8000 {
                    // Late: it fills a hole (not lost after all), or is a duplicate.
                    if let Some(i) = self.rtp.holes.iter().position(|&h| h == seq) {
                        self.rtp.holes.remove(i);
                        c.lost.fetch_sub(1, Ordering::Relaxed);
                        Collector::bump(&c.reordered);
                    }
                    return;
                }
                if step == 0 {
                    return; // duplicate
                }
                if step > 1 {
                    c.lost.fetch_add(u64::from(step - 1), Ordering::Relaxed);
                    for missing in 1..step.min(HOLES_KEPT as u16) {
                        if self.rtp.holes.len() == HOLES_KEPT {
                            self.rtp.holes.pop_front();
                        }
                        self.rtp.holes.push_back(last_seq.wrapping_add(missing));
                    }
                }
                let same_spurt = ts.wrapping_sub(last_ts) == TICKS.wrapping_mul(u32::from(step));
                if same_spurt {
                    if at.duration_since(last_at) > GAP {
                        Collector::bump(&c.gaps);
                    }
                    if let Some(last_transit) = self.rtp.last_transit {
                        let d = (transit - last_transit).abs();
                        self.rtp.jitter += (d - self.rtp.jitter) / 16.0;
                    }
                }
            }
        }
        self.rtp.last = Some((seq, ts, at));
        self.rtp.last_transit = Some(transit);
        if let Some(barge) = &mut self.barge {
            barge.last_audio = Some(at);
        }
        match self.phase {
            Phase::AwaitResponse { speech_end, .. } => {
                match speech_end {
                    Some(end) => c.record(Figure::Response, at.saturating_duration_since(end)),
                    None => c.record(Figure::FirstAudio, at - self.offer_sent_at),
                }
                Collector::bump(&c.turns);
                self.turns += 1;
                self.turn_marks.0 = Some(at);
                self.try_event_delay();
                self.try_response_added();
                // Barging candidates interrupt every other turn, starting with the first.
                let barge = self.interrupts && self.turns % 2 == 1;
                self.phase = Phase::Listening {
                    first_audio: at,
                    barge,
                };
            }
            Phase::Listening {
                first_audio,
                barge: true,
            } if at.duration_since(first_audio) >= BARGE_AFTER
                && tokio::time::Instant::now() < self.shared.talk_until =>
            {
                self.barge = Some(Barge {
                    started: Instant::now(),
                    last_audio: None,
                });
                self.start_answer();
            }
            _ => {}
        }
    }

    fn try_event_delay(&mut self) {
        if let (Some(audio), Some(event), false) = self.turn_marks {
            self.c
                .record(Figure::EventDelay, event.saturating_duration_since(audio));
            self.turn_marks.2 = true;
        }
    }

    /// Viva's share of the response time: from sending the packet that ended the turn (as
    /// the server's `viva.response.latency` names it) to the first interviewer packet, less
    /// the time the upstream itself took.
    fn try_response_added(&mut self) {
        if let (Some(first_audio), Some((turn_sent, upstream))) =
            (self.turn_marks.0, self.turn_latency)
        {
            let total = first_audio.saturating_duration_since(turn_sent);
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            self.c
                .record_ms(Figure::ResponseAdded, ms(total) - ms(upstream));
            self.c.record(Figure::Upstream, upstream);
            self.turn_latency = None;
        }
    }

    fn on_latency_event(&mut self, event: &Value) {
        let rtp = event
            .get("rtp_timestamp")
            .and_then(Value::as_u64)
            .and_then(|ts| u32::try_from(ts).ok());
        let upstream = event.get("upstream_ms").and_then(Value::as_f64);
        let (Some(rtp), Some(upstream)) = (rtp, upstream) else {
            return self.c.error("bad_latency_event");
        };
        let Some(&(_, sent)) = self.sent_log.iter().rev().find(|(ts, _)| *ts == rtp) else {
            return self.c.error("latency_event_unknown_packet");
        };
        if let Some(end) = self.speech_end.take() {
            self.c
                .record(Figure::TurnEnd, sent.saturating_duration_since(end));
        }
        self.turn_latency = Some((sent, Duration::from_secs_f64(upstream.max(0.0) / 1000.0)));
        self.try_response_added();
    }

    fn start_answer(&mut self) {
        self.turn_marks = (None, None, false);
        self.turn_latency = None;
        let clip = self.next_clip;
        self.next_clip = (self.next_clip + 1) % self.shared.clips.answers.len();
        self.phase = Phase::Speaking { clip, pos: 0 };
    }

    async fn on_server_event(&mut self, event: &Value) {
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match kind {
            "input_audio_buffer.speech_started" => Collector::bump(&self.c.speech_started),
            "viva.interview.progress" => self.fetch_question_token(event),
            "viva.response.latency" => self.on_latency_event(event),
            "output_audio_buffer.started" => {
                self.turn_marks.1 = Some(Instant::now());
                self.try_event_delay();
            }
            "output_audio_buffer.stopped" => {
                if let Phase::Listening { .. } = self.phase {
                    if tokio::time::Instant::now() < self.shared.talk_until {
                        self.start_answer();
                    } else {
                        self.phase = Phase::Done;
                    }
                }
            }
            "error" => {
                let code = event
                    .pointer("/error/code")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                self.c.error(&format!("server_{code}"));
            }
            _ => {}
        }
    }

    /// As an integrator's backend would when the interview moves on: a token for the new
    /// question, fetched beside the call so the candidate's audio never waits for it.
    fn fetch_question_token(&self, event: &Value) {
        let (Some(interview_id), Some(index)) = (
            self.interview_id.clone(),
            event.get("question_index").and_then(Value::as_u64),
        ) else {
            return;
        };
        let shared = Arc::clone(self.shared);
        tokio::spawn(async move {
            let asked_at = Instant::now();
            let c = &shared.collector;
            match shared
                .integrator
                .question_token(&interview_id, index + 1)
                .await
            {
                Ok(()) => c.record(Figure::Credentials, asked_at.elapsed()),
                Err(error) => c.error(&format!("question_token_{}", error.code())),
            }
        });
    }

    async fn on_tick(&mut self, peer: &SyntheticPeer) {
        let now = Instant::now();
        let clips = &self.shared.clips;
        let payload: Bytes = match &mut self.phase {
            Phase::Speaking { clip, pos } => {
                let answer = &clips.answers[*clip];
                let payload = answer[*pos].clone();
                *pos += 1;
                if *pos == answer.len() {
                    Collector::bump(&self.c.answers);
                    self.speech_end = Some(now);
                    self.phase = Phase::AwaitResponse {
                        since: now,
                        speech_end: Some(now),
                    };
                }
                payload
            }
            _ => {
                let payload = clips.silence[self.silence_pos % clips.silence.len()].clone();
                self.silence_pos += 1;
                payload
            }
        };
        if let Err(error) = peer
            .send_opus(self.seq, self.ts, self.first_packet, payload)
            .await
        {
            self.c.error(&error.code());
        }
        Collector::bump(&self.c.sent);
        if self.sent_log.len() == SENT_KEPT {
            self.sent_log.pop_front();
        }
        self.sent_log.push_back((self.ts, now));
        self.first_packet = false;
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(TICKS);
        // The end of a barge-in: the interviewer has been quiet for a while.
        if let Some(barge) = &self.barge {
            let quiet_since = barge.last_audio.unwrap_or(barge.started).max(barge.started);
            if now.duration_since(quiet_since) >= BARGE_QUIET {
                let reaction = barge.last_audio.map_or(Duration::ZERO, |last| {
                    last.saturating_duration_since(barge.started)
                });
                self.c.record(Figure::BargeIn, reaction);
                self.barge = None;
            }
        }
        let talking_time = tokio::time::Instant::now() < self.shared.talk_until;
        match self.phase {
            Phase::AwaitChannel { since } if now.duration_since(since) > CHANNEL_TIMEOUT => {
                self.c.error("datachannel_timeout");
                self.phase = Phase::Done;
            }
            Phase::AwaitResponse { since, speech_end } => {
                if now.duration_since(since) > RESPONSE_TIMEOUT {
                    self.c.error("response_timeout");
                    if talking_time {
                        self.start_answer();
                    } else {
                        self.phase = Phase::Done;
                    }
                } else if speech_end.is_none() && !talking_time {
                    self.phase = Phase::Done;
                }
            }
            Phase::Listening { first_audio, .. } => {
                if now.duration_since(first_audio) > TURN_TIMEOUT {
                    self.c.error("turn_timeout");
                    self.phase = Phase::Done;
                } else if !talking_time && self.barge.is_none() {
                    self.phase = Phase::Done;
                }
            }
            _ => {}
        }
    }
}
