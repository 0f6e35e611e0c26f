//! The `viva` command line: `viva serve` runs the server, `viva load` load-tests one.

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use viva::admin::{self, KeysCommand, OrgsCommand};
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
    Serve(Box<ServeConfig>),
    /// Manage integrators' API keys (stored hashed in the data directory's database).
    Keys {
        /// Where Viva keeps its files.
        #[arg(long, env = "VIVA_DATA_DIR", default_value = "data", global = true)]
        data_dir: std::path::PathBuf,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage organizations (tenants) and their interview credits.
    Orgs {
        /// Where Viva keeps its files.
        #[arg(long, env = "VIVA_DATA_DIR", default_value = "data", global = true)]
        data_dir: std::path::PathBuf,
        #[command(subcommand)]
        command: OrgsCommand,
    },
    /// Drive synthetic WebRTC candidates against a running server and measure it.
    Load(viva::load::LoadConfig),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("VIVA_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,rtc=error,webrtc=warn,rtc_ice=error,rtc_dtls=error,rtc_sctp=error")
    });
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Keys { data_dir, command } => {
            admin_command("keys", &data_dir, |store| {
                Box::pin(async move { admin::keys(store, command).await })
            })
            .await
        }
        Command::Orgs { data_dir, command } => {
            admin_command("orgs", &data_dir, |store| {
                Box::pin(async move { admin::orgs(store, command).await })
            })
            .await
        }
        Command::Load(config) => viva::load::main(config).await,
    }
}

/// Opens the store, runs an operator command on it, closes it.
async fn admin_command(
    name: &str,
    data_dir: &std::path::Path,
    run: impl for<'a> FnOnce(
        &'a dyn viva::store::Store,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>,
) -> std::process::ExitCode {
    let result = match server::open_store(data_dir).await {
        Ok(store) => {
            let result = run(store.as_ref()).await;
            store.close().await;
            result
        }
        Err(error) => Err(error.to_string()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("viva {name}: {error}");
            std::process::ExitCode::FAILURE
        }
    }
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
