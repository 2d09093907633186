//! `idle-bench`: what the core engine costs while tasks are in flight on the fake
//! service: CPU while nothing happens but polls (promise 5: "no idle CPU"), and, with
//! `--until-done`, status requests per finished task and how late each end is noticed.
//!
//! `idle-bench --base-url URL --tasks N [--seconds S] [--poll-every SECS] [--until-done]
//! [--mix] [--key K]` submits N text-to-video tasks through the real engine (ledger in a
//! temp dir, real HTTP), waits until every one has a remote id, then measures over S
//! seconds (default 60): this process's CPU seconds (`utime + stime` from
//! `/proc/self/stat`), the recordInfo requests the fake received for these tasks (admin
//! stats) and wake-ups (context switches). `--until-done` then keeps running until every
//! task has ended and reports recordInfo requests per finished task and the delay from
//! the fake's `complete_time` to the engine's event (p50/p95/max). `--mix` spreads the
//! tasks over the models and resolutions whose documented time is 2–4 minutes.
//! `--poll-every` replaces the adaptive schedule with fixed polling (the baseline:
//! scripts poll every 2 s) and lifts the engine's request budget so the interval is
//! really kept. `--tasks 0` measures the floor: an engine with nothing to do.
//!
//! The fake must run at `--time-scale 1` (the engine plans its polls on the documented
//! durations, so a scaled fake would not measure the schedule) with a concurrency limit
//! above N. Run variants as separate processes with separate keys (the fake keeps one
//! account per key). Prints a summary and one `RESULT key=value …` line for
//! `bench/bench.sh`.
//!
//! Owns only this measurement; it never talks to anything but the given base URL.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::{Clock, SystemClock};
use seedance_core::engine::{Engine, EngineDeps, EngineEvent, EngineSettings, EventSink};
use seedance_core::keychain::{KeyStore, SessionKeyStore};
use seedance_core::ledger::{Ledger, LocalState, TaskId};
use seedance_core::library::Library;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::request::GenerationRequest;
use seedance_core::secret::ApiKey;
use tokio::sync::Notify;

/// How long the tasks may take to be accepted before the bench gives up.
const SETUP_DEADLINE: Duration = Duration::from_secs(120);
/// `--until-done` gives up after this long: the slowest class of `--mix` takes 250 s on
/// the fake, and a task the engine never sees end is exactly what the bench is for.
const DONE_DEADLINE: Duration = Duration::from_secs(420);

/// The classes of service-api §4.5 documented at 2–4 minutes (the fake draws within them).
const MIX: [(ModelId, Resolution); 6] = [
    (ModelId::Seedance20, Resolution::P480),
    (ModelId::Seedance20, Resolution::P720),
    (ModelId::Seedance20, Resolution::P1080),
    (ModelId::Seedance2Fast, Resolution::P480),
    (ModelId::Seedance2Fast, Resolution::P720),
    (ModelId::Seedance20Mini, Resolution::P480),
];

struct Args {
    base_url: String,
    tasks: usize,
    seconds: u64,
    poll_every: Option<Duration>,
    until_done: bool,
    mix: bool,
    key: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        base_url: String::new(),
        tasks: 50,
        seconds: 60,
        poll_every: None,
        until_done: false,
        mix: false,
        key: format!("sk-bench-idle-{}", std::process::id()),
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        let mut value = || raw.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--base-url" => args.base_url = value()?,
            "--tasks" => args.tasks = value()?.parse().map_err(|_| "--tasks takes a number")?,
            "--seconds" => {
                args.seconds = value()?.parse().map_err(|_| "--seconds takes a number")?
            }
            "--poll-every" => {
                let secs: f64 = value()?.parse().map_err(|_| "--poll-every takes seconds")?;
                args.poll_every = Some(Duration::from_secs_f64(secs));
            }
            "--until-done" => args.until_done = true,
            "--mix" => args.mix = true,
            "--key" => args.key = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.base_url.is_empty() {
        return Err("--base-url is required".into());
    }
    Ok(args)
}

/// Wakes the bench on every engine event and notes when each task was first seen ended
/// (Unix ms), which is the moment the app would show it.
struct Observer {
    wake: Notify,
    ended_at_ms: Mutex<HashMap<TaskId, i64>>,
}

impl EventSink for Observer {
    fn emit(&self, event: EngineEvent) {
        if let EngineEvent::TaskChanged { task } = &event {
            if matches!(
                task.state,
                LocalState::Succeeded | LocalState::Downloaded | LocalState::Failed
            ) {
                let now = SystemClock.now_ms();
                if let Ok(mut ended) = self.ended_at_ms.lock() {
                    ended.entry(task.id).or_insert(now);
                }
            }
        }
        self.wake.notify_one();
    }
}

/// CPU time of the whole process (all threads, dead ones included), in seconds.
fn cpu_secs(ticks_per_sec: f64) -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc: {e}"))?;
    // After the parenthesised command name the fields start at field 3 (state); utime
    // and stime are fields 14 and 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("unreadable /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |field: usize| -> Result<f64, String> {
        fields
            .get(field - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| "unreadable /proc/self/stat".to_string())
    };
    Ok((ticks(14)? + ticks(15)?) / ticks_per_sec)
}

fn clock_ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Context switches so far of each thread alive now, by thread id: each is a wake-up or
/// a preemption.
fn context_switches() -> HashMap<String, u64> {
    let Ok(threads) = std::fs::read_dir("/proc/self/task") else {
        return HashMap::new();
    };
    threads
        .flatten()
        .filter_map(|t| {
            let status = std::fs::read_to_string(t.path().join("status")).ok()?;
            let switches = status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split(':').nth(1)?.trim().parse::<u64>().ok())
                .sum::<u64>();
            Some((t.file_name().to_string_lossy().into_owned(), switches))
        })
        .collect()
}

/// Switches between two samples. A thread that exited in between (tokio retires idle
/// blocking threads) takes its count with it, so this is a lower bound.
fn switches_between(before: &HashMap<String, u64>, after: &HashMap<String, u64>) -> u64 {
    after
        .iter()
        .map(|(tid, n)| n.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum()
}

async fn admin_stats(admin: &reqwest::Client, origin: &str) -> Result<serde_json::Value, String> {
    admin
        .get(format!("{origin}/__admin/stats"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("admin stats: {e}"))?
        .json()
        .await
        .map_err(|e| format!("admin stats: {e}"))
}

/// recordInfo requests the fake has answered for the remote ids `ids`.
fn polls_of(stats: &serde_json::Value, ids: &HashSet<String>) -> Result<u64, String> {
    let by_task = stats["record_info_by_task"]
        .as_object()
        .ok_or("admin stats has no record_info_by_task")?;
    Ok(by_task
        .iter()
        .filter(|(id, _)| ids.contains(*id))
        .filter_map(|(_, n)| n.as_u64())
        .sum())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, String> {
    let dir = std::env::temp_dir().join(format!("seedance-idle-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(TempDir(dir))
}

/// Local id → remote id of the tasks now waiting or generating on the service.
async fn in_flight(ledger: &Arc<Ledger>) -> Result<HashMap<TaskId, String>, String> {
    let ledger = ledger.clone();
    let entries = tokio::task::spawn_blocking(move || ledger.in_flight())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(entries
        .into_iter()
        .filter_map(|e| Some((e.id, e.remote_task_id?)))
        .collect())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn run(args: Args) -> Result<(), String> {
    let dir = temp_dir()?;
    let config = ClientConfig::new(&args.base_url).map_err(|e| e.to_string())?;
    let origin = {
        let mut url = config.base_url.clone();
        url.set_path("");
        url.as_str().trim_end_matches('/').to_owned()
    };
    let client = ApiClient::new(config).map_err(|e| e.to_string())?;
    let (ledger, _) = Ledger::open(&dir.0.join("data")).map_err(|e| e.to_string())?;
    let ledger = Arc::new(ledger);
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(&args.key).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let observer = Arc::new(Observer {
        wake: Notify::new(),
        ended_at_ms: Mutex::new(HashMap::new()),
    });
    let mut settings = EngineSettings {
        concurrency_limit_hint: Some(u32::try_from(args.tasks.max(1)).unwrap_or(u32::MAX)),
        auto_download: false,
        ..EngineSettings::default()
    };
    if let Some(every) = args.poll_every {
        settings.poll_every = Some(every);
        settings.max_polls_per_second = 1_000.0;
    }
    let engine = Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client,
        keys,
        events: observer.clone(),
        clock: Arc::new(SystemClock),
        library: Library::new(dir.0.join("library")),
        settings,
    });

    for i in 0..args.tasks {
        let (model, resolution) = if args.mix {
            MIX[i % MIX.len()]
        } else {
            (ModelId::Seedance20, Resolution::P720)
        };
        let mut request = GenerationRequest::new(model, format!("idle bench task {i}"));
        request.resolution = resolution;
        engine
            .submit(request)
            .await
            .map_err(|e| format!("submit: {e}"))?;
    }
    let setup_started = Instant::now();
    let tasks = loop {
        let tasks = in_flight(&ledger).await?;
        if tasks.len() >= args.tasks {
            break tasks;
        }
        if setup_started.elapsed() > SETUP_DEADLINE {
            return Err(format!(
                "only {} of {} tasks reached the service in {SETUP_DEADLINE:?}",
                tasks.len(),
                args.tasks
            ));
        }
        // Woken by the next engine event, or re-checked after a second at worst.
        let _ = tokio::time::timeout(Duration::from_secs(1), observer.wake.notified()).await;
    };
    let remote_ids: HashSet<String> = tasks.values().cloned().collect();

    let admin = reqwest::Client::new();
    let ticks = clock_ticks_per_sec();
    let polls_before = polls_of(&admin_stats(&admin, &origin).await?, &remote_ids)?;
    let switches_before = context_switches();
    let cpu_before = cpu_secs(ticks)?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let cpu = cpu_secs(ticks)? - cpu_before;
    let wall = started.elapsed().as_secs_f64();
    let switches = switches_between(&switches_before, &context_switches());
    let polls = polls_of(&admin_stats(&admin, &origin).await?, &remote_ids)? - polls_before;
    let ended_in_window = tasks.len() - in_flight(&ledger).await?.len();

    let mode = match args.poll_every {
        Some(every) => format!("fixed-{}s", every.as_secs_f64()),
        None => "adaptive".to_string(),
    };
    let mut result = format!(
        "RESULT mode={mode} tasks={} seconds={wall:.1} cpu_s={cpu:.3} polls={polls} ctx_switches={switches} ended_in_window={ended_in_window}",
        args.tasks
    );
    println!(
        "idle-bench: {} tasks in flight ({mode}), {wall:.1} s window",
        args.tasks
    );
    println!(
        "  CPU {cpu:.3} s ({:.3}% of one core), {polls} recordInfo requests, {switches} context switches ({:.1}/s), {ended_in_window} tasks ended in the window",
        cpu * 100.0 / wall,
        switches as f64 / wall
    );

    if args.until_done {
        let done_started = Instant::now();
        loop {
            let ended = observer.ended_at_ms.lock().map(|e| e.len()).unwrap_or(0);
            if ended >= tasks.len() {
                break;
            }
            if done_started.elapsed() > DONE_DEADLINE {
                println!(
                    "  gave up after {DONE_DEADLINE:?}: {ended} of {} tasks seen ended",
                    tasks.len()
                );
                break;
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), observer.wake.notified()).await;
        }
        let stats = admin_stats(&admin, &origin).await?;
        let total_polls = polls_of(&stats, &remote_ids)?;
        let complete_ms: HashMap<&str, i64> = stats["tasks"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|t| Some((t["task_id"].as_str()?, t["complete_time"].as_i64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let ended = observer
            .ended_at_ms
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default();
        let mut delays: Vec<f64> = ended
            .iter()
            .filter_map(|(id, seen)| {
                let done = complete_ms.get(tasks.get(id)?.as_str())?;
                Some((seen - done) as f64 / 1e3)
            })
            .collect();
        delays.sort_by(f64::total_cmp);
        let finished = delays.len();
        let per_task = total_polls as f64 / finished.max(1) as f64;
        // Paired baseline: what polling every 2 s from creation would have sent for these
        // same tasks (the k-th poll at 2k s; the one at or after completion sees it). The
        // fixed-2 s engine beside this one draws other durations, so its count is noisier.
        let paired_fixed: u64 = stats["tasks"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|t| {
                        t["task_id"]
                            .as_str()
                            .is_some_and(|r| tasks.values().any(|mine| mine == r))
                    })
                    .filter_map(|t| {
                        let ms = t["complete_time"].as_i64()? - t["create_time"].as_i64()?;
                        Some(((ms.max(1) as f64) / 2_000.0).ceil() as u64)
                    })
                    .sum()
            })
            .unwrap_or(0);
        let paired_ratio = total_polls as f64 / paired_fixed.max(1) as f64;
        let (p50, p95, max) = (
            percentile(&delays, 0.5),
            percentile(&delays, 0.95),
            delays.last().copied().unwrap_or(f64::NAN),
        );
        println!(
            "  until done: {finished} of {} tasks finished and seen, {total_polls} recordInfo requests ({per_task:.1} per finished task), completion→seen p50 {p50:.2} s, p95 {p95:.2} s, max {max:.2} s; fixed 2 s polling of the same tasks: {paired_fixed} ({paired_ratio:.3}×)",
            tasks.len()
        );
        result.push_str(&format!(
            " finished={finished} total_polls={total_polls} polls_per_task={per_task:.2} delay_p50={p50:.2} delay_p95={p95:.2} delay_max={max:.2} paired_fixed2s={paired_fixed} paired_ratio={paired_ratio:.3}"
        ));
    }
    engine.shutdown().await;
    println!("{result}");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "idle-bench: {e}\nusage: idle-bench --base-url URL --tasks N [--seconds S] [--poll-every SECS] [--until-done] [--mix] [--key K]"
            );
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idle-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
