//! Promise 2 under SIGKILL: a real process writes through the ledger and is killed at
//! arbitrary moments; every step it reported as committed must survive, and the file
//! must always open cleanly. `LEDGER_CRASH_RUNS=200` for the long run (default 20).
//!
//! The writer is this test binary itself, run again with [`WRITER_DIR_ENV`] set: its
//! `ledger_writer_process` test then writes tasks in a loop and prints each step only after
//! the call returned (so it is durable), until it is killed. With [`WRITER_OPEN_ONLY_ENV`]
//! it opens the ledger once and exits (the second-process lock check).
#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState, TaskId, LEDGER_FILE};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Set (to the data folder) only in the writer process.
const WRITER_DIR_ENV: &str = "LEDGER_CRASH_WRITER_DIR";
/// Set in the writer process that only opens the ledger and exits.
const WRITER_OPEN_ONLY_ENV: &str = "LEDGER_CRASH_WRITER_OPEN_ONLY";

/// This binary, told to run only the writer. Its own test-runner lines on stdout are
/// skipped by [`parse`]; the writer's lines all start with `committed`.
fn writer(dir: &Path, open_only: bool) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["ledger_writer_process", "--exact", "--nocapture", "--quiet"])
        .args(["--test-threads", "1"])
        .env(WRITER_DIR_ENV, dir);
    if open_only {
        command.env(WRITER_OPEN_ONLY_ENV, "1");
    }
    command
}

/// The writer. Does nothing in an ordinary test run.
#[test]
fn ledger_writer_process() {
    let Some(dir) = std::env::var_os(WRITER_DIR_ENV) else {
        return;
    };
    let ledger = match Ledger::open(Path::new(&dir)) {
        Ok((ledger, _)) => ledger,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if std::env::var_os(WRITER_OPEN_ONLY_ENV).is_some() {
        std::process::exit(0);
    }
    let mut out = std::io::stdout().lock();
    let mut n: u64 = 0;
    loop {
        n += 1;
        let request =
            GenerationRequest::new(ModelId::Seedance2Fast, format!("crash loop task {n}"));
        let id = ledger
            .create(&request, Some(10.0), None, LocalState::Queued)
            .unwrap();
        writeln!(out, "committed create {id}").unwrap();
        ledger.mark_submitting(id).unwrap();
        writeln!(out, "committed submitting {id}").unwrap();
        let remote = format!("task_{id}");
        ledger.record_submitted(id, &remote, 1).unwrap();
        writeln!(out, "committed submitted {id}").unwrap();
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
        ledger.apply_remote(id, &record, 2).unwrap();
        writeln!(out, "committed success {id}").unwrap();
        out.flush().unwrap();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Create,
    Submitting,
    Submitted,
    Success,
}

/// A step the writer reported, or `None` for the test runner's own lines.
fn parse(line: &str) -> Option<(Step, TaskId)> {
    let mut parts = line.split_whitespace();
    if parts.next() != Some("committed") {
        return None;
    }
    let step = match parts.next().unwrap() {
        "create" => Step::Create,
        "submitting" => Step::Submitting,
        "submitted" => Step::Submitted,
        "success" => Step::Success,
        other => panic!("unknown step {other}"),
    };
    Some((step, parts.next().unwrap().parse().unwrap()))
}

/// Checklist 24 across processes. Kept in this binary, inside the one test, because a
/// process spawned while another test drops a ledger briefly inherits its lock (flock
/// follows the open file across fork until exec) and would make that test flaky.
fn a_second_process_is_refused(dir: &std::path::Path) {
    let (_held, _) = Ledger::open(dir).unwrap();
    let out = writer(dir, true).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another"), "{stderr}");
}

#[test]
fn killed_writer_never_loses_a_committed_step() {
    let runs: usize = std::env::var("LEDGER_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("LEDGER_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("ledger crash: {runs} runs, seed {seed} (LEDGER_CRASH_SEED to replay)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    a_second_process_is_refused(dir.path());
    // The furthest step each task was reported at, across all runs.
    let mut committed: BTreeMap<TaskId, Step> = BTreeMap::new();
    let started = Instant::now();
    let mut killed_mid_task = 0;

    for run in 0..runs {
        let mut child = writer(dir.path(), false)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill after a random amount of progress; the writer keeps running while we
        // read, so the instant of death falls anywhere inside a transaction or between.
        let kill_after = rng.gen_range(0..400);
        let mut seen = 0;
        while seen < kill_after {
            match lines.next() {
                Some(line) => {
                    if let Some((step, id)) = parse(&line.unwrap()) {
                        committed.insert(id, step);
                        seen += 1;
                    }
                }
                None => break,
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "run {run}: writer exited by itself: {status:?}"
        );
        // Lines printed before death were committed too.
        for line in lines {
            if let Some((step, id)) = parse(&line.unwrap()) {
                committed.insert(id, step);
            }
        }

        let (ledger, report) = Ledger::open(dir.path())
            .unwrap_or_else(|e| panic!("run {run}: ledger did not open: {e}"));
        assert_eq!(report.moved_aside, None, "run {run}: {:?}", report.messages);
        assert!(!report.read_only);
        assert!(run == 0 || !report.created, "run {run}: ledger recreated");
        let recovery = ledger.recover_after_restart(0).unwrap();
        for id in &recovery.submission_unknown {
            assert!(
                committed.get(id).is_none_or(|s| *s <= Step::Submitting),
                "run {run}: task {id} had its remote id recorded but came back unknown"
            );
        }
        killed_mid_task += recovery.submission_unknown.len();
        for (&id, &step) in &committed {
            let entry = ledger
                .get(id)
                .unwrap_or_else(|e| panic!("run {run}: committed task {id} lost: {e}"));
            let ok = match step {
                Step::Create => true,
                Step::Submitting => entry.state != LocalState::Queued,
                Step::Submitted => {
                    entry.remote_task_id.as_deref() == Some(format!("task_{id}").as_str())
                        && matches!(entry.state, LocalState::Waiting | LocalState::Succeeded)
                }
                Step::Success => entry.state == LocalState::Succeeded && entry.output.is_some(),
            };
            assert!(
                ok,
                "run {run}: task {id} reported {step:?} but is {entry:?}"
            );
        }
        drop(ledger);

        // Independent of our open path: SQLite itself finds the file intact.
        let conn = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "run {run}");
    }
    assert!(!committed.is_empty(), "the writer never committed anything");
    println!(
        "ledger crash: {runs} kills, {} tasks committed, {killed_mid_task} caught between \
         intent and task id, {:.1} s",
        committed.len(),
        started.elapsed().as_secs_f64()
    );
}
