//! The results: JSON for machines (stable keys), a terminal table, and a self-contained HTML
//! page with SVG charts drawn here (no scripts, no external URLs).

use std::collections::BTreeMap;
use std::fmt::Write;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::collector::{Figure, Sample};
use super::sampler::Point;

/// Percentiles of one figure, in ms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Percentiles {
    /// Samples.
    pub n: u64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

impl Percentiles {
    /// Through an HDR histogram in µs (3 significant digits); negative values count as 0.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut h = Histogram::<u64>::new(3).expect("3 significant digits is valid");
        for v in values {
            h.record((v.max(0.0) * 1000.0).round() as u64)
                .expect("auto-resizing histogram");
        }
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| (us as f64 / 10.0).round() / 100.0;
        Self {
            n: h.len(),
            p50: ms(h.value_at_quantile(0.50)),
            p95: ms(h.value_at_quantile(0.95)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
        }
    }

    fn to_json(self) -> Value {
        if self.n == 0 {
            return Value::Null;
        }
        json!({ "n": self.n, "p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max })
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// Settings, as shown in the report.
    pub settings: Value,
    /// Calls attempted.
    pub attempted: u64,
    /// Calls connected.
    pub connected: u64,
    /// Calls failed, by cause.
    pub failures: BTreeMap<String, u64>,
    /// All errors, by code.
    pub errors: BTreeMap<String, u64>,
    /// Percentiles per figure.
    pub figures: BTreeMap<Figure, Percentiles>,
    /// `silence_duration_ms` of the sessions.
    pub silence_ms: u32,
    /// Interviewer packets received.
    pub packets: u64,
    /// Interviewer packets lost.
    pub lost: u64,
    /// Interviewer packets that came after a later one.
    pub reordered: u64,
    /// Audio gaps.
    pub gaps: u64,
    /// Speech starts the server reported.
    pub speech_started: u64,
    /// Answers spoken.
    pub answers: u64,
    /// Interviewer turns heard.
    pub turns: u64,
    /// Candidate packets sent.
    pub sent: u64,
    /// Every sample.
    pub samples: Vec<Sample>,
    /// Once a second.
    pub timeline: Vec<Point>,
    /// Wall time of the run, s.
    pub wall_s: f64,
}

fn max_of(points: &[Point], f: impl Fn(&Point) -> Option<f64>) -> Option<f64> {
    points
        .iter()
        .filter_map(f)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

fn mean_of(points: &[Point], f: impl Fn(&Point) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = points.iter().filter_map(f).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// How much a counter of the server grew over the run (first to last sample that has it).
fn growth(points: &[Point], f: impl Fn(&Point) -> Option<f64>) -> Option<f64> {
    let first = points.iter().find_map(&f)?;
    let last = points.iter().rev().find_map(&f)?;
    Some(last - first)
}

fn round1(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| json!((v * 10.0).round() / 10.0))
}

impl Report {
    /// Percentiles of `figure` (empty when never measured).
    pub fn figure(&self, figure: Figure) -> Percentiles {
        self.figures.get(&figure).copied().unwrap_or_default()
    }

    /// Interviewer packets lost, in % of those expected.
    pub fn loss_pct(&self) -> f64 {
        let expected = self.packets + self.lost;
        if expected == 0 {
            0.0
        } else {
            self.lost as f64 * 100.0 / expected as f64
        }
    }

    /// The candidates' packets as the server's inbound path handled them over the run
    /// (counters of the whole server, so other calls on it count too): lost ones are
    /// concealed with FEC or PLC up to 100 ms; the rest became silence.
    pub fn candidate_audio(&self) -> Value {
        let t = &self.timeline;
        let lost = growth(t, |p| p.server_inbound_lost);
        let concealed = growth(t, |p| p.server_inbound_concealed);
        json!({
            "packets": growth(t, |p| p.server_inbound_packets),
            "lost": lost,
            "concealed": concealed,
            "unconcealed": lost.zip(concealed).map(|(l, c)| (l - c).max(0.0)),
            "late": growth(t, |p| p.server_inbound_late),
        })
    }

    /// Timeline points while calls were up (for steady-state figures).
    fn loaded(&self) -> Vec<Point> {
        self.timeline
            .iter()
            .filter(|p| p.active > 0)
            .cloned()
            .collect()
    }

    /// The JSON document (`--json`). Keys are stable; new ones may be added.
    pub fn to_json(&self) -> Value {
        let latency: serde_json::Map<String, Value> = Figure::ALL
            .iter()
            .filter(|f| f.is_latency())
            .map(|f| (f.key().to_owned(), self.figure(*f).to_json()))
            .collect();
        let loaded = self.loaded();
        json!({
            "calls": { "attempted": self.attempted, "connected": self.connected,
                       "failed": self.failures.values().sum::<u64>() },
            "failures": self.failures,
            "errors": self.errors,
            "latency_ms": latency,
            "silence_duration_ms": self.silence_ms,
            "loss_pct": (self.loss_pct() * 1000.0).round() / 1000.0,
            "packets": { "received": self.packets, "lost": self.lost, "reordered": self.reordered,
                         "sent": self.sent },
            "jitter_ms": self.figure(Figure::Jitter).to_json(),
            "gaps": self.gaps,
            "barge_in_ms": self.figure(Figure::BargeIn).to_json(),
            "conversation": { "speech_started": self.speech_started, "answers": self.answers,
                              "turns": self.turns,
                              "responses": self.figure(Figure::Response).n },
            "server": {
                "cpu_pct_max": round1(max_of(&loaded, |p| p.server_cpu_pct)),
                "cpu_pct_mean": round1(mean_of(&loaded, |p| p.server_cpu_pct)),
                "steal_pct_max": round1(max_of(&loaded, |p| p.server_steal_pct)),
                "rss_mb_max": round1(max_of(&self.timeline, |p| p.server_rss_mb)),
                "rss_mb_start": round1(self.timeline.first().and_then(|p| p.server_rss_mb)),
                "pacer_late_ticks": max_of(&self.timeline, |p| p.server_pacer_late),
                "inbound_lost": max_of(&self.timeline, |p| p.server_inbound_lost),
            },
            "candidate_audio_at_server": self.candidate_audio(),
            "client": {
                "cpu_pct_max": round1(max_of(&loaded, |p| Some(p.client_cpu_pct))),
                "cpu_pct_mean": round1(mean_of(&loaded, |p| Some(p.client_cpu_pct))),
                "rss_mb_max": round1(max_of(&self.timeline, |p| Some(p.client_rss_mb))),
            },
            "settings": self.settings,
            "wall_s": (self.wall_s * 10.0).round() / 10.0,
            "timeline": self.timeline,
        })
    }

    /// The terminal summary.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let json = self.to_json();
        let _ = writeln!(
            out,
            "calls: {} attempted, {} connected, {} failed{}",
            self.attempted,
            self.connected,
            self.failures.values().sum::<u64>(),
            if self.failures.is_empty() {
                String::new()
            } else {
                format!(" ({})", join_counts(&self.failures))
            }
        );
        let _ = writeln!(
            out,
            "{:<34} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "figure (ms)", "n", "p50", "p95", "p99", "max"
        );
        for figure in Figure::ALL {
            let p = self.figure(figure);
            if p.n == 0 {
                continue;
            }
            let label = match figure {
                Figure::Credentials => "integrator: credentials / token",
                Figure::Answer => "setup: offer → answer",
                Figure::Setup => "setup: offer → connected",
                Figure::FirstAudio => "setup: offer → first audio",
                Figure::Response => "response: speech end → audio",
                Figure::ResponseAdded => "response: added by Viva",
                Figure::Upstream => "response: upstream's own time",
                Figure::TurnEnd => "response: speech end → turn end",
                Figure::EventDelay => "data channel event after RTP",
                Figure::BargeIn => "barge-in: talk → audio stops",
                Figure::Jitter => "jitter (RFC 3550)",
            };
            let _ = writeln!(
                out,
                "{label:<34} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                p.n, p.p50, p.p95, p.p99, p.max
            );
        }
        let _ = writeln!(
            out,
            "interviewer audio: {} packets, {} lost ({:.3} %), {} reordered, {} gaps > 60 ms; server heard {} speech starts of {} answers",
            self.packets,
            self.lost,
            self.loss_pct(),
            self.reordered,
            self.gaps,
            self.speech_started,
            self.answers
        );
        let audio = &json["candidate_audio_at_server"];
        if !audio["packets"].is_null() {
            let _ = writeln!(
                out,
                "candidate audio at the server: {} packets, {} lost, {} concealed (FEC/PLC), {} unconcealed, {} late",
                audio["packets"],
                audio["lost"],
                audio["concealed"],
                audio["unconcealed"],
                audio["late"]
            );
        }
        if let Some(impairment) = self.settings.get("impairment").filter(|i| !i.is_null()) {
            let _ = writeln!(
                out,
                "impairment (each direction): loss {} %, jitter 0–{} ms, reorder {} %, seed {} · goal at 5 % loss: 0 unconcealed, speech starts = answers",
                impairment["loss_pct"],
                impairment["jitter_ms"],
                impairment["reorder_pct"],
                impairment["seed"]
            );
        }
        let _ = writeln!(
            out,
            "server: CPU max {} % (mean {} %), RSS max {} MB, host steal max {} % · load generator: CPU max {} % (mean {} %) · 100 % = one core",
            json["server"]["cpu_pct_max"],
            json["server"]["cpu_pct_mean"],
            json["server"]["rss_mb_max"],
            json["server"]["steal_pct_max"],
            json["client"]["cpu_pct_max"],
            json["client"]["cpu_pct_mean"]
        );
        if !self.errors.is_empty() {
            let _ = writeln!(out, "errors: {}", join_counts(&self.errors));
        }
        out
    }
}

fn join_counts(counts: &BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
