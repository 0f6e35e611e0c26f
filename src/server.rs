//! Assembling and running the server: keys, upstream, store, media settings, HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::net::TcpListener;

use crate::api::{self, AppContext, AppState};
use crate::audio::OutboundConfig;
use crate::call::Calls;
use crate::config::{DEFAULT_TURN_PORT, ServeConfig, UpstreamKind};
use crate::credentials::{JwtKeys, SecretKey, TurnSecrets, TurnUrls};
use crate::ids::random_bytes;
use crate::interview::builtin_templates;
use crate::interview::{EventBus, Interviews};
use crate::peer::PeerSettings;
use crate::recording::signed_url::UrlSigner;
use crate::recording::{FileRecordings, Recorders, RecordingStore};
use crate::store::Store;
use crate::turn_server::EmbeddedTurn;
use crate::upstream::Upstream;
use crate::upstream::local::LocalUpstream;
use crate::upstream::openai::OpenAiUpstream;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The data directory or the listening socket failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
    let context = context.into();
    move |source| StartError::Io { context, source }
}

/// A key from the configuration, else from `file` in the data directory, else a new one
/// saved there (mode 0600).
fn key_from(
    configured: Option<&str>,
    dir: &Path,
    file: &str,
    prefix: &str,
) -> Result<String, StartError> {
    if let Some(key) = configured {
        return Ok(key.to_owned());
    }
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(existing) if !existing.trim().is_empty() => return Ok(existing.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(format!("reading {}", path.display()))(e)),
    }
    let key = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes(32)));
    std::fs::write(&path, &key).map_err(io(format!("writing {}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(key)
}

/// The database file in the data directory.
pub fn database_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("viva.db")
}

/// Opens the store in `data_dir`, creating and migrating it if needed.
pub async fn open_store(data_dir: &Path) -> Result<Arc<dyn Store>, StartError> {
    std::fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
    crate::store::open(&database_path(data_dir))
        .await
        .map_err(|e| StartError::Config(format!("database: {e}")))
}

/// The TURN secrets: the configured one, else `turn_secret` in the data directory (made once).
fn turn_secrets(config: &ServeConfig) -> Result<TurnSecrets, StartError> {
    let current = key_from(
        config.turn_secret.as_deref(),
        &config.data_dir,
        "turn_secret",
        "",
    )?;
    Ok(TurnSecrets::new(
        current,
        config.turn_secret_previous.clone(),
    ))
}

/// The TURN URLs handed to clients. `embedded` is the embedded server's bound address when it
/// runs: it serves UDP only, and its port is advertised unless one is configured.
fn turn_urls(config: &ServeConfig, embedded: Option<SocketAddr>) -> TurnUrls {
    TurnUrls {
        host: config.turn_advertised_host(),
        port: config
            .turn_port
            .or(embedded.map(|a| a.port()))
            .unwrap_or(DEFAULT_TURN_PORT),
        tls_port: config.turn_tls_port,
        tcp: embedded.is_none(),
        tls: embedded.is_none(),
    }
}

/// The text model that assesses interviews: OpenAI's whenever a key is set (whichever the
/// realtime upstream), else none (results say `assessment_unavailable`).
fn assess_model(config: &ServeConfig) -> Option<Arc<dyn crate::assess::Model>> {
    let (base, key) = config.text_model_endpoint()?;
    Some(Arc::new(crate::assess::openai::OpenAiModel::new(
        &base,
        key,
        config.assess_model.clone(),
    )))
}

/// Builds the services behind the API.
pub async fn build_state(config: ServeConfig) -> Result<AppState, StartError> {
    build_state_with(config, None).await
}

/// Builds the services behind the API, for an embedded TURN server bound at `embedded_turn`.
async fn build_state_with(
    config: ServeConfig,
    embedded_turn: Option<SocketAddr>,
) -> Result<AppState, StartError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(io(format!("creating {}", config.data_dir.display())))?;
    let api_key = key_from(
        config.api_key.as_deref(),
        &config.data_dir,
        "api_key",
        "sk_viva_",
    )?;
    if config.api_key.is_none() {
        tracing::info!(path = %config.data_dir.join("api_key").display(), "no VIVA_API_KEY set: using the server key saved in the data directory");
    }
    let signing_key = key_from(
        config.signing_key.as_deref(),
        &config.data_dir,
        "signing_key",
        "",
    )?;
    let upstream: Arc<dyn Upstream> = match config.upstream_kind() {
        UpstreamKind::Local => {
            let transcriber =
                crate::stt::Transcriber::from_config(&config.stt, config.openai_api_key.as_deref());
            match &transcriber {
                Some(t) => t.log_health(),
                None => tracing::info!(
                    "no transcription service (--stt-url): candidate turns are stored without text"
                ),
            }
            Arc::new(LocalUpstream::default().with_transcriber(transcriber))
        }
        UpstreamKind::Openai => {
            let key = config.openai_api_key.clone().ok_or_else(|| {
                StartError::Config("--upstream openai needs OPENAI_API_KEY".into())
            })?;
            Arc::new(OpenAiUpstream::new(
                config.openai_url.clone(),
                key,
                config.openai_model.clone(),
            ))
        }
    };
    let mut peer = PeerSettings::new(
        config.media_bind_ip(),
        config.udp_ports.clone().map(|r| r.0),
        config.public_ip,
    );
    peer.ice_tcp = config.ice_tcp;
    let outbound = OutboundConfig {
        complexity: config.opus_complexity,
        ..OutboundConfig::default()
    };
    let store = open_store(&config.data_dir).await?;
    store
        .seed_templates(&builtin_templates(), crate::clock::unix_ms())
        .await
        .map_err(|e| StartError::Config(format!("database: {e}")))?;
    let jwt = JwtKeys::new(format!("jwt:{signing_key}").as_bytes());
    let turn_secrets = turn_secrets(&config)?;
    let turn_urls = turn_urls(&config, embedded_turn);
    let events = EventBus::default();
    let calls = Calls::new(
        config.max_calls,
        upstream.clone(),
        store.clone(),
        peer,
        outbound,
        events.clone(),
    );
    let recording_files: Arc<dyn RecordingStore> =
        Arc::new(FileRecordings::new(config.data_dir.join("recordings")));
    let calls = if config.recordings {
        calls.with_recorders(Recorders::new(recording_files.clone(), store.clone()))
    } else {
        calls
    };
    let retention = (config.recording_retention_days > 0)
        .then(|| Duration::from_secs(u64::from(config.recording_retention_days) * 86_400));
    tokio::spawn(crate::recording::retention::run(
        store.clone(),
        recording_files.clone(),
        retention,
    ));
    let recording_urls = UrlSigner::new(format!("recordings:{signing_key}").as_bytes());
    let interviews = Interviews::new(store.clone(), events);
    crate::interview::lifecycle::spawn(store.clone(), interviews.clone());
    crate::webhooks::Worker::new(
        store.clone(),
        config.webhook_schedule.clone(),
        config.webhook_allow_private,
    )
    .spawn();
    crate::assess::Assessor::spawn(
        store.clone(),
        &interviews,
        assess_model(&config),
        config.assess_limits,
    );
    // After the subscribers above: the calls a crash cut end like any other.
    if let Err(error) = crate::interview::recovery::recover(store.as_ref(), &interviews).await {
        tracing::warn!(%error, "could not close what the previous run left unfinished");
    }
    Ok(AppState(Arc::new(AppContext {
        drain: Arc::default(),
        api_key,
        turn_secrets,
        turn_urls,
        secrets: SecretKey::new(signing_key.into_bytes()),
        calls,
        upstream,
        store,
        interviews,
        jwt,
        recording_files,
        recording_urls,
        config,
    })))
}

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its services.
    pub state: AppState,
    /// Where the embedded TURN server listens (UDP), when it runs.
    pub turn: Option<SocketAddr>,
    /// The HTTP server task; ends after a graceful shutdown.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds and starts serving in the background; `shutdown` resolving stops it gracefully
/// (no new requests, live calls hung up, the embedded TURN server closed).
pub async fn start(
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    crate::http_client::install_crypto_provider();
    let listen = config.listen;
    let embedded = start_turn(&config).await?;
    let turn = embedded.as_ref().map(EmbeddedTurn::local_addr);
    let state = build_state_with(config, turn).await?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(io(format!("binding {listen}")))?;
    let addr = listener
        .local_addr()
        .map_err(io("reading the bound address"))?;
    let router = api::router(state.clone());
    let draining = state.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                shutdown.await;
                drain(&draining).await;
                if let Some(turn) = embedded {
                    turn.close().await;
                }
            })
            .await
    });
    Ok(Running {
        addr,
        state,
        turn,
        task,
    })
}

/// Starts the embedded TURN server unless it is off, or has no address to relay on.
async fn start_turn(config: &ServeConfig) -> Result<Option<EmbeddedTurn>, StartError> {
    let Some(bind) = config.turn_bind() else {
        return Ok(None);
    };
    let relay_ip = match config.public_ip {
        Some(ip) => ip,
        None if !bind.ip().is_unspecified() => bind.ip(),
        None => {
            tracing::warn!(%bind, "the embedded TURN server is off: it listens on every interface, so it needs --public-ip for its relay address (or set --turn-listen)");
            return Ok(None);
        }
    };
    std::fs::create_dir_all(&config.data_dir)
        .map_err(io(format!("creating {}", config.data_dir.display())))?;
    let secrets = turn_secrets(config)?;
    let turn = EmbeddedTurn::start(bind, relay_ip, secrets)
        .await
        .map_err(io(format!(
            "binding the TURN server on {bind} (UDP; --turn-listen off disables it)"
        )))?;
    Ok(Some(turn))
}

/// How long ended calls get to store what they hold before the server stops anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// The drain after the first shutdown signal: no new calls or interviews (`/readyz` is 503),
/// the candidates told, running calls left to end on their own until `--drain-timeout` or a
/// second signal; then the rest are ended and given [`SHUTDOWN_GRACE`] to store everything.
async fn drain(state: &AppState) {
    state.drain.begin(crate::clock::unix_ms());
    let timeout = std::time::Duration::from_secs(state.config.drain_timeout);
    let live = state.calls.len();
    tracing::info!(
        live,
        ?timeout,
        "draining: refusing new calls; a second signal ends the live ones"
    );
    let notice = serde_json::json!({
        "type": "viva.server.draining",
        "message": "The server is restarting soon. Your interview continues for now.",
        "drain_timeout_s": state.config.drain_timeout,
    });
    state
        .calls
        .tell_all(crate::call::Control::Notice(notice))
        .await;
    tokio::select! {
        () = state.calls.idle() => tracing::info!("drained: no call is live"),
        () = tokio::time::sleep(timeout) => tracing::warn!(live = state.calls.len(), "the drain timed out: ending the live calls"),
        () = shutdown_signal() => tracing::warn!(live = state.calls.len(), "a second signal: ending the live calls"),
    }
    state.calls.shut_down_all(SHUTDOWN_GRACE).await;
    // The calls' ends are stored; their interviews move on now, not after the process is gone.
    match crate::interview::lifecycle::settle(state.store.as_ref(), &state.interviews).await {
        Ok(moved) => tracing::info!(
            moved,
            "drained: interviews marked the way their calls ended"
        ),
        Err(error) => tracing::warn!(%error, "could not mark the drained calls' interviews"),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
