//! `seedance`: the command-line client. Batch work and scripting for creators, and the
//! harness the crash tests kill. It runs the same core as the app (same ledger, library
//! and keychain entry), so a task started here shows up in Seedance Studio and back.

mod args;
mod commands;
mod history;
mod output;
mod sequence;
mod session;
mod takes;

use clap::Parser;
use std::process::ExitCode;

/// Exit codes a script can branch on. Documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    TaskFailed = 1,
    Usage = 2,
    Service = 3,
    OutcomeUnknown = 4,
    Key = 5,
    /// The video is finished and paid for, but the library folder cannot be written.
    Library = 6,
    /// `seedance retry` of a task that was retried already: nothing was sent; the
    /// message names the retry to follow instead.
    AlreadyRetried = 7,
    /// Stopped by Ctrl-C (or SIGTERM) before the task finished; what was sent is recorded.
    Interrupted = 130,
}

/// The local UTC offset, read before any thread starts: on Linux the `time` crate refuses
/// to read it once the process has several threads (the environment could change under
/// it), and file names in the library use local time.
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

pub fn local_offset() -> time::UtcOffset {
    LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC)
}

fn main() -> ExitCode {
    let _ =
        LOCAL_OFFSET.set(time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
    let cli = args::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEEDANCE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("seedance: could not start: {error}");
            return ExitCode::from(Exit::Service as u8);
        }
    };
    let exit = runtime.block_on(commands::run(cli));
    ExitCode::from(exit as u8)
}
