//! Charges that settle after success (service-api §12.3.2), end to end over real HTTP
//! against the fake service: the engine reads the task again after success until
//! `creditsUsed` shows the settled figure, keeps it beside the reservation in the ledger,
//! and the spending cap counts the larger estimate until then and the settled figure
//! after.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

use seedance_core::engine::{EngineSettings, SpendingCap, SubmitRefusal};
use seedance_core::ledger::{ListQuery, LocalState, TaskEntry, TaskId};
use seedance_core::media::MediaKind;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_fake::FakeConfig;

/// A video reference of `seconds` on a host the fake reads the length from.
fn clip(seconds: u32) -> Reference {
    Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url {
            url: format!("https://cdn.example/source.mp4?duration={seconds}&ratio=9:16"),
        },
        duration_ms: Some(u64::from(seconds) * 1000),
    }
}

fn extend(source_secs: u32, new_secs: u32) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25Extend, "the dog jumps the fence");
    request.duration_secs = new_secs;
    request.resolution = Resolution::P720;
    request.references.push(clip(source_secs));
    request
}

fn edit_480p(source_secs: u32) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25Edit, "make it snow");
    request.resolution = Resolution::P480;
    request.references.push(clip(source_secs));
    request
}

fn text_480p(seconds: u32, prompt: &str) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25, prompt);
    request.duration_secs = seconds;
    request.resolution = Resolution::P480;
    request
}

/// The settlement lands about a second (real time) after success: the answer that says
/// `success` still shows the reservation, so the figure can only come from a later read.
fn slow_settlement() -> FakeConfig {
    FakeConfig {
        settlement_delay_secs: 200.0,
        ..FakeConfig::default()
    }
}

fn with_cap(daily: f64) -> EngineSettings {
    EngineSettings {
        spending_cap: Some(SpendingCap {
            daily_credits: Some(daily),
            monthly_credits: None,
        }),
        ..fast_settings()
    }
}

impl Harness {
    /// Waits (on events) until task `id` has its settled charge.
    async fn wait_settled(&self, id: TaskId) -> TaskEntry {
        let mut rx = self.events.version.subscribe();
        let waited = tokio::time::timeout(DEADLINE, async {
            loop {
                let entry = self.ledger.get(id).unwrap();
                if entry.settled_credits.is_some() {
                    return entry;
                }
                rx.changed().await.unwrap();
            }
        })
        .await;
        waited.unwrap_or_else(|_| panic!("task {id} never settled: {:?}", self.ledger.get(id)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_keeps_its_reservation_and_the_settled_charge_read_after_success() {
    let h = harness_with(slow_settlement(), fast_settings()).await;
    let id = h.engine.submit(extend(10, 5)).await.unwrap();
    let entry = h.wait_settled(id).await;

    // service-api §12.3.3: extend 10 s + 5 s at 720p reserves 175 and settles at 525.
    assert_eq!(entry.service_credits, Some(175.0), "{entry:?}");
    assert_eq!(entry.reserved_credits(), Some(175.0));
    assert_eq!(entry.settled_credits, Some(525.0));
    assert!(entry.settled_at_ms.is_some());
    assert_eq!(entry.reported_model.as_deref(), Some("seedance2-5-extend"));
    assert!(!entry.settlement_pending());
    let remote = entry.remote_task_id.clone().unwrap();
    let fake_task = h
        .fake
        .stats()
        .tasks
        .into_iter()
        .find(|t| t.task_id == remote)
        .unwrap();
    assert!(fake_task.credits_settled, "{fake_task:?}");
    assert_eq!(fake_task.final_credits, Some(525.0));

    // The gallery row and the history say both figures.
    let row = h
        .ledger
        .list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(
        (
            row.reserved_credits,
            row.settled_credits,
            row.settlement_pending
        ),
        (Some(175.0), Some(525.0), false)
    );
    let summary = h.engine.summary(&entry);
    assert_eq!(
        (summary.reserved_credits, summary.settled_credits),
        (Some(175.0), Some(525.0))
    );
    assert!(h
        .ledger
        .history(id)
        .unwrap()
        .iter()
        .any(|line| line.note.as_deref() == Some("charge settled at 525 credits")));
    // The download went its own way: the video is in the library.
    h.wait_state(id, LocalState::Downloaded).await;
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_of_a_model_whose_reservation_is_final_records_no_settlement() {
    let h = harness().await;
    let id = h.engine.submit(text_480p(5, "a kite")).await.unwrap();
    let entry = h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(entry.cap_credits, None);
    assert_eq!(entry.settled_credits, None);
    assert!(!entry.settlement_pending());
    assert_eq!(entry.service_credits, Some(130.0));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_counts_what_an_extension_may_settle_at_before_it_settles() {
    // Reserved 175, settles at 525: a 130-credit task fits beside the reservation but not
    // beside the settled charge, so a 600-credit day refuses it.
    let h = harness_with(slow_settlement(), with_cap(600.0)).await;
    let first = h.engine.submit(extend(10, 5)).await.unwrap();
    assert_eq!(h.ledger.get(first).unwrap().cap_credits, Some(525.0));
    let refused = h
        .engine
        .submit(text_480p(5, "a second shot"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, SubmitRefusal::SpendingCap { .. }),
        "{refused:?}"
    );
    h.wait_settled(first).await;
    let refused = h
        .engine
        .submit(text_480p(5, "a third shot"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, SubmitRefusal::SpendingCap { .. }),
        "{refused:?}"
    );
    assert_eq!(h.fake.stats().create_task_calls, 1);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_counts_the_settled_charge_of_an_edit_once_it_is_read() {
    // An edit of a 4 s clip at 480p reserves 15 × 16 = 240 and settles at 2 × 4 × 16 =
    // 128: once settled, a 104-credit task fits under a 300-credit day; counted at the
    // reservation it would not.
    let h = harness_with(slow_settlement(), with_cap(300.0)).await;
    let edit = h.engine.submit(edit_480p(4)).await.unwrap();
    let refused = h
        .engine
        .submit(text_480p(4, "too early"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, SubmitRefusal::SpendingCap { .. }),
        "{refused:?}"
    );
    let settled = h.wait_settled(edit).await;
    assert_eq!(
        (settled.reserved_credits(), settled.settled_credits),
        (Some(240.0), Some(128.0))
    );
    let next = h
        .engine
        .submit(text_480p(4, "after settling"))
        .await
        .unwrap();
    h.wait_running(next).await;
    assert_eq!(h.fake.stats().create_task_calls, 2);
    h.engine.shutdown().await;
}
