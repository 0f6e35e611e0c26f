//! The `viva` command line: `viva serve` runs the server, `viva load` load-tests one.

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use viva::config::ServeConfig;
use viva::server;

/// Viva: a WebRTC voice-interview media server.
#[derive(Debug, Parser)]
#[command(name = "viva", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: the API, the candidate page and the media.
    Serve(ServeConfig),
    /// Manage integrators' API keys (stored hashed in the data directory's database).
    Keys {
        /// Where Viva keeps its files.
        #[arg(long, env = "VIVA_DATA_DIR", default_value = "data", global = true)]
        data_dir: std::path::PathBuf,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Drive synthetic WebRTC candidates against a running server and measure it.
    Load(viva::load::LoadConfig),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; it is printed once and never shown again.
    Create {
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
        /// Let the key act as an administrator (e.g. filter interviews by user).
        #[arg(long)]
        admin: bool,
    },
    /// List keys (id, prefix, name, admin, created, revoked).
    List,
    /// Revoke a key by id or prefix.
    Revoke {
        /// The key's id (`key_…`) or prefix (`sk_…`, as listed).
        key: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("VIVA_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,rtc=error,webrtc=warn,rtc_ice=error,rtc_dtls=error,rtc_sctp=error")
    });
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => serve(config).await,
        Command::Keys { data_dir, command } => match keys(&data_dir, command).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("viva keys: {error}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::Load(config) => viva::load::main(config).await,
    }
}

async fn keys(data_dir: &std::path::Path, command: KeysCommand) -> Result<(), String> {
    let store = server::open_store(data_dir)
        .await
        .map_err(|e| e.to_string())?;
    let now = viva::clock::unix_ms();
    match command {
        KeysCommand::Create { name, admin } => {
            let (info, secret) = store
                .create_api_key(&name, admin, now)
                .await
                .map_err(|e| e.to_string())?;
            println!("{secret}");
            eprintln!(
                "created {} ({}){}; store it now, it is not shown again",
                info.id,
                info.name,
                if admin { ", admin" } else { "" }
            );
        }
        KeysCommand::List => {
            println!(
                "{:<26} {:<12} {:<6} {:<22} {:<22} NAME",
                "ID", "PREFIX", "ADMIN", "CREATED", "REVOKED"
            );
            for key in store.api_keys().await.map_err(|e| e.to_string())? {
                let revoked = key
                    .revoked_at_ms
                    .map(viva::interview::rfc3339)
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<26} {:<12} {:<6} {:<22} {:<22} {}",
                    key.id,
                    key.prefix,
                    key.admin,
                    viva::interview::rfc3339(key.created_at_ms),
                    revoked,
                    key.name
                );
            }
        }
        KeysCommand::Revoke { key } => {
            if !store
                .revoke_api_key(&key, now)
                .await
                .map_err(|e| e.to_string())?
            {
                return Err(format!("no live key with id or prefix {key:?}"));
            }
            println!("revoked {key}");
        }
    }
    store.close().await;
    Ok(())
}

async fn serve(config: ServeConfig) -> std::process::ExitCode {
    let upstream = config.upstream_kind();
    let running = match server::start(config, server::shutdown_signal()).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("viva: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(?upstream, "Viva is listening on http://{}", running.addr);
    match running.task.await {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("viva: {error}");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("viva: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
