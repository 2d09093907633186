//! `seedance seq …`, `generate --takes`, `star` and `reject` as a script would use them,
//! against the fake service over real HTTP; and sequences killed with SIGKILL in the
//! middle of `seq generate --wait`: after a restart every sequence is whole, its takes
//! are linked, and no request was sent twice.
//!
//! ffmpeg must be installed (a keyframe shot starts from the last frame of the take
//! before it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Env;
use rand::Rng;
use seedance_core::ledger::{Ledger, LocalState};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn env() -> Env {
    common::env(0.004)
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.seedance(Some("sk-sequence-test-key"), args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and expects exit 0; the JSON lines it printed.
    fn ok(&self, args: &[&str]) -> Vec<Value> {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "seedance {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        json_lines(&out)
    }
}

/// The lines of its output that are JSON (progress lines are not).
fn json_lines(output: &Output) -> Vec<Value> {
    let text = String::from_utf8_lossy(&output.stdout);
    let objects: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    common::json_lines(&objects.join("\n"))
}

/// The prompts of [`three_shots`], told apart by `tag` so that the service's count of
/// identical requests sees only real repeats.
fn prompts(tag: &str) -> [String; 3] {
    [
        format!("a lighthouse at dusk{tag}"),
        format!("the beam sweeps the sea{tag}"),
        format!("gulls over the rocks{tag}"),
    ]
}

/// A sequence of three 2.0 shots, the second starting from the first's last frame.
fn three_shots(env: &Env, name: &str, tag: &str) -> i64 {
    let id = env.ok(&["--json", "seq", "new", name])[0]["sequence"]
        .as_i64()
        .unwrap();
    let seq = id.to_string();
    for (prompt, link) in prompts(tag).iter().zip(["none", "keyframe", "none"]) {
        env.ok(&[
            "--json",
            "seq",
            "add-shot",
            &seq,
            "-p",
            prompt,
            "--link",
            link,
            "--resolution",
            "480p",
        ]);
    }
    id
}

#[test]
fn plan_generate_stitch_and_export_a_sequence_then_keep_a_take() {
    let env = env();
    let id = three_shots(&env, "Lighthouse", "");
    let seq = id.to_string();
    let list = env.ok(&["--json", "seq", "list"]);
    assert_eq!(list[0]["shots"], 3);
    // Reorder and back: shot ids stay, positions change.
    let show = env.ok(&["--json", "seq", "show", &seq]);
    let shots = show[0]["sequence"]["shots"].as_array().unwrap().clone();
    let third = shots[2]["id"].as_i64().unwrap().to_string();
    env.ok(&["seq", "move-shot", &third, "1"]);
    let moved = env.ok(&["--json", "seq", "show", &seq]);
    assert_eq!(moved[0]["sequence"]["shots"][0]["id"], shots[2]["id"]);
    env.ok(&["seq", "move-shot", &third, "3"]);
    env.ok(&[
        "seq",
        "edit-shot",
        &third,
        "-p",
        "gulls over the rocks, closer",
        "--resolution",
        "480p",
    ]);
    let edited = env.ok(&["--json", "seq", "show", &seq]);
    assert_eq!(
        edited[0]["sequence"]["shots"][2]["template"]["prompt"],
        "gulls over the rocks, closer"
    );
    let bad = env.run(&["seq", "add-shot", &seq, "-p", "x", "--model", "seedance-2"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--model seedance-2"));

    // Without --yes: the total, and nothing sent.
    let quote = env.ok(&["--json", "seq", "generate", &seq]);
    assert_eq!(quote[0]["quote"]["shots"].as_array().unwrap().len(), 3);
    assert!(quote[0]["quote"]["credits"].as_f64().unwrap() > 0.0);
    assert_eq!(env.fake.stats().create_task_calls, 0);

    let report = env.ok(&[
        "--json",
        "seq",
        "generate",
        &seq,
        "--yes",
        "--wait",
        "--poll-every",
        "0.1",
    ]);
    let outcomes: Vec<&str> = report
        .iter()
        .filter_map(|l| l["outcome"]["kind"].as_str())
        .collect();
    assert_eq!(outcomes, ["finished", "finished", "finished"], "{report:?}");
    assert_eq!(env.fake.stats().tasks_created, 3);
    // Generating again sends nothing: every shot has its take.
    env.ok(&[
        "--json",
        "seq",
        "generate",
        &seq,
        "--yes",
        "--poll-every",
        "0.1",
    ]);
    assert_eq!(env.fake.stats().create_task_calls, 3);

    let show = env.ok(&["--json", "seq", "show", &seq]);
    let takes: Vec<i64> = show[0]["sequence"]["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["takes"][0]["task"].as_i64().unwrap())
        .collect();
    let first_shot = show[0]["sequence"]["shots"][0]["id"].as_i64().unwrap();
    env.ok(&[
        "seq",
        "choose",
        &first_shot.to_string(),
        &takes[0].to_string(),
    ]);
    let refused = env.run(&[
        "seq",
        "choose",
        &first_shot.to_string(),
        &takes[1].to_string(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a take of shot"));

    let film = env.ok(&["--json", "seq", "stitch", &seq]);
    let path = film[0]["film"]["path"].as_str().unwrap();
    assert!(Path::new(path).starts_with(env.library.path().join("films")));
    assert!(std::fs::metadata(path).unwrap().len() > 1000);
    assert_eq!(
        film[0]["film"]["takes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap())
            .collect::<Vec<_>>(),
        takes
    );
    let written = env.ok(&["--json", "seq", "export", &seq]);
    let files: Vec<&str> = written
        .iter()
        .map(|w| w["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 3);
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains(&*env.library.path().to_string_lossy()),
            "{file} does not reference the library"
        );
    }

    // Takes: three of one request, one group; star one, list the starred.
    let made = env.ok(&[
        "--json",
        "generate",
        "-p",
        "waves on a pier",
        "--takes",
        "3",
        "--wait",
        "--poll-every",
        "0.1",
    ]);
    let ids: Vec<i64> = made.iter().filter_map(|l| l["id"].as_i64()).collect();
    assert_eq!(ids.len(), 3, "{made:?}");
    env.ok(&["star", &ids[1].to_string()]);
    env.ok(&["reject", &ids[2].to_string()]);
    let starred = env.ok(&["--json", "list", "--starred"]);
    assert_eq!(
        starred
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [ids[1]]
    );
    // The same takes asked for again moments later: refused, nothing sent, unless --again.
    let calls = env.fake.stats().create_task_calls;
    let twice = [
        "--json",
        "generate",
        "-p",
        "lights on a harbour",
        "--takes",
        "2",
    ];
    assert_eq!(
        env.ok(&twice).iter().filter(|l| l["id"].is_i64()).count(),
        2
    );
    let repeated = env.run(&twice);
    assert_eq!(repeated.status.code(), Some(2), "{repeated:?}");
    let refusal: Value = serde_json::from_slice(
        repeated
            .stdout
            .split(|b| *b == b'\n')
            .find(|l| !l.is_empty())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(refusal["refusal"]["kind"], "duplicate", "{refusal}");
    assert_eq!(env.fake.stats().create_task_calls, calls + 2);
    let mut again = twice.to_vec();
    again.push("--again");
    assert_eq!(
        env.ok(&again).iter().filter(|l| l["id"].is_i64()).count(),
        2
    );
    assert_eq!(env.fake.stats().create_task_calls, calls + 4);
    let bad = env.run(&["generate", "-p", "x", "--takes", "5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--takes 5"));
    let missing = env.run(&["star", "9999"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn sigkill_mid_generation_keeps_sequences_whole_and_sends_nothing_twice() {
    let runs: usize = std::env::var("SEEDANCE_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let env = env();
    let mut rng = rand::thread_rng();
    let mut sequences = Vec::new();
    let mut killed_while_running = 0;
    for run in 0..runs {
        let id = three_shots(&env, &format!("crash run {run}"), &format!(" (run {run})"));
        sequences.push(id);
        let seq = id.to_string();
        let mut child = env
            .command(&[
                "--json",
                "seq",
                "generate",
                &seq,
                "--yes",
                "--wait",
                "--poll-every",
                "0.1",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..2500)));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();
        // The restart finishes what can be finished and sends nothing already sent.
        let again = env.run(&[
            "--json",
            "seq",
            "generate",
            &seq,
            "--yes",
            "--wait",
            "--poll-every",
            "0.1",
        ]);
        assert!(
            matches!(again.status.code(), Some(0) | Some(1)),
            "restart of run {run} exited {:?}: {}",
            again.status.code(),
            String::from_utf8_lossy(&again.stderr)
        );
    }
    let stats = env.fake.stats();
    let duplicates: u64 = stats
        .create_task_by_fingerprint
        .values()
        .map(|n| n.saturating_sub(1))
        .sum();
    assert_eq!(duplicates, 0, "a request was sent twice");
    let (ledger, _) = Ledger::open(env.data.path()).unwrap();
    let mut known = HashSet::new();
    let mut flagged_unknown = 0;
    let mut takes_total: u64 = 0;
    for (run, id) in sequences.iter().enumerate() {
        let s = ledger.sequence(*id).unwrap();
        let shot_prompts: Vec<String> = s.shots.iter().map(|s| s.template.prompt.clone()).collect();
        assert_eq!(shot_prompts, prompts(&format!(" (run {run})")));
        for shot in &s.shots {
            // One take per shot: a rerun never made a second one.
            assert!(
                shot.takes.len() <= 1,
                "shot {} has {:?}",
                shot.id,
                shot.takes
            );
            for take in &shot.takes {
                takes_total += 1;
                let entry = ledger.get(take.task).unwrap();
                if let Some(remote) = entry.remote_task_id {
                    known.insert(remote);
                }
                match entry.state {
                    LocalState::Downloaded => {}
                    LocalState::SubmissionUnknown => flagged_unknown += 1,
                    other => panic!("take {} ended {other}", take.task),
                }
            }
            if shot.takes.is_empty() {
                // Only a shot following a take of unknown outcome is left without one.
                let before = &s.shots[shot.position as usize - 2];
                assert_eq!(
                    ledger.get(before.takes[0].task).unwrap().state,
                    LocalState::SubmissionUnknown
                );
            }
        }
    }
    let orphans = stats
        .tasks
        .iter()
        .filter(|t| !known.contains(&t.task_id))
        .count();
    assert!(
        orphans <= flagged_unknown,
        "{orphans} service tasks unknown to the ledger, {flagged_unknown} flagged"
    );
    assert_eq!(
        ledger.count(&Default::default()).unwrap(),
        takes_total,
        "every task is a take of its shot"
    );
    println!(
        "sequence crash runs: {runs} (killed mid-run: {killed_while_running}), takes: {takes_total}, \
         service tasks: {}, flagged unknown: {flagged_unknown}, duplicates: {duplicates}",
        stats.tasks.len()
    );
}
