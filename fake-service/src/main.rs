//! The `fake-seedance` binary: starts the fake on 127.0.0.1, prints one line
//! `fake-seedance listening on http://127.0.0.1:PORT/api/v1` (flushed, so scripts can read
//! the port), then serves until killed (SIGINT/SIGTERM end it cleanly). If it cannot start
//! (the port is taken, or `--render-results` without a usable ffmpeg) it says why on stderr
//! and exits with status 1.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use seedance_fake::{FakeConfig, FakeService};

/// Fake Seedance 2.0 / 2.5 API server for tests and the no-key demo.
#[derive(Debug, Parser)]
#[command(name = "fake-seedance", version)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Multiplier for simulated durations (0.01 makes a 3-minute generation take 1.8 s).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Tasks in progress allowed per API key before 429.
    #[arg(long)]
    concurrency_limit: Option<u32>,
    /// Starting wallet balance in credits.
    #[arg(long)]
    balance: Option<f64>,
    /// Accept only this API key (plus the public demo key).
    #[arg(long)]
    required_key: Option<String>,
    /// Seed for the per-task timing choices.
    #[arg(long)]
    seed: Option<u64>,
    /// Render every successful task's video and last frame with ffmpeg (the prompt's colour
    /// and first words, the task's length, size, codec and container) instead of serving
    /// the built-in 1 s test pattern. Needs ffmpeg with libx264, libx265 and drawtext.
    #[arg(long)]
    render_results: bool,
    /// The ffmpeg program for --render-results.
    #[arg(long)]
    ffmpeg: Option<String>,
    /// Keep rendered results in this directory (reused by later runs) instead of a
    /// temporary one.
    #[arg(long)]
    render_cache: Option<PathBuf>,
    /// Downloads a 2.5 lastFrameImage link serves before it answers 403.
    #[arg(long)]
    last_frame_max_downloads: Option<u32>,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        eprintln!("fake-seedance: cannot start: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    let mut config = FakeConfig {
        time_scale: args.time_scale,
        required_key: args.required_key,
        ..FakeConfig::default()
    };
    if let Some(n) = args.concurrency_limit {
        config.concurrency_limit = n;
    }
    if let Some(b) = args.balance {
        config.balance = b;
    }
    if let Some(s) = args.seed {
        config.seed = s;
    }
    config.render_results = args.render_results;
    if let Some(f) = args.ffmpeg {
        config.ffmpeg = f;
    }
    config.render_cache_dir = args.render_cache;
    if let Some(n) = args.last_frame_max_downloads {
        config.last_frame_max_downloads = n;
    }
    let fake = FakeService::start_on_port(config, args.port).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "fake-seedance listening on {}", fake.base_url())?;
        out.flush()?;
    }
    wait_for_signal().await;
    fake.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
