//! The engine end to end over real HTTP against the in-process fake service: submission,
//! polling, downloads, retries, the concurrency queue, the key pause, restarts, the
//! spending cap and cancellation. Each test asserts what the fake actually received.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

use std::collections::HashMap;
use std::time::Duration;

use seedance_core::engine::{
    EngineEvent, EngineSettings, SpendingCap, SubmitRefusal, UnknownResolution,
};
use seedance_core::guidance::Action;
use seedance_core::keychain::KeyStore;
use seedance_core::ledger::{LocalState, TaskId};
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint, FakeConfig, Fault, Outcome, TaskPlan};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_to_video_ends_downloaded_with_files_and_one_event_per_change() {
    let h = harness().await;
    let id = h
        .engine
        .submit(request("A golden retriever in autumn leaves"))
        .await
        .unwrap();
    let entry = h.wait_state(id, LocalState::Downloaded).await;

    let video = entry.video_path.clone().unwrap();
    assert!(std::fs::metadata(&video).unwrap().len() > 1000, "{video:?}");
    assert!(video.starts_with(h.library.root()));
    let poster = entry.poster_path.clone().unwrap();
    assert!(std::fs::metadata(&poster).unwrap().len() > 100);
    assert!(entry.remote_task_id.is_some());

    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 1);
    assert_eq!(stats.tasks_created, 1);
    assert!(stats.record_info_calls >= 2, "{}", stats.record_info_calls);
    assert_eq!(stats.auth_header_leaks, 0);
    // Coalesced: many polls, but each state reported once, in order.
    let states = h.states_of(id);
    let mut deduped = states.clone();
    deduped.dedup();
    assert_eq!(states, deduped, "repeated task_changed: {states:?}");
    // Each event is the ledger's state when it is sent: the scheduler may take the task
    // from the queue before the submission's own event goes out, which then says so.
    assert!(
        matches!(
            states.first(),
            Some(LocalState::Queued | LocalState::Submitting)
        ),
        "{states:?}"
    );
    assert_eq!(states.last(), Some(&LocalState::Downloaded));
    assert!(states.contains(&LocalState::Submitting) && states.contains(&LocalState::Waiting));
    // No event carries the key.
    let json = serde_json::to_string(&h.events.all()).unwrap();
    assert!(!json.contains(KEY));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failure_can_be_retried_as_a_linked_task_that_succeeds() {
    let h = harness().await;
    h.fake.queue_outcome(Outcome::Fail {
        code: Some("500".into()),
        message: "Video generation failed. Please try again.".into(),
    });
    let id = h
        .engine
        .submit(request("A lighthouse at dusk"))
        .await
        .unwrap();
    let failed = h.wait_state(id, LocalState::Failed).await;
    let g = guidance(&failed);
    assert_eq!(g.category.as_str(), "transient");
    assert!(g.retryable);
    assert_eq!(
        failed.error_raw.as_ref().unwrap().code.as_deref(),
        Some("500")
    );

    let again = h.engine.retry(id, false).await.unwrap();
    assert_ne!(again, id);
    let done = h.wait_state(again, LocalState::Downloaded).await;
    assert_eq!(done.retry_of, Some(id));
    assert_eq!(done.request, failed.request);
    assert_eq!(h.fake.stats().create_task_calls, 2);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_failure_is_not_offered_as_a_retry() {
    let h = harness().await;
    let id = h
        .engine
        .submit(request("something [fake:fail=moderation]"))
        .await
        .unwrap();
    let failed = h.wait_state(id, LocalState::Failed).await;
    let g = guidance(&failed);
    assert!(!g.retryable, "{g:?}");
    assert_eq!(g.category.as_str(), "input_rejected");
    let refused = h.engine.retry(id, true).await.unwrap_err();
    assert!(
        matches!(
            refused,
            SubmitRefusal::NotAllowed {
                needs_confirmation: false,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(h.fake.stats().create_task_calls, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_credits_fails_once_with_the_services_figures() {
    let h = harness().await;
    h.fake.set_balance(10.0);
    let id = h
        .engine
        .submit(request("A red kite over hills"))
        .await
        .unwrap();
    let failed = h.wait_state(id, LocalState::Failed).await;
    let g = guidance(&failed);
    assert_eq!(g.category.as_str(), "insufficient_credits");
    match g.action {
        Action::AddCredits {
            required,
            available,
        } => {
            assert_eq!(required, Some(200.0));
            assert_eq!(available, Some(10.0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert_eq!(h.fake.stats().tasks_created, 0);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_json_500_on_create_task_is_resent_once() {
    let h = harness().await;
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::internal_error(), 1);
    let id = h
        .engine
        .submit(request("A paper boat on a river"))
        .await
        .unwrap();
    h.wait_state(id, LocalState::Downloaded).await;
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 2);
    assert_eq!(stats.tasks_created, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_create_task_is_never_resent() {
    let h = harness().await;
    h.fake
        .push_fault(Endpoint::CreateTask, Fault::ResetAfterAct, 1);
    let id = h.engine.submit(request("A glass of water")).await.unwrap();
    let unknown = h.wait_state(id, LocalState::SubmissionUnknown).await;
    assert!(unknown.remote_task_id.is_none());
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert_eq!(
        h.fake.stats().tasks_created,
        1,
        "the fake did create (and charge) it"
    );

    // The engine keeps working; a later task goes through and the unknown one is not
    // sent again meanwhile.
    let other = h
        .engine
        .submit(request("A second, unrelated video"))
        .await
        .unwrap();
    h.wait_state(other, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 2);
    assert_eq!(
        h.ledger.get(id).unwrap().state,
        LocalState::SubmissionUnknown
    );

    // A retry needs explicit consent.
    let refused = h.engine.retry(id, false).await.unwrap_err();
    assert!(matches!(
        refused,
        SubmitRefusal::NotAllowed {
            needs_confirmation: true,
            ..
        }
    ));
    assert_eq!(h.fake.stats().create_task_calls, 2);
    let abandoned = h
        .engine
        .resolve_unknown(id, UnknownResolution::Abandon)
        .await
        .unwrap();
    assert_eq!(abandoned, None);
    assert_eq!(
        guidance(&h.ledger.get(id).unwrap()).category.as_str(),
        "submission_unknown"
    );
    assert_eq!(h.fake.stats().create_task_calls, 2);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_limit_of_one_runs_tasks_one_at_a_time_in_order() {
    let h = harness_with(
        FakeConfig {
            concurrency_limit: 1,
            ..FakeConfig::default()
        },
        fast_settings(),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            h.engine
                .submit(request(&format!("Clip number {n}")))
                .await
                .unwrap(),
        );
    }
    let mut remotes = Vec::new();
    for &id in &ids {
        let entry = h.wait_state(id, LocalState::Downloaded).await;
        remotes.push(entry.remote_task_id.unwrap());
    }
    // Never more than one of ours on the service at once, and none failed.
    let mut state: HashMap<TaskId, LocalState> = HashMap::new();
    let mut max_running = 0;
    for event in h.events.all() {
        if let EngineEvent::TaskChanged { task } = event {
            assert_ne!(task.state, LocalState::Failed, "{task:?}");
            state.insert(task.id, task.state);
            let running = state
                .values()
                .filter(|s| matches!(s, LocalState::Waiting | LocalState::Generating))
                .count();
            max_running = max_running.max(running);
        }
    }
    assert_eq!(max_running, 1);
    // The service created them in submission order, one task per submission.
    let stats = h.fake.stats();
    let created: Vec<String> = stats.tasks.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(created, remotes);
    assert_eq!(stats.tasks_created, 3);
    // The limit was learned from a 429 (not configured), and the 429 failed nothing.
    assert!(stats.responses_by_status.get(&429).copied().unwrap_or(0) >= 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_pauses_all_polling_until_a_new_key_is_saved() {
    let h = harness().await;
    for _ in 0..2 {
        h.fake.queue_plan(TaskPlan {
            outcome: Outcome::Success,
            wait_seconds: Some(0.05),
            gen_seconds: Some(1.5),
        });
    }
    let first = h.engine.submit(request("A fox in snow")).await.unwrap();
    let second = h.engine.submit(request("A hare in snow")).await.unwrap();
    h.wait_running(first).await;
    h.wait_running(second).await;
    // The service starts refusing the key (revoked or rotated).
    h.fake.push_fault(
        Endpoint::RecordInfo,
        Fault::json(401, serde_json::json!({"message": "Invalid API Key"})),
        1,
    );
    h.wait_event(|e| matches!(e, EngineEvent::PollingPaused { .. }))
        .await;
    let polls_when_paused = h.fake.stats().record_info_calls;
    // Unpaused, the two tasks would poll ~10 times in this span (every 100 ms each);
    // paused, the service must hear nothing. (This wait can only make the test fail.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(h.fake.stats().record_info_calls <= polls_when_paused + 1);

    // The creator saves a valid key (the fake ties tasks to the key that made them, so
    // it is the same one here).
    h.keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    h.engine.key_changed();
    h.wait_event(|e| matches!(e, EngineEvent::PollingResumed))
        .await;
    h.wait_state(first, LocalState::Downloaded).await;
    h.wait_state(second, LocalState::Downloaded).await;
    let stats = h.fake.stats();
    assert!(stats.record_info_calls > polls_when_paused + 1);
    assert_eq!(stats.responses_by_status.get(&401), Some(&1));
    assert_eq!(stats.create_task_calls, 2);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_engine_finishes_the_task_without_resubmitting() {
    let h = harness().await;
    h.fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.05),
        gen_seconds: Some(1.5),
    });
    let id = h
        .engine
        .submit(request("A train through mountains"))
        .await
        .unwrap();
    h.wait_running(id).await;
    h.engine.shutdown().await;
    let calls_before = h.fake.stats().create_task_calls;
    assert_eq!(calls_before, 1);

    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    let entry = h.wait_state(id, LocalState::Downloaded).await;
    assert!(entry.video_path.is_some());
    assert_eq!(h.fake.stats().create_task_calls, calls_before);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intent_without_an_answer_becomes_unknown_at_startup_and_is_not_sent() {
    let h = harness().await;
    h.engine.shutdown().await;
    // As if the app died between the durable intent and the createTask answer.
    let id = h
        .ledger
        .create(
            &request("Interrupted"),
            Some(200.0),
            None,
            LocalState::Queued,
        )
        .unwrap();
    h.ledger.mark_submitting(id).unwrap();
    let engine = start(
        &h.fake,
        &h.ledger,
        &h.keys,
        &h.events,
        &h.library,
        h.settings.clone(),
    );
    h.wait_state(id, LocalState::SubmissionUnknown).await;
    // A later submission proves the engine ran its start-up fully.
    let other = engine.submit(request("After restart")).await.unwrap();
    h.wait_state(other, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert_eq!(
        h.ledger.get(id).unwrap().state,
        LocalState::SubmissionUnknown
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spending_cap_refuses_what_would_pass_it_and_says_what_is_left() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            spending_cap: Some(SpendingCap {
                daily_credits: Some(300.0),
                monthly_credits: None,
            }),
            ..fast_settings()
        },
    )
    .await;
    // 5 s at 720p on Seedance 2.0: 200 credits.
    let first = h
        .engine
        .submit(request("First within the cap"))
        .await
        .unwrap();
    let refused = h
        .engine
        .submit(request("Second over the cap"))
        .await
        .unwrap_err();
    match &refused {
        SubmitRefusal::SpendingCap { guidance } => {
            assert_eq!(guidance.category.as_str(), "spending_cap");
            assert!(
                guidance.explanation.contains("100"),
                "{}",
                guidance.explanation
            );
            assert!(
                guidance.explanation.contains("midnight"),
                "{}",
                guidance.explanation
            );
        }
        other => panic!("{other:?}"),
    }
    h.wait_state(first, LocalState::Downloaded).await;
    assert_eq!(h.fake.stats().create_task_calls, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_queued_task_spends_nothing() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            concurrency_limit_hint: Some(1),
            ..fast_settings()
        },
    )
    .await;
    h.fake.queue_plan(TaskPlan {
        outcome: Outcome::Success,
        wait_seconds: Some(0.05),
        gen_seconds: Some(1.0),
    });
    let balance = h.fake.balance();
    let first = h.engine.submit(request("Runs")).await.unwrap();
    let second = h
        .engine
        .submit(request("Waits, then is cancelled"))
        .await
        .unwrap();
    h.wait_running(first).await;
    assert_eq!(h.ledger.get(second).unwrap().state, LocalState::Queued);
    h.engine.cancel(second).await.unwrap();
    assert_eq!(h.ledger.get(second).unwrap().state, LocalState::Cancelled);
    h.wait_state(first, LocalState::Downloaded).await;
    let stats = h.fake.stats();
    assert_eq!(stats.create_task_calls, 1);
    assert_eq!(h.fake.balance(), balance - 200.0);
    // A task already sent cannot be cancelled.
    assert!(h.engine.cancel(first).await.is_err());
    h.engine.shutdown().await;
}
