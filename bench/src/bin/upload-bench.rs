//! `upload-bench`: how fast the core uploads a reference file, against `curl -T` putting
//! the same file to the same server in the same run, and how much memory the upload
//! costs (this process's `VmHWM`).
//!
//! `upload-bench --base-url URL --file PATH [--runs N] [--curl-first]`. Each run asks the
//! fake for two signed upload slots and PUTs the file once with `ApiClient::put_file` and
//! once with curl, alternating which goes first (core first in even runs, unless
//! `--curl-first`) so neither always meets a warmer page cache.
//! Prints a human summary and one `RESULT key=value …` line for `bench/bench.sh`.
//! Run it once per file size: `VmHWM` is a per-process high-water mark, and "memory
//! independent of file size" means the mark of a 1 GB run equals that of a 100 MB run.
//!
//! Owns only this measurement. It talks to the fake service only (any key is valid
//! there) and checks through the fake's admin API that every byte arrived.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::secret::ApiKey;

const BENCH_KEY: &str = "sk-bench-upload-0001";

struct Args {
    base_url: String,
    file: PathBuf,
    runs: usize,
    curl_first: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut base_url = None;
    let mut file = None;
    let mut runs = 3usize;
    let mut curl_first = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--base-url" => base_url = Some(value()?),
            "--file" => file = Some(PathBuf::from(value()?)),
            "--runs" => runs = value()?.parse().map_err(|_| "--runs takes a number")?,
            "--curl-first" => curl_first = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        base_url: base_url.ok_or("--base-url is required")?,
        file: file.ok_or("--file is required")?,
        runs: runs.max(1),
        curl_first,
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

/// Bytes the fake has received through PUTs so far.
async fn put_bytes(admin: &reqwest::Client, origin: &str) -> Result<u64, String> {
    let stats: serde_json::Value = admin
        .get(format!("{origin}/__admin/stats"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("admin stats: {e}"))?
        .json()
        .await
        .map_err(|e| format!("admin stats: {e}"))?;
    stats["put_bytes"]
        .as_u64()
        .ok_or_else(|| "admin stats has no put_bytes".to_string())
}

/// One `curl -T` PUT; returns curl's own transfer time in seconds (process start-up is
/// not counted, to be fair to curl).
fn curl_put(url: &str, file: &std::path::Path, content_type: &str) -> Result<f64, String> {
    let output = Command::new("curl")
        .args(["-sS", "--fail", "-o", "/dev/null", "-w", "%{time_total}"])
        .args(["-H", &format!("Content-Type: {content_type}")])
        .arg("-T")
        .arg(file)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "curl failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| "curl printed no time".to_string())
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
    let size = std::fs::metadata(&args.file)
        .map_err(|e| format!("{}: {e}", args.file.display()))?
        .len();
    let file_name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("reference.mp4")
        .to_owned();
    let config = ClientConfig::new(&args.base_url).map_err(|e| e.to_string())?;
    let origin = {
        let mut url = config.base_url.clone();
        url.set_path("");
        url.as_str().trim_end_matches('/').to_owned()
    };
    let client = ApiClient::new(config).map_err(|e| e.to_string())?;
    let key = ApiKey::new(BENCH_KEY).map_err(|e| e.to_string())?;
    let admin = reqwest::Client::new();
    let hwm_before = vm_hwm_kib();

    let mut core_secs = Vec::new();
    let mut curl_secs = Vec::new();
    for run in 0..args.runs {
        let core_leads = (run % 2 == 0) != args.curl_first;
        for core_first in [core_leads, !core_leads] {
            let target = client
                .request_upload(&key, &file_name)
                .await
                .map_err(|e| e.to_string())?;
            let content_type = target
                .content_type
                .clone()
                .unwrap_or_else(|| "video/mp4".to_owned());
            let before = put_bytes(&admin, &origin).await?;
            if core_first {
                let started = Instant::now();
                client
                    .put_file(&target, &args.file, &content_type, &|_, _| {})
                    .await
                    .map_err(|e| e.to_string())?;
                core_secs.push(started.elapsed().as_secs_f64());
            } else {
                let url = target.upload_url.clone();
                let file = args.file.clone();
                let secs =
                    tokio::task::spawn_blocking(move || curl_put(&url, &file, &content_type))
                        .await
                        .map_err(|e| e.to_string())??;
                curl_secs.push(secs);
            }
            let received = put_bytes(&admin, &origin).await? - before;
            if received != size {
                return Err(format!("the fake received {received} of {size} bytes"));
            }
        }
    }

    // Each run's two uploads are minutes-of-noise apart at most, so the median of the
    // per-run ratios is steadier than the ratio of the medians.
    let mut ratios: Vec<f64> = core_secs
        .iter()
        .zip(&curl_secs)
        .map(|(core, curl)| curl / core)
        .collect();
    let ratio = median(&mut ratios);
    let mb = size as f64 / 1e6;
    let core = mb / median(&mut core_secs);
    let curl = mb / median(&mut curl_secs);
    let hwm = vm_hwm_kib();
    println!(
        "upload-bench: {} ({mb:.0} MB), {} runs each, median rates",
        args.file.display(),
        args.runs
    );
    println!("  core put_file   {core:8.1} MB/s   runs (s, sorted): {core_secs:.3?}");
    println!("  curl -T         {curl:8.1} MB/s   runs (s, sorted): {curl_secs:.3?}");
    println!("  rate ratio core/curl, median of the runs' ratios: {ratio:.3}");
    println!("  VmHWM {hwm} KiB at the end (before any upload {hwm_before} KiB)");
    println!(
        "RESULT bytes={size} runs={} core_mbps={core:.1} curl_mbps={curl:.1} ratio={ratio:.3} vmhwm_kib={hwm} vmhwm_before_kib={hwm_before}",
        args.runs
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("upload-bench: {e}\nusage: upload-bench --base-url URL --file PATH [--runs N] [--curl-first]");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("upload-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
