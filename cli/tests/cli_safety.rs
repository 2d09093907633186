//! Credits safety with the real `seedance` binary (checklist 41–43): a second `retry` of
//! the same task is refused with exit 7 and names the retry; the same `generate` twice
//! within seconds asks first (`--again` for a second take); `resume` sends no createTask;
//! Ctrl-C while the fake holds createTask open waits for the answer and records the task
//! id (exactly one task on the service), and a second Ctrl-C stops at once, leaving the
//! task "outcome unknown", never resent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use seedance_core::api::ClientConfig;
use seedance_core::ledger::{Created, Ledger, LocalState, NewTask};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault, Outcome};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

const KEY: &str = "sk-cli-safety-test";

struct Env {
    fake: FakeService,
    _dir: tempfile::TempDir,
    data: PathBuf,
    library: PathBuf,
}

async fn env() -> Env {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.002,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    Env {
        fake,
        data: dir.path().join("data"),
        library: dir.path().join("library"),
        _dir: dir,
    }
}

impl Env {
    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_seedance"));
        command
            .args(args)
            .env("SEEDANCE_API_BASE", self.fake.base_url())
            .env("SEEDANCE_DATA_DIR", &self.data)
            .env("SEEDANCE_LIBRARY_DIR", &self.library)
            .env("SEEDANCE_API_KEY", KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(Duration::from_secs(60), self.command(args).output())
            .await
            .unwrap_or_else(|_| panic!("`seedance {args:?}` did not finish in 60 s"))
            .unwrap()
    }

    fn service(&self) -> String {
        ClientConfig::new(&self.fake.base_url())
            .unwrap()
            .base_url
            .to_string()
    }
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Waits for a condition on the fake's counters (checked every 10 ms, 30 s at most).
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn signal(child: &tokio::process::Child, name: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// Collects a child's stderr lines as they come, waking waiters.
struct Lines {
    lines: Arc<Mutex<Vec<String>>>,
    changed: tokio::sync::watch::Receiver<usize>,
}

impl Lines {
    fn follow(stderr: tokio::process::ChildStderr) -> Lines {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, changed) = tokio::sync::watch::channel(0);
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                sink.lock().unwrap().push(line);
                tx.send_modify(|n| *n += 1);
            }
        });
        Lines { lines, changed }
    }

    async fn wait_for(&mut self, needle: &str) {
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if self
                    .lines
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|l| l.contains(needle))
                {
                    return;
                }
                if self.changed.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        assert!(
            found.is_ok() && self.all().contains(needle),
            "no {needle:?} on stderr: {}",
            self.all()
        );
    }

    fn all(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

fn open_ledger(env: &Env) -> Ledger {
    Ledger::open(&env.data).unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_retry_of_the_same_task_exits_7_and_names_the_retry() {
    let env = env().await;
    env.fake.queue_outcome(Outcome::Fail {
        code: Some("500".into()),
        message: "Video generation failed. Please try again.".into(),
    });
    let follow = ["--wait", "--json", "--poll-every", "0.1"];
    let mut args = vec!["generate", "-p", "a kite over a beach"];
    args.extend(follow);
    let failed = env.run(&args).await;
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    let first = json_lines(&failed)[0]["id"].as_i64().unwrap();

    let mut args = vec!["retry".to_owned(), first.to_string()];
    args.extend(follow.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let retried = env.run(&args).await;
    assert_eq!(retried.status.code(), Some(0), "{}", text(&retried));
    let retry = json_lines(&retried)[0]["id"].as_i64().unwrap();
    assert_eq!(env.fake.stats().create_task_calls, 2);

    // Again, as a script run twice or a second terminal would.
    let again = env.run(&args).await;
    assert_eq!(again.status.code(), Some(7), "{}", text(&again));
    let line = &json_lines(&again)[0];
    assert_eq!(line["category"], "already_retried");
    assert_eq!(line["retry"], retry);
    assert!(
        line["explanation"]
            .as_str()
            .unwrap()
            .contains(&format!("seedance status {retry}")),
        "{line}"
    );
    assert_eq!(
        env.fake.stats().create_task_calls,
        2,
        "the second retry sent nothing"
    );
    // The exit code is documented.
    let help = env.run(&["--help"]).await;
    assert!(String::from_utf8_lossy(&help.stdout).contains("7 the task was already retried"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_generate_twice_within_seconds_asks_before_paying_again() {
    let env = env().await;
    let args = ["generate", "-p", "the same lighthouse", "--json"];
    let first = env.run(&args).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let repeated = env.run(&args).await;
    assert_eq!(repeated.status.code(), Some(2), "{}", text(&repeated));
    let line = &json_lines(&repeated)[0];
    assert_eq!(line["refusal"]["kind"], "duplicate");
    assert!(
        line["explanation"].as_str().unwrap().contains("--again"),
        "{line}"
    );
    assert_eq!(env.fake.stats().create_task_calls, 1);
    let mut again = args.to_vec();
    again.push("--again");
    let second_take = env.run(&again).await;
    assert_eq!(second_take.status.code(), Some(0), "{}", text(&second_take));
    assert_eq!(env.fake.stats().create_task_calls, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_sends_no_create_task() {
    let env = env().await;
    let sent = env
        .run(&["generate", "-p", "already on the service", "--json"])
        .await;
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent));
    // Still in the queue: one for this service (a 429 and a crash left it there), one
    // recorded before services were.
    let (for_here, unassigned) = {
        let ledger = open_ledger(&env);
        let service = env.service();
        let here = ledger
            .create_new(&NewTask {
                request: &GenerationRequest::new(ModelId::Seedance20, "queued here"),
                estimate_credits: Some(200.0),
                initial: LocalState::Queued,
                service: Some(&service),
                duplicate_window_ms: None,
            })
            .unwrap();
        let Created::New(here) = here else {
            panic!("{here:?}")
        };
        let old = ledger
            .create(
                &GenerationRequest::new(ModelId::Seedance20, "queued long ago"),
                Some(200.0),
                None,
                LocalState::Queued,
            )
            .unwrap();
        (here, old)
    };
    let resumed = env.run(&["resume", "--wait", "--poll-every", "0.1"]).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert!(
        String::from_utf8_lossy(&resumed.stdout).contains("sends no new paid request"),
        "{}",
        text(&resumed)
    );
    let stats = env.fake.stats();
    assert_eq!(stats.create_task_calls, 1, "resume sent a createTask");
    let ledger = open_ledger(&env);
    assert_eq!(ledger.get(1).unwrap().state, LocalState::Downloaded);
    assert_eq!(ledger.get(for_here).unwrap().state, LocalState::Queued);
    assert_eq!(ledger.get(unassigned).unwrap().state, LocalState::Queued);
    // The help says so.
    let help = env.run(&["resume", "--help"]).await;
    assert!(String::from_utf8_lossy(&help.stdout).contains("no createTask"));
}

/// Checklist 43: SIGINT while the service holds createTask open (it has made and charged
/// the task, the answer is on its way): the CLI says it is finishing the send, waits for
/// the answer, records the task id and exits 130; `resume` then follows it to the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_create_task_is_held_open_records_the_task_id() {
    let env = env().await;
    env.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 3000 }, 1);
    let mut child = env
        .command(&[
            "generate",
            "-p",
            "interrupted mid-send",
            "--wait",
            "--poll-every",
            "0.1",
        ])
        .spawn()
        .unwrap();
    let mut stderr = Lines::follow(child.stderr.take().unwrap());
    until("the fake made the task", || {
        env.fake.stats().tasks_created == 1
    })
    .await;
    signal(&child, "INT");
    stderr.wait_for("Finishing sending 1 task").await;
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("exits once the answer is recorded")
        .unwrap();
    assert_eq!(status.code(), Some(130), "{}", stderr.all());
    let stats = env.fake.stats();
    assert_eq!(stats.create_task_calls, 1);
    assert_eq!(stats.tasks_created, 1);
    let remote = stats.tasks[0].task_id.clone();
    {
        let ledger = open_ledger(&env);
        let entry = ledger.get(1).unwrap();
        assert_eq!(entry.remote_task_id.as_deref(), Some(remote.as_str()));
        assert!(
            matches!(entry.state, LocalState::Waiting | LocalState::Generating),
            "{entry:?}"
        );
    }
    let resumed = env.run(&["resume", "--wait", "--poll-every", "0.1"]).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert_eq!(
        open_ledger(&env).get(1).unwrap().state,
        LocalState::Downloaded
    );
    assert_eq!(env.fake.stats().create_task_calls, 1);
}

/// Checklist 43: a second Ctrl-C while the first waits stops at once: the task is marked
/// outcome unknown (exit 4), and nothing ever sends it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_stops_at_once_and_leaves_the_outcome_unknown() {
    let env = env().await;
    env.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 20_000 }, 1);
    let mut child = env
        .command(&[
            "generate",
            "-p",
            "cut short",
            "--wait",
            "--poll-every",
            "0.1",
        ])
        .spawn()
        .unwrap();
    let mut stderr = Lines::follow(child.stderr.take().unwrap());
    until("the fake made the task", || {
        env.fake.stats().tasks_created == 1
    })
    .await;
    signal(&child, "INT");
    stderr.wait_for("Press Ctrl-C again").await;
    signal(&child, "INT");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("a second Ctrl-C stops at once")
        .unwrap();
    assert_eq!(status.code(), Some(4), "{}", stderr.all());
    assert_eq!(
        open_ledger(&env).get(1).unwrap().state,
        LocalState::SubmissionUnknown
    );
    let resumed = env.run(&["resume", "--json"]).await;
    assert_eq!(resumed.status.code(), Some(4), "{}", text(&resumed));
    assert_eq!(env.fake.stats().create_task_calls, 1, "never resent");
}

/// SIGTERM (a terminal closed, a service manager) is handled like the first Ctrl-C.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_create_task_is_held_open_records_the_task_id() {
    let env = env().await;
    env.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 2000 }, 1);
    let mut child = env
        .command(&["generate", "-p", "terminated mid-send", "--json"])
        .spawn()
        .unwrap();
    let mut stderr = Lines::follow(child.stderr.take().unwrap());
    until("the fake made the task", || {
        env.fake.stats().tasks_created == 1
    })
    .await;
    signal(&child, "TERM");
    stderr.wait_for("Finishing sending 1 task").await;
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("exits once the answer is recorded")
        .unwrap();
    // Without --wait the command's job is done once the id is recorded.
    assert_eq!(status.code(), Some(0), "{}", stderr.all());
    let remote = env.fake.stats().tasks[0].task_id.clone();
    assert_eq!(
        open_ledger(&env).get(1).unwrap().remote_task_id.as_deref(),
        Some(remote.as_str())
    );
}
