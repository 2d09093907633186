//! Promise 2 with a real process: `seedance generate --wait` is killed with SIGKILL at a
//! random moment (before, during or after the createTask request, while polling, while
//! downloading), then `seedance resume --wait` runs. Across all runs: no task the service
//! created is unknown to the ledger (tasks lost = 0), no request was sent twice
//! (duplicate submissions = 0), every task ends finished, flagged for the creator, or
//! (killed before anything was sent) still queued and unsent, since `resume` sends no
//! createTask; and every finished video is complete on disk.
//!
//! `SEEDANCE_CRASH_RUNS` sets the number of runs (default 12 for CI; the benchmark in
//! docs/reliability.md uses 120).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::Rng;
use seedance_core::ledger::{Ledger, ListQuery, LocalState};
use seedance_fake::{FakeConfig, FakeService};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn seedance(fake: &FakeService, data: &Path, library: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seedance"));
    command
        .env("SEEDANCE_API_BASE", fake.base_url())
        .env("SEEDANCE_DATA_DIR", data)
        .env("SEEDANCE_LIBRARY_DIR", library)
        .env("SEEDANCE_API_KEY", "sk-crash-test-key")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_pays_nothing_twice() {
    let runs: usize = std::env::var("SEEDANCE_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    // The fake runs on its own runtime: this test blocks its thread waiting for processes.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // 0.004 turns the documented 2–4 minutes into about 0.5–1 s.
    let fake = runtime
        .block_on(FakeService::start(FakeConfig {
            time_scale: 0.004,
            ..FakeConfig::default()
        }))
        .expect("fake service");
    let data = tempfile::tempdir().unwrap();
    let library = tempfile::tempdir().unwrap();
    let mut rng = rand::thread_rng();
    let started = Instant::now();
    let mut killed_while_running = 0;

    for run in 0..runs {
        let mut child = seedance(&fake, data.path(), library.path())
            .args(["generate", "--wait", "--json", "--poll-every", "0.1", "-p"])
            .arg(format!("crash run {run}: a lighthouse in a storm"))
            .spawn()
            .expect("spawn seedance");
        // Anywhere from before the ledger write to after the download.
        let kill_after = Duration::from_millis(rng.gen_range(0..1500));
        std::thread::sleep(kill_after);
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();

        let resumed = seedance(&fake, data.path(), library.path())
            .args(["resume", "--wait", "--json", "--poll-every", "0.1"])
            .output()
            .expect("resume");
        assert!(
            matches!(resumed.status.code(), Some(0) | Some(4)),
            "resume after run {run} exited {:?}: {}",
            resumed.status.code(),
            String::from_utf8_lossy(&resumed.stderr)
        );
    }

    let stats = fake.stats();
    let (ledger, _) = Ledger::open(data.path()).expect("ledger opens after every crash");
    let entries: Vec<_> = ledger
        .list(&ListQuery::default())
        .unwrap()
        .iter()
        .map(|summary| ledger.get(summary.id).unwrap())
        .collect();

    let duplicates: u64 = stats
        .create_task_by_fingerprint
        .values()
        .map(|n| n.saturating_sub(1))
        .sum();
    let known: HashSet<&str> = entries
        .iter()
        .filter_map(|e| e.remote_task_id.as_deref())
        .collect();
    let orphans = stats
        .tasks
        .iter()
        .filter(|t| !known.contains(t.task_id.as_str()))
        .count();
    let flagged_unknown = entries
        .iter()
        .filter(|e| e.state == LocalState::SubmissionUnknown)
        .count();
    let downloaded = entries
        .iter()
        .filter(|e| e.state == LocalState::Downloaded)
        .count();
    let never_sent = entries
        .iter()
        .filter(|e| e.state == LocalState::Queued)
        .count();

    println!(
        "crash runs: {runs} (killed mid-run: {killed_while_running}), ledger records: {}, \
         service tasks: {}, downloaded: {downloaded}, flagged unknown: {flagged_unknown}, \
         orphans: {orphans}, duplicate submissions: {duplicates}, never sent (still queued): \
         {never_sent}, took {:.1} s",
        entries.len(),
        stats.tasks.len(),
        started.elapsed().as_secs_f64()
    );

    assert_eq!(
        duplicates, 0,
        "a request was sent twice: {:?}",
        stats.create_task_by_fingerprint
    );
    // A task the service created but whose id we never recorded is not lost only if the
    // creator was told: its intent record says "outcome unknown".
    assert!(
        orphans <= flagged_unknown,
        "{orphans} service tasks are unknown to the ledger but only {flagged_unknown} records are flagged"
    );
    for entry in &entries {
        assert!(
            matches!(
                entry.state,
                LocalState::Downloaded | LocalState::SubmissionUnknown | LocalState::Queued
            ),
            "task {} ended {} after resume",
            entry.id,
            entry.state
        );
        // Killed before its intent was recorded: nothing was sent, and `resume` (which
        // sends no new paid request) left it in the queue.
        if entry.state == LocalState::Queued {
            assert!(entry.remote_task_id.is_none(), "{entry:?}");
        }
        if entry.state == LocalState::Downloaded {
            let video = entry.video_path.as_ref().expect("downloaded has a path");
            let size = std::fs::metadata(video).expect("video on disk").len();
            assert!(size > 1000, "{} is only {size} bytes", video.display());
        }
    }
    let partials: Vec<_> = std::fs::read_dir(library.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(
        partials.is_empty(),
        "partial downloads left behind: {partials:?}"
    );
}
