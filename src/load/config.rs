//! Settings of `viva load`.

use std::path::PathBuf;
use std::time::Duration;

/// Settings of `viva load`, from flags and their environment twins.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadConfig {
    /// Base URL of the Viva server under test.
    #[arg(long, env = "VIVA_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Server API key, used to mint one client secret per synthetic candidate
    /// (`POST /v1/realtime/client_secrets`).
    #[arg(long, env = "VIVA_API_KEY", hide_env_values = true)]
    pub api_key: String,

    /// How candidates get their credentials: `interview` (as an integrator: an interview per
    /// candidate, its credentials, a token per question; deleted after the call) or
    /// `client-secret` (one client secret per candidate, with `--silence-ms`).
    #[arg(long, value_enum, default_value = "interview")]
    pub credentials: super::CredentialsMode,

    /// Send every call's media through the TURN server of its interview's credentials
    /// (`iceTransportPolicy: "relay"`); needs `--credentials interview`.
    #[arg(long)]
    pub relay: bool,

    /// Concurrent synthetic candidates.
    #[arg(long, default_value_t = 10)]
    pub peers: usize,

    /// New calls per second while ramping up.
    #[arg(long, default_value_t = 5.0)]
    pub ramp: f64,

    /// How long the candidates keep talking, from the first call (e.g. `60s`, `2m`, `90`).
    /// Answers under way at the end still get their response, within the grace period.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Extra time after `--duration` for answers under way and hangups; the run never takes
    /// longer than ramp + duration + grace.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub grace: Duration,

    /// A directory of WAV clips to answer with. Default: a few answers spoken by espeak-ng,
    /// or a speech-like synthetic signal without it.
    #[arg(long)]
    pub speech: Option<PathBuf>,

    /// Fraction of the candidates (0–1) that barge in on every other interviewer turn, 1 s
    /// into it, to measure how fast the interviewer stops.
    #[arg(long, default_value_t = 0.0)]
    pub interrupt_ratio: f64,

    /// `silence_duration_ms` of the server VAD asked for with `--credentials client-secret`
    /// (interview sessions bring their own, 500 ms).
    #[arg(long, default_value_t = 500)]
    pub silence_ms: u32,

    /// Packets lost in each direction between every candidate and the server, e.g. `5%`
    /// (applied inside the synthetic peer, seeded by `--impair-seed`).
    #[arg(long, default_value = "0%", value_parser = super::impair::parse_fraction)]
    pub loss: f64,

    /// Each packet, in each direction, delayed by a uniform random 0 to this (e.g. `30ms`).
    #[arg(long, value_parser = parse_duration)]
    pub jitter: Option<Duration>,

    /// Packets, in each direction, held back 40 ms so that the next two overtake them, e.g. `1%`.
    #[arg(long, default_value = "0%", value_parser = super::impair::parse_fraction)]
    pub reorder: f64,

    /// Seed of the impairment's draws: the same seed repeats the same losses and delays.
    #[arg(long, default_value_t = 1)]
    pub impair_seed: u64,

    /// Write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// Write a self-contained HTML report with charts to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,

    /// Do not draw the live progress line.
    #[arg(long)]
    pub quiet: bool,
}

impl LoadConfig {
    /// Settings for `peers` candidates against `url`, other values at their defaults.
    pub fn new(url: impl Into<String>, api_key: impl Into<String>, peers: usize) -> Self {
        Self {
            url: url.into(),
            api_key: api_key.into(),
            credentials: super::CredentialsMode::Interview,
            relay: false,
            peers,
            ramp: 5.0,
            duration: Duration::from_secs(60),
            grace: Duration::from_secs(15),
            speech: None,
            interrupt_ratio: 0.0,
            silence_ms: 500,
            loss: 0.0,
            jitter: None,
            reorder: 0.0,
            impair_seed: 1,
            json: None,
            report: None,
            quiet: true,
        }
    }

    /// The network impairment between the candidates and the server.
    pub fn impairment(&self) -> super::Impairment {
        super::Impairment {
            loss: self.loss,
            jitter: self.jitter.unwrap_or_default(),
            reorder: self.reorder,
            seed: self.impair_seed,
        }
    }

    /// How many of the candidates barge in.
    pub fn interrupting_peers(&self) -> usize {
        ((self.peers as f64) * self.interrupt_ratio.clamp(0.0, 1.0)).round() as usize
    }
}

/// `90`, `90s`, `1500ms`, `2m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 30s, 2m or 1500ms, got {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (ms, s, m, h)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("duration must be positive: {text:?}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("3 weeks").is_err());
    }
}
