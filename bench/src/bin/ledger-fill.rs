//! Bench fixture for app benchmarks (b), (c) and (f): writes a data folder whose ledger
//! holds N `Downloaded` tasks, with P poster files (links to one PNG) in the library
//! folder that the tasks point at, round-robin. Some tasks are takes made together: the
//! oldest are the takes of 20 sequences' shots, the newest are groups with a starred and
//! a rejected take (`HistoryPlan`), so every screen has real work to show. Built on tmpfs
//! when possible, because a durable commit per transition is slow on a real disk and the
//! timings are not the point.
//!
//! Usage: `ledger-fill <data-dir> <library-dir> <tasks> <posters> <poster.png | WxH>`
//! With `WxH` (say `1920x1080`) the poster is made here: a frame at the video's resolution,
//! as the service sends last frames (service-api §4.3), with film-like grain so that it
//! compresses like a real frame (≈ 3.5 MB at 1080p) rather than like a flat test card.

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState, NewTask, ShotLink, TakesCreated, TaskId, Verdict};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, library, tasks, posters, png] = args.as_slice() else {
        eprintln!(
            "usage: ledger-fill <data-dir> <library-dir> <tasks> <posters> <poster.png | WxH>"
        );
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
    let source = match frame_size(&png) {
        Some((width, height)) => {
            let made = library.join(format!("frame-{width}x{height}.png"));
            synthetic_frame(width, height).save_with_format(&made, image::ImageFormat::Png)?;
            made
        }
        None => png,
    };
    let mut poster_paths = Vec::with_capacity(posters);
    for p in 0..posters {
        let path = library.join(format!("poster-{p:04}.png"));
        let _ = std::fs::remove_file(&path);
        // Links: 500 posters of 3.5 MB each would fill a tmpfs; every path is still its
        // own URL to the window and its own thumbnail.
        if std::fs::hard_link(&source, &path).is_err() {
            std::fs::copy(&source, &path)?;
        }
        poster_paths.push(path);
    }
    let (ledger, _) = Ledger::open(&data)?;
    let plan = HistoryPlan::for_tasks(tasks);
    let mut sequences = Vec::new();
    let mut i = 0;
    while i < tasks {
        let prompt = format!("a slow pan over a neon city at night, take {i}");
        let draft = GenerationRequest::new(ModelId::Seedance20, prompt);
        let ids = if plan.is_group_start(i) {
            let takes: Vec<GenerationRequest> = (0..TAKES_PER_GROUP)
                .map(|t| GenerationRequest {
                    seed: Some(1_000 + i + t),
                    ..draft.clone()
                })
                .collect();
            let shot = if i < plan.shot_tasks {
                // Every SHOTS_PER_SEQUENCE-th group opens the next sequence.
                let group = i / TAKES_PER_GROUP;
                if group % SHOTS_PER_SEQUENCE == 0 {
                    let name = format!("Sequence {}", sequences.len() + 1);
                    sequences.push(ledger.create_sequence(&name)?);
                }
                let id = *sequences.last().ok_or("no sequence")?;
                Some(ledger.add_shot(id, &draft, ShotLink::None, None)?)
            } else {
                None
            };
            let task = NewTask {
                request: &draft,
                estimate_credits: Some(100.0),
                initial: LocalState::Queued,
                service: None,
                duplicate_window_ms: None,
            };
            let TakesCreated::New(ids) = ledger.record_takes(&task, &takes, shot)? else {
                return Err("takes refused as a duplicate".into());
            };
            for (n, id) in ids.iter().enumerate() {
                finish(&ledger, *id, i + n as i64, &library, &poster_paths)?;
            }
            if let Some(shot) = shot {
                ledger.choose_take(shot, Some(ids[0]))?;
            } else {
                // The newest groups: the first take kept, the last one rejected.
                ledger.set_verdict(ids[0], Some(Verdict::Starred))?;
                ledger.set_verdict(ids[ids.len() - 1], Some(Verdict::Rejected))?;
            }
            ids
        } else {
            let id = ledger.create(&draft, Some(100.0), None, LocalState::Queued)?;
            finish(&ledger, id, i, &library, &poster_paths)?;
            vec![id]
        };
        i += ids.len() as i64;
    }
    println!(
        "ledger-fill: {tasks} tasks ({} in take groups, {} sequences), {posters} posters in {}",
        plan.shot_tasks + plan.newest_group_tasks,
        sequences.len(),
        data.display()
    );
    Ok(())
}

/// Takes made together, as "Generate ×3" makes them.
const TAKES_PER_GROUP: i64 = 3;
/// Shots in each bench sequence; each shot's takes are one group.
const SHOTS_PER_SEQUENCE: i64 = 6;

/// Where the history's take groups are: the oldest tasks are the takes of 20 sequences'
/// shots (so the sequences screen lists real work), the newest are groups with verdicts
/// (so the first screen shows takes side by side, with Compare), the rest made alone.
struct HistoryPlan {
    shot_tasks: i64,
    newest_group_tasks: i64,
    tasks: i64,
}

impl HistoryPlan {
    fn for_tasks(tasks: i64) -> HistoryPlan {
        let groups = |n: i64| n / TAKES_PER_GROUP * TAKES_PER_GROUP;
        let shot_tasks = groups((tasks / 4).min(20 * SHOTS_PER_SEQUENCE * TAKES_PER_GROUP));
        let newest_group_tasks = groups((tasks - shot_tasks).min(60));
        HistoryPlan {
            shot_tasks,
            newest_group_tasks,
            tasks,
        }
    }

    /// Whether task `i` (oldest first) starts a take group.
    fn is_group_start(&self, i: i64) -> bool {
        let newest_from = self.tasks - self.newest_group_tasks;
        (i < self.shot_tasks && i % TAKES_PER_GROUP == 0)
            || (i >= newest_from && (i - newest_from) % TAKES_PER_GROUP == 0)
    }
}

/// Takes task `id` (the `i`th of the history) from queued to downloaded, as a finished
/// generation leaves it, with a poster round-robin.
fn finish(
    ledger: &Ledger,
    id: TaskId,
    i: i64,
    library: &std::path::Path,
    poster_paths: &[PathBuf],
) -> Result<(), Box<dyn std::error::Error>> {
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
    let slot = usize::try_from(i)?;
    let poster = (!poster_paths.is_empty()).then(|| &poster_paths[slot % poster_paths.len()]);
    ledger.set_downloaded(id, &video, poster.map(|p| p.as_path()))?;
    Ok(())
}

/// `1920x1080` → (1920, 1080).
fn frame_size(arg: &std::path::Path) -> Option<(u32, u32)> {
    let (w, h) = arg.to_str()?.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// Colour bands and a gradient under per-pixel grain: PNG cannot compress the grain away,
/// as with a real video frame.
fn synthetic_frame(width: u32, height: u32) -> image::RgbImage {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let bands: [[u8; 3]; 7] = [
        [200, 200, 200],
        [200, 200, 30],
        [30, 200, 200],
        [30, 200, 30],
        [200, 30, 200],
        [200, 30, 30],
        [30, 30, 200],
    ];
    image::RgbImage::from_fn(width, height, |x, y| {
        let band = bands[(x * 7 / width) as usize];
        let shade = 0.55 + 0.45 * (y as f32 / height as f32);
        let mut px = [0u8; 3];
        for (c, v) in px.iter_mut().enumerate() {
            let grain: i16 = rng.gen_range(-12..=12);
            *v = ((f32::from(band[c]) * shade) as i16 + grain).clamp(0, 255) as u8;
        }
        image::Rgb(px)
    })
}
