//! Every setting of `viva serve`, from flags and their environment twins, with defaults that run
//! on a laptop: loopback, the local engine, ephemeral media ports.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;

/// The standard TURN/STUN port.
pub const DEFAULT_TURN_PORT: u16 = 3478;

/// Which realtime model the calls talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpstreamKind {
    /// The built-in engine: real VAD, a question plan, espeak-ng speech; no network.
    Local,
    /// OpenAI Realtime (GA) over WebSocket, with the server's `OPENAI_API_KEY`.
    Openai,
}

/// A UDP port range such as `50000-50100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRange(pub RangeInclusive<u16>);

impl FromStr for PortRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (low, high) = s
            .split_once('-')
            .ok_or_else(|| format!("expected LOW-HIGH, got {s:?}"))?;
        let low: u16 = low
            .trim()
            .parse()
            .map_err(|_| format!("bad port {low:?}"))?;
        let high: u16 = high
            .trim()
            .parse()
            .map_err(|_| format!("bad port {high:?}"))?;
        if low == 0 || low > high {
            return Err(format!("empty or invalid range {s:?}"));
        }
        Ok(Self(low..=high))
    }
}

/// Where the embedded TURN server listens: an address, or `off` (e.g. when coturn runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnListen {
    /// No embedded TURN server.
    Off,
    /// Listen (UDP) there.
    On(SocketAddr),
}

impl FromStr for TurnListen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" | "none" | "false" => Ok(Self::Off),
            other => other
                .parse()
                .map(Self::On)
                .map_err(|_| format!("expected IP:PORT or `off`, got {s:?}")),
        }
    }
}

/// Which origins' pages may call the browser-facing realtime endpoints (CORS): any (`*`), or a
/// list of origins such as `https://app.example.com,http://localhost:3000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Every origin: the `ek_…` client secret is the credential, not the page's origin.
    Any,
    /// Only these origins (`scheme://host[:port]`, lower case, no trailing slash).
    List(Vec<String>),
}

impl FromStr for CorsOrigins {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts == ["*"] {
            return Ok(Self::Any);
        }
        if parts.is_empty() {
            return Err("expected `*` or a comma-separated list of origins".into());
        }
        let mut origins = Vec::with_capacity(parts.len());
        for part in parts {
            if part == "*" {
                return Err("`*` cannot be combined with a list of origins".into());
            }
            let origin = part.strip_suffix('/').unwrap_or(part).to_ascii_lowercase();
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .ok_or_else(|| format!("origin {part:?} must start with http:// or https://"))?;
            if host.is_empty() || host.contains(['/', '?', '#', '@', ' ', '*']) {
                return Err(format!(
                    "origin {part:?} must be scheme://host[:port], without a path"
                ));
            }
            origins.push(origin);
        }
        Ok(Self::List(origins))
    }
}

/// Settings of `viva serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address of the HTTP API and the candidate page.
    #[arg(long, env = "VIVA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Where Viva keeps its files (signing key, generated API key).
    #[arg(long, env = "VIVA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Bootstrap server API key, accepted as `Authorization: Bearer <key>`. Generated and saved in
    /// the data directory when not given.
    #[arg(long, env = "VIVA_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Key that signs client secrets, so that every node can verify them. Share it between
    /// nodes. Generated and saved in the data directory when not given.
    #[arg(long, env = "VIVA_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,

    /// The realtime model: `local` (default without OPENAI_API_KEY) or `openai` (default with it).
    #[arg(long, env = "VIVA_UPSTREAM", value_enum)]
    pub upstream: Option<UpstreamKind>,

    /// OpenAI API key for the `openai` upstream; stays on the server.
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    pub openai_api_key: Option<String>,

    /// OpenAI realtime model.
    #[arg(long, env = "VIVA_OPENAI_MODEL", default_value = "gpt-realtime")]
    pub openai_model: String,

    /// OpenAI realtime WebSocket endpoint (a test can point it at a fake).
    #[arg(
        long,
        env = "VIVA_OPENAI_URL",
        default_value = "wss://api.openai.com/v1/realtime"
    )]
    pub openai_url: String,

    /// The text model (Chat Completions) that assesses ended interviews, at `--llm-url` or
    /// OpenAI's (whenever OPENAI_API_KEY is set, whichever the realtime upstream).
    #[arg(
        long = "llm-model",
        alias = "assess-model",
        env = "VIVA_LLM_MODEL",
        default_value = "gpt-4o-mini"
    )]
    pub assess_model: String,

    /// An OpenAI-compatible API base for the text model instead of OpenAI's: llama.cpp's
    /// `llama-server`, vLLM, Ollama (`http://127.0.0.1:11434/v1`), another provider.
    #[arg(long, env = "VIVA_LLM_URL")]
    pub llm_url: Option<String>,

    /// The key for `--llm-url` (sent as a bearer token; none when not set). OpenAI's own
    /// endpoint uses OPENAI_API_KEY.
    #[arg(long, env = "VIVA_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<String>,

    /// OpenAI HTTP API base of the assessing text model (a test can point it at a fake).
    #[arg(
        long,
        env = "VIVA_OPENAI_API_BASE",
        default_value = "https://api.openai.com/v1"
    )]
    pub openai_api_base: String,

    /// Timeout, attempts and backoff of assessments (not flags; tests shorten them).
    #[arg(skip)]
    pub assess_limits: crate::assess::Limits,

    /// IP address the media (UDP) sockets bind to. Default: loopback when `--listen` is on
    /// loopback, else all interfaces.
    #[arg(long, env = "VIVA_MEDIA_IP")]
    pub media_ip: Option<IpAddr>,

    /// UDP port range for media, e.g. `50000-50100` (one port per call). Default: ephemeral.
    #[arg(long, env = "VIVA_UDP_PORTS")]
    pub udp_ports: Option<PortRange>,

    /// Offer ICE-TCP (a passive TCP candidate on each call's media port) beside UDP, for
    /// candidates whose network blocks UDP.
    #[arg(long, env = "VIVA_ICE_TCP", default_value_t = true, action = clap::ArgAction::Set)]
    pub ice_tcp: bool,

    /// Public IP announced in ICE candidates instead of the bound address (NAT 1:1, cloud hosts).
    #[arg(long, env = "VIVA_PUBLIC_IP")]
    pub public_ip: Option<IpAddr>,

    /// Most calls at once; more get 503 with Retry-After.
    #[arg(long, env = "VIVA_MAX_CALLS", default_value_t = 200)]
    pub max_calls: usize,

    /// Let the start page mint short-lived demo secrets on a non-loopback address too.
    #[arg(long, env = "VIVA_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Seconds an interview WebSocket may stay silent before it is closed.
    #[arg(long, env = "VIVA_WS_IDLE_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub ws_idle_secs: u64,

    /// Opus encoder complexity for the interviewer's voice (0-10).
    #[arg(long, env = "VIVA_OPUS_COMPLEXITY", default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub opus_complexity: u8,

    /// Shared secret of TURN REST credentials (the embedded TURN server's, or coturn's
    /// `static-auth-secret`). Generated and saved in the data directory when not given.
    #[arg(long, env = "VIVA_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<String>,

    /// The TURN secret before the last rotation: still accepted, never used to sign.
    #[arg(long, env = "VIVA_TURN_SECRET_PREVIOUS", hide_env_values = true)]
    pub turn_secret_previous: Option<String>,

    /// Host name or IP clients reach TURN at. Default: `--public-ip`, else the listen IP.
    #[arg(long, env = "VIVA_TURN_HOST")]
    pub turn_host: Option<String>,

    /// TURN/STUN port advertised to clients. Default: the embedded server's bound port, else 3478.
    #[arg(long, env = "VIVA_TURN_PORT")]
    pub turn_port: Option<u16>,

    /// TURN-over-TLS port advertised (`turns:`) when an external TURN server (coturn) is used.
    #[arg(long, env = "VIVA_TURN_TLS_PORT", default_value_t = 443)]
    pub turn_tls_port: u16,

    /// Where the embedded TURN server listens (UDP), or `off`. Default: `<listen IP>:3478`.
    #[arg(long, env = "VIVA_TURN_LISTEN")]
    pub turn_listen: Option<TurnListen>,

    /// Lifetime of the TURN credentials handed out, in seconds.
    #[arg(long, env = "VIVA_TURN_TTL", default_value_t = 86_400)]
    pub turn_ttl: u64,

    /// Origins whose pages may call the browser-facing realtime endpoints (CORS): `*` (any
    /// origin; the `ek_…` client secret is the credential) or a comma-separated list of origins.
    #[arg(long, env = "VIVA_CORS_ORIGINS", default_value = "*")]
    pub cors_origins: CorsOrigins,

    /// Record the candidate (each answer and the whole call, Ogg Opus, under
    /// `<data dir>/recordings`).
    #[arg(long, env = "VIVA_RECORDINGS", default_value_t = true, action = clap::ArgAction::Set)]
    pub recordings: bool,

    /// Delete recordings this many days old (`0`: keep them until their interview is deleted).
    #[arg(long, env = "VIVA_RECORDING_RETENTION_DAYS", default_value_t = 0)]
    pub recording_retention_days: u32,

    /// How long an interview link (the partner API's `interview_url`) may be opened, in
    /// seconds (default 7 days). Its token only joins that interview.
    #[arg(long, env = "VIVA_JOIN_LINK_TTL", default_value_t = 7 * 86_400)]
    pub join_link_ttl: u64,

    /// How long a recording URL handed out stays valid, in seconds.
    #[arg(long, env = "VIVA_RECORDING_URL_TTL", default_value_t = 3_600)]
    pub recording_url_ttl: u64,

    /// Requests per minute each credential (API key or token) may make to the partner
    /// mock-interview API; more get 429 with Retry-After. `0` turns the limit off.
    #[arg(long, env = "VIVA_RATE_LIMIT_PER_MINUTE", default_value_t = 100)]
    pub rate_limit_per_minute: u32,

    /// Let webhooks go to loopback, private and link-local addresses (local development and
    /// tests only: otherwise such targets are refused at registration and at connect time).
    #[arg(long, env = "VIVA_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,

    /// On SIGTERM or Ctrl-C, how long running calls may go on (seconds) before they are
    /// ended; new calls and interviews are refused meanwhile. A second signal ends them at once.
    #[arg(long, env = "VIVA_DRAIN_TIMEOUT", default_value_t = 900)]
    pub drain_timeout: u64,

    /// Webhook retry delays, attempt timeout and poll interval (not flags; tests shorten them).
    #[arg(skip)]
    pub webhook_schedule: crate::webhooks::Schedule,

    /// Speech to text of candidate turns for the local engine (`--stt-*`).
    #[command(flatten)]
    pub stt: crate::stt::SttConfig,
}

impl ServeConfig {
    /// Where the text model is and its key: `--llm-url` with `--llm-api-key` (maybe none),
    /// else OpenAI's API base with OPENAI_API_KEY; `None` when there is no model.
    pub fn text_model_endpoint(&self) -> Option<(String, Option<String>)> {
        match &self.llm_url {
            Some(url) => Some((url.clone(), self.llm_api_key.clone())),
            None => self
                .openai_api_key
                .clone()
                .map(|key| (self.openai_api_base.clone(), Some(key))),
        }
    }

    /// The upstream in effect: the flag, else `openai` when an OpenAI key is set, else `local`.
    pub fn upstream_kind(&self) -> UpstreamKind {
        self.upstream.unwrap_or(if self.openai_api_key.is_some() {
            UpstreamKind::Openai
        } else {
            UpstreamKind::Local
        })
    }

    /// The IP media sockets bind to.
    pub fn media_bind_ip(&self) -> IpAddr {
        self.media_ip.unwrap_or(if self.listen.ip().is_loopback() {
            self.listen.ip()
        } else {
            IpAddr::from([0, 0, 0, 0])
        })
    }

    /// Whether the start page may mint demo secrets for itself.
    pub fn demo_secrets_allowed(&self) -> bool {
        self.demo || self.listen.ip().is_loopback()
    }

    /// Where the embedded TURN server binds, if it runs.
    pub fn turn_bind(&self) -> Option<SocketAddr> {
        match self.turn_listen {
            Some(TurnListen::Off) => None,
            Some(TurnListen::On(addr)) => Some(addr),
            None => Some(SocketAddr::new(self.listen.ip(), DEFAULT_TURN_PORT)),
        }
    }

    /// The TURN host advertised: `--turn-host`, else the public IP, else the listen IP unless
    /// it is unspecified (0.0.0.0), in which case no TURN server is advertised.
    pub fn turn_advertised_host(&self) -> Option<String> {
        if let Some(host) = &self.turn_host {
            return Some(host.clone());
        }
        if let Some(ip) = self.public_ip {
            return Some(ip.to_string());
        }
        let ip = self.listen.ip();
        (!ip.is_unspecified()).then(|| ip.to_string())
    }

    /// Settings for tests: loopback, ephemeral ports, local engine, fixed keys.
    pub fn for_tests() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: std::env::temp_dir().join("viva-test"),
            api_key: Some("sk_test_bootstrap".into()),
            signing_key: Some("test-signing-key".into()),
            upstream: Some(UpstreamKind::Local),
            openai_api_key: None,
            openai_model: "gpt-realtime".into(),
            openai_url: "wss://api.openai.com/v1/realtime".into(),
            assess_model: "gpt-4o-mini".into(),
            llm_url: None,
            llm_api_key: None,
            openai_api_base: "https://api.openai.com/v1".into(),
            assess_limits: crate::assess::Limits::default(),
            media_ip: None,
            udp_ports: None,
            ice_tcp: true,
            public_ip: None,
            max_calls: 50,
            demo: false,
            ws_idle_secs: 300,
            opus_complexity: 5,
            turn_secret: Some("test-turn-secret".into()),
            turn_secret_previous: None,
            turn_host: None,
            turn_port: None,
            turn_tls_port: 443,
            turn_listen: Some(TurnListen::On(SocketAddr::from(([127, 0, 0, 1], 0)))),
            turn_ttl: 86_400,
            cors_origins: CorsOrigins::Any,
            recordings: true,
            recording_retention_days: 0,
            recording_url_ttl: 3_600,
            join_link_ttl: 7 * 86_400,
            rate_limit_per_minute: 100,
            webhook_allow_private: false,
            drain_timeout: 5,
            webhook_schedule: crate::webhooks::Schedule::default(),
            stt: crate::stt::SttConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_parse_and_reject_nonsense() {
        assert_eq!(
            "50000-50100".parse::<PortRange>().unwrap().0,
            50_000..=50_100
        );
        assert!("50100-50000".parse::<PortRange>().is_err());
        assert!("0-10".parse::<PortRange>().is_err());
        assert!("5000".parse::<PortRange>().is_err());
    }

    #[test]
    fn cors_origins_parse_any_or_a_list_of_origins() {
        assert_eq!("*".parse::<CorsOrigins>().unwrap(), CorsOrigins::Any);
        assert_eq!(
            "https://App.example.com/, http://localhost:3000"
                .parse::<CorsOrigins>()
                .unwrap(),
            CorsOrigins::List(vec![
                "https://app.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
        assert!("".parse::<CorsOrigins>().is_err());
        assert!("*,https://a.example".parse::<CorsOrigins>().is_err());
        assert!("app.example.com".parse::<CorsOrigins>().is_err());
        assert!("https://a.example/path".parse::<CorsOrigins>().is_err());
    }

    #[test]
    fn turn_listen_parses_addresses_and_off() {
        assert_eq!("off".parse::<TurnListen>().unwrap(), TurnListen::Off);
        assert_eq!(
            "0.0.0.0:3478".parse::<TurnListen>().unwrap(),
            TurnListen::On(SocketAddr::from(([0, 0, 0, 0], 3478)))
        );
        assert!("3478".parse::<TurnListen>().is_err());
    }

    #[test]
    fn turn_defaults_follow_the_listen_and_public_addresses() {
        let mut config = ServeConfig::for_tests();
        config.listen = "0.0.0.0:8080".parse().unwrap();
        config.turn_listen = None;
        assert_eq!(config.turn_bind(), Some("0.0.0.0:3478".parse().unwrap()));
        assert_eq!(config.turn_advertised_host(), None);
        config.public_ip = Some("203.0.113.7".parse().unwrap());
        assert_eq!(
            config.turn_advertised_host().as_deref(),
            Some("203.0.113.7")
        );
        config.turn_host = Some("turn.example.com".into());
        assert_eq!(
            config.turn_advertised_host().as_deref(),
            Some("turn.example.com")
        );
        config.turn_listen = Some(TurnListen::Off);
        assert_eq!(config.turn_bind(), None);
    }

    #[test]
    fn the_openai_key_picks_the_upstream_unless_told_otherwise() {
        let mut config = ServeConfig::for_tests();
        config.upstream = None;
        assert_eq!(config.upstream_kind(), UpstreamKind::Local);
        config.openai_api_key = Some("sk-x".into());
        assert_eq!(config.upstream_kind(), UpstreamKind::Openai);
        config.upstream = Some(UpstreamKind::Local);
        assert_eq!(config.upstream_kind(), UpstreamKind::Local);
    }
}
