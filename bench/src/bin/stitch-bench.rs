//! `stitch-bench`: how fast the core stitches a film, against ffmpeg's own
//! `ffmpeg -f concat -c copy` on the same clips in the same run, how long the re-encode
//! path takes, and how much memory a stitch needs for 2, 5 and 10 clips (issue 20).
//!
//! `stitch-bench CACHE_DIR [--runs N] [--skip-reencode] [--one-pass-baseline]`
//!
//! * Makes ten 15-second 1080p24 clips with sound in `CACHE_DIR` once (H.264 High with
//!   B-frames at about 8 Mb/s and AAC, like the service's 1080p results) and reuses them.
//! * Lossless: `runs` rounds, each timing the core's copy stitch (plan made beforehand,
//!   as the app has the clips' facts already; includes the fsync and rename that make the
//!   file safe) and `ffmpeg -f concat -safe 0 -i LIST -map 0:v:0 -map 0:a:0 -c copy`,
//!   alternating which goes first. Reports medians and the speed ratio (ffmpeg's time
//!   over the core's; the target is ≥ 0.9), and ffmpeg's time plus an fsync, for a like
//!   for like figure.
//! * Memory: each of copy and re-encode for 2, 5 and 10 clips in a fresh child process of
//!   this binary, reporting the peak resident set of the ffmpeg it ran (the largest
//!   `ru_maxrss` of its children) and of the child itself (`VmHWM`). The re-encode of 10
//!   clips is also the re-encode time. `--one-pass-baseline` adds ffmpeg's one-command
//!   `concat` filter re-encode of the same clips, whose memory grows with the clips.
//!
//! Prints a human summary and `RESULT key=value …` lines. Owns only this measurement; the
//! outputs go to `CACHE_DIR/out` and are deleted after each run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use seedance_core::film::{
    plan_stitch, plan_stitch_reencoded, probe, stitch, FfmpegCli, StitchPlan, TimelineClip,
};
use tokio_util::sync::CancellationToken;

const CLIPS: usize = 10;
const CLIP_SECS: u32 = 15;

struct Args {
    cache: PathBuf,
    runs: usize,
    reencode: bool,
    one_pass: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut cache = None;
    let mut runs = 5usize;
    let mut reencode = true;
    let mut one_pass = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--runs takes a number")?;
            }
            "--skip-reencode" => reencode = false,
            "--one-pass-baseline" => one_pass = true,
            other if other.starts_with("--") => return Err(format!("unknown argument {other}")),
            other => cache = Some(PathBuf::from(other)),
        }
    }
    Ok(Args {
        cache: cache.ok_or("the cache folder is required")?,
        runs: runs.max(1),
        reencode,
        one_pass,
    })
}

fn ffmpeg(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ffmpeg")
        .args(args)
        .output()
        .map_err(|e| format!("ffmpeg: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ffmpeg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The ten clips, made once: written under a temporary name and renamed, so an
/// interrupted run never leaves a short clip in the cache.
fn ensure_clips(cache: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let pictures = [
        "testsrc2",
        "smptehdbars",
        "testsrc",
        "rgbtestsrc",
        "yuvtestsrc",
    ];
    let mut paths = Vec::new();
    for i in 0..CLIPS {
        let path = cache.join(format!("clip-{:02}.mp4", i + 1));
        if !path.exists() {
            let temp = cache.join(format!("clip-{:02}.making.mp4", i + 1));
            // Moving grain keeps the encoder at its bit rate, as real footage does.
            let picture = format!(
                "{}=s=1920x1080:r=24,noise=alls=12:allf=t+u,trim=duration={CLIP_SECS}",
                pictures[i % pictures.len()]
            );
            let sound = format!("sine=f={}:r=48000:d={CLIP_SECS}", 220 + 55 * i);
            eprintln!("making {} ({CLIP_SECS} s of 1080p)…", path.display());
            ffmpeg(&[
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                &picture,
                "-f",
                "lavfi",
                "-i",
                &sound,
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-profile:v",
                "high",
                "-b:v",
                "8M",
                "-maxrate",
                "8M",
                "-bufsize",
                "16M",
                "-g",
                "48",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-ac",
                "2",
                "-shortest",
                temp.to_str().ok_or("cache path is not UTF-8")?,
            ])?;
            std::fs::rename(&temp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        paths.push(path);
    }
    Ok(paths)
}

async fn clips(paths: &[PathBuf], tools: &FfmpegCli) -> Result<Vec<TimelineClip>, String> {
    let mut clips = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let facts = probe(tools, path).await.map_err(|e| e.to_string())?;
        clips.push(TimelineClip::whole(format!("Shot {}", i + 1), facts));
    }
    Ok(clips)
}

async fn core_stitch(tools: &FfmpegCli, plan: &StitchPlan, out: &Path) -> Result<f64, String> {
    let _ = std::fs::remove_file(out);
    let started = Instant::now();
    stitch(tools, plan, out, &|_| {}, &CancellationToken::new())
        .await
        .map_err(|e| e.to_string())?;
    Ok(started.elapsed().as_secs_f64())
}

fn baseline_copy(list: &Path, out: &Path) -> Result<f64, String> {
    let _ = std::fs::remove_file(out);
    let started = Instant::now();
    ffmpeg(&[
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list.to_str().ok_or("path")?,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c",
        "copy",
        "-y",
        out.to_str().ok_or("path")?,
    ])?;
    Ok(started.elapsed().as_secs_f64())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Peak resident set of the largest child this process has waited for, in KiB.
#[cfg(unix)]
fn children_max_rss_kib() -> u64 {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map(|u| {
            let rss = u.max_rss().max(0) as u64;
            // macOS reports bytes, Linux KiB.
            if cfg!(target_os = "macos") {
                rss / 1024
            } else {
                rss
            }
        })
        .unwrap_or(0)
}

#[cfg(not(unix))]
fn children_max_rss_kib() -> u64 {
    0
}

/// One stitch in this (fresh) process: `--child copy|reencode|onepass N CACHE`.
async fn child(mode: &str, n: usize, cache: &Path) -> Result<(), String> {
    let tools = FfmpegCli::locate(None).map_err(|e| e.to_string())?;
    let paths: Vec<PathBuf> = (1..=n)
        .map(|i| cache.join(format!("clip-{i:02}.mp4")))
        .collect();
    let out_dir = cache.join("out");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let out = out_dir.join(format!("child-{mode}-{n}.mp4"));
    let _ = std::fs::remove_file(&out);
    let started = Instant::now();
    match mode {
        "copy" | "reencode" => {
            let clips = clips(&paths, &tools).await?;
            let plan = if mode == "copy" {
                plan_stitch(clips)
            } else {
                plan_stitch_reencoded(clips)
            }
            .map_err(|e| e.to_string())?;
            stitch(&tools, &plan, &out, &|_| {}, &CancellationToken::new())
                .await
                .map_err(|e| e.to_string())?;
        }
        "onepass" => {
            let mut args: Vec<String> = ["-v", "error", "-y"].map(String::from).to_vec();
            let mut graph = String::new();
            for (i, path) in paths.iter().enumerate() {
                args.extend(["-i".to_owned(), path.to_string_lossy().into_owned()]);
                graph.push_str(&format!("[{i}:v:0][{i}:a:0]"));
            }
            graph.push_str(&format!("concat=n={n}:v=1:a=1[v][a]"));
            args.extend(
                [
                    "-filter_complex",
                    &graph,
                    "-map",
                    "[v]",
                    "-map",
                    "[a]",
                    "-c:v",
                    "libx264",
                    "-preset",
                    seedance_core::film::stitch::X264_PRESET,
                    "-crf",
                    seedance_core::film::stitch::X264_CRF,
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "192k",
                ]
                .map(String::from),
            );
            args.push(out.to_string_lossy().into_owned());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            ffmpeg(&args)?;
        }
        other => return Err(format!("unknown child mode {other}")),
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&out);
    println!(
        "CHILD secs={secs:.2} ffmpeg_rss_kib={} self_hwm_kib={}",
        children_max_rss_kib(),
        vm_hwm_kib()
    );
    Ok(())
}

struct ChildResult {
    secs: f64,
    ffmpeg_kib: u64,
    self_kib: u64,
}

fn run_child(mode: &str, n: usize, cache: &Path) -> Result<ChildResult, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["--child", mode, &n.to_string()])
        .arg(cache)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "child {mode} {n}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("CHILD "))
        .ok_or(format!("child {mode} {n} printed no result"))?;
    let value = |key: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    Ok(ChildResult {
        secs: value("secs"),
        ffmpeg_kib: value("ffmpeg_rss_kib") as u64,
        self_kib: value("self_hwm_kib") as u64,
    })
}

async fn bench(args: Args) -> Result<(), String> {
    let tools = FfmpegCli::locate(None).map_err(|e| e.to_string())?;
    let paths = ensure_clips(&args.cache)?;
    let started = Instant::now();
    let clips = clips(&paths, &tools).await?;
    let probe_ms = started.elapsed().as_secs_f64() * 1000.0 / CLIPS as f64;
    let plan = plan_stitch(clips).map_err(|e| e.to_string())?;
    if !plan.is_lossless() {
        return Err(format!(
            "the bench clips should be copied: {}",
            plan.summary()
        ));
    }
    let out_dir = args.cache.join("out");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let list = out_dir.join("list.txt");
    let listing: String = paths
        .iter()
        .map(|p| format!("file '{}'\n", p.display()))
        .collect();
    std::fs::write(&list, listing).map_err(|e| e.to_string())?;
    let (ours_out, theirs_out) = (out_dir.join("core.mp4"), out_dir.join("ffmpeg.mp4"));

    // One untimed round of each, so both meet a warm page cache.
    core_stitch(&tools, &plan, &ours_out).await?;
    baseline_copy(&list, &theirs_out)?;
    let (mut ours, mut theirs, mut theirs_synced) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..args.runs {
        let mut one_baseline = || -> Result<(), String> {
            let secs = baseline_copy(&list, &theirs_out)?;
            let sync_started = Instant::now();
            std::fs::File::open(&theirs_out)
                .and_then(|f| f.sync_all())
                .map_err(|e| e.to_string())?;
            theirs.push(secs);
            theirs_synced.push(secs + sync_started.elapsed().as_secs_f64());
            Ok(())
        };
        if run % 2 == 0 {
            ours.push(core_stitch(&tools, &plan, &ours_out).await?);
            one_baseline()?;
        } else {
            one_baseline()?;
            ours.push(core_stitch(&tools, &plan, &ours_out).await?);
        }
    }
    let bytes = std::fs::metadata(&ours_out).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&ours_out);
    let _ = std::fs::remove_file(&theirs_out);
    let (ours, theirs, synced) = (
        median(&mut ours),
        median(&mut theirs),
        median(&mut theirs_synced),
    );
    let ratio = theirs / ours;
    println!(
        "lossless stitch of {CLIPS} × {CLIP_SECS} s 1080p ({:.0} MB), median of {} runs:",
        bytes as f64 / 1e6,
        args.runs
    );
    println!("  core   {ours:.3} s (with fsync and rename)");
    println!(
        "  ffmpeg {theirs:.3} s (ffmpeg -f concat -c copy), {synced:.3} s with an fsync after"
    );
    println!(
        "  speed ratio {ratio:.2}× ffmpeg's (target ≥ 0.9); {:.2}× ffmpeg + fsync",
        synced / ours
    );
    println!("  probe {probe_ms:.0} ms per clip (once per clip, before planning)");
    println!(
        "RESULT kind=lossless clips={CLIPS} runs={} core_s={ours:.3} ffmpeg_s={theirs:.3} ffmpeg_fsync_s={synced:.3} ratio={ratio:.3} probe_ms={probe_ms:.1}",
        args.runs
    );

    let mut modes = vec!["copy"];
    if args.reencode {
        modes.push("reencode");
    }
    if args.one_pass {
        modes.push("onepass");
    }
    for mode in modes {
        for n in [2usize, 5, 10] {
            let r = run_child(mode, n, &args.cache)?;
            println!(
                "  {mode:<8} {n:>2} clips: {:.2} s, ffmpeg peak RSS {} MiB, stitching process {} MiB",
                r.secs,
                r.ffmpeg_kib / 1024,
                r.self_kib / 1024
            );
            println!(
                "RESULT kind={mode} clips={n} secs={:.2} ffmpeg_rss_kib={} self_hwm_kib={}",
                r.secs, r.ffmpeg_kib, r.self_kib
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stitch-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = if argv.peek().map(String::as_str) == Some("--child") {
        let _ = argv.next();
        let mode = argv.next().unwrap_or_default();
        let n = argv.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let cache = PathBuf::from(argv.next().unwrap_or_default());
        runtime.block_on(child(&mode, n, &cache))
    } else {
        match parse_args(argv) {
            Ok(args) => runtime.block_on(bench(args)),
            Err(e) => Err(format!(
                "{e}\nusage: stitch-bench CACHE_DIR [--runs N] [--skip-reencode] [--one-pass-baseline]"
            )),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stitch-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
