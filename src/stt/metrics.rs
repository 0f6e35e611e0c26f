//! Prometheus metrics of the transcription queue, process-wide (one transcriber per server):
//! queue depth, jobs running, how long jobs waited for a slot and how long they took, and how
//! each ended. Written by `GET /metrics` through [`write_prometheus`].

use std::fmt::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Upper bounds of the histograms' buckets, in seconds.
const BOUNDS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0];

/// A Prometheus histogram of durations on relaxed atomics.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations per bucket (not cumulative; the last one is `+Inf`).
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_ns: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BOUNDS
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(BOUNDS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_ns
            .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = BOUNDS.get(i).map_or("+Inf".to_owned(), f64::to_string);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The transcriber's counters.
#[derive(Debug, Default)]
pub struct SttMetrics {
    /// Jobs waiting for a slot.
    pub queue_depth: AtomicUsize,
    /// Jobs running.
    pub in_flight: AtomicUsize,
    /// Time from submission to a slot.
    pub wait: Histogram,
    /// Time of the backend's request, once it had a slot.
    pub transcription: Histogram,
    /// Utterances transcribed.
    pub completed: AtomicU64,
    /// Utterances whose transcription failed (unreachable, refused, timed out).
    pub failed: AtomicU64,
    /// Utterances refused because the queue was full.
    pub overloaded: AtomicU64,
    /// Seconds of audio sent, in ms.
    pub audio_ms: AtomicU64,
}

/// The counters of this process.
pub fn metrics() -> &'static SttMetrics {
    static METRICS: OnceLock<SttMetrics> = OnceLock::new();
    METRICS.get_or_init(SttMetrics::default)
}

/// Appends the transcriber's metrics to a Prometheus text exposition.
pub fn write_prometheus(out: &mut String) {
    let m = metrics();
    let gauges = [
        (
            "viva_stt_queue_depth",
            "Candidate utterances waiting for a transcription slot.",
            m.queue_depth.load(Ordering::Relaxed),
        ),
        (
            "viva_stt_in_flight",
            "Transcriptions running (at most --stt-concurrency).",
            m.in_flight.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
    let name = "viva_stt_utterances_total";
    let _ = writeln!(
        out,
        "# HELP {name} Candidate utterances sent to the transcriber, by outcome (overloaded: refused, stored without text).\n# TYPE {name} counter"
    );
    for (outcome, counter) in [
        ("completed", &m.completed),
        ("failed", &m.failed),
        ("overloaded", &m.overloaded),
    ] {
        let value = counter.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}{{outcome=\"{outcome}\"}} {value}");
    }
    let name = "viva_stt_audio_seconds_total";
    let audio = m.audio_ms.load(Ordering::Relaxed) as f64 / 1e3;
    let _ = writeln!(
        out,
        "# HELP {name} Seconds of candidate audio sent to the transcriber.\n# TYPE {name} counter\n{name} {audio}"
    );
    m.wait.write(
        out,
        "viva_stt_wait_seconds",
        "Time an utterance waited for a transcription slot.",
    );
    m.transcription.write(
        out,
        "viva_stt_transcription_seconds",
        "Time the transcription backend took for an utterance.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_with_an_infinite_bucket() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_millis(700));
        h.observe(Duration::from_secs(100));
        let mut out = String::new();
        h.write(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.05\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"1\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"60\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count 3\n"), "{out}");
    }
}
