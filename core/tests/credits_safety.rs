//! Credits safety where creators actually click (checklist 41–50), end to end over real
//! HTTP against the fake service: a second retry or resubmission from any caller, a
//! double submission, tasks of another service, a stop while createTask is on the wire,
//! a task id the ledger cannot write, a key that is refused or cannot be read, a stuck
//! task, and a request held for a slot while its uploads go stale. Every test counts
//! what the fake actually received.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::{Clock, ManualClock};
use seedance_core::engine::{
    Engine, EngineDeps, EngineEvent, EngineHandle, EngineSettings, KeyState, SubmitRefusal,
    UnknownResolution,
};
use seedance_core::keychain::{KeyStore, KeychainError, SessionKeyStore};
use seedance_core::ledger::{Ledger, ListQuery, LocalState, NewTask, TaskWait, JOURNAL_FILE};
use seedance_core::library::{DiskProblem, Library};
use seedance_core::media::MediaKind;
use seedance_core::request::{Reference, ReferenceSource};
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault, Outcome, TaskPlan};

/// The service string the ledger records for `fake` (the checked base URL).
fn service_of(fake: &FakeService) -> String {
    ClientConfig::new(&fake.base_url())
        .unwrap()
        .base_url
        .to_string()
}

fn engine_on(
    fake: &FakeService,
    ledger: &Arc<Ledger>,
    keys: Arc<dyn KeyStore>,
    events: &Arc<Recorder>,
    library: &Library,
    settings: EngineSettings,
    clock: Arc<dyn Clock>,
) -> EngineHandle {
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client,
        keys,
        events: events.clone(),
        clock,
        library: library.clone(),
        settings,
    })
}

/// Waits for a condition on something other than engine events (the fake's counters),
/// checking every 10 ms; panics after the deadline.
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn retries_of(ledger: &Ledger, id: i64) -> Vec<i64> {
    ledger
        .list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .filter(|s| s.retry_of == Some(id))
        .map(|s| s.id)
        .collect()
}

// ---- 41: one paid task per intent ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_retried_from_every_caller_at_once_and_later_is_sent_once() {
    let h = harness().await;
    h.fake.queue_outcome(Outcome::Fail {
        code: Some("500".into()),
        message: "Video generation failed. Please try again.".into(),
    });
    let id = h.engine.submit(request("A kite at noon")).await.unwrap();
    h.wait_state(id, LocalState::Failed).await;
    // A double click (two clones of the handle at once), and a second engine on the same
    // history (a second window).
    let second_window = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    let clone = h.engine.clone();
    let (a, b, c) = tokio::join!(
        h.engine.retry(id, false),
        clone.retry(id, false),
        second_window.retry_once(id, false),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a, b);
    assert_eq!(c.task, a);
    h.wait_state(a, LocalState::Downloaded).await;
    // Later, from anywhere: the same retry, nothing sent.
    let later = h.engine.retry_once(id, false).await.unwrap();
    assert_eq!(later.task, a);
    assert!(!later.created);
    assert_eq!(retries_of(&h.ledger, id), vec![a]);
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 2, "the failure and ONE retry");
    assert_eq!(stats.tasks_created, 2);
    second_window.shutdown().await;
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_resubmitted_twice_is_resubmitted_once() {
    let h = harness().await;
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::ResetAfterAct, 1);
    let id = h.engine.submit(request("A glass of milk")).await.unwrap();
    h.wait_state(id, LocalState::SubmissionUnknown).await;
    let clone = h.engine.clone();
    let (a, b) = tokio::join!(
        h.engine
            .resolve_unknown(id, UnknownResolution::ResubmitAnyway),
        clone.retry(id, true),
    );
    let a = a.unwrap().expect("a resubmission");
    assert_eq!(b.unwrap(), a);
    h.wait_state(a, LocalState::Downloaded).await;
    let again = h
        .engine
        .resolve_unknown(id, UnknownResolution::ResubmitAnyway)
        .await
        .unwrap();
    assert_eq!(again, Some(a));
    assert_eq!(retries_of(&h.ledger, id), vec![a]);
    let original = h.ledger.get(id).unwrap();
    assert_eq!(original.state, LocalState::Failed);
    assert_eq!(guidance(&original).category.as_str(), "submission_unknown");
    assert_eq!(h.fake.stats().create_task_calls, 2);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_draft_submitted_twice_within_seconds_asks_before_paying_again() {
    let h = harness().await;
    let draft = request("A red bicycle in the rain");
    // A double click: both calls at once.
    let clone = h.engine.clone();
    let (a, b) = tokio::join!(h.engine.submit(draft.clone()), clone.submit(draft.clone()));
    let (first, refused) = match (a, b) {
        (Ok(id), Err(refusal)) | (Err(refusal), Ok(id)) => (id, refusal),
        other => panic!("exactly one of two identical submissions may pass: {other:?}"),
    };
    match &refused {
        SubmitRefusal::Duplicate {
            existing, message, ..
        } => {
            assert_eq!(*existing, first);
            assert!(message.contains(&first.to_string()), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A repeated shortcut later within the window: the same question.
    assert!(matches!(
        h.engine.submit(draft.clone()).await,
        Err(SubmitRefusal::Duplicate { .. })
    ));
    // A different draft is not a duplicate; a confirmed second take goes through.
    let other = h.engine.submit(request("A blue bicycle")).await.unwrap();
    let second_take = h.engine.submit_with(draft.clone(), true).await.unwrap();
    for id in [first, other, second_take] {
        h.wait_state(id, LocalState::Downloaded).await;
    }
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 3);
    assert_eq!(h.ledger.count(&ListQuery::default()).unwrap(), 3);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_asked_for_twice_within_seconds_are_made_once() {
    let h = harness().await;
    let draft = request("Three takes of a lighthouse");
    // A double click on "Generate ×3": both calls at once.
    let clone = h.engine.clone();
    let (a, b) = tokio::join!(
        h.engine.submit_takes(draft.clone(), 3, None, false),
        clone.submit_takes(draft.clone(), 3, None, false),
    );
    let (ids, refused) = match (a, b) {
        (Ok(ids), Err(refusal)) | (Err(refusal), Ok(ids)) => (ids, refusal),
        other => panic!("exactly one of two identical requests for takes may pass: {other:?}"),
    };
    assert_eq!(ids.len(), 3);
    match &refused {
        SubmitRefusal::Duplicate {
            existing, message, ..
        } => {
            assert!(ids.contains(existing), "{existing} not in {ids:?}");
            assert!(message.contains("3 more takes"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Back to back later within the window, as takes or as one task: the same question.
    assert!(matches!(
        h.engine.submit_takes(draft.clone(), 3, None, false).await,
        Err(SubmitRefusal::Duplicate { .. })
    ));
    assert!(matches!(
        h.engine.submit(draft.clone()).await,
        Err(SubmitRefusal::Duplicate { .. })
    ));
    for id in &ids {
        h.wait_state(*id, LocalState::Downloaded).await;
    }
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 3, "N createTask, not 2N");
    assert_eq!(stats.tasks_created, 3);
    assert_eq!(h.ledger.count(&ListQuery::default()).unwrap(), 3);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_second_set_of_takes_is_made_and_paid() {
    let h = harness().await;
    let draft = request("Three takes of a harbour");
    let first = h
        .engine
        .submit_takes(draft.clone(), 3, None, false)
        .await
        .unwrap();
    let second = h
        .engine
        .submit_takes(draft.clone(), 3, None, true)
        .await
        .unwrap();
    assert_eq!(second.len(), 3);
    assert!(first.iter().all(|id| !second.contains(id)));
    for id in first.iter().chain(&second) {
        h.wait_state(*id, LocalState::Downloaded).await;
    }
    assert_eq!(h.ledger.take_group(second[2]).unwrap(), Some(second[0]));
    let stats = h.fake.stats();
    // Six takes made; a createTask the service's concurrency limit refused (429) made
    // nothing and was sent again when a slot freed.
    let slot_refusals = stats.responses_by_status.get(&429).copied().unwrap_or(0);
    assert_eq!(stats.tasks_created, 6, "2N once confirmed");
    assert_eq!(stats.create_task_calls - slot_refusals, 6);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_stopped_midway_are_each_sent_once_after_a_restart() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            concurrency_limit_hint: Some(1),
            ..fast_settings()
        },
    )
    .await;
    // The first take is on the wire when the app stops; the other two wait for its slot.
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 1500 }, 1);
    let ids = h
        .engine
        .submit_takes(request("Takes cut short"), 3, None, false)
        .await
        .unwrap();
    until("the first take reached the fake", || {
        h.fake.stats().tasks_created == 1
    })
    .await;
    let report = h.engine.shutdown().await;
    assert_eq!(report.finished_sending, vec![ids[0]]);
    assert_eq!(h.ledger.get(ids[0]).unwrap().state, LocalState::Waiting);
    for id in &ids[1..] {
        assert_eq!(h.ledger.get(*id).unwrap().state, LocalState::Queued);
    }
    assert_eq!(h.fake.stats().create_task_calls, 1);

    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    for id in &ids {
        h.wait_state(*id, LocalState::Downloaded).await;
    }
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 3, "each take sent once");
    assert!(
        stats.create_task_by_fingerprint.values().all(|n| *n == 1),
        "{:?}",
        stats.create_task_by_fingerprint
    );
    let mut remote: Vec<String> = ids
        .iter()
        .map(|id| h.ledger.get(*id).unwrap().remote_task_id.unwrap())
        .collect();
    remote.sort();
    remote.dedup();
    assert_eq!(remote.len(), 3);
    engine.shutdown().await;
}

// ---- 42: every task belongs to its service ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_in_flight_is_followed_on_its_own_service_after_a_switch() {
    let h = harness().await;
    h.fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.05),
        gen_seconds: Some(1.0),
    });
    let id = h.engine.submit(request("A train at dawn")).await.unwrap();
    h.wait_running(id).await;
    h.engine.shutdown().await;
    assert_eq!(h.ledger.get(id).unwrap().service, Some(service_of(&h.fake)));

    // The creator points the app at another service and starts again.
    let other = FakeService::start(FakeConfig {
        time_scale: 0.005,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let engine = engine_on(
        &other,
        &h.ledger,
        h.keys.clone(),
        &h.events,
        &h.library,
        h.settings.clone(),
        Arc::new(seedance_core::clock::SystemClock),
    );
    let done = h.wait_state(id, LocalState::Downloaded).await;
    assert!(done.video_path.is_some());
    let here = other.stats();
    assert_eq!(
        here.record_info_calls, 0,
        "never polled on the wrong service"
    );
    assert_eq!(here.create_task_calls, 0);
    assert_eq!(h.fake.stats().create_task_calls, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_task_of_another_service_waits_until_the_creator_moves_it() {
    let h = harness().await;
    h.engine.shutdown().await;
    let elsewhere = "https://kinovi.ai/api/v1";
    let queued = h
        .ledger
        .create_new(&NewTask {
            request: &request("Queued for the other service"),
            estimate_credits: Some(200.0),
            initial: LocalState::Queued,
            service: Some(elsewhere),
            duplicate_window_ms: None,
        })
        .unwrap();
    let seedance_core::ledger::Created::New(id) = queued else {
        panic!("{queued:?}")
    };
    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    h.wait_event(|e| {
        matches!(e, EngineEvent::TaskChanged { task } if task.id == id
            && task.waiting_for == Some(TaskWait::OtherService { service: Some(elsewhere.to_owned()) }))
    })
    .await;
    // A later task of this service goes ahead of it; it stays queued, unsent.
    let mine = engine.submit(request("Made here")).await.unwrap();
    h.wait_state(mine, LocalState::Downloaded).await;
    assert_eq!(h.ledger.get(id).unwrap().state, LocalState::Queued);
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert!(engine.status().waiting.contains(&(
        id,
        TaskWait::OtherService {
            service: Some(elsewhere.to_owned())
        }
    )));
    // The history as the window reads it says so too (the ledger alone cannot).
    let rows = engine.list(ListQuery::default()).await.unwrap();
    let row = rows.iter().find(|row| row.id == id).unwrap();
    assert_eq!(
        row.waiting_for,
        Some(TaskWait::OtherService {
            service: Some(elsewhere.to_owned())
        })
    );
    assert_eq!(
        h.ledger.list(&ListQuery::default()).unwrap()[0].waiting_for,
        None
    );

    // The quote changes nothing; the confirmed move sends it here.
    let quote = engine.retarget(id, false).await.unwrap();
    assert!(!quote.moved);
    assert_eq!(quote.from.as_deref(), Some(elsewhere));
    assert_eq!(quote.to, service_of(&h.fake));
    assert_eq!(quote.estimate_credits, Some(200.0));
    assert_eq!(
        h.ledger.get(id).unwrap().service.as_deref(),
        Some(elsewhere)
    );
    assert_eq!(h.fake.stats().create_task_calls, 1);
    let moved = engine.retarget(id, true).await.unwrap();
    assert!(moved.moved);
    h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 2);
    engine.shutdown().await;
}

// ---- 43: a stop never abandons a request that may be paid ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_waits_for_create_task_on_the_wire_and_records_its_id() {
    let h = harness().await;
    // The service takes the task at once and answers 1.5 s later.
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 1500 }, 1);
    let id = h.engine.submit(request("A slow answer")).await.unwrap();
    until("createTask reached the fake", || {
        h.fake.stats().tasks_created == 1
    })
    .await;
    assert_eq!(h.ledger.get(id).unwrap().state, LocalState::Submitting);
    let report = h.engine.shutdown().await;
    assert_eq!(report.finished_sending, vec![id]);
    assert!(report.left_unknown.is_empty());
    let entry = h.ledger.get(id).unwrap();
    assert_eq!(entry.state, LocalState::Waiting);
    let remote = entry.remote_task_id.clone().unwrap();
    assert_eq!(h.fake.stats().tasks[0].task_id, remote);
    let counts: Vec<u32> = h
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::FinishingSends { remaining } => Some(remaining),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![1, 0], "finishing sending 1 task, then done");

    // The next engine follows it to the end without sending anything.
    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_immediate_stop_leaves_the_send_unknown_and_never_resends_it() {
    let h = harness().await;
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 5000 }, 1);
    let id = h.engine.submit(request("Cut off")).await.unwrap();
    until("createTask reached the fake", || {
        h.fake.stats().tasks_created == 1
    })
    .await;
    // A draining stop, then a second Ctrl-C while it waits.
    let draining = tokio::spawn({
        let engine = h.engine.clone();
        async move { engine.shutdown().await }
    });
    h.wait_event(|e| matches!(e, EngineEvent::FinishingSends { remaining: 1 }))
        .await;
    let report = h.engine.stop_now().await;
    let drained = draining.await.unwrap();
    assert_eq!(drained.left_unknown, vec![id], "{drained:?} / {report:?}");
    assert_eq!(
        h.ledger.get(id).unwrap().state,
        LocalState::SubmissionUnknown
    );

    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    let later = engine.submit(request("After the stop")).await.unwrap();
    h.wait_state(later, LocalState::Downloaded).await;
    assert_eq!(
        h.fake.stats().create_task_calls,
        2,
        "the cut-off one never resent"
    );
    assert_eq!(
        h.ledger.get(id).unwrap().state,
        LocalState::SubmissionUnknown
    );
    engine.shutdown().await;
}

// ---- 44: a success is never dropped ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_id_the_history_cannot_write_is_journaled_and_followed_to_the_end() {
    let h = harness().await;
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 800 }, 1);
    let id = h.engine.submit(request("On a full disk")).await.unwrap();
    h.wait_state(id, LocalState::Submitting).await;
    // The disk fills up while the service answers.
    h.ledger.inject_write_failures(true);
    h.wait_event(|e| matches!(e, EngineEvent::HistoryWriteFailed { .. }))
        .await;
    let (kept, problem, message) = h
        .events
        .all()
        .into_iter()
        .find_map(|e| match e {
            EngineEvent::HistoryWriteFailed {
                task_id,
                kept_in_journal,
                disk_problem,
                message,
                ..
            } if task_id == id => Some((kept_in_journal, disk_problem, message)),
            _ => None,
        })
        .unwrap();
    assert!(kept);
    assert_eq!(problem, Some(DiskProblem::Full));
    assert!(message.contains("disk is full"), "{message}");
    let remote = h.fake.stats().tasks[0].task_id.clone();
    assert!(message.contains(&remote), "{message}");
    let journal = h.ledger.path().with_file_name(JOURNAL_FILE);
    assert!(std::fs::read_to_string(&journal).unwrap().contains(&remote));

    // Space is freed: the engine records the id it kept following and finishes.
    h.ledger.inject_write_failures(false);
    let done = h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(done.remote_task_id.as_deref(), Some(remote.as_str()));
    assert_eq!(h.fake.stats().create_task_calls, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journaled_task_id_is_recorded_at_the_next_open() {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.005,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    let events = Recorder::new();
    let library = Library::with_utc_offset(dir.path().join("library"), time::UtcOffset::UTC);
    fake.push_fault(Endpoint::CreateTask, Fault::Delay { ms: 800 }, 1);
    let id = {
        let (ledger, _) = Ledger::open(&data).unwrap();
        let ledger = Arc::new(ledger);
        let engine = start(&fake, &ledger, &keys, &events, &library, fast_settings());
        let id = engine.submit(request("Journaled")).await.unwrap();
        until("the intent is recorded", || {
            ledger.get(id).unwrap().state == LocalState::Submitting
        })
        .await;
        ledger.inject_write_failures(true);
        let mut rx = events.version.subscribe();
        tokio::time::timeout(DEADLINE, async {
            while !events
                .all()
                .iter()
                .any(|e| matches!(e, EngineEvent::HistoryWriteFailed { .. }))
            {
                rx.changed().await.unwrap();
            }
        })
        .await
        .unwrap();
        // The app is closed (or dies) before the disk has room again.
        engine.stop_now().await;
        assert_eq!(ledger.get(id).unwrap().state, LocalState::Submitting);
        id
    };
    let remote = fake.stats().tasks[0].task_id.clone();
    let (ledger, report) = Ledger::open(&data).unwrap();
    assert_eq!(report.journal_replayed, 1, "{report:?}");
    assert!(!data.join(JOURNAL_FILE).exists());
    let entry = ledger.get(id).unwrap();
    assert_eq!(entry.state, LocalState::Waiting);
    assert_eq!(entry.remote_task_id.as_deref(), Some(remote.as_str()));
    let ledger = Arc::new(ledger);
    let engine = start(&fake, &ledger, &keys, &events, &library, fast_settings());
    let mut rx = events.version.subscribe();
    tokio::time::timeout(DEADLINE, async {
        while ledger.get(id).unwrap().state != LocalState::Downloaded {
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!(fake.stats().create_task_calls, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_room_for_the_journal_either_the_task_is_followed_from_memory() {
    let h = harness().await;
    // The journal's disk is full too.
    std::os::unix::fs::symlink("/dev/full", h.ledger.path().with_file_name(JOURNAL_FILE)).unwrap();
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::Delay { ms: 800 }, 1);
    let id = h.engine.submit(request("Nowhere to write")).await.unwrap();
    h.wait_state(id, LocalState::Submitting).await;
    h.ledger.inject_write_failures(true);
    h.wait_event(|e| {
        matches!(
            e,
            EngineEvent::HistoryWriteFailed {
                kept_in_journal: false,
                ..
            }
        )
    })
    .await;
    let message = h
        .events
        .all()
        .into_iter()
        .find_map(|e| match e {
            EngineEvent::HistoryWriteFailed { message, .. } => Some(message),
            _ => None,
        })
        .unwrap();
    assert!(message.contains("Keep Studio open"), "{message}");
    // Polls continue meanwhile (from memory), and the history catches up once it can.
    let remote = h.fake.stats().tasks[0].task_id.clone();
    until("still polled", || {
        h.fake
            .stats()
            .record_info_by_task
            .get(&remote)
            .copied()
            .unwrap_or(0)
            >= 2
    })
    .await;
    h.ledger.inject_write_failures(false);
    h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 1);
    h.engine.shutdown().await;
}

// ---- 45: a rejected key is a clear state ----

/// A keychain that is locked (not answering) until unlocked.
struct LockedKeychain {
    locked: AtomicBool,
    inner: SessionKeyStore,
}

impl KeyStore for LockedKeychain {
    fn load(&self) -> Result<Option<ApiKey>, KeychainError> {
        if self.locked.load(Ordering::SeqCst) {
            return Err(KeychainError::NotAnswering(5));
        }
        self.inner.load()
    }
    fn store(&self, key: &ApiKey) -> Result<(), KeychainError> {
        self.inner.store(key)
    }
    fn delete(&self) -> Result<(), KeychainError> {
        self.inner.delete()
    }
    fn describe(&self) -> &'static str {
        "test keychain"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keychain_holds_a_queued_task_without_failing_it() {
    let h = harness().await;
    h.engine.shutdown().await;
    let keys = Arc::new(LockedKeychain {
        locked: AtomicBool::new(true),
        inner: SessionKeyStore::new(),
    });
    keys.inner.store(&ApiKey::new(KEY).unwrap()).unwrap();
    let engine = engine_on(
        &h.fake,
        &h.ledger,
        keys.clone(),
        &h.events,
        &h.library,
        h.settings.clone(),
        Arc::new(seedance_core::clock::SystemClock),
    );
    let id = engine.submit(request("Locked keychain")).await.unwrap();
    h.wait_event(|e| {
        matches!(e, EngineEvent::TaskChanged { task } if task.id == id
            && task.waiting_for == Some(TaskWait::WorkingKey))
    })
    .await;
    assert!(matches!(engine.status().key, KeyState::Unreadable { .. }));
    assert_eq!(h.ledger.get(id).unwrap().state, LocalState::Queued);
    let rows = engine.list(ListQuery::default()).await.unwrap();
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].waiting_for, Some(TaskWait::WorkingKey));
    assert_eq!(h.fake.stats().create_task_calls, 0);
    // Unlocked: the key is read again on its own (no key saved, no click) and the task goes.
    keys.locked.store(false, Ordering::SeqCst);
    h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(engine.status().key, KeyState::Working);
    let events = h.events.all();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EngineEvent::PollingPaused { .. })),
        "a locked keychain paused everything: {events:#?}"
    );
    assert_eq!(h.fake.stats().create_task_calls, 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_to_the_key_just_replaced_does_not_pause_anything() {
    let h = harness().await;
    h.fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.05),
        gen_seconds: Some(2.5),
    });
    let id = h.engine.submit(request("Key rotation")).await.unwrap();
    h.wait_running(id).await;
    // The creator saves a wrong key by mistake; the next poll it sends is refused, but
    // the answer is slow to come back...
    h.fake
        .push_fault(Endpoint::RecordInfo, Fault::Delay { ms: 1500 }, 1);
    h.keys
        .store(&ApiKey::new("invalid-old-key").unwrap())
        .unwrap();
    h.engine.key_changed();
    until("the poll with the wrong key reached the fake", || {
        h.fake.stats().pending_faults.is_empty()
    })
    .await;
    // ...and before it does, the right key is back.
    h.keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    h.engine.key_changed();
    h.wait_state(id, LocalState::Downloaded).await;
    let stats = h.fake.stats();
    assert_eq!(
        stats.responses_by_status.get(&401),
        Some(&1),
        "the stale 401 came"
    );
    let events = h.events.all();
    assert!(
        !events.iter().any(|e| matches!(
            e,
            EngineEvent::PollingPaused { .. }
                | EngineEvent::KeyStateChanged {
                    key: KeyState::Rejected { .. }
                }
        )),
        "a 401 to the replaced key paused: {events:#?}"
    );
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_services_401_to_the_current_key_holds_tasks_until_a_key_is_saved() {
    let h = harness().await;
    h.fake
        .set_config(|c| c.required_key = Some("sk-the-new-key".into()));
    let id = h.engine.submit(request("Refused key")).await.unwrap();
    h.wait_event(|e| {
        matches!(e, EngineEvent::TaskChanged { task } if task.id == id
            && task.waiting_for == Some(TaskWait::WorkingKey))
    })
    .await;
    assert!(matches!(h.engine.status().key, KeyState::Rejected { .. }));
    // Nothing was created, nothing failed: the task waits in the queue.
    assert_eq!(h.ledger.get(id).unwrap().state, LocalState::Queued);
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert_eq!(h.fake.stats().tasks_created, 0);
    h.keys
        .store(&ApiKey::new("sk-the-new-key").unwrap())
        .unwrap();
    h.engine.key_changed();
    h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().tasks_created, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_from_the_upload_host_fails_one_task_and_pauses_nothing() {
    let h = harness().await;
    // The storage host refuses every PUT (an expired or rejected signature, again and
    // again): the reference cannot be uploaded.
    h.fake.push_fault(
        Endpoint::Put,
        Fault::Status {
            status: 403,
            body: "<Error><Code>AccessDenied</Code></Error>".into(),
            headers: vec![],
            content_type: Some("application/xml".into()),
        },
        50,
    );
    let mut with_image = request("With a picture");
    with_image.references.push(Reference {
        kind: MediaKind::Image,
        source: ReferenceSource::LocalFile {
            path: media_fixture("image.png"),
            uploaded: None,
        },
        duration_ms: None,
    });
    let failed = h.engine.submit(with_image).await.unwrap();
    h.wait_state(failed, LocalState::Failed).await;
    h.fake.clear_faults();
    let next = h.engine.submit(request("Text only")).await.unwrap();
    h.wait_state(next, LocalState::Downloaded).await;
    assert!(!h
        .events
        .all()
        .iter()
        .any(|e| matches!(e, EngineEvent::PollingPaused { .. })));
    assert_eq!(h.engine.status().key, KeyState::Working);
    h.engine.shutdown().await;
}

// ---- 46: no zombies ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_task_frees_its_slot_is_polled_slowly_and_can_be_dismissed() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            concurrency_limit_hint: Some(1),
            stuck_after: Some(Duration::from_millis(1500)),
            stuck_poll_every: Duration::from_millis(400),
            ..fast_settings()
        },
    )
    .await;
    let stuck = h
        .engine
        .submit(request("Never ends [fake:stuck]"))
        .await
        .unwrap();
    let behind = h.engine.submit(request("Waits behind it")).await.unwrap();
    h.wait_state(stuck, LocalState::Stuck).await;
    // The slot it held is free: the next task is sent and finishes.
    h.wait_state(behind, LocalState::Downloaded).await;
    let remote = h.ledger.get(stuck).unwrap().remote_task_id.unwrap();
    let polls = |fake: &FakeService| {
        fake.stats()
            .record_info_by_task
            .get(&remote)
            .copied()
            .unwrap_or(0)
    };
    let before = polls(&h.fake);
    until("the stuck task is still polled", || polls(&h.fake) > before).await;

    h.engine.dismiss(stuck).await.unwrap();
    let dismissed = h.ledger.get(stuck).unwrap();
    assert!(dismissed.dismissed);
    assert_eq!(dismissed.remote_task_id.as_deref(), Some(remote.as_str()));
    let after_dismiss = polls(&h.fake);
    // Several slow-poll periods: a dismissed task is not asked about (this wait can only
    // make the test fail).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(polls(&h.fake) <= after_dismiss + 1);
    assert!(h.ledger.in_flight().unwrap().is_empty());

    // "Check again" brings it back; it finishes when the service finishes it.
    h.engine.check_again(stuck).await.unwrap();
    assert!(!h.ledger.get(stuck).unwrap().dismissed);
    h.fake.complete_task(&remote).await;
    h.wait_state(stuck, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 2);
    h.engine.shutdown().await;
}

// ---- 50: the 24-hour upload expiry is checked right before sending ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_held_for_a_slot_uploads_again_when_its_uploads_went_stale() {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.005,
        concurrency_limit: 1,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(&dir.path().join("data")).unwrap();
    let ledger = Arc::new(ledger);
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    let events = Recorder::new();
    let library = Library::with_utc_offset(dir.path().join("library"), time::UtcOffset::UTC);
    let clock = Arc::new(ManualClock::new(seedance_core::ledger::system_now_ms()));
    let engine = engine_on(
        &fake,
        &ledger,
        keys,
        &events,
        &library,
        fast_settings(),
        clock.clone(),
    );
    fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.05),
        gen_seconds: Some(2.0),
    });
    let first = engine.submit(request("Holds the only slot")).await.unwrap();
    let mut with_image = request("Waits for the slot with a picture");
    with_image.references.push(Reference {
        kind: MediaKind::Image,
        source: ReferenceSource::LocalFile {
            path: media_fixture("image.png"),
            uploaded: None,
        },
        duration_ms: None,
    });
    let held = engine.submit(with_image).await.unwrap();
    let mut rx = events.version.subscribe();
    tokio::time::timeout(DEADLINE, async {
        while !events.all().iter().any(|e| {
            matches!(e, EngineEvent::TaskChanged { task } if task.id == held
                && task.waiting_for == Some(TaskWait::FreeSlot))
        }) {
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("the second task waits for a slot");
    assert_eq!(fake.stats().upload_requests, 1);
    // A day passes while it waits (a laptop asleep): its upload link has expired.
    clock.advance_ms(25 * 60 * 60 * 1000);
    tokio::time::timeout(DEADLINE, async {
        while ledger.get(held).unwrap().state != LocalState::Downloaded {
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("the held task finishes");
    assert_eq!(ledger.get(first).unwrap().state, LocalState::Downloaded);
    let stats = fake.stats();
    assert_eq!(stats.upload_requests, 2, "uploaded again before sending");
    assert_eq!(stats.tasks_created, 2);
    engine.shutdown().await;
}
