//! Expiring last frames (service-api §12.4): the 2.5 family's `lastFrameImage` is a signed
//! JPEG link valid 24 hours. The engine saves it at success, before the video and even
//! when videos are not downloaded automatically, keeps it as the task's last-frame file,
//! and "continue from last frame" sends that local copy once the link has expired. The
//! fake's clock is moved past the expiry instead of waiting.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::continuation::{continue_request, SourceError};
use seedance_core::engine::EngineSettings;
use seedance_core::ledger::LocalState;
use seedance_core::model::{Mode, ModelId, Resolution};
use seedance_core::request::{GenerationRequest, ReferenceSource};
use seedance_fake::FakeConfig;

fn shot(prompt: &str) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25, prompt);
    request.duration_secs = 4;
    request.resolution = Resolution::P480;
    request
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_frame_is_saved_at_success_and_continued_from_after_its_link_expired() {
    let h = harness().await;
    let id = h.engine.submit(shot("a lantern on a pier")).await.unwrap();
    let source = h.wait_state(id, LocalState::Downloaded).await;
    let frame = source.last_frame_path.clone().expect("last frame kept");
    assert!(frame.starts_with(h.library.root()));
    assert!(is_jpeg(&std::fs::read(&frame).unwrap()), "{frame:?}");
    assert_eq!(source.poster_path.as_deref(), Some(frame.as_path()));
    let link = source
        .output
        .as_ref()
        .unwrap()
        .last_frame_image
        .clone()
        .unwrap();
    assert!(
        link.contains("/tos/") && link.contains("X-Tos-Expires=86400"),
        "{link}"
    );

    // A day and a minute later the link is refused; the saved copy is what is sent.
    h.fake.advance_service_time(86_460.0);
    let client = ApiClient::new(ClientConfig::new(&h.fake.base_url()).unwrap()).unwrap();
    assert!(
        !client.is_reachable(&link).await,
        "the link should have expired"
    );

    let next = continue_request(&source, "the lantern swings in the wind", 4).unwrap();
    assert_eq!(next.model, ModelId::Seedance25);
    assert_eq!(next.mode, Some(Mode::Keyframe));
    assert!(matches!(
        &next.references[0].source,
        ReferenceSource::LocalFile { path, .. } if *path == frame
    ));
    let puts_before = h.fake.stats().puts;
    let continued = h.engine.submit(next).await.unwrap();
    h.ledger.set_source(continued, id).unwrap();
    let done = h.wait_state(continued, LocalState::Downloaded).await;
    assert_eq!(done.source_task, Some(id));
    let stats = h.fake.stats();
    assert_eq!(stats.puts, puts_before + 1, "the saved frame was uploaded");
    let remote = done.remote_task_id.unwrap();
    let task = stats.tasks.iter().find(|t| t.task_id == remote).unwrap();
    assert_eq!(
        (task.image_count, task.effective_mode.as_str()),
        (1, "keyframe")
    );
    assert_eq!(stats.auth_header_leaks, 0);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_frame_is_saved_at_success_even_when_videos_wait_to_be_downloaded() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            auto_download: false,
            ..fast_settings()
        },
    )
    .await;
    let id = h.engine.submit(shot("a heron takes off")).await.unwrap();
    h.wait_state(id, LocalState::Succeeded).await;
    let mut rx = h.events.version.subscribe();
    let entry = tokio::time::timeout(DEADLINE, async {
        loop {
            let entry = h.ledger.get(id).unwrap();
            if entry.last_frame_path.is_some() {
                return entry;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("the last frame is saved without a download");
    assert_eq!(entry.state, LocalState::Succeeded);
    assert_eq!(entry.video_path, None);
    let frame = entry.last_frame_path.clone().unwrap();
    assert!(is_jpeg(&std::fs::read(&frame).unwrap()));

    // Past the expiry the video still downloads, and the saved frame stays its poster.
    h.fake.advance_service_time(86_460.0);
    h.engine.download_again(id).await.unwrap();
    let done = h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(done.poster_path.as_deref(), Some(frame.as_path()));
    assert_eq!(done.last_frame_path.as_deref(), Some(frame.as_path()));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuing_needs_a_saved_last_frame() {
    let h = harness().await;
    let id = h
        .engine
        .submit(request("a 2.0 clip with a lasting PNG"))
        .await
        .unwrap();
    let mut entry = h.wait_state(id, LocalState::Downloaded).await;
    // The 2.0 family's PNG is kept too.
    assert!(entry.last_frame_path.is_some());
    entry.last_frame_path = None;
    assert_eq!(
        continue_request(&entry, "next", 5).unwrap_err(),
        SourceError::NoLastFrame { id }
    );
    h.engine.shutdown().await;
}
