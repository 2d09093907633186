//! The `seedance` binary as a script would use it, against the fake service over real
//! HTTP: exit codes, `--json` results with the guidance category, input refused before
//! anything is sent, the three answers of `key test`, and the key stored by one process
//! and read by another through the real OS keychain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Env;
use seedance_fake::{FakeConfig, FakeService};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn env() -> Env {
    common::env(0.002)
}

impl Env {
    fn run(&self, key: Option<&str>, args: &[&str]) -> Output {
        self.seedance(key, args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn json_lines(output: &Output) -> Vec<Value> {
    common::json_lines(&String::from_utf8_lossy(&output.stdout))
}

#[test]
fn generate_waits_for_the_video_and_reports_it_as_json() {
    let env = env();
    let out = env.run(
        Some("sk-cli-test"),
        &[
            "generate",
            "-p",
            "a paper boat on a river",
            "--wait",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = &json_lines(&out)[0];
    assert_eq!(result["state"], "downloaded");
    assert_eq!(result["estimate_credits"], 200.0);
    let video = result["video_path"].as_str().unwrap();
    assert!(Path::new(video).starts_with(env.library.path()));
    assert!(std::fs::metadata(video).unwrap().len() > 1000);
    assert_eq!(env.fake.stats().create_task_calls, 1);
}

#[test]
fn a_failed_generation_exits_1_with_its_guidance_category() {
    let env = env();
    let out = env.run(
        Some("sk-cli-test"),
        &[
            "generate",
            "-p",
            "a storm [fake:fail=moderation]",
            "--wait",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let result = &json_lines(&out)[0];
    assert_eq!(result["state"], "failed");
    assert_eq!(result["category"], "input_rejected");
    assert_eq!(result["guidance"]["refunded"], "refunded");
}

#[test]
fn input_the_service_would_reject_is_refused_before_anything_is_sent() {
    let env = env();
    let long_prompt = "x".repeat(11_000);
    let text_as_png = env.data.path().join("notes.png");
    std::fs::write(&text_as_png, "these are my notes, not a picture\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["generate", "--json", "-p", &long_prompt], "10,000"),
        (
            vec![
                "generate",
                "--json",
                "-p",
                "p",
                "--image",
                text_as_png.to_str().unwrap(),
            ],
            "plain text",
        ),
        (
            vec![
                "generate",
                "--json",
                "-p",
                "p",
                "--model",
                "seedance2-fast",
                "--resolution",
                "1080p",
            ],
            "1080p",
        ),
        (
            vec!["generate", "--json", "-p", "p", "--duration", "16"],
            "15",
        ),
        (
            vec![
                "generate",
                "--json",
                "-p",
                "p",
                "--video",
                "https://a.example/1.mp4",
                "--video",
                "https://a.example/2.mp4",
                "--video",
                "https://a.example/3.mp4",
                "--video",
                "https://a.example/4.mp4",
            ],
            "3",
        ),
    ];
    for (args, limit) in cases {
        let out = env.run(Some("sk-cli-test"), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(limit),
            "{args:?}: the message should name the limit {limit}: {text}"
        );
    }
    assert_eq!(
        env.fake.stats().create_task_calls,
        0,
        "nothing may reach the service"
    );
}

#[test]
fn key_test_tells_invalid_no_access_and_valid_apart() {
    let env = env();
    for (key, exit, result) in [
        ("invalid-key-1", 5, "invalid"),
        ("noaccess-key-1", 5, "no_api_access"),
        ("sk-good-key", 0, "valid"),
    ] {
        let out = env.run(Some(key), &["key", "test", "--json"]);
        assert_eq!(out.status.code(), Some(exit), "{key}");
        let line = &json_lines(&out)[0];
        assert_eq!(line["check"]["result"], result, "{key}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(key));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(key));
    }
}

#[test]
fn without_a_key_nothing_is_sent_and_the_exit_code_says_key() {
    let env = env();
    // A blank SEEDANCE_API_KEY counts as unset; the keychain then has no key (or, with no
    // keychain service at all, says so): either way exit 5 and no request.
    let out = env.run(Some("  "), &["generate", "-p", "p", "--json"]);
    assert!(
        matches!(out.status.code(), Some(5)),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(env.fake.stats().create_task_calls, 0);
}

/// Checklist 28: set in process A, read in process B. Fails if keyring fell back to an
/// in-memory store. Runs only where a keychain is provided (scripts/with-keychain.sh).
#[test]
fn a_key_set_by_one_process_is_read_by_another_through_the_os_keychain() {
    if std::env::var("SEEDANCE_KEYCHAIN_TEST").is_err() {
        eprintln!(
            "skipped: set SEEDANCE_KEYCHAIN_TEST (scripts/with-keychain.sh provides a keychain)"
        );
        return;
    }
    let env = env();
    let mut set = Command::new(env!("CARGO_BIN_EXE_seedance"))
        .args(["key", "set", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    set.stdin
        .take()
        .unwrap()
        .write_all(b"sk-CANARY-two-processes-4242\n")
        .unwrap();
    let set = set.wait_with_output().unwrap();
    assert_eq!(
        set.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&set.stdout)
    );

    let status = env.run(None, &["key", "status", "--json"]);
    let line = &json_lines(&status)[0];
    assert_eq!(line["present"], true);
    assert_eq!(line["last_four"], "4242");
    assert_eq!(line["source"], "system keychain");
    assert!(!String::from_utf8_lossy(&status.stdout).contains("CANARY"));

    let clear = env.run(None, &["key", "clear", "--json"]);
    assert_eq!(clear.status.code(), Some(0));
    let status = env.run(None, &["key", "status", "--json"]);
    assert_eq!(json_lines(&status)[0]["present"], false);
}

/// The CLI's view of an unwritable library: `generate --wait` must end (not wait forever
/// for a download that will never happen) and say what is wrong with the folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_ends_with_a_disk_message_when_the_library_cannot_be_written() {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.003,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_seedance"))
        .env("SEEDANCE_API_BASE", fake.base_url())
        .env("SEEDANCE_DATA_DIR", dir.path().join("data"))
        .env("SEEDANCE_LIBRARY_DIR", blocker.join("library"))
        .env("SEEDANCE_API_KEY", "sk-cli-disk-test")
        .args([
            "generate",
            "--wait",
            "--poll-every",
            "0.05",
            "-p",
            "unwritable library",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Output is read while waiting, so a full pipe cannot pass for a hang; dropping the
    // child on timeout kills it.
    let Ok(output) = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await
    else {
        panic!("`seedance generate --wait` still running 30 s after the task succeeded");
    };
    let output = output.unwrap();
    // 6: finished and paid for, but the library folder cannot be written.
    assert_eq!(output.status.code(), Some(6), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("library folder"), "{stderr}");
    assert!(stderr.contains("seedance resume --wait"), "{stderr}");
}
