//! The `seedance` binary with the Seedance 2.5 family against the fake service over real
//! HTTP: models named from the catalogue, the reservation and the settled charge in
//! `status` and `list`, the support packet, and Extend and Edit of a finished task (with
//! the joined clip measured by ffprobe).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seedance_fake::{FakeConfig, FakeService};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

const KEY: &str = "sk-cli-family";

struct Env {
    _runtime: tokio::runtime::Runtime,
    fake: FakeService,
    data: tempfile::TempDir,
    library: tempfile::TempDir,
}

fn env_with(config: FakeConfig) -> Env {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime
        .block_on(FakeService::start(FakeConfig {
            time_scale: 0.002,
            ..config
        }))
        .unwrap();
    Env {
        _runtime: runtime,
        fake,
        data: tempfile::tempdir().unwrap(),
        library: tempfile::tempdir().unwrap(),
    }
}

fn env() -> Env {
    env_with(FakeConfig::default())
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_seedance"))
            .args(args)
            .env("SEEDANCE_API_BASE", self.fake.base_url())
            .env("SEEDANCE_DATA_DIR", self.data.path())
            .env("SEEDANCE_LIBRARY_DIR", self.library.path())
            .env("SEEDANCE_API_KEY", KEY)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs and expects exit code `code`, showing stderr otherwise.
    fn run_ok(&self, code: i32, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

#[test]
fn status_and_list_show_the_reservation_and_the_settled_charge() {
    let env = env();
    // 2.5 with a 10 s reference video at 720p: reserves 5 × 35 = 175, settles at
    // (10 + 5) × 35 = 525 after success (service-api §12.3.3).
    let out = env.run_ok(
        0,
        &[
            "generate",
            "--model",
            "seedance2-5",
            "-p",
            "the same dog, now running",
            "--video",
            "https://cdn.example/dog.mp4?duration=10",
            "--wait",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    let result = &json_lines(&out)[0];
    assert_eq!(result["state"], "downloaded", "{result}");
    assert_eq!(result["reserved_credits"], 175.0, "{result}");
    assert_eq!(result["settled_credits"], 525.0, "{result}");
    assert_eq!(result["settlement_pending"], false);
    let id = result["id"].as_i64().unwrap().to_string();

    let status = env.run_ok(0, &["status", &id, "--offline", "--json"]);
    let status = &json_lines(&status)[0];
    assert_eq!(
        (&status["reserved_credits"], &status["settled_credits"]),
        (&Value::from(175.0), &Value::from(525.0))
    );
    let text = env.run_ok(0, &["status", &id, "--offline"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("credits: reserved 175, settled 525"),
        "{text}"
    );

    let list = env.run_ok(0, &["list", "--json"]);
    let row = &json_lines(&list)[0];
    assert_eq!(row["reserved_credits"], 175.0, "{row}");
    assert_eq!(row["settled_credits"], 525.0, "{row}");
    assert_eq!(row["settlement_pending"], false);
}

#[test]
fn model_flags_take_the_catalogue_ids_and_name_them_when_wrong() {
    let env = env();
    for model in ["seedance2-5", "seedance2-5-extend", "seedance2-5-edit"] {
        let mut args = vec![
            "estimate",
            "--json",
            "--model",
            model,
            "-p",
            "a test",
            "--video",
            "https://cdn.example/clip.mp4",
        ];
        if model == "seedance2-5-extend" {
            args.extend(["--duration", "5"]);
        }
        let out = env.run_ok(0, &args);
        assert_eq!(json_lines(&out)[0]["ok"], true);
    }
    let out = env.run(&["estimate", "--model", "seedance-3", "-p", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("seedance2-5-extend") && stderr.contains("seedance-20"),
        "{stderr}"
    );
    assert_eq!(env.fake.stats().create_task_calls, 0);
}

#[test]
fn the_support_packet_of_a_failed_task_names_what_support_needs_and_no_local_path() {
    let env = env();
    let image = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/media/image.png")
        .canonicalize()
        .unwrap();
    let out = env.run_ok(
        1,
        &[
            "generate",
            "--model",
            "seedance2-5",
            "-p",
            "a quiet harbour [fake:fail=1001-busy]",
            "--image",
            image.to_str().unwrap(),
            "--wait",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    let failed = &json_lines(&out)[0];
    let id = failed["id"].as_i64().unwrap().to_string();
    let remote = failed["task_id"].as_str().unwrap().to_owned();

    let saved = env.data.path().join("packet.json");
    let out = env.run_ok(
        0,
        &[
            "support-packet",
            &id,
            "--json",
            "--save",
            saved.to_str().unwrap(),
        ],
    );
    let packet = &json_lines(&out)[0];
    let from_file: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(packet, &from_file);
    assert_eq!(packet["service_task_id"], remote.as_str());
    assert_eq!(packet["model"], "seedance2-5");
    assert_eq!(packet["state"], "failed");
    assert_eq!(packet["service_error_code"], "1001");
    assert_eq!(
        packet["service_error_message"],
        "Service temporarily unavailable. Please try again later."
    );
    assert_eq!(packet["credits_reserved"], 295.0);
    assert_eq!(
        packet["app"],
        format!("Seedance Studio {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(packet["request"]["references"][0]["name"], "image 1");
    assert!(!packet["history"].as_array().unwrap().is_empty());
    let text = env.run_ok(0, &["support-packet", &remote]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains(&format!("Task id: {remote}")), "{text}");
    assert!(text.contains("Credits reserved: 295"), "{text}");
    for leak in [
        image.to_str().unwrap(),
        env.data.path().to_str().unwrap(),
        env.library.path().to_str().unwrap(),
        KEY,
    ] {
        assert!(!text.contains(leak), "{leak} in {text}");
        assert!(!packet.to_string().contains(leak), "{leak} in {packet}");
    }
    assert!(!text.contains("/api/v1"), "{text}");

    let missing = env.run(&["support-packet", "999"]);
    assert_eq!(missing.status.code(), Some(2));
}

fn rendering() -> Env {
    env_with(FakeConfig {
        render_results: true,
        ..FakeConfig::default()
    })
}

/// Makes a finished 4 s 2.5 clip at 480p; returns its local task number.
fn finished_clip(env: &Env, prompt: &str) -> String {
    let out = env.run_ok(
        0,
        &[
            "generate",
            "--model",
            "seedance2-5",
            "--duration",
            "4",
            "--resolution",
            "480p",
            "-p",
            prompt,
            "--wait",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    json_lines(&out)[0]["id"].as_i64().unwrap().to_string()
}

/// ffprobe's playing time of a file, in seconds.
fn seconds_of(path: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            path,
        ])
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn extend_asks_before_a_higher_settlement_then_joins_source_and_new_footage() {
    let env = rendering();
    let source = finished_clip(&env, "a dog runs along the beach");

    // Extend reserves 4 × 16 = 64 at 480p and settles at (source + 4) × 16: without
    // --yes nothing is sent.
    let out = env.run(&[
        "extend",
        &source,
        "--seconds",
        "4",
        "-p",
        "it jumps a wave",
        "--poll-every",
        "0.1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("reserves 64 credits now, about 128 when done"),
        "{stderr}"
    );
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(env.fake.stats().create_task_calls, 1);

    let out = env.run_ok(
        0,
        &[
            "extend",
            &source,
            "--seconds",
            "4",
            "-p",
            "it jumps a wave",
            "--yes",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    let lines = json_lines(&out);
    let extension = &lines[0];
    assert_eq!(extension["state"], "downloaded", "{extension}");
    assert_eq!(extension["model"], "seedance2-5-extend");
    assert_eq!(extension["source_task"].to_string(), source);
    let joined = &lines[1];
    let joined_path = joined["joined_path"].as_str().unwrap();
    assert!(std::path::Path::new(joined_path).starts_with(env.library.path()));

    let source_status = env.run_ok(0, &["status", &source, "--offline", "--json"]);
    let source_video = json_lines(&source_status)[0]["video_path"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_footage = extension["video_path"].as_str().unwrap();
    let sum = seconds_of(&source_video) + seconds_of(new_footage);
    let whole = seconds_of(joined_path);
    assert!(
        (whole - sum).abs() <= 0.1,
        "joined {whole} s, source + extension {sum} s"
    );

    // The ledger links source → extension → joined clip.
    let status = env.run_ok(0, &["status", &extension["id"].to_string(), "--offline"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains(&format!("made from task {source}")), "{text}");
    assert!(text.contains("joined clip: "), "{text}");
    assert_eq!(env.fake.stats().create_task_calls, 2);
}

#[test]
fn edit_uploads_the_library_copy_when_the_service_link_no_longer_answers() {
    let env = rendering();
    let source = finished_clip(&env, "a red kite over dunes");
    assert_eq!(env.fake.stats().puts, 0);
    // The result link answers 404 to the check: the library copy is sent instead.
    env.fake.push_fault(
        seedance_fake::Endpoint::Static,
        seedance_fake::Fault::json(404, serde_json::json!({"message": "Not found"})),
        1,
    );
    let out = env.run_ok(
        0,
        &[
            "edit",
            &source,
            "-p",
            "make it snow",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    let edit = &json_lines(&out)[0];
    assert_eq!(edit["state"], "downloaded", "{edit}");
    assert_eq!(edit["model"], "seedance2-5-edit");
    assert_eq!(edit["source_task"].to_string(), source);
    // An edit of 4 s reserves 15 × 16 and settles at 2 × 4 × 16: lower, no --yes needed.
    assert_eq!(edit["reserved_credits"], 240.0, "{edit}");
    assert_eq!(edit["settled_credits"], 128.0, "{edit}");
    let stats = env.fake.stats();
    assert_eq!(stats.puts, 1, "the library copy was uploaded");
    assert_eq!(stats.create_task_calls, 2);
    assert_eq!(stats.auth_header_leaks, 0);
}

#[test]
fn continue_starts_from_the_saved_last_frame_after_its_link_expired() {
    let env = env();
    let source = finished_clip(&env, "a lantern on a pier");
    let status = env.run_ok(0, &["status", &source, "--offline", "--json"]);
    let frame = json_lines(&status)[0]["last_frame_path"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(std::path::Path::new(&frame).starts_with(env.library.path()));
    // A day and a minute later the service's link to the frame has expired.
    env.fake.advance_service_time(86_460.0);
    let out = env.run_ok(
        0,
        &[
            "continue",
            &source,
            "--seconds",
            "4",
            "-p",
            "the lantern swings",
            "--json",
            "--poll-every",
            "0.1",
        ],
    );
    let next = &json_lines(&out)[0];
    assert_eq!(next["state"], "downloaded", "{next}");
    assert_eq!(next["model"], "seedance2-5");
    assert_eq!(next["source_task"].to_string(), source);
    let stats = env.fake.stats();
    assert_eq!(stats.puts, 1, "the saved frame was uploaded");
    let task = stats
        .tasks
        .iter()
        .find(|t| Some(t.task_id.as_str()) == next["task_id"].as_str())
        .unwrap();
    assert_eq!(
        (task.image_count, task.effective_mode.as_str()),
        (1, "keyframe")
    );
}
