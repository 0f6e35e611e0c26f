//! Once a second: the server's `/metrics` (CPU, RSS, calls, media counters) and the load
//! generator's own CPU, as a timeline for the report.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

use super::collector::Collector;
use crate::metrics::process_sample;

/// One second of the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Point {
    /// Seconds since the start of the run.
    pub t: f64,
    /// Calls connected and not hung up, as the peers see them.
    pub active: u64,
    /// Calls that failed so far.
    pub failed: u64,
    /// Interviewer packets received so far.
    pub packets: u64,
    /// Interviewer packets lost so far.
    pub lost: u64,
    /// Audio gaps so far.
    pub gaps: u64,
    /// Server CPU over the last second, % of one core (200 % = both cores of this machine).
    pub server_cpu_pct: Option<f64>,
    /// CPU stolen from the server's machine by its hypervisor over the last second, % of one
    /// core (all CPUs summed): when it spikes, every process on the machine stalls at once.
    pub server_steal_pct: Option<f64>,
    /// Server resident memory, MB.
    pub server_rss_mb: Option<f64>,
    /// Calls the server counts as live.
    pub server_calls: Option<f64>,
    /// Candidate packets the server received so far (all calls since it started).
    pub server_inbound_packets: Option<f64>,
    /// Candidate packets the server lost so far.
    pub server_inbound_lost: Option<f64>,
    /// Lost candidate packets the server filled with FEC or PLC audio so far.
    pub server_inbound_concealed: Option<f64>,
    /// Candidate packets that arrived after the server had declared them lost, so far.
    pub server_inbound_late: Option<f64>,
    /// Pacer ticks that ran late so far.
    pub server_pacer_late: Option<f64>,
    /// Load generator CPU over the last second, % of one core.
    pub client_cpu_pct: f64,
    /// Load generator resident memory, MB.
    pub client_rss_mb: f64,
}

/// Parses Prometheus text into name → value (labels are not used by Viva's metrics).
pub fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// CPU seconds counted by a counter, as % of one core over the time since the last sample.
#[derive(Default)]
struct CpuRate {
    last: Option<(f64, f64)>,
}

impl CpuRate {
    /// The rate since the previous sample, if there was one; `seconds` at time `t`.
    fn percent(&mut self, t: f64, seconds: Option<&f64>) -> Option<f64> {
        let &seconds = seconds?;
        let rate = match self.last {
            Some((t0, s0)) if t > t0 => Some((seconds - s0) / (t - t0) * 100.0),
            _ => None,
        };
        self.last = Some((t, seconds));
        rate
    }
}

/// Samples until `stop` fires; returns the timeline.
pub(super) async fn sample(
    url: String,
    collector: Arc<Collector>,
    http: reqwest::Client,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<Point> {
    let mut timeline = Vec::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut client_cpu = CpuRate::default();
    let mut server_cpu = CpuRate::default();
    let mut server_steal = CpuRate::default();
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => break,
        }
        let t = collector.elapsed();
        let me = process_sample();
        let client_cpu_pct = client_cpu.percent(t, Some(&me.cpu_seconds)).unwrap_or(0.0);
        let mut point = Point {
            t,
            active: collector.active.load(Ordering::Relaxed),
            failed: collector.failed.load(Ordering::Relaxed),
            packets: collector.packets.load(Ordering::Relaxed),
            lost: collector.lost.load(Ordering::Relaxed),
            gaps: collector.gaps.load(Ordering::Relaxed),
            client_cpu_pct,
            client_rss_mb: me.rss_bytes as f64 / 1e6,
            ..Point::default()
        };
        let request = http.get(format!("{url}/metrics")).send();
        if let Ok(Ok(response)) = tokio::time::timeout(Duration::from_millis(900), request).await
            && let Ok(Ok(text)) =
                tokio::time::timeout(Duration::from_millis(500), response.text()).await
        {
            let m = parse_prometheus(&text);
            point.server_cpu_pct = server_cpu.percent(t, m.get("process_cpu_seconds_total"));
            point.server_steal_pct =
                server_steal.percent(t, m.get("viva_host_cpu_steal_seconds_total"));
            point.server_rss_mb = m.get("process_resident_memory_bytes").map(|b| b / 1e6);
            point.server_calls = m.get("viva_calls_active").copied();
            point.server_inbound_packets = m.get("viva_inbound_packets_total").copied();
            point.server_inbound_lost = m.get("viva_inbound_lost_total").copied();
            point.server_inbound_concealed = m.get("viva_inbound_concealed_total").copied();
            point.server_inbound_late = m.get("viva_inbound_late_total").copied();
            point.server_pacer_late = m.get("viva_pacer_late_ticks_total").copied();
        }
        timeline.push(point);
    }
    timeline
}
