//! The output check after download, end to end against the fake service: the saved file
//! is measured with ffprobe and compared with the request, the result kept with the task
//! and said in one line on its summary. Without render mode the fake serves a 1 s 320×180
//! test pattern whatever was asked (a mismatching file); with it, the file is what the
//! request asked for.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

use seedance_core::ledger::LocalState;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::output_check::Mismatch;
use seedance_core::request::GenerationRequest;
use seedance_fake::FakeConfig;

fn ffmpeg_present() -> bool {
    seedance_core::film::FfmpegCli::locate(None).is_ok()
}

fn silent_480p(seconds: u32) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25, "a red kite over dunes");
    request.duration_secs = seconds;
    request.resolution = Resolution::P480;
    request.generate_audio = false;
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_unlike_the_request_is_kept_as_a_mismatch_in_one_line() {
    assert!(ffmpeg_present(), "ffprobe is needed for the output check");
    let h = harness().await;
    let mut request = request("a lighthouse in a storm");
    request.resolution = Resolution::P1080;
    let id = h.engine.submit(request).await.unwrap();
    let entry = h.wait_state(id, LocalState::Downloaded).await;

    let check = entry.output_check.clone().expect("checked after download");
    assert!(
        check.mismatches.contains(&Mismatch::Resolution {
            asked: Resolution::P1080,
            got: "480p".into()
        }),
        "{check:?}"
    );
    assert!(
        check
            .mismatches
            .iter()
            .any(|m| matches!(m, Mismatch::Duration { asked_secs, got_secs } if *asked_secs == 5.0 && *got_secs < 2.0)),
        "{check:?}"
    );
    let line = check.summary().unwrap();
    assert!(line.starts_with("Asked for 5 s, 1080p"), "{line}");
    assert_eq!(h.engine.summary(&entry).output_mismatch, Some(line.clone()));
    // The event the window gets carries the line too.
    let told = h.events.all().into_iter().any(|e| {
        matches!(e, seedance_core::engine::EngineEvent::TaskChanged { task }
            if task.id == id && task.output_mismatch.as_deref() == Some(line.as_str()))
    });
    assert!(told, "{:#?}", h.events.all());
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendered_result_as_asked_has_no_mismatch() {
    assert!(ffmpeg_present(), "ffmpeg is needed for render mode");
    let h = harness_with(
        FakeConfig {
            render_results: true,
            ..FakeConfig::default()
        },
        fast_settings(),
    )
    .await;
    let id = h.engine.submit(silent_480p(4)).await.unwrap();
    let entry = h.wait_state(id, LocalState::Downloaded).await;
    let check = entry.output_check.clone().expect("checked after download");
    assert!(check.is_match(), "{check:?}");
    assert_eq!(h.engine.summary(&entry).output_mismatch, None);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_check_off_nothing_is_measured() {
    let h = harness_with(
        FakeConfig::default(),
        seedance_core::engine::EngineSettings {
            check_outputs: false,
            ..fast_settings()
        },
    )
    .await;
    let id = h.engine.submit(request("a quiet pond")).await.unwrap();
    let entry = h.wait_state(id, LocalState::Downloaded).await;
    assert_eq!(entry.output_check, None);
    h.engine.shutdown().await;
}
