//! `viva load` against an in-process server: three synthetic candidates get their credentials
//! as an integrator would and hold interviews with the local engine (they barge in on every
//! other turn), and the JSON report says every call connected, the server heard the speech,
//! responses came back and nothing was lost; an audio gap fails it unless the VM lost its CPUs
//! to the hypervisor at that second (steal time, sampled from `/metrics`).

mod common;

use std::time::Duration;

use common::*;
use viva::load::{CredentialsMode, LoadConfig, LoadError};

/// Steal (% of one core over a second) that can stop the whole VM for a gap's 60 ms.
const STEAL_THAT_STALLS_PCT: f64 = 4.0;

/// The seconds of the run in which audio gaps appeared although the hypervisor took no CPU
/// worth a gap from the machine around then. On a KVM guest a burst of steal stops every
/// process at once (BENCHMARKS.md); a gap without one is Viva's.
fn gaps_not_explained_by_steal(json: &serde_json::Value) -> Vec<f64> {
    let timeline = json["timeline"].as_array().expect("a timeline");
    let steal = |i: usize| {
        timeline
            .get(i)
            .and_then(|p| p["server_steal_pct"].as_f64())
            .unwrap_or(0.0)
    };
    (1..timeline.len())
        .filter(|&i| timeline[i]["gaps"].as_u64() > timeline[i - 1]["gaps"].as_u64())
        .filter(|&i| {
            [i - 1, i, i + 1]
                .iter()
                .all(|&j| steal(j) < STEAL_THAT_STALLS_PCT)
        })
        .map(|i| timeline[i]["t"].as_f64().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_candidates_hold_interviews_and_the_report_says_so() {
    let server = start_server(test_config()).await;
    let mut config = LoadConfig::new(base_url(server.addr), "sk_test_bootstrap", 3);
    config.ramp = 10.0;
    config.duration = Duration::from_secs(8);
    config.grace = Duration::from_secs(12);
    config.interrupt_ratio = 1.0;
    config.silence_ms = 300; // only for client secrets: interview sessions bring their own
    let dir = std::env::temp_dir().join(format!("viva-load-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&dir).unwrap();
    config.json = Some(dir.join("load.json"));
    config.report = Some(dir.join("load.html"));

    let report = viva::load::run(&config).await.expect("the run starts");
    std::fs::write(dir.join("load.html"), viva::load::render_html(&report)).unwrap();
    let json = report.to_json();
    println!("{}", report.table());

    assert_eq!(json["calls"]["attempted"], 3, "{json:#}");
    assert_eq!(json["calls"]["connected"], 3, "{}", json["errors"]);
    assert_eq!(json["calls"]["failed"], 0, "{}", json["failures"]);
    assert!(
        json["conversation"]["speech_started"].as_u64().unwrap() >= 3,
        "the server heard every candidate: {}",
        json["conversation"]
    );
    assert!(
        json["latency_ms"]["response"]["n"].as_u64().unwrap() >= 3,
        "responses came back: {}",
        json["conversation"]
    );
    assert!(
        json["latency_ms"]["response_added"]["n"].as_u64().unwrap() >= 3,
        "each response to speech was split into Viva's part and the upstream's: {json:#}"
    );
    for key in [
        "setup",
        "first_audio",
        "response",
        "turn_end",
        "response_added",
        "upstream",
    ] {
        let figure = &json["latency_ms"][key];
        for p in ["p50", "p95", "p99", "max"] {
            assert!(figure[p].is_number(), "latency_ms.{key}.{p}: {figure}");
        }
    }
    assert!(json["barge_in_ms"]["n"].as_u64().unwrap() >= 1, "{json:#}");
    assert!(json["packets"]["received"].as_u64().unwrap() > 100);
    assert_eq!(json["loss_pct"], 0.0, "no loss on loopback");
    assert_eq!(json["packets"]["lost"], 0);
    assert_eq!(
        gaps_not_explained_by_steal(&json),
        Vec::<f64>::new(),
        "no silence inside an interviewer talk spurt (but where the VM lost its CPUs): {}",
        json["timeline"]
    );
    assert!(json["jitter_ms"]["p50"].is_number());
    assert!(json["server"]["rss_mb_max"].as_f64().unwrap() > 0.0);
    assert!(json["server"]["cpu_pct_max"].is_number());
    assert!(
        json["server"]["steal_pct_max"].is_number(),
        "the host's steal is sampled from /metrics: {}",
        json["server"]
    );
    assert!(json["client"]["cpu_pct_max"].is_number());
    assert!(
        json["latency_ms"]["credentials"]["n"].as_u64().unwrap() > 3,
        "an interview's credentials per candidate, then a token per question: {}",
        json["latency_ms"]["credentials"]
    );
    assert_eq!(json["errors"], serde_json::json!({}), "{json:#}");
    assert_eq!(
        json["silence_duration_ms"], 500,
        "the interview sessions' own turn detection"
    );
    let interviews = format!("{}/api/v1/interviews/", base_url(server.addr));
    let left = get_json(&interviews, Some("sk_test_bootstrap")).await;
    assert_eq!(
        left,
        serde_json::json!([]),
        "load-test interviews are deleted"
    );
    assert!(viva::load::render_html(&report).contains("<svg"));
    assert!(
        !viva::load::render_html(&report).contains("http://")
            || !viva::load::render_html(&report).contains("src=\"http")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_can_use_bare_client_secrets() {
    let server = start_server(test_config()).await;
    let mut config = LoadConfig::new(base_url(server.addr), "sk_test_bootstrap", 2);
    config.credentials = CredentialsMode::ClientSecret;
    config.silence_ms = 400;
    config.ramp = 10.0;
    // The engine's own greeting (no interview plan) takes ~8 s before the first answer.
    config.duration = Duration::from_secs(14);
    let report = viva::load::run(&config).await.expect("the run starts");
    println!("{}", report.table());
    let json = report.to_json();
    assert_eq!(json["calls"]["connected"], 2, "{json:#}");
    assert_eq!(json["settings"]["credentials"], "client-secret");
    assert_eq!(json["silence_duration_ms"], 400);
    assert!(
        json["latency_ms"]["response_added"]["n"].as_u64().unwrap() >= 2,
        "{json:#}"
    );
    // The turn ends after the silence asked for, not the interview sessions' 500 ms.
    let turn_end = json["latency_ms"]["turn_end"]["p50"].as_f64().unwrap();
    assert!((400.0..530.0).contains(&turn_end), "{turn_end} ms");
}

/// `--loss 5% --jitter 30ms --reorder 1%` in both directions: the server sees the losses and
/// fills every lost 20 ms slot with FEC or PLC audio, its VAD still hears each answer, and the
/// candidates measure the interviewer's loss they were given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impaired_network_is_concealed_and_the_conversation_goes_on() {
    let server = start_server(test_config()).await;
    let mut config = LoadConfig::new(base_url(server.addr), "sk_test_bootstrap", 2);
    config.ramp = 10.0;
    config.duration = Duration::from_secs(12);
    config.loss = 0.05;
    config.jitter = Some(Duration::from_millis(30));
    config.reorder = 0.01;
    config.impair_seed = 42;
    let report = viva::load::run(&config).await.expect("the run starts");
    println!("{}", report.table());
    let json = report.to_json();
    assert_eq!(json["calls"]["connected"], 2, "{json:#}");
    assert_eq!(json["settings"]["impairment"]["loss_pct"], 5.0, "{json:#}");

    // The server's counters are the process's: other tests' calls run beside this one, but
    // only this run's candidates lose packets.
    let audio = &json["candidate_audio_at_server"];
    let lost = audio["lost"].as_f64().expect("server losses");
    let sent = json["packets"]["sent"].as_f64().unwrap();
    assert!(sent > 500.0, "{json:#}");
    let loss = lost / sent;
    assert!(
        (0.025..0.09).contains(&loss),
        "the server saw the loss asked for: {audio}, {sent} sent"
    );
    // Every lost slot is filled with FEC or PLC audio, but those whose packet came so late
    // (a 40 ms reorder hold on top of the jitter) that its slot was already given up.
    let unconcealed = audio["unconcealed"].as_f64().unwrap();
    assert!(
        unconcealed <= audio["late"].as_f64().unwrap() && unconcealed < lost * 0.02,
        "lost slots left silent: {audio}"
    );

    let answers = json["conversation"]["answers"].as_u64().unwrap();
    assert!(answers >= 2, "{}", json["conversation"]);
    assert!(
        json["conversation"]["speech_started"].as_u64().unwrap() >= answers,
        "the server's VAD heard every answer despite the loss: {}",
        json["conversation"]
    );
    assert!(
        json["latency_ms"]["response"]["n"].as_u64().unwrap() >= 2,
        "{json:#}"
    );
    let heard_loss = json["loss_pct"].as_f64().unwrap();
    assert!(
        (2.5..9.0).contains(&heard_loss),
        "the candidates lost the interviewer's packets they were made to: {heard_loss} %"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_can_relay_through_the_embedded_turn_server() {
    let server = start_server(test_config()).await; // embedded TURN on an ephemeral port
    let mut config = LoadConfig::new(base_url(server.addr), "sk_test_bootstrap", 2);
    config.relay = true;
    config.ramp = 10.0;
    config.duration = Duration::from_secs(10);
    let report = viva::load::run(&config).await.expect("the run starts");
    println!("{}", report.table());
    let json = report.to_json();
    // Relay-only ICE: connected means every packet went through the TURN server.
    assert_eq!(json["calls"]["connected"], 2, "{json:#}");
    assert_eq!(json["settings"]["relay"], true);
    assert!(
        json["latency_ms"]["response_added"]["n"].as_u64().unwrap() >= 2,
        "{json:#}"
    );
    assert_eq!(json["packets"]["lost"], 0);
    assert_eq!(
        gaps_not_explained_by_steal(&json),
        Vec::<f64>::new(),
        "{}",
        json["timeline"]
    );

    let mut config = LoadConfig::new(base_url(server.addr), "sk_test_bootstrap", 1);
    config.relay = true;
    config.credentials = CredentialsMode::ClientSecret;
    let error = viva::load::run(&config).await.unwrap_err();
    assert!(matches!(error, LoadError::Config(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_and_a_refused_key_fail_fast_and_clearly() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let config = LoadConfig::new(base_url(addr), "sk_test_bootstrap", 2);
    let started = std::time::Instant::now();
    let error = viva::load::run(&config).await.unwrap_err();
    assert!(matches!(error, LoadError::Unreachable { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let server = start_server(test_config()).await;
    let config = LoadConfig::new(base_url(server.addr), "sk_wrong", 2);
    let error = viva::load::run(&config).await.unwrap_err();
    match error {
        LoadError::CredentialsRefused { status, code } => {
            assert_eq!(status, 401);
            assert_eq!(code, "invalid_api_key");
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let server = start_server(test_config()).await;
    let text = reqwest::get(format!("{}/metrics", base_url(server.addr)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let metrics = viva::load::parse_prometheus(&text);
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "viva_host_cpu_steal_seconds_total",
        "viva_calls_active",
        "viva_calls_started_total",
        "viva_calls_ended_total",
        "viva_inbound_packets_total",
        "viva_inbound_lost_total",
        "viva_inbound_late_total",
        "viva_inbound_concealed_total",
        "viva_pacer_late_ticks_total",
        "viva_responses_timed_total",
        "viva_response_upstream_seconds_total",
    ] {
        assert!(metrics.contains_key(name), "{name} missing from:\n{text}");
    }
    assert_eq!(metrics["viva_calls_active"], 0.0);
}

#[test]
fn a_gap_is_excused_only_by_steal_around_it() {
    let timeline = |steal: [f64; 4]| {
        serde_json::json!({ "timeline": [
            { "t": 0.0, "gaps": 0, "server_steal_pct": steal[0] },
            { "t": 1.0, "gaps": 0, "server_steal_pct": steal[1] },
            { "t": 2.0, "gaps": 2, "server_steal_pct": steal[2] },
            { "t": 3.0, "gaps": 2, "server_steal_pct": steal[3] },
        ]})
    };
    assert_eq!(
        gaps_not_explained_by_steal(&timeline([0.0, 1.0, 2.0, 0.0])),
        vec![2.0]
    );
    assert!(gaps_not_explained_by_steal(&timeline([0.0, 0.0, 30.0, 0.0])).is_empty());
    assert!(gaps_not_explained_by_steal(&timeline([0.0, 0.0, 0.0, 12.0])).is_empty());
    assert_eq!(
        gaps_not_explained_by_steal(&timeline([50.0, 0.0, 0.0, 0.0])),
        vec![2.0],
        "steal two seconds earlier does not explain it"
    );
}
