//! Bench fixture for app benchmarks (b), (c) and (f): writes a data folder whose ledger
//! holds N `Downloaded` tasks, with P poster files (links to one PNG) in the library
//! folder that the tasks point at, round-robin. Built on tmpfs when possible, because a
//! durable commit per transition is slow on a real disk and the timings are not the point.
//!
//! Usage: `ledger-fill <data-dir> <library-dir> <tasks> <posters> <poster.png | WxH>`
//! With `WxH` (say `1920x1080`) the poster is made here: a frame at the video's resolution,
//! as the service sends last frames (service-api §4.3), with film-like grain so that it
//! compresses like a real frame (≈ 3.5 MB at 1080p) rather than like a flat test card.

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState};
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
