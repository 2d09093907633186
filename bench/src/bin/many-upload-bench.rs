//! `many-upload-bench`: how fast the engine uploads the references of one Seedance 2.5
//! request with many local files (30 images and 10 videos, say), against
//! `curl --parallel` putting the same files to the same fake in the same run, and the
//! memory the engine's uploads cost (this process's `VmHWM`).
//!
//! `many-upload-bench --base-url URL --dir DIR [--runs N] [--curl-parallel P]`. `DIR` holds
//! the files (`*.png` images, `*.mp4` videos; `bench/bench.sh` makes them with ffmpeg).
//! Each run submits one request with every file as a local reference through a fresh
//! engine and times it from `submit` until the task has left the local queue (all uploads
//! done and createTask answered), then asks the fake for one signed slot per file and
//! times one `curl --parallel` run putting them all. Runs alternate which goes first.
//! curl's time leaves out its slot requests (done before its clock starts), so the
//! comparison favours curl. Prints a summary and one `RESULT key=value …` line per run.
//!
//! Owns only this measurement; it talks to the fake service only.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::SystemClock;
use seedance_core::engine::{Engine, EngineDeps, EngineEvent, EngineSettings, EventSink};
use seedance_core::keychain::{KeyStore, SessionKeyStore};
use seedance_core::ledger::{Ledger, LocalState};
use seedance_core::library::Library;
use seedance_core::media::MediaKind;
use seedance_core::model::{Mode, ModelId};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::secret::ApiKey;

const BENCH_KEY: &str = "sk-bench-many-uploads-0001";

struct Args {
    base_url: String,
    dir: PathBuf,
    runs: usize,
    curl_parallel: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut base_url = None;
    let mut dir = None;
    let mut runs = 3usize;
    let mut curl_parallel = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--base-url" => base_url = Some(value()?),
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--runs" => runs = value()?.parse().map_err(|_| "--runs takes a number")?,
            "--curl-parallel" => {
                curl_parallel = value()?
                    .parse()
                    .map_err(|_| "--curl-parallel takes a number")?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        base_url: base_url.ok_or("--base-url is required")?,
        dir: dir.ok_or("--dir is required")?,
        runs: runs.max(1),
        curl_parallel: curl_parallel.max(1),
    })
}

/// `VmHWM` (peak resident set) of this process, in KiB.
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

/// The files of `dir` with their kind, images first then videos, each sorted by name.
fn files(dir: &Path) -> Result<Vec<(PathBuf, MediaKind)>, String> {
    let mut images = Vec::new();
    let mut videos = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("png") => images.push(path),
            Some("mp4") => videos.push(path),
            _ => {}
        }
    }
    images.sort();
    videos.sort();
    Ok(images
        .into_iter()
        .map(|p| (p, MediaKind::Image))
        .chain(videos.into_iter().map(|p| (p, MediaKind::Video)))
        .collect())
}

struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: EngineEvent) {}
}

/// One submission through a fresh engine: seconds from `submit` until the task has left
/// the local queue.
async fn engine_run(base_url: &str, files: &[(PathBuf, MediaKind)]) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!("many-upload-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (ledger, _) = Ledger::open(&dir.join("data")).map_err(|e| e.to_string())?;
    let ledger = Arc::new(ledger);
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(BENCH_KEY).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let client = ApiClient::new(ClientConfig::new(base_url).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let engine = Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client,
        keys,
        events: Arc::new(NoEvents),
        clock: Arc::new(SystemClock),
        library: Library::new(dir.join("library")),
        settings: EngineSettings {
            auto_download: false,
            ..EngineSettings::default()
        },
    });
    let mut request = GenerationRequest::new(ModelId::Seedance25, "the harbour in forty pieces");
    request.mode = Some(Mode::Reference);
    for (path, kind) in files {
        request.references.push(Reference {
            kind: *kind,
            source: ReferenceSource::LocalFile {
                path: path.clone(),
                uploaded: None,
            },
            duration_ms: None,
        });
    }
    let started = Instant::now();
    let id = engine
        .submit(request)
        .await
        .map_err(|e| format!("submit refused: {e:?}"))?;
    // The ledger is read every 2 ms: small against runs of seconds.
    let state = loop {
        let state = ledger.get(id).map_err(|e| e.to_string())?.state;
        if !matches!(state, LocalState::Queued | LocalState::Submitting) {
            break state;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the uploads did not finish in 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    engine.stop_now().await;
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
    if state == LocalState::Failed {
        // The uploads finished; a refusal at createTask (the fake checking the media) does
        // not change what was measured, but say so.
        eprintln!("many-upload-bench: the task failed after its uploads (timing kept)");
    }
    Ok(seconds)
}

/// One `curl --parallel` run over signed slots asked for beforehand; curl's wall time.
async fn curl_run(
    http: &reqwest::Client,
    base_url: &str,
    files: &[(PathBuf, MediaKind)],
    parallel: usize,
) -> Result<f64, String> {
    let mut args: Vec<String> = vec![
        "--parallel".into(),
        "--parallel-max".into(),
        parallel.to_string(),
        "-sS".into(),
        "--fail".into(),
    ];
    for (i, (path, _)) in files.iter().enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let slot: serde_json::Value = http
            .post(format!("{base_url}/uploads"))
            .bearer_auth(BENCH_KEY)
            .json(&serde_json::json!({ "fileName": name }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("upload slot: {e}"))?
            .json()
            .await
            .map_err(|e| format!("upload slot: {e}"))?;
        let url = slot["uploadUrl"]
            .as_str()
            .ok_or("the upload slot has no uploadUrl")?;
        let content_type = slot["contentType"]
            .as_str()
            .unwrap_or("application/octet-stream");
        if i > 0 {
            args.push("--next".into());
        }
        args.extend([
            "-o".into(),
            "/dev/null".into(),
            "-H".into(),
            format!("Content-Type: {content_type}"),
            "-T".into(),
            path.display().to_string(),
            url.to_owned(),
        ]);
    }
    let started = Instant::now();
    let output = Command::new("curl")
        .args(&args)
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "curl failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(seconds)
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

async fn run(args: Args) -> Result<(), String> {
    let files = files(&args.dir)?;
    if files.is_empty() {
        return Err(format!("no *.png or *.mp4 files in {}", args.dir.display()));
    }
    let bytes: u64 = files
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let mb = bytes as f64 / 1e6;
    let base_url = args.base_url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let mut ratios = Vec::new();
    for run in 0..args.runs {
        let (engine_s, curl_s) = if run % 2 == 0 {
            let e = engine_run(&base_url, &files).await?;
            (
                e,
                curl_run(&http, &base_url, &files, args.curl_parallel).await?,
            )
        } else {
            let c = curl_run(&http, &base_url, &files, args.curl_parallel).await?;
            (engine_run(&base_url, &files).await?, c)
        };
        let ratio = curl_s / engine_s;
        ratios.push(ratio);
        println!(
            "run {}: {} files, {mb:.1} MB: engine {engine_s:.3} s ({:.1} MB/s), curl --parallel \
             {curl_s:.3} s ({:.1} MB/s), ratio {ratio:.3}",
            run + 1,
            files.len(),
            mb / engine_s,
            mb / curl_s
        );
        println!(
            "RESULT files={} mb={mb:.1} engine_s={engine_s:.3} curl_s={curl_s:.3} \
             engine_mbps={:.1} curl_mbps={:.1} ratio={ratio:.3} vmhwm_kib={}",
            files.len(),
            mb / engine_s,
            mb / curl_s,
            vm_hwm_kib()
        );
    }
    println!(
        "median ratio (curl time / engine time): {:.3}; peak memory {} KiB",
        median(&mut ratios),
        vm_hwm_kib()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("many-upload-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("many-upload-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("many-upload-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
