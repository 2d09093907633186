//! A request with many local references uploads them several at a time, never more than
//! the engine's bound, each once, before its one createTask.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use seedance_core::ledger::LocalState;
use seedance_core::media::MediaKind;
use seedance_core::model::{Mode, ModelId};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_fake::{Endpoint, FakeConfig, Fault};

#[tokio::test]
async fn many_references_upload_at_once_within_the_bound() {
    let h = harness_with(
        FakeConfig {
            concurrency_limit: 10,
            ..FakeConfig::default()
        },
        fast_settings(),
    )
    .await;
    // Every PUT is held for a moment after it is stored, so uploads that run together
    // overlap at the fake whatever the machine's speed.
    const FILES: usize = 12;
    h.fake
        .push_fault(Endpoint::Put, Fault::Delay { ms: 300 }, FILES as u32);
    let dir = tempfile::tempdir().unwrap();
    let mut request = GenerationRequest::new(ModelId::Seedance25, "twelve stills of one harbour");
    request.mode = Some(Mode::Reference);
    for i in 0..FILES {
        let path = dir.path().join(format!("still-{i}.png"));
        std::fs::copy(media_fixture("image.png"), &path).unwrap();
        request.references.push(Reference {
            kind: MediaKind::Image,
            source: ReferenceSource::LocalFile {
                path,
                uploaded: None,
            },
            duration_ms: None,
        });
    }
    let id = h.engine.submit(request).await.unwrap();
    let entry = h
        .wait_any(
            id,
            &[
                LocalState::Waiting,
                LocalState::Generating,
                LocalState::Succeeded,
                LocalState::Downloaded,
            ],
        )
        .await;

    let stats = h.fake.stats();
    assert_eq!(stats.puts, FILES as u64);
    assert_eq!(stats.create_task_calls, 1);
    assert!(
        (2..=8).contains(&stats.puts_in_flight_max),
        "uploads at once: {} (want several, at most 8)",
        stats.puts_in_flight_max
    );
    assert_eq!(stats.upload_requests, FILES as u64);
    assert!(entry.remote_task_id.is_some(), "{entry:?}");
}
