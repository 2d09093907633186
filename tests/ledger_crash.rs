//! Promise 2 under SIGKILL: a real process writes through the ledger and is killed at
//! arbitrary moments; every step it reported as committed must survive, and the file
//! must always open cleanly. `LEDGER_CRASH_RUNS=200` for the long run (default 20).
#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use seedance_core::ledger::{Ledger, LocalState, TaskId, LEDGER_FILE};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Create,
    Submitting,
    Submitted,
    Success,
}

fn parse(line: &str) -> (Step, TaskId) {
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("committed"), "unexpected line {line:?}");
    let step = match parts.next().unwrap() {
        "create" => Step::Create,
        "submitting" => Step::Submitting,
        "submitted" => Step::Submitted,
        "success" => Step::Success,
        other => panic!("unknown step {other}"),
    };
    (step, parts.next().unwrap().parse().unwrap())
}

/// Checklist 24 across processes. Kept in this binary, inside the one test, because a
/// process spawned while another test drops a ledger briefly inherits its lock (flock
/// follows the open file across fork until exec) and would make that test flaky.
fn a_second_process_is_refused(dir: &std::path::Path) {
    let (_held, _) = Ledger::open(dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ledger-crash-harness"))
        .arg(dir)
        .arg("--open-only")
        .output()
        .unwrap();
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_ledger-crash-harness"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill after a random amount of progress; the writer keeps running while we
        // read, so the instant of death falls anywhere inside a transaction or between.
        let kill_after = rng.gen_range(0..400);
        for _ in 0..kill_after {
            match lines.next() {
                Some(line) => {
                    let (step, id) = parse(&line.unwrap());
                    committed.insert(id, step);
                }
                None => break,
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "run {run}: harness exited by itself: {status:?}"
        );
        // Lines printed before death were committed too.
        for line in lines {
            let (step, id) = parse(&line.unwrap());
            committed.insert(id, step);
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
    assert!(
        !committed.is_empty(),
        "the harness never committed anything"
    );
    println!(
        "ledger crash: {runs} kills, {} tasks committed, {killed_mid_task} caught between \
         intent and task id, {:.1} s",
        committed.len(),
        started.elapsed().as_secs_f64()
    );
}
