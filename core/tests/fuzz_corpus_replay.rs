//! The quick version of the fuzzing (checklist 39): every committed corpus input and every
//! kept crash under `fuzz/` goes through the same target functions the fuzzers run, with
//! their invariants, in plain `cargo test`. The long version is
//! `bash scripts/reliability-long.sh` (millions of mutated executions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
}

/// Runs `target` on every file of `dirs`; collects failures instead of stopping at the
/// first, so one run names every broken input.
fn replay(name: &str, target: fn(&[u8]), dirs: &[PathBuf]) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut failures = Vec::new();
    for path in dirs.iter().flat_map(|d| inputs(d)) {
        let bytes = std::fs::read(&path).unwrap();
        count += 1;
        if let Err(panic) = std::panic::catch_unwind(|| target(&bytes)) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{name}: {}: {why}", path.display()));
        }
    }
    (count, failures)
}

#[test]
fn every_corpus_input_and_kept_crash_passes_its_target() {
    let root = fuzz_dir();
    let mut failures = Vec::new();
    for (name, target) in targets::TARGETS {
        let corpus = root.join("corpus").join(name);
        let (count, mut failed) = replay(
            name,
            *target,
            &[corpus.clone(), root.join("artifacts-kept").join(name)],
        );
        assert!(count > 0, "no corpus for {name} under {}", corpus.display());
        failures.append(&mut failed);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The corpus must cover what the brief names: every documented JSON body (69 in
/// service-api §13) for each JSON parser, and every media fixture for the prober.
#[test]
fn the_corpus_holds_every_fixture_body_and_media_file() {
    let root = fuzz_dir().join("corpus");
    for parser in [
        "parse_task_record",
        "parse_create_task",
        "parse_error_body",
        "parse_upload_target",
    ] {
        let fixtures = inputs(&root.join(parser))
            .iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("fixture-")
            })
            .count();
        assert!(fixtures >= 69, "{parser}: {fixtures} fixture bodies");
    }
    let media_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media");
    for media in inputs(&media_dir) {
        let name = media.file_name().unwrap();
        if name == "make.sh" {
            continue;
        }
        let seed = root.join("probe_reader").join(name);
        assert_eq!(
            std::fs::read(&seed).ok(),
            Some(std::fs::read(&media).unwrap()),
            "{} is not in the probe_reader corpus (or differs)",
            media.display()
        );
    }
}

/// The replay reports a panicking target with the input's path, so a kept crash that
/// still crashes fails CI rather than passing unseen.
#[test]
fn a_panicking_target_is_reported_with_its_input() {
    let corpus = fuzz_dir().join("corpus").join("parse_retry_after");
    let (count, failures) = replay("always_panics", |_| panic!("boom"), &[corpus]);
    assert!(count > 0);
    assert_eq!(failures.len(), count);
    assert!(failures[0].contains("parse_retry_after") && failures[0].ends_with("boom"));
}
