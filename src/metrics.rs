//! Process-wide counters of the media path, cheap enough for the hot path (relaxed atomics),
//! exposed in Prometheus text format at `GET /metrics` (`api::metrics`), and the process's own
//! CPU time and resident memory, read from `/proc/self` (Linux only; elsewhere they read 0).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::audio::InboundStats;

/// Counters summed over every call of this process.
#[derive(Debug, Default)]
pub struct MediaMetrics {
    /// Calls whose actor started.
    pub calls_started: AtomicU64,
    /// Calls whose actor ended.
    pub calls_ended: AtomicU64,
    /// Candidate RTP packets received.
    pub inbound_packets: AtomicU64,
    /// Candidate packets never received (sequence holes).
    pub inbound_lost: AtomicU64,
    /// Candidate packets that arrived after their place was declared lost.
    pub inbound_late: AtomicU64,
    /// Lost candidate packets concealed (PLC) or recovered (FEC).
    pub inbound_concealed: AtomicU64,
    /// Interviewer frames encoded and sent by the pacers.
    pub outbound_frames: AtomicU64,
    /// Time spent encoding those frames, in nanoseconds.
    pub outbound_encode_ns: AtomicU64,
    /// Pacer ticks.
    pub pacer_ticks: AtomicU64,
    /// Pacer ticks that ran more than [`PACER_LATE`] after their deadline.
    pub pacer_late_ticks: AtomicU64,
    /// Sum of every tick's lateness, in nanoseconds.
    pub pacer_lateness_ns: AtomicU64,
    /// Responses to a candidate's turn whose first frame went out with its timing.
    pub responses_timed: AtomicU64,
    /// Their sum of: candidate packet read → its audio handed to the upstream, in ns.
    pub response_inbound_ns: AtomicU64,
    /// Their sum of: end of the turn handed to the upstream → first audio back, in ns.
    pub response_upstream_ns: AtomicU64,
    /// Their sum of: first audio from the upstream → first RTP packet written, in ns.
    pub response_outbound_ns: AtomicU64,
}

/// A pacer tick this late is counted as late: it delays the frame by a quarter of a frame.
pub const PACER_LATE: Duration = Duration::from_millis(5);

/// The counters of this process.
pub fn media() -> &'static MediaMetrics {
    static METRICS: std::sync::OnceLock<MediaMetrics> = std::sync::OnceLock::new();
    METRICS.get_or_init(MediaMetrics::default)
}

impl MediaMetrics {
    /// A pacer tick scheduled for `deadline` runs now; returns how late it is.
    pub fn pacer_tick(&self, deadline: Instant) -> Duration {
        let late = deadline.elapsed();
        self.pacer_ticks.fetch_add(1, Ordering::Relaxed);
        self.pacer_lateness_ns
            .fetch_add(late.as_nanos() as u64, Ordering::Relaxed);
        if late > PACER_LATE {
            self.pacer_late_ticks.fetch_add(1, Ordering::Relaxed);
        }
        late
    }

    /// A response's first frame went out: its turn's audio took `inbound` to reach the
    /// upstream, the upstream took `upstream`, its first audio took `outbound` to leave.
    pub fn response_timed(&self, inbound: Duration, upstream: Duration, outbound: Duration) {
        let add = |counter: &AtomicU64, d: Duration| {
            counter.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
        };
        self.responses_timed.fetch_add(1, Ordering::Relaxed);
        add(&self.response_inbound_ns, inbound);
        add(&self.response_upstream_ns, upstream);
        add(&self.response_outbound_ns, outbound);
    }

    /// One interviewer frame was encoded in `took`.
    pub fn frame_encoded(&self, took: Duration) {
        self.outbound_frames.fetch_add(1, Ordering::Relaxed);
        self.outbound_encode_ns
            .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Adds what a track reader counted since `reported` and remembers it as reported.
    pub fn add_inbound(&self, now: &InboundStats, reported: &mut InboundStats) {
        let add = |counter: &AtomicU64, new: u64, old: u64| {
            if new > old {
                counter.fetch_add(new - old, Ordering::Relaxed);
            }
        };
        add(&self.inbound_packets, now.packets, reported.packets);
        add(&self.inbound_lost, now.lost, reported.lost);
        add(&self.inbound_late, now.late, reported.late);
        add(
            &self.inbound_concealed,
            now.concealed + now.fec_recovered,
            reported.concealed + reported.fec_recovered,
        );
        *reported = *now;
    }
}

/// CPU time and resident memory of a process, from `/proc/<pid>`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessSample {
    /// User + system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident set size, in bytes.
    pub rss_bytes: u64,
}

/// Clock ticks per second of `/proc/*/stat` times. Linux has used 100 on every mainstream
/// architecture for decades (`getconf CLK_TCK`); reading it needs `sysconf`, i.e. unsafe code.
const CLOCK_TICKS: f64 = 100.0;

/// This process's CPU time and RSS (Linux: `/proc/self/stat` and `/proc/self/status`; zero
/// elsewhere).
pub fn process_sample() -> ProcessSample {
    let cpu_seconds = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| parse_stat_cpu(&stat))
        .unwrap_or(0.0);
    let rss_bytes = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| parse_status_rss(&status))
        .unwrap_or(0);
    ProcessSample {
        cpu_seconds,
        rss_bytes,
    }
}

/// utime + stime (fields 14 and 15) of a `/proc/*/stat` line, in seconds. The command name
/// (field 2) may contain spaces and parentheses, so fields are counted after the last `)`.
pub fn parse_stat_cpu(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is the first after ')'
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS)
}

/// CPU time the hypervisor ran other guests while this machine's CPUs had work (steal), all
/// CPUs summed, in seconds (Linux `/proc/stat`; zero elsewhere). A process-wide stall that
/// Viva did not cause shows here.
pub fn host_steal_seconds() -> f64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| parse_proc_stat_steal(&stat))
        .unwrap_or(0.0)
}

/// The `steal` column (the 8th time) of `/proc/stat`'s aggregate `cpu` line, in seconds.
pub fn parse_proc_stat_steal(stat: &str) -> Option<f64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let steal: f64 = line.split_whitespace().nth(8)?.parse().ok()?;
    Some(steal / CLOCK_TICKS)
}

/// `VmRSS` of a `/proc/*/status` file, in bytes.
pub fn parse_status_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        let stat = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 4 0 100 1000 200";
        assert_eq!(parse_stat_cpu(stat), Some(3.0));
        let status = "Name:\tviva\nVmPeak:\t  9000 kB\nVmRSS:\t   2048 kB\nThreads: 4\n";
        assert_eq!(parse_status_rss(status), Some(2 * 1024 * 1024));
        let proc_stat = "cpu  1688955 2110 237403 902913 7693 0 7553 26846 0 0\ncpu0 836833 1113 116594 463035 2670 0 3049 13173 0 0\n";
        assert_eq!(parse_proc_stat_steal(proc_stat), Some(268.46));
        assert_eq!(parse_proc_stat_steal("cpu0 1 2 3 4 5 6 7 8\n"), None);
        if cfg!(target_os = "linux") {
            let sample = process_sample();
            assert!(sample.rss_bytes > 0);
        }
    }
}
