//! The model catalogue is data: a model the service offers on the same API (Wan 3.0,
//! service-api §12.1, §12.3, §12.5.3) added to a copy of the shipped table is validated,
//! priced, scheduled and serialized with no code change, and the fake service accepts and
//! bills the body exactly as estimated.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::media::MediaKind;
use seedance_core::model::{AspectRatio, Catalog, Mode, OutputFormat, Resolution};
use seedance_core::pricing::{estimate_with, format_button_label, PricingError};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::schedule::sim::{self, SimTask};
use seedance_core::schedule::PollSchedule;
use seedance_core::secret::ApiKey;
use seedance_core::validate::{validate, validate_with, Field, ProblemCode};
use seedance_fake::{FakeConfig, FakeService};

/// Wan 3.0's table, from service-api §12.1.1–12.1.4, §12.3.1 and §12.3.4. The 720p rate is
/// 28.514: the documentation lists 28.51 but bills 142.57 for 5 s (per-second credits are
/// rounded for display).
fn wan(id: &str, label: &str, images: Value, videos: Value, audio: Value, ratios: Value) -> Value {
    json!({
        "id": id, "label": label, "family": "wan-3.0", "task": "generate",
        "duration": {"min_secs": 2, "max_secs": 30, "default_secs": 5},
        "resolutions": ["480p", "720p", "1080p"], "default_resolution": "720p",
        "prompt_max_chars": 20000,
        "references": {"image": images, "video": videos, "audio": audio, "audio_needs_visual": false},
        "modes": {"field": false, "three_or_more_images": "reference"},
        "aspect": {"field": true, "ratios": ratios, "keyframe_keeps_image_ratio": false},
        "output_formats": ["mp4"],
        "audio_flag": "audio",
        "high_bitrate": false,
        "seed_max": 2147483647u64,
        "timing": {
            "windows": [
                {"reference_video": true, "earliest_secs": 330, "latest_secs": 390},
                {"earliest_secs": 180, "latest_secs": 240}
            ],
            "stuck_after_secs": 900
        },
        "pricing": {
            "usd_per_credit": 0.00465, "note": null,
            "rates": [
                {"resolution": "480p", "standard": 14.26},
                {"resolution": "720p", "standard": 28.514},
                {"resolution": "1080p", "standard": 57.01}
            ],
            "settlement": {"rule": "at_submit"}
        }
    })
}

/// The shipped table plus Wan 3.0 text-to-video and reference-to-video: a data change only.
fn catalog_with_wan() -> Catalog {
    let mut table: Value = serde_json::from_str(Catalog::shipped_json()).unwrap();
    let none = json!({"max": 0});
    let models = table["models"].as_array_mut().unwrap();
    models.push(wan(
        "wan3.0-text-to-video",
        "Wan 3.0",
        none.clone(),
        none.clone(),
        none,
        json!(["16:9", "9:16", "4:3", "3:4", "1:1"]),
    ));
    models.push(wan(
        "wan3.0-ref-to-video",
        "Wan 3.0 Reference",
        json!({"max": 10, "formats": ["jpg", "jpeg", "png", "webp"]}),
        json!({"max": 5, "each_max_secs": 15, "with_duration_max_secs": 30, "formats": ["mp4", "mov"]}),
        json!({"max": 5, "combined_max_secs": 15, "formats": ["mp3", "wav", "m4a", "ogg"]}),
        json!(["16:9", "9:16", "4:3", "3:4", "1:1"]),
    ));
    table["version"] = json!("with-wan-for-a-test");
    Catalog::from_json(&table.to_string()).unwrap()
}

fn video(url: &str, ms: u64) -> Reference {
    Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url { url: url.into() },
        duration_ms: Some(ms),
    }
}

fn codes(v: &seedance_core::validate::Validation) -> Vec<ProblemCode> {
    v.problems.iter().map(|p| p.code).collect()
}

#[test]
fn a_model_added_to_a_copy_of_the_table_is_validated_priced_and_scheduled() {
    let catalog = catalog_with_wan();
    let t2v = catalog.id("wan3.0-text-to-video").unwrap();
    let r2v = catalog.id("wan3.0-ref-to-video").unwrap();
    // The shipped table is untouched: there, the model is unknown.
    assert!(Catalog::shipped().id("wan3.0-text-to-video").is_none());
    let plain = GenerationRequest::new_with(&catalog, t2v, "A red fox in fresh snow");
    assert_eq!(
        codes(&validate(&plain)),
        vec![ProblemCode::ModelUnknown],
        "the shipped catalogue does not know it"
    );

    // Validation reads the copy.
    assert!(validate_with(&catalog, &plain).problems.is_empty());
    assert!(validate_with(&catalog, &plain).warnings.is_empty());
    let mut r = plain.clone();
    r.duration_secs = 2;
    assert!(validate_with(&catalog, &r).is_valid(), "Wan starts at 2 s");
    r.duration_secs = 1;
    assert_eq!(
        codes(&validate_with(&catalog, &r)),
        vec![ProblemCode::DurationOutOfRange]
    );
    let mut r = plain.clone();
    r.references.push(Reference {
        kind: MediaKind::Image,
        source: ReferenceSource::Url {
            url: "https://cdn.example.test/a.png".into(),
        },
        duration_ms: None,
    });
    r.aspect_ratio = Some(AspectRatio::Cinema21x9);
    r.seed = Some(2_147_483_648);
    r.output_format = Some(OutputFormat::Mov);
    r.resolution = Resolution::K4;
    r.mode = Some(Mode::Reference);
    let v = validate_with(&catalog, &r);
    let mut got = codes(&v);
    got.sort_by_key(|c| c.as_str());
    assert_eq!(
        got,
        vec![
            ProblemCode::AspectRatioUnsupported,
            ProblemCode::OutputFormatUnsupported,
            ProblemCode::ResolutionUnsupported,
            ProblemCode::SeedOutOfRange,
            ProblemCode::TooManyImages,
        ]
    );
    let images = v
        .problems
        .iter()
        .find(|p| p.code == ProblemCode::TooManyImages)
        .unwrap();
    assert!(
        images.message.contains("Wan 3.0 takes none. Remove it."),
        "{}",
        images.message
    );
    let seed = v.problems.iter().find(|p| p.field == Field::Seed).unwrap();
    assert!(
        seed.message.contains("0 to 2,147,483,647"),
        "{}",
        seed.message
    );
    assert_eq!(
        v.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
        vec![ProblemCode::ModeIgnored]
    );

    let mut r = GenerationRequest::new_with(&catalog, r2v, "@Video1 dances in the rain");
    r.references = (1..=6)
        .map(|n| video(&format!("https://cdn.example.test/v{n}.mp4"), 1_000))
        .collect();
    assert_eq!(
        codes(&validate_with(&catalog, &r)),
        vec![ProblemCode::TooManyVideos]
    );
    r.references = vec![video("https://cdn.example.test/v.mp4", 16_120)];
    assert_eq!(
        codes(&validate_with(&catalog, &r)),
        vec![ProblemCode::VideoLengthOutOfRange]
    );
    r.references = vec![video("https://cdn.example.test/v.mp4", 10_610)];
    r.duration_secs = 20;
    let v = validate_with(&catalog, &r);
    assert_eq!(codes(&v), vec![ProblemCode::VideosPlusDurationTooLong]);
    assert!(
        v.problems[0].message.contains("add up to 30.61 s")
            && v.problems[0].message.contains("by 0.61 s"),
        "{}",
        v.problems[0].message
    );
    r.duration_secs = 19;
    assert!(validate_with(&catalog, &r).is_valid());

    // Pricing reads the copy: 142.57 for 5 s at 720p (service-api §12.5.1's 402), one
    // rate whatever the media, final at submission.
    let e = estimate_with(&catalog, &plain).unwrap();
    assert_eq!((e.credits, e.settlement), (142.57, None));
    assert_eq!(format_button_label(&e), "142.57 credits ≈ $0.66");
    assert_eq!(e.table_version, "with-wan-for-a-test");
    let e = estimate_with(&catalog, &r).unwrap();
    assert_eq!((e.credits, e.rate_per_second), (541.77, 28.514));
    let mut r4k = plain.clone();
    r4k.resolution = Resolution::K4;
    assert!(matches!(
        estimate_with(&catalog, &r4k),
        Err(PricingError::UnsupportedResolution { .. })
    ));

    // The schedule reads the copy's window and stuck-after.
    let spec = catalog.model(r2v).unwrap();
    let window = spec.expected_generation(Resolution::P720, true);
    assert_eq!(
        (window.earliest.as_secs(), window.latest.as_secs()),
        (330, 390)
    );
    assert_eq!(spec.stuck_after(), Duration::from_secs(900));
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(19);
    for at in [331.0, 350.0, 389.0] {
        let task = SimTask {
            class: "wan ref",
            window,
            stuck_after: spec.stuck_after(),
            fetches_references: true,
            generating_at: 5.0,
            completes_at: at,
        };
        let out = sim::run_adaptive(&schedule, &task, 0.0, 10_000, &mut rng);
        assert!(out.detection_delay <= 3.0, "{at}: {out:?}");
        assert!(out.polls <= 40, "{at}: {out:?}");
    }
}

#[test]
fn the_body_takes_the_models_own_keys() {
    let catalog = catalog_with_wan();
    let t2v = catalog.id("wan3.0-text-to-video").unwrap();
    let mut r = GenerationRequest::new_with(&catalog, t2v, "A red fox in fresh snow");
    r.generate_audio = false;
    r.high_bitrate = true;
    r.mode = Some(Mode::Keyframe);
    r.output_format = Some(OutputFormat::Mp4);
    r.aspect_ratio = Some(AspectRatio::Portrait9x16);
    r.seed = Some(7);
    assert_eq!(
        r.create_task_body_with(&catalog).unwrap(),
        json!({"model": "wan3.0-text-to-video", "inputs": {
            "prompt": "A red fox in fresh snow", "duration": 5, "outputResolution": "720p",
            "aspectRatio": "9:16", "audio": false, "seed": 7}})
    );
}

#[tokio::test]
async fn the_fake_service_accepts_the_body_and_reserves_the_estimate() {
    let catalog = catalog_with_wan();
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.01,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    let key = ApiKey::new("sk-wan-0001").unwrap();
    let origin = fake.origin();
    let t2v = catalog.id("wan3.0-text-to-video").unwrap();
    let r2v = catalog.id("wan3.0-ref-to-video").unwrap();
    let mut text = GenerationRequest::new_with(&catalog, t2v, "A red fox in fresh snow");
    text.generate_audio = false;
    let mut reference = GenerationRequest::new_with(&catalog, r2v, "@Video1 dances");
    reference.references = vec![video(
        &format!("{origin}/static/clip.mp4?duration=8"),
        8_000,
    )];
    reference.duration_secs = 10;
    reference.resolution = Resolution::P1080;
    for request in [&text, &reference] {
        assert!(validate_with(&catalog, request).is_valid());
        let body = request.create_task_body_with(&catalog).unwrap();
        let id = client.create_task(&key, &body).await.unwrap();
        let summary = fake
            .stats()
            .tasks
            .into_iter()
            .find(|t| t.task_id == id)
            .unwrap();
        let estimate = estimate_with(&catalog, request).unwrap();
        assert_eq!(summary.reserved_credits, estimate.credits, "{body}");
        assert_eq!(summary.final_credits, None, "Wan is final at submission");
    }
    assert_eq!(fake.stats().responses_4xx, 0);
    fake.shutdown().await;
}
