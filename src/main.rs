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
        Command::Serve(config) => serve(config).await,
        Command::Load(config) => viva::load::main(config).await,
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
