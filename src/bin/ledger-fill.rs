//! Bench fixture for app benchmarks (b), (c) and (f): writes a data folder whose ledger
//! holds N `Downloaded` tasks, with P poster files (copies of one PNG) in the library
//! folder that the tasks point at, round-robin. Built on tmpfs when possible, because a
//! durable commit per transition is slow on a real disk and the timings are not the point.
//!
//! Usage: `ledger-fill <data-dir> <library-dir> <tasks> <posters> <poster.png>`

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, library, tasks, posters, png] = args.as_slice() else {
        eprintln!("usage: ledger-fill <data-dir> <library-dir> <tasks> <posters> <poster.png>");
        return ExitCode::from(2);
    };
    match fill(
        data.into(),
        library.into(),
        tasks.parse().unwrap_or(0),
        posters.parse().unwrap_or(0),
        png.into(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledger-fill: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fill(
    data: PathBuf,
    library: PathBuf,
    tasks: i64,
    posters: usize,
    png: PathBuf,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&data)?;
    std::fs::create_dir_all(&library)?;
    let mut poster_paths = Vec::with_capacity(posters);
    for p in 0..posters {
        let path = library.join(format!("poster-{p:04}.png"));
        std::fs::copy(&png, &path)?;
        poster_paths.push(path);
    }
    let (ledger, _) = Ledger::open(&data)?;
    for (n, i) in (0..tasks).enumerate() {
        let prompt = format!("a slow pan over a neon city at night, take {i}");
        let req = GenerationRequest::new(ModelId::Seedance20, prompt);
        let id = ledger.create(&req, Some(100.0), None, LocalState::Queued)?;
        ledger.mark_submitting(id)?;
        ledger.record_submitted(id, &format!("task_{i}"), i)?;
        let record = TaskRecord {
            task_id: format!("task_{i}"),
            model: None,
            status: TaskStatus::Success,
            credits_used: Some(100.0),
            output: vec![OutputItem {
                url: format!("http://127.0.0.1:9/static/{i}.mp4"),
                width: Some(1280),
                height: Some(720),
                media_type: Some("video/mp4".into()),
                seed: None,
                last_frame_image: None,
            }],
            error: None,
            create_time: None,
            complete_time: Some(i + 1),
        };
        ledger.apply_remote(id, &record, i + 1)?;
        // The video file is never opened by the gallery grid, so it need not exist.
        let video = library.join(format!("video-{i}.mp4"));
        let poster = (!poster_paths.is_empty()).then(|| &poster_paths[n % poster_paths.len()]);
        ledger.set_downloaded(id, &video, poster.map(|p| p.as_path()))?;
    }
    println!(
        "ledger-fill: {tasks} tasks, {posters} posters in {}",
        data.display()
    );
    Ok(())
}
