//! Test harness for `tests/ledger_crash.rs`: writes tasks through the real ledger in a
//! loop and prints each step only after the call returned (so it is durable), until it
//! is killed. `--open-only` opens the ledger once and exits (second-process lock test).
//!
//! Output lines: `committed <step> <id>` with step one of `create`, `submitting`,
//! `submitted`, `success`.

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: ledger-crash-harness <data-dir> [--open-only]");
        return ExitCode::from(2);
    };
    let open_only = args.next().is_some_and(|a| a == "--open-only");
    let ledger = match Ledger::open(&dir) {
        Ok((ledger, _)) => ledger,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if open_only {
        return ExitCode::SUCCESS;
    }
    match run(&ledger) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(ledger: &Ledger) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    let mut n: u64 = 0;
    loop {
        n += 1;
        let request =
            GenerationRequest::new(ModelId::Seedance2Fast, format!("crash loop task {n}"));
        let id = ledger.create(&request, Some(10.0), None, LocalState::Queued)?;
        writeln!(out, "committed create {id}")?;
        ledger.mark_submitting(id)?;
        writeln!(out, "committed submitting {id}")?;
        let remote = format!("task_{id}");
        ledger.record_submitted(id, &remote, 1)?;
        writeln!(out, "committed submitted {id}")?;
        let record = TaskRecord {
            task_id: remote,
            model: None,
            status: TaskStatus::Success,
            credits_used: Some(10.0),
            output: vec![OutputItem {
                url: format!("http://127.0.0.1:9/static/{id}.mp4"),
                width: None,
                height: None,
                media_type: None,
                seed: None,
                last_frame_image: None,
            }],
            error: None,
            create_time: None,
            complete_time: Some(2),
        };
        ledger.apply_remote(id, &record, 2)?;
        writeln!(out, "committed success {id}")?;
        out.flush()?;
    }
}
