//! What the peers measure, gathered while the run goes: timestamped samples, counters and
//! errors by code, shared by every peer task, the sampler and the progress line.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The figures measured per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    /// The integrator's credentials: an interview created and its credentials fetched (or a
    /// client secret minted) before a call, and each question's token during it.
    Credentials,
    /// Offer posted → answer received.
    Answer,
    /// Offer posted → peer connection connected.
    Setup,
    /// Offer posted → first interviewer audio packet.
    FirstAudio,
    /// Last packet of the candidate's speech sent → first interviewer audio packet.
    Response,
    /// What Viva adds to a response: from sending the packet that ended the turn (named by
    /// the server's `viva.response.latency`) to the first interviewer packet, less the
    /// upstream's own time.
    ResponseAdded,
    /// Last packet of the answer sent → the packet the upstream ended the turn at was sent:
    /// the turn detector's silence window and hangover, in the candidate's audio time.
    TurnEnd,
    /// The upstream's own time (turn detection wait, generation) per response, as the server
    /// measured it at the upstream boundary.
    Upstream,
    /// `output_audio_buffer.started` on the data channel after the first RTP packet it
    /// announces (both leave the server in the same pacer tick).
    EventDelay,
    /// Candidate starts talking over the interviewer → last interviewer packet.
    BargeIn,
    /// RFC 3550 interarrival jitter of the interviewer's audio, sampled each second per call.
    Jitter,
}

impl Figure {
    /// Whether it is one of the latencies of `latency_ms` in the JSON report (barge-in and
    /// jitter have sections of their own).
    pub fn is_latency(self) -> bool {
        !matches!(self, Figure::BargeIn | Figure::Jitter)
    }

    /// Every figure, in report order.
    pub const ALL: [Figure; 11] = [
        Figure::Credentials,
        Figure::Answer,
        Figure::Setup,
        Figure::FirstAudio,
        Figure::Response,
        Figure::TurnEnd,
        Figure::ResponseAdded,
        Figure::Upstream,
        Figure::EventDelay,
        Figure::BargeIn,
        Figure::Jitter,
    ];

    /// Its key in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            Figure::Credentials => "credentials",
            Figure::Answer => "answer",
            Figure::Setup => "setup",
            Figure::FirstAudio => "first_audio",
            Figure::Response => "response",
            Figure::ResponseAdded => "response_added",
            Figure::Upstream => "upstream",
            Figure::TurnEnd => "turn_end",
            Figure::EventDelay => "event_delay",
            Figure::BargeIn => "barge_in",
            Figure::Jitter => "jitter",
        }
    }
}

/// One measurement: when (seconds since the run started), what, how many ms.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the start of the run.
    pub at: f64,
    /// The figure.
    pub figure: Figure,
    /// Milliseconds (may be negative for `ResponseAdded`).
    pub ms: f64,
}

/// Shared by all peer tasks.
#[derive(Debug)]
pub struct Collector {
    /// When the run started.
    pub start: Instant,
    /// Calls attempted.
    pub attempted: AtomicU64,
    /// Calls that reached `connected`.
    pub connected: AtomicU64,
    /// Calls that failed before connecting (or lost their data channel at once).
    pub failed: AtomicU64,
    /// Calls connected and not yet hung up.
    pub active: AtomicU64,
    /// Interviewer audio packets received.
    pub packets: AtomicU64,
    /// Interviewer audio packets missing (sequence holes no late packet filled).
    pub lost: AtomicU64,
    /// Interviewer audio packets that arrived after a later one (they filled a hole).
    pub reordered: AtomicU64,
    /// Silences over 60 ms inside an interviewer talk spurt.
    pub gaps: AtomicU64,
    /// `input_audio_buffer.speech_started` events received: the server heard the candidate.
    pub speech_started: AtomicU64,
    /// Answers the candidates finished speaking.
    pub answers: AtomicU64,
    /// Interviewer turns that started playing.
    pub turns: AtomicU64,
    /// Candidate packets sent.
    pub sent: AtomicU64,
    /// The sessions' `silence_duration_ms`, as their credentials said (0 until known).
    pub silence_ms: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    samples: Vec<Sample>,
    errors: BTreeMap<String, u64>,
    failures: BTreeMap<String, u64>,
}

impl Collector {
    /// An empty collector; the run's clock starts now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            attempted: AtomicU64::new(0),
            connected: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            active: AtomicU64::new(0),
            packets: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            reordered: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            speech_started: AtomicU64::new(0),
            answers: AtomicU64::new(0),
            turns: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            silence_ms: AtomicU64::new(0),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seconds since the start of the run.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Records a measurement.
    pub fn record(&self, figure: Figure, value: Duration) {
        self.record_ms(figure, value.as_secs_f64() * 1000.0);
    }

    /// Records a measurement in ms.
    pub fn record_ms(&self, figure: Figure, ms: f64) {
        let at = self.elapsed();
        self.lock().samples.push(Sample { at, figure, ms });
    }

    /// Counts an error that did not end the call.
    pub fn error(&self, code: &str) {
        *self.lock().errors.entry(code.to_owned()).or_default() += 1;
    }

    /// Counts a call that failed, by cause (also counted among the errors).
    pub fn failure(&self, code: &str) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        *inner.failures.entry(code.to_owned()).or_default() += 1;
        *inner.errors.entry(code.to_owned()).or_default() += 1;
    }

    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of the samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.lock().samples.clone()
    }

    /// The samples of `figure` recorded since `since` seconds.
    pub fn values_since(&self, figure: Figure, since: f64) -> Vec<f64> {
        self.lock()
            .samples
            .iter()
            .filter(|s| s.figure == figure && s.at >= since)
            .map(|s| s.ms)
            .collect()
    }

    /// Errors by code.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.lock().errors.clone()
    }

    /// Failed calls by cause.
    pub fn failures(&self) -> BTreeMap<String, u64> {
        self.lock().failures.clone()
    }
}

impl Default for Collector {
    fn default() -> Self {
        Self::new()
    }
}
