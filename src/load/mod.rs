//! `viva load`: synthetic WebRTC candidates that hold interviews with a running Viva and
//! measure what a voice interview feels like under load (setup, response latency, loss,
//! jitter, gaps, barge-in), while sampling the server's `/metrics`.
//!
//! [`SyntheticPeer`] is also the candidate of the integration tests.

mod collector;
mod config;
mod conversation;
mod credentials;
mod html;
mod impair;
pub mod peer;
mod report;
mod sampler;
mod speech;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

pub use collector::{Collector, Figure, Sample};
pub use config::{LoadConfig, parse_duration};
pub use html::render_html;
pub use impair::{Direction, Fate, Impairer, Impairment, REORDER_HOLD, delay_line, parse_fraction};
pub use peer::{CallOptions, ClientError, ClientEvent, SyntheticPeer};
pub use report::{Percentiles, Report};
pub use sampler::{Point, parse_prometheus};
pub use speech::{Clips, SpeechError};

use conversation::{Shared, run_peer};
pub use credentials::CredentialsMode;
use credentials::Integrator;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Nothing answers at the URL.
    #[error("the server at {url} is unreachable: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server refused the API key.
    #[error(
        "the server refused the credentials: HTTP {status} {code} (check --api-key / VIVA_API_KEY)"
    )]
    CredentialsRefused {
        /// HTTP status.
        status: u16,
        /// The error code.
        code: String,
    },
    /// The speech clips could not be made.
    #[error("speech clips: {0}")]
    Speech(#[from] SpeechError),
    /// A setting is unusable.
    #[error("{0}")]
    Config(String),
}

/// Runs the load test and returns its results; never takes longer than the ramp, the
/// duration and the grace period (plus a few seconds to collect).
pub async fn run(config: &LoadConfig) -> Result<Report, LoadError> {
    if config.peers == 0 {
        return Err(LoadError::Config("--peers must be at least 1".into()));
    }
    if !(config.ramp > 0.0 && config.ramp.is_finite()) {
        return Err(LoadError::Config("--ramp must be positive".into()));
    }
    if config.relay && config.credentials != CredentialsMode::Interview {
        return Err(LoadError::Config(
            "--relay uses the TURN credentials of interviews: use --credentials interview".into(),
        ));
    }
    let url = config.url.trim_end_matches('/').to_owned();
    let http = crate::http_client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| LoadError::Config(e.to_string()))?;
    // Preflight: the server answers, and the key is accepted.
    let health = tokio::time::timeout(
        Duration::from_secs(5),
        http.get(format!("{url}/api/health")).send(),
    )
    .await;
    match health {
        Err(_) => {
            return Err(LoadError::Unreachable {
                url,
                reason: "no answer within 5 s".into(),
            });
        }
        Ok(Err(e)) => {
            return Err(LoadError::Unreachable {
                url,
                reason: e.to_string(),
            });
        }
        Ok(Ok(_)) => {}
    }
    let clips = Clips::load(config.speech.as_deref())?;
    let collector = Arc::new(Collector::new());
    let ramp_time = Duration::from_secs_f64((config.peers - 1) as f64 / config.ramp);
    let start = tokio::time::Instant::now();
    let talk_until = start + ramp_time + config.duration;
    let integrator = Integrator {
        url: url.clone(),
        api_key: config.api_key.clone(),
        http: http.clone(),
        silence_ms: config.silence_ms,
    };
    // The key is good (a client secret is minted with it), and interview mode has a template.
    let preflight = match integrator.client_secret().await {
        Ok(_) if config.credentials == CredentialsMode::Interview => integrator.template().await,
        Ok(_) => Ok(String::new()),
        Err(error) => Err(error),
    };
    let template_id = match preflight {
        Ok(template_id) => template_id,
        Err(ClientError::Refused { status, code }) => {
            return Err(LoadError::CredentialsRefused { status, code });
        }
        Err(e) => {
            return Err(LoadError::Unreachable {
                url,
                reason: e.to_string(),
            });
        }
    };
    let shared = Arc::new(Shared {
        url: url.clone(),
        mode: config.credentials,
        integrator,
        template_id,
        relay: config.relay,
        impairment: config.impairment(),
        clips,
        collector: collector.clone(),
        talk_until,
        hard_until: talk_until + config.grace,
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sampler = tokio::spawn(sampler::sample(
        url.clone(),
        collector.clone(),
        http.clone(),
        stop_rx,
    ));
    let progress = spawn_progress(config, collector.clone(), stop_tx.subscribe());

    let interrupting = config.interrupting_peers();
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for index in 0..config.peers {
        let at = start + Duration::from_secs_f64(index as f64 / config.ramp);
        tokio::time::sleep_until(at).await;
        tasks.spawn(run_peer(shared.clone(), index, index < interrupting));
    }
    let collect_by = shared.hard_until + Duration::from_secs(5);
    while let Ok(Some(_)) = tokio::time::timeout_at(collect_by, tasks.join_next()).await {}
    if !tasks.is_empty() {
        for _ in 0..tasks.len() {
            collector.error("peer_aborted_at_deadline");
        }
        tasks.abort_all();
    }
    let _ = stop_tx.send(true);
    let timeline = tokio::time::timeout(Duration::from_secs(3), sampler)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    if let Some(progress) = progress {
        let _ = tokio::time::timeout(Duration::from_secs(1), progress).await;
    }

    let samples = collector.samples();
    let figures = Figure::ALL
        .iter()
        .map(|&f| {
            let values = samples.iter().filter(|s| s.figure == f).map(|s| s.ms);
            (f, Percentiles::of(values))
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    // What the sessions really used (interview sessions bring their own), else what was asked.
    let silence_ms = u32::try_from(load(&collector.silence_ms))
        .ok()
        .filter(|&ms| ms > 0)
        .unwrap_or(config.silence_ms);
    Ok(Report {
        settings: json!({
            "url": url, "peers": config.peers, "ramp_per_s": config.ramp,
            "duration_s": config.duration.as_secs_f64(), "grace_s": config.grace.as_secs_f64(),
            "interrupt_ratio": config.interrupt_ratio, "interrupting_peers": interrupting,
            "silence_duration_ms": silence_ms, "credentials": config.credentials.name(), "relay": config.relay, "speech": shared.clips.source,
            "answers": shared.clips.answers.len(), "mean_answer_ms": shared.clips.mean_answer_ms(),
            "impairment": impairment_settings(&shared.impairment),
        }),
        attempted: load(&collector.attempted),
        connected: load(&collector.connected),
        failures: collector.failures(),
        errors: collector.errors(),
        figures,
        silence_ms,
        packets: load(&collector.packets),
        lost: load(&collector.lost),
        reordered: load(&collector.reordered),
        gaps: load(&collector.gaps),
        speech_started: load(&collector.speech_started),
        answers: load(&collector.answers),
        turns: load(&collector.turns),
        sent: load(&collector.sent),
        samples,
        timeline,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// The impairment as the report shows it; `null` when the network is left alone.
fn impairment_settings(impairment: &Impairment) -> serde_json::Value {
    if !impairment.is_active() {
        return serde_json::Value::Null;
    }
    json!({
        "loss_pct": impairment.loss * 100.0,
        "jitter_ms": impairment.jitter.as_secs_f64() * 1000.0,
        "reorder_pct": impairment.reorder * 100.0,
        "seed": impairment.seed,
    })
}

/// The live progress line (indicatif; hidden with `--quiet` or off a terminal).
fn spawn_progress(
    config: &LoadConfig,
    collector: Arc<Collector>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    if config.quiet {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let peers = config.peers;
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => break,
            }
            let median = |figure| {
                let mut values = collector.values_since(figure, 0.0);
                values.sort_by(f64::total_cmp);
                let median = values
                    .get(values.len() / 2)
                    .map_or("–".to_owned(), |v| format!("{v:.0} ms"));
                (values.len(), median)
            };
            let (responses, response_p50) = median(Figure::Response);
            let (_, added_p50) = median(Figure::ResponseAdded);
            bar.set_message(format!(
                "calls {}/{} connected, {} live, {} failed · responses {} · p50 response {}, added by Viva {} · loss {} pkts, gaps {}",
                collector.connected.load(Ordering::Relaxed),
                peers,
                collector.active.load(Ordering::Relaxed),
                collector.failed.load(Ordering::Relaxed),
                responses,
                response_p50,
                added_p50,
                collector.lost.load(Ordering::Relaxed),
                collector.gaps.load(Ordering::Relaxed),
            ));
            bar.tick();
        }
        bar.finish_and_clear();
    }))
}

/// `viva load`: runs, prints the table, writes the files; the exit code says whether every
/// call connected (0), some failed (1), or the run could not start (2).
pub async fn main(config: LoadConfig) -> std::process::ExitCode {
    let report = match run(&config).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("viva load: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    if let Some(path) = &config.json {
        let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("viva load: writing {}: {e}", path.display());
        } else {
            println!("JSON: {}", path.display());
        }
    }
    if let Some(path) = &config.report {
        if let Err(e) = std::fs::write(path, render_html(&report)) {
            eprintln!("viva load: writing {}: {e}", path.display());
        } else {
            println!("report: {}", path.display());
        }
    }
    let failed: u64 = report.failures.values().sum();
    if report.connected == 0 || failed > 0 {
        eprintln!("viva load: {failed} of {} calls failed", report.attempted);
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
