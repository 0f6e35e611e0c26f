//! `GET /metrics`: Prometheus text format (version 0.0.4) for load tests and monitoring.
//! Process CPU and RSS come from `/proc/self` and read 0 off Linux.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;
use crate::metrics::{host_steal_seconds, media, process_sample};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let process = process_sample();
    let m = media();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let ns_to_s = |ns: u64| ns as f64 / 1e9;
    let gauge = "gauge";
    let counter = "counter";
    // Name, type, help, value: one Prometheus metric each.
    let rows: [(&str, &str, &str, f64); 21] = [
        (
            "process_cpu_seconds_total",
            counter,
            "User and system CPU time of the server process (Linux /proc/self/stat).",
            process.cpu_seconds,
        ),
        (
            "process_resident_memory_bytes",
            gauge,
            "Resident memory of the server process (Linux /proc/self/status VmRSS).",
            process.rss_bytes as f64,
        ),
        (
            "viva_host_cpu_steal_seconds_total",
            counter,
            "CPU time the hypervisor gave other guests while this machine's CPUs had work, all CPUs (Linux /proc/stat steal).",
            host_steal_seconds(),
        ),
        (
            "viva_calls_active",
            gauge,
            "Calls live or being set up.",
            state.calls.len() as f64,
        ),
        (
            "viva_calls_max",
            gauge,
            "Most calls at once (--max-calls).",
            state.config.max_calls as f64,
        ),
        (
            "viva_calls_started_total",
            counter,
            "Calls whose media actor started.",
            load(&m.calls_started) as f64,
        ),
        (
            "viva_calls_ended_total",
            counter,
            "Calls whose media actor ended.",
            load(&m.calls_ended) as f64,
        ),
        (
            "viva_recording_packets_dropped_total",
            counter,
            "Candidate packets left out of recordings because a recorder was behind.",
            load(&crate::recording::PACKETS_DROPPED) as f64,
        ),
        (
            "viva_inbound_packets_total",
            counter,
            "Candidate RTP packets received.",
            load(&m.inbound_packets) as f64,
        ),
        (
            "viva_inbound_lost_total",
            counter,
            "Candidate RTP packets never received.",
            load(&m.inbound_lost) as f64,
        ),
        (
            "viva_inbound_late_total",
            counter,
            "Candidate RTP packets that arrived after being declared lost.",
            load(&m.inbound_late) as f64,
        ),
        (
            "viva_inbound_concealed_total",
            counter,
            "Lost candidate packets concealed (PLC) or recovered (FEC).",
            load(&m.inbound_concealed) as f64,
        ),
        (
            "viva_outbound_frames_total",
            counter,
            "Interviewer Opus frames encoded and sent.",
            load(&m.outbound_frames) as f64,
        ),
        (
            "viva_outbound_encode_seconds_total",
            counter,
            "Time spent encoding interviewer frames.",
            ns_to_s(load(&m.outbound_encode_ns)),
        ),
        (
            "viva_pacer_ticks_total",
            counter,
            "20 ms pacer ticks of all calls.",
            load(&m.pacer_ticks) as f64,
        ),
        (
            "viva_pacer_late_ticks_total",
            counter,
            "Pacer ticks that ran more than 5 ms after their deadline.",
            load(&m.pacer_late_ticks) as f64,
        ),
        (
            "viva_pacer_lateness_seconds_total",
            counter,
            "Sum of the pacer ticks' lateness.",
            ns_to_s(load(&m.pacer_lateness_ns)),
        ),
        (
            "viva_responses_timed_total",
            counter,
            "Responses to a candidate's turn whose first frame went out (viva.response.latency).",
            load(&m.responses_timed) as f64,
        ),
        (
            "viva_response_inbound_seconds_total",
            counter,
            "Of those: candidate packet read -> its audio handed to the upstream, summed.",
            ns_to_s(load(&m.response_inbound_ns)),
        ),
        (
            "viva_response_upstream_seconds_total",
            counter,
            "Of those: end of the turn handed to the upstream -> its first audio, summed.",
            ns_to_s(load(&m.response_upstream_ns)),
        ),
        (
            "viva_response_outbound_seconds_total",
            counter,
            "Of those: first upstream audio -> first RTP packet written, summed.",
            ns_to_s(load(&m.response_outbound_ns)),
        ),
    ];
    let mut out = String::with_capacity(2_048);
    for (name, kind, help, value) in rows {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    crate::stt::metrics::write_prometheus(&mut out);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
