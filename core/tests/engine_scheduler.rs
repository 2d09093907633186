//! The scheduler loop in paused tokio time: minutes of polling run in milliseconds,
//! with recordInfo answered by a scripted `StatusSource` that records when each poll
//! happened. Tasks are resumed from the ledger (as after a restart), so no createTask is
//! involved.
#![allow(clippy::unwrap_used)]
// The scripted answers mirror `ApiClient::record_info`, whose error type is large.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use seedance_core::api::{
    ApiClient, ApiError, ClientConfig, Endpoint, ErrorBody, OutputItem, RetryAfter, TaskRecord,
    TaskStatus,
};
use seedance_core::clock::SystemClock;
use seedance_core::engine::{
    Engine, EngineDeps, EngineEvent, EngineHandle, EngineSettings, EventSink, StatusSource,
};
use seedance_core::keychain::{KeyStore, SessionKeyStore};
use seedance_core::ledger::{Ledger, LocalState, TaskId};
use seedance_core::library::Library;
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use seedance_core::schedule::PollSchedule;
use seedance_core::secret::ApiKey;
use tokio::time::Instant;

type Answer = dyn Fn(&str, usize) -> Result<TaskRecord, ApiError> + Send + Sync;

/// Answers polls with `answer(remote_id, nth call for that id)` and logs each call.
struct Script {
    calls: Mutex<Vec<(Instant, String)>>,
    answer: Box<Answer>,
}

impl StatusSource for Script {
    fn record_info<'a>(
        &'a self,
        _key: &'a ApiKey,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<TaskRecord, ApiError>> {
        let nth = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((Instant::now(), task_id.to_owned()));
            calls.iter().filter(|(_, id)| id == task_id).count()
        };
        let answer = (self.answer)(task_id, nth);
        Box::pin(async move { answer })
    }
}

impl Script {
    fn calls_for(&self, remote: &str) -> Vec<Instant> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, id)| id == remote)
            .map(|(at, _)| *at)
            .collect()
    }

    fn all_calls(&self) -> Vec<Instant> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(at, _)| *at)
            .collect()
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<(Instant, EngineEvent)>>);

impl EventSink for Events {
    fn emit(&self, event: EngineEvent) {
        self.0.lock().unwrap().push((Instant::now(), event));
    }
}

impl Events {
    fn states(&self, id: TaskId) -> Vec<(Instant, LocalState)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(at, e)| match e {
                EngineEvent::TaskChanged { task } if task.id == id => Some((*at, task.state)),
                _ => None,
            })
            .collect()
    }
}

fn record(remote: &str, status: TaskStatus) -> TaskRecord {
    let output = if status == TaskStatus::Success {
        vec![OutputItem {
            url: "http://127.0.0.1:9/static/result.mp4".into(),
            width: Some(1280),
            height: Some(720),
            media_type: Some("video/mp4".into()),
            seed: None,
            last_frame_image: None,
        }]
    } else {
        Vec::new()
    };
    TaskRecord {
        task_id: remote.to_owned(),
        model: Some("seedance-20".into()),
        status,
        credits_used: Some(200.0),
        output,
        error: None,
        create_time: None,
        complete_time: None,
    }
}

fn http_error(status: u16, message: &str, retry_after: Option<Duration>) -> ApiError {
    ApiError::Http {
        endpoint: Endpoint::RecordInfo,
        status,
        body: Some(ErrorBody {
            message: Some(message.into()),
            ..ErrorBody::default()
        }),
        raw: None,
        retry_after: retry_after.map(RetryAfter),
    }
}

struct Rig {
    engine: EngineHandle,
    ledger: Arc<Ledger>,
    script: Arc<Script>,
    events: Arc<Events>,
    ids: Vec<(TaskId, String)>,
    started: Instant,
    _dir: tempfile::TempDir,
}

/// `tasks` tasks already submitted (Waiting, with remote ids), an engine resumed on them.
fn rig(tasks: usize, settings: EngineSettings, answer: Box<Answer>) -> Rig {
    rig_prepared(tasks, settings, answer, |_, _| {})
}

/// [`rig`], with `prepare` run on the ledger and each task before the engine starts.
fn rig_prepared(
    tasks: usize,
    settings: EngineSettings,
    answer: Box<Answer>,
    prepare: impl Fn(&Ledger, TaskId),
) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(&dir.path().join("data")).unwrap();
    let ledger = Arc::new(ledger);
    let now_ms = seedance_core::ledger::system_now_ms();
    let mut ids = Vec::new();
    for n in 0..tasks {
        let request = GenerationRequest::new(ModelId::Seedance20, format!("task {n}"));
        let id = ledger
            .create(&request, Some(200.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(id).unwrap();
        let remote = format!("task_{n:024}");
        ledger.record_submitted(id, &remote, now_ms).unwrap();
        prepare(&ledger, id);
        ids.push((id, remote));
    }
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new("sk-test-sched").unwrap()).unwrap();
    let script = Arc::new(Script {
        calls: Mutex::new(Vec::new()),
        answer,
    });
    let events = Arc::new(Events::default());
    // Never called: nothing is queued and downloads are off.
    let client = ApiClient::new(ClientConfig::new("http://127.0.0.1:9/api/v1").unwrap()).unwrap();
    let started = Instant::now();
    let engine = Engine::start_with_status_source(
        EngineDeps {
            ledger: ledger.clone(),
            client,
            keys,
            events: events.clone(),
            clock: Arc::new(SystemClock),
            library: Library::with_utc_offset(dir.path().join("lib"), time::UtcOffset::UTC),
            settings: EngineSettings {
                auto_download: false,
                ..settings
            },
        },
        script.clone(),
    );
    Rig {
        engine,
        ledger,
        script,
        events,
        ids,
        started,
        _dir: dir,
    }
}

fn always(status: TaskStatus) -> Box<Answer> {
    Box::new(move |remote, _| Ok(record(remote, status.clone())))
}

async fn run_for(d: Duration) {
    tokio::time::sleep(d).await;
}

#[tokio::test(start_paused = true)]
async fn fifty_tasks_resume_promptly_and_poll_spread_out_within_the_budget() {
    let rig = rig(
        50,
        EngineSettings::default(),
        always(TaskStatus::Generating),
    );
    run_for(Duration::from_secs(300)).await;

    let budget = EngineSettings::default().max_polls_per_second;
    let all = rig.script.all_calls();
    assert!(all.len() > 200, "{} polls", all.len());
    // Aggregate rate: never more than the budget in any one-second window.
    for (i, at) in all.iter().enumerate() {
        let in_window = all[i..]
            .iter()
            .take_while(|b| b.duration_since(*at) < Duration::from_secs(1))
            .count();
        assert!(
            in_window as f64 <= budget + 1.0,
            "{in_window} polls within 1 s"
        );
    }
    // No burst: never 10 polls within 100 ms.
    for w in all.windows(10) {
        assert!(w[9].duration_since(w[0]) >= Duration::from_millis(100));
    }
    for (_, remote) in &rig.ids {
        let calls = rig.script.calls_for(remote);
        // Resumed within a couple of seconds, even at the back of the budget queue
        // (50 polls at 4/s take 12.5 s to go round once).
        let first = calls[0].duration_since(rig.started);
        assert!(
            first <= Duration::from_secs(14),
            "first poll after {first:?}"
        );
        for gap in calls.windows(2).map(|w| w[1].duration_since(w[0])) {
            assert!(gap >= Duration::from_millis(900), "{gap:?}");
            // The schedule's longest (quiet) gap, plus at most one round of the shared
            // budget (50 polls at 4/s) when every task is due at once.
            let quiet = PollSchedule::default().quiet_max.as_secs_f64();
            assert!(gap.as_secs_f64() <= quiet + 50.0 / budget + 0.5, "{gap:?}");
        }
    }
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_single_resumed_task_is_polled_within_two_seconds() {
    let rig = rig(1, EngineSettings::default(), always(TaskStatus::Generating));
    run_for(Duration::from_secs(5)).await;
    let calls = rig.script.calls_for(&rig.ids[0].1);
    assert!(!calls.is_empty());
    assert!(calls[0].duration_since(rig.started) <= Duration::from_secs(2));
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_task_past_the_threshold_is_marked_stuck_once_and_still_polled() {
    let rig = rig(1, EngineSettings::default(), always(TaskStatus::Generating));
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(20 * 60)).await;
    let states = rig.events.states(id);
    let stuck: Vec<_> = states
        .iter()
        .filter(|(_, s)| *s == LocalState::Stuck)
        .collect();
    assert_eq!(stuck.len(), 1, "{states:?}");
    let marked_after = stuck[0].0.duration_since(rig.started);
    assert!(
        marked_after >= Duration::from_secs(600) && marked_after <= Duration::from_secs(640),
        "{marked_after:?}"
    );
    // Generating was reported once, whatever the number of polls.
    assert_eq!(
        states
            .iter()
            .filter(|(_, s)| *s == LocalState::Generating)
            .count(),
        1
    );
    let late: Vec<_> = rig
        .script
        .calls_for(&remote)
        .into_iter()
        .filter(|at| at.duration_since(rig.started) > Duration::from_secs(700))
        .collect();
    assert!(late.len() >= 8, "{} polls in the last ~8 min", late.len());
    for gap in late.windows(2).map(|w| w[1].duration_since(w[0])) {
        assert!(
            gap >= Duration::from_secs(45) && gap <= Duration::from_secs(61),
            "{gap:?}"
        );
    }
    assert_eq!(rig.ledger.get(id).unwrap().state, LocalState::Stuck);
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn not_found_is_retried_for_a_bounded_window_then_flagged_never_deleted() {
    let rig = rig(
        1,
        EngineSettings::default(),
        Box::new(|_, _| Err(http_error(404, "Task not found", None))),
    );
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(15 * 60)).await;
    let entry = rig.ledger.get(id).unwrap();
    assert_eq!(entry.state, LocalState::NotFound);
    let calls = rig.script.calls_for(&remote);
    let last = calls.last().unwrap().duration_since(rig.started);
    assert!(
        last >= Duration::from_secs(300) && last <= Duration::from_secs(420),
        "{last:?}"
    );
    assert!(
        calls.len() >= 5 && calls.len() <= 40,
        "{} polls",
        calls.len()
    );
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn ten_server_errors_then_success_completes_in_eleven_polls() {
    let rig = rig(
        1,
        EngineSettings::default(),
        Box::new(|remote, nth| {
            if nth <= 10 {
                Err(http_error(503, "Service Unavailable", None))
            } else {
                Ok(record(remote, TaskStatus::Success))
            }
        }),
    );
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(15 * 60)).await;
    assert_eq!(rig.ledger.get(id).unwrap().state, LocalState::Succeeded);
    let calls = rig.script.calls_for(&remote);
    assert_eq!(calls.len(), 11);
    for gap in calls.windows(2).map(|w| w[1].duration_since(w[0])) {
        assert!(
            gap >= Duration::from_secs(1) && gap <= Duration::from_secs(120),
            "{gap:?}"
        );
    }
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn unreadable_or_undocumented_answers_never_end_a_task() {
    let rig = rig(
        1,
        EngineSettings::default(),
        Box::new(|remote, nth| match nth {
            1..=3 => Ok(record(remote, TaskStatus::Unknown("paused".into()))),
            4..=5 => Ok(TaskRecord {
                output: Vec::new(),
                ..record(remote, TaskStatus::Success)
            }),
            6..=7 => Err(ApiError::Malformed {
                endpoint: Endpoint::RecordInfo,
                status: 200,
                reason: "truncated".into(),
                raw: "{\"taskId\":".into(),
            }),
            _ => Ok(record(remote, TaskStatus::Success)),
        }),
    );
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(5 * 60)).await;
    let states: Vec<LocalState> = rig.events.states(id).into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, vec![LocalState::Succeeded], "{states:?}");
    assert_eq!(rig.script.calls_for(&remote).len(), 8);
    rig.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_hostile_values_are_capped() {
    let rig = rig(
        2,
        EngineSettings::default(),
        Box::new(|remote, nth| {
            let after = if remote.ends_with('0') {
                Duration::from_secs(7)
            } else {
                Duration::from_secs(99_999_999)
            };
            match nth {
                1 => Err(http_error(429, "Too many requests", Some(after))),
                _ => Ok(record(remote, TaskStatus::Generating)),
            }
        }),
    );
    run_for(Duration::from_secs(200)).await;
    let seven = rig.script.calls_for(&rig.ids[0].1);
    let gap = seven[1].duration_since(seven[0]);
    // Not before the 7 s asked for; the schedule's own gap may be longer (this task
    // is before its window).
    assert!(
        gap >= Duration::from_secs(7) && gap <= PollSchedule::default().quiet_max,
        "{gap:?}"
    );
    let hostile = rig.script.calls_for(&rig.ids[1].1);
    let gap = hostile[1].duration_since(hostile[0]);
    // Capped at 120 s; the shared budget may add one slot (1/4 s) on top.
    assert!(
        gap >= Duration::from_secs(60) && gap <= Duration::from_millis(120_250),
        "{gap:?}"
    );
    rig.engine.shutdown().await;
}

/// An error answer without the service's JSON body: a gateway's HTML page.
fn html_error(status: u16) -> ApiError {
    ApiError::Http {
        endpoint: Endpoint::RecordInfo,
        status,
        body: None,
        raw: Some(format!("<html><body>{status}</body></html>")),
        retry_after: None,
    }
}

/// Checklist 46: answers that never end a task (undocumented statuses, success without
/// an output, errors that never stop) still make it stuck past the model's worst case,
/// and a stuck task keeps being polled about once a minute.
#[tokio::test(start_paused = true)]
async fn odd_answers_and_endless_errors_count_toward_stuck() {
    let rig = rig(
        3,
        EngineSettings::default(),
        Box::new(|remote, _| {
            if remote.ends_with('0') {
                Ok(record(remote, TaskStatus::Unknown("paused".into())))
            } else if remote.ends_with('1') {
                Ok(TaskRecord {
                    output: Vec::new(),
                    ..record(remote, TaskStatus::Success)
                })
            } else {
                Err(http_error(503, "Service Unavailable", None))
            }
        }),
    );
    run_for(Duration::from_secs(20 * 60)).await;
    for (id, remote) in &rig.ids {
        let states = rig.events.states(*id);
        let stuck: Vec<_> = states
            .iter()
            .filter(|(_, s)| *s == LocalState::Stuck)
            .collect();
        assert_eq!(stuck.len(), 1, "{remote}: {states:?}");
        let marked_after = stuck[0].0.duration_since(rig.started);
        // 600 s after the task was submitted, which the ledger dates in milliseconds a
        // moment before the rig's clock starts.
        assert!(
            marked_after >= Duration::from_secs(595) && marked_after <= Duration::from_secs(720),
            "{remote}: {marked_after:?}"
        );
        let late = rig
            .script
            .calls_for(remote)
            .into_iter()
            .filter(|at| at.duration_since(rig.started) > Duration::from_secs(780))
            .count();
        assert!(late >= 5, "{remote}: {late} polls in the last ~7 min");
        assert_eq!(rig.ledger.get(*id).unwrap().state, LocalState::Stuck);
    }
    rig.engine.shutdown().await;
}

/// Checklist 47: a 404 that is not the service's JSON "Task not found" (a gateway's HTML
/// page, an empty body) says nothing about the task: it is never marked not found.
#[tokio::test(start_paused = true)]
async fn an_html_or_bodiless_404_never_marks_a_task_not_found() {
    let rig = rig(
        2,
        EngineSettings::default(),
        Box::new(|remote, _| {
            if remote.ends_with('0') {
                Err(html_error(404))
            } else {
                Err(ApiError::Http {
                    endpoint: Endpoint::RecordInfo,
                    status: 404,
                    body: None,
                    raw: None,
                    retry_after: None,
                })
            }
        }),
    );
    run_for(Duration::from_secs(15 * 60)).await;
    for (id, remote) in &rig.ids {
        let states: Vec<LocalState> = rig.events.states(*id).into_iter().map(|(_, s)| s).collect();
        assert!(
            !states.contains(&LocalState::NotFound),
            "{remote}: {states:?}"
        );
        assert_ne!(rig.ledger.get(*id).unwrap().state, LocalState::NotFound);
        let calls = rig.script.calls_for(remote);
        let last = calls.last().unwrap().duration_since(rig.started);
        assert!(
            last >= Duration::from_secs(13 * 60),
            "{remote}: still polled, last at {last:?}"
        );
    }
    rig.engine.shutdown().await;
}

/// Checklist 47: any answer other than the service's "Task not found" restarts the
/// grace window, so not found needs five minutes of that answer alone.
#[tokio::test(start_paused = true)]
async fn any_other_answer_restarts_the_not_found_window() {
    let rig = rig(
        1,
        EngineSettings::default(),
        Box::new(|_, nth| {
            if nth % 3 == 0 {
                Err(html_error(502))
            } else {
                Err(http_error(404, "Task not found", None))
            }
        }),
    );
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(20 * 60)).await;
    assert_ne!(rig.ledger.get(id).unwrap().state, LocalState::NotFound);
    assert!(rig.script.calls_for(&remote).len() >= 15);
    rig.engine.shutdown().await;
}

/// Checklist 47: a task marked not found is asked about once at each start and on
/// "check again" (never deleted, never resubmitted without confirmation), and comes back
/// when the service knows it again.
#[tokio::test(start_paused = true)]
async fn a_not_found_task_is_asked_again_at_start_and_on_check_again() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let known_again = Arc::new(AtomicBool::new(false));
    let flag = known_again.clone();
    let rig = rig_prepared(
        1,
        EngineSettings::default(),
        Box::new(move |remote, _| {
            if flag.load(Ordering::SeqCst) {
                Ok(record(remote, TaskStatus::Success))
            } else {
                Err(http_error(404, "Task not found", None))
            }
        }),
        |ledger, id| {
            ledger.mark_not_found(id).unwrap();
        },
    );
    let (id, remote) = rig.ids[0].clone();
    run_for(Duration::from_secs(10 * 60)).await;
    // Asked once at start; still not found; not asked again by itself.
    assert_eq!(rig.script.calls_for(&remote).len(), 1);
    assert_eq!(rig.ledger.get(id).unwrap().state, LocalState::NotFound);
    // Never resubmitted without the creator's confirmation.
    assert!(matches!(
        rig.engine.retry(id, false).await,
        Err(seedance_core::engine::SubmitRefusal::NotAllowed {
            needs_confirmation: true,
            ..
        })
    ));
    rig.engine.check_again(id).await.unwrap();
    run_for(Duration::from_secs(60)).await;
    assert_eq!(rig.script.calls_for(&remote).len(), 2);
    assert_eq!(rig.ledger.get(id).unwrap().state, LocalState::NotFound);
    // The gateway was the problem: the service knows it again.
    known_again.store(true, Ordering::SeqCst);
    rig.engine.check_again(id).await.unwrap();
    run_for(Duration::from_secs(60)).await;
    assert_eq!(rig.ledger.get(id).unwrap().state, LocalState::Succeeded);
    assert_eq!(rig.ledger.count(&Default::default()).unwrap(), 1);
    rig.engine.shutdown().await;
}
