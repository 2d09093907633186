//! Checklist 21: the order of the syscalls that make a finished video durable, watched
//! with strace on a real `seedance generate --wait` against the fake service. The
//! `.partial` file must be fsynced before it is renamed to its final name, and the
//! library folder fsynced after the rename (else a power cut can leave a final name
//! over missing data, or lose the rename).
//!
//! Linux only; needs `strace` (installed by scripts/setup.sh). Set
//! `SEEDANCE_STRACE_TEST=required` to make a missing or forbidden strace a failure.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seedance_fake::{FakeConfig, FakeService};
use std::path::Path;
use std::time::Duration;

fn required() -> bool {
    std::env::var("SEEDANCE_STRACE_TEST").as_deref() == Ok("required")
}

/// One traced call: its name and the raw line (strace `-y` prints each fd's path).
struct Call {
    name: String,
    line: String,
}

fn parse(trace: &str) -> Vec<Call> {
    trace
        .lines()
        .filter_map(|line| {
            // With `-f -o FILE` every line starts with the thread id:
            // `9130  fsync(15</dir/x.mp4.partial>) = 0`.
            let body = line
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            let name = body.split_once('(')?.0;
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
                return None;
            }
            // Only calls that succeeded count.
            if !body.trim_end().ends_with("= 0") {
                return None;
            }
            Some(Call {
                name: name.to_owned(),
                line: body.to_owned(),
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_video_is_fsynced_before_its_rename_and_the_folder_after() {
    let strace_works = std::process::Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !strace_works {
        assert!(!required(), "strace is missing or not permitted here");
        eprintln!("strace is missing or not permitted; skipping");
        return;
    }
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.003,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library");
    let trace_file = dir.path().join("trace.txt");
    let child = tokio::process::Command::new("strace")
        .args(["-f", "-y", "-qq", "-e"])
        .arg("trace=fsync,fdatasync,rename,renameat,renameat2")
        .arg("-o")
        .arg(&trace_file)
        .arg(env!("CARGO_BIN_EXE_seedance"))
        .args([
            "generate",
            "--wait",
            "--poll-every",
            "0.05",
            "-p",
            "fsync order",
        ])
        .env("SEEDANCE_API_BASE", fake.base_url())
        .env("SEEDANCE_DATA_DIR", dir.path().join("data"))
        .env("SEEDANCE_LIBRARY_DIR", &library)
        .env("SEEDANCE_API_KEY", "sk-fsync-order-0001")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the traced generate did not finish in 60 s")
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    let video = std::fs::read_dir(&library)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "mp4"))
        .expect("a video in the library");
    let trace = std::fs::read_to_string(&trace_file).unwrap();
    let calls = parse(&trace);
    let video_name = video.file_name().unwrap().to_string_lossy().into_owned();
    let partial_name = format!("{video_name}.partial");

    let is_sync = |c: &Call| c.name == "fsync" || c.name == "fdatasync";
    let rename_at = calls
        .iter()
        .position(|c| {
            c.name.starts_with("rename")
                && c.line.contains(&partial_name)
                && c.line.contains(&format!("{video_name}\""))
        })
        .unwrap_or_else(|| panic!("no rename of {partial_name} to {video_name} in:\n{trace}"));
    let partial_synced = calls[..rename_at]
        .iter()
        .any(|c| is_sync(c) && c.line.contains(&format!("{partial_name}>")));
    assert!(
        partial_synced,
        "{partial_name} was not fsynced before its rename:\n{trace}"
    );
    let folder = format!("{}>", path_text(&library));
    let folder_synced = calls[rename_at + 1..]
        .iter()
        .any(|c| is_sync(c) && c.line.contains(&folder));
    assert!(
        folder_synced,
        "the library folder was not fsynced after the rename:\n{trace}"
    );
}

fn path_text(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
