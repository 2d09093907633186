//! The Seedance 2.5 family over real HTTP (service-api §12): validation and exact 400 bodies,
//! accepted-but-failing inputs, the `1001` failure catalogue (markers, admin, Rust), the
//! reservation and the settlement rewrite with the documented worked examples, output sizes,
//! containers and codecs, and the signed last-frame links that expire. Time moves with the
//! fake's clock controls, never with sleeps.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use seedance_fake::{media, FakeConfig, Outcome};
use serde_json::{json, Value};

/// Instant success: no queue wait, no generation time.
const NOW: &str = "[fake:wait=0][fake:gen=0]";

fn invalid(errors: Value) -> Value {
    json!({"message": "Invalid inputs for model", "errors": errors})
}

fn item(message: &str, path: &str) -> Value {
    json!({"code": "custom", "message": message, "path": [path]})
}

const DURATION_4_30: &str = "Duration must be between 4 and 30 seconds";
const VIDEO_REQUIRED: &str = "At least one reference video (videoUrls) is required.";
const CLIP: &str = "https://static.example.com/clip.mp4";

fn clip(seconds: f64) -> String {
    format!("{CLIP}?duration={seconds}")
}

#[tokio::test]
async fn validation_gives_the_documented_400_bodies() {
    let fake = start_with(FakeConfig {
        concurrency_limit: 100,
        ..FakeConfig::default()
    })
    .await;
    let c = client();
    let p = "A golden retriever running through autumn leaves";
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 31}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 3}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 5.5}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "videoUrls": [CLIP]}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "videoUrls": [CLIP], "duration": 31}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 5}),
            invalid(json!([item(VIDEO_REQUIRED, "videoUrls")])),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "videoUrls": []}),
            invalid(json!([
                item(DURATION_4_30, "duration"),
                item(VIDEO_REQUIRED, "videoUrls")
            ])),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "outputResolution": "720p"}),
            invalid(json!([item(VIDEO_REQUIRED, "videoUrls")])),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [CLIP], "duration": 2}),
            invalid(json!([item(DURATION_4_30, "duration")])),
        ),
        (
            "seedance2-5",
            json!({"prompt": "a".repeat(30_001)}),
            invalid(json!([item(
                "String must contain at most 30000 character(s)",
                "prompt"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "imageUrls": urls("png", 31)}),
            invalid(json!([item(
                "Array must contain at most 30 element(s)",
                "imageUrls"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": urls("mp4", 11)}),
            invalid(json!([item(
                "Array must contain at most 10 element(s)",
                "videoUrls"
            )])),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [CLIP], "audioUrls": urls("mp3", 11)}),
            invalid(json!([item(
                "Array must contain at most 10 element(s)",
                "audioUrls"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "outputResolution": "4k"}),
            invalid(json!([item(
                "Invalid enum value. Expected '480p' | '720p' | '1080p', received \"4k\"",
                "outputResolution"
            )])),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [CLIP], "outputResolution": "4k"}),
            invalid(json!([item(
                "Invalid enum value. Expected '480p' | '720p' | '1080p', received \"4k\"",
                "outputResolution"
            )])),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "videoUrls": [CLIP], "duration": 5, "outputResolution": "4k"}),
            invalid(json!([item(
                "Invalid enum value. Expected '480p' | '720p' | '1080p', received \"4k\"",
                "outputResolution"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "output_format": "webm"}),
            invalid(json!([item(
                "Invalid enum value. Expected 'mp4' | 'mov', received \"webm\"",
                "output_format"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "generate_audio": "true"}),
            invalid(json!([item("Expected boolean", "generate_audio")])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "seed": 4_294_967_296_i64}),
            invalid(json!([item(
                "Seed must be an integer between 0 and 4294967295, or -1",
                "seed"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "seed": 1.5}),
            invalid(json!([item(
                "Seed must be an integer between 0 and 4294967295, or -1",
                "seed"
            )])),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "aspectRatio": "5:4"}),
            invalid(json!([item(
                "Invalid enum value. Expected '16:9' | '9:16' | '1:1' | '4:3' | '3:4' | '21:9', received \"5:4\"",
                "aspectRatio"
            )])),
        ),
        // The 2.0 family keeps its own limits.
        (
            "seedance-20",
            json!({"prompt": p, "duration": 16}),
            invalid(json!([item(
                "Duration must be between 4 and 15 seconds",
                "duration"
            )])),
        ),
        (
            "seedance2-fast",
            json!({"prompt": "a".repeat(10_001)}),
            invalid(json!([item(
                "String must contain at most 10000 character(s)",
                "prompt"
            )])),
        ),
        (
            "seedance-20",
            json!({"prompt": p, "imageUrls": urls("png", 10)}),
            invalid(json!([item(
                "Array must contain at most 9 element(s)",
                "imageUrls"
            )])),
        ),
        (
            "seedance2.0-mini",
            json!({"prompt": p, "videoUrls": urls("mp4", 4)}),
            invalid(json!([item(
                "Array must contain at most 3 element(s)",
                "videoUrls"
            )])),
        ),
    ];
    for (model, inputs, want) in cases {
        let (status, body) = create_raw(&c, &fake, model, inputs.clone()).await;
        assert_eq!((status, &body), (400, &want), "{model} {inputs}");
    }
    // Nothing was reserved by any of them.
    assert_eq!(fake.balance(), 1_000_000.0);
    assert_eq!(fake.stats().tasks_created, 0);

    // The limits themselves are accepted.
    let ok: Vec<(&str, Value)> = vec![
        ("seedance2-5", json!({"prompt": p, "duration": 30})),
        ("seedance2-5", json!({"prompt": p, "duration": 4})),
        ("seedance2-5", json!({"prompt": p, "duration": "8"})),
        ("seedance2-5", json!({"prompt": "a".repeat(30_000)})),
        (
            "seedance2-5",
            json!({"prompt": p, "imageUrls": urls("png", 30)}),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": urls("mp4?duration=3", 10), "audioUrls": urls("mp3", 10)}),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "output_format": "mov", "seed": 4_294_967_295_i64, "generate_audio": false}),
        ),
        ("seedance2-5", json!({"prompt": p, "seed": -1})),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "videoUrls": [CLIP], "duration": 30}),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [CLIP], "aspectRatio": "9:16", "mode": "keyframe"}),
        ),
        // `output_format` is not a 2.0 field: an unknown key, ignored.
        ("seedance-20", json!({"prompt": p, "output_format": "webm"})),
    ];
    for (model, inputs) in ok {
        let (status, body) = create_raw(&c, &fake, model, inputs.clone()).await;
        assert_eq!(status, 200, "{model} {inputs}: {body}");
    }
    fake.shutdown().await;
}

fn urls(ext: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://static.example.com/{i}.{ext}"))
        .collect()
}

#[tokio::test]
async fn reservations_are_the_documented_402_required() {
    let fake = start(1.0).await;
    fake.set_balance(0.0);
    let c = client();
    let p = "x";
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 5, "outputResolution": "720p"}),
            json!(295),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 5, "outputResolution": "1080p"}),
            json!(717),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "duration": 5, "videoUrls": [clip(10.0)]}),
            json!(175),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 5, "videoUrls": [clip(6.0)]}),
            json!(175),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(6.0)]}),
            json!(525),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(6.0)], "duration": 6}),
            json!(210),
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 30, "videoUrls": [clip(30.0)], "outputResolution": "1080p"}),
            json!(2570.4),
        ),
    ];
    for (model, inputs, required) in cases {
        let (status, body) = create_raw(&c, &fake, model, inputs).await;
        assert_eq!(status, 402);
        assert_eq!(
            body,
            json!({"message": "Insufficient credits", "required": required, "available": 0})
        );
    }
    fake.shutdown().await;
}

/// Submits, checks the reservation at success, moves the clock past the settlement and
/// checks the settled `creditsUsed` and the balance.
async fn settles(
    c: &reqwest::Client,
    fake: &seedance_fake::FakeService,
    model: &str,
    inputs: Value,
    reserved: f64,
    settled: f64,
) {
    let before = fake.balance();
    let id = create_model(c, fake, model, inputs.clone()).await;
    assert_eq!(fake.balance(), before - reserved, "{model} {inputs}");
    // Read right at success: still the reservation.
    let (_, at_success) = record(c, fake, KEY, &id).await;
    assert_eq!(at_success["status"], "success");
    assert_eq!(
        at_success["creditsUsed"].as_f64(),
        Some(reserved),
        "{model} {inputs}"
    );
    // Not yet 2 s later (the settlement lands 5 s of service time after success)…
    fake.advance_service_time(2.0);
    let (_, before_settling) = record(c, fake, KEY, &id).await;
    assert_eq!(before_settling["creditsUsed"].as_f64(), Some(reserved));
    // …then the rewrite, and the balance moves by the difference.
    fake.advance_service_time(3.5);
    let (_, after) = record(c, fake, KEY, &id).await;
    assert_eq!(
        after["creditsUsed"].as_f64(),
        Some(settled),
        "{model} {inputs}"
    );
    // Integral amounts are written as integers, as the docs show them.
    assert_eq!(after["creditsUsed"].is_u64(), settled.fract() == 0.0);
    assert_eq!(fake.record(&id).as_ref(), Some(&after));
    let round = |x: f64| (x * 100.0).round() / 100.0;
    assert_eq!(
        round(fake.balance()),
        round(before - settled),
        "{model} {inputs}"
    );
    let t = fake.task(&id).unwrap();
    assert_eq!(t.reserved_credits, reserved);
    assert!(t.credits_settled || reserved == settled);
    assert_eq!(t.credits_used, settled);
}

#[tokio::test]
async fn settlement_rewrites_credits_used_as_in_the_worked_examples() {
    let fake = start(1.0).await;
    let c = client();
    let p = format!("A hand turns palm-up {NOW}");
    // 2.5, 5 s 720p, text: 295, final.
    settles(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "duration": 5}),
        295.0,
        295.0,
    )
    .await;
    // 2.5, 5 s 720p from a 10 s clip: 175 → 15 × 35 = 525.
    settles(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "duration": 5, "videoUrls": [clip(10.0)]}),
        175.0,
        525.0,
    )
    .await;
    // 2.5, 4 s 480p with a 10 s clip: 64 → 224; with clips of 20 + 6 s: 64 → 480.
    settles(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "duration": 4, "outputResolution": "480p", "videoUrls": [clip(10.0)]}),
        64.0,
        224.0,
    )
    .await;
    settles(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "duration": 4, "outputResolution": "480p", "videoUrls": [clip(20.0), clip(6.0)]}),
        64.0,
        480.0,
    )
    .await;
    // Extend 6 s + 5 s, 720p: 175 → 11 × 35 = 385; 10 s + 5 s: 175 → 525.
    settles(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": p, "duration": 5, "videoUrls": [clip(6.0)]}),
        175.0,
        385.0,
    )
    .await;
    settles(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": p, "duration": 5, "videoUrls": [clip(10.0)]}),
        175.0,
        525.0,
    )
    .await;
    // Edit 6 s 720p: 525 → 12 × 35 = 420 (a refund of 105); 10 s: 525 → 700.
    settles(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(6.0)]}),
        525.0,
        420.0,
    )
    .await;
    settles(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(10.0)]}),
        525.0,
        700.0,
    )
    .await;
    // Edit 7.4 s 720p: 2 × 7.4 = 14.8 s, rounded to 15 → 525; 4 s 480p: 240 → 128.
    settles(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(7.4)]}),
        525.0,
        525.0,
    )
    .await;
    settles(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(4.0)], "outputResolution": "480p"}),
        240.0,
        128.0,
    )
    .await;
    // The worst case: extend 30 + 30 s at 1080p, 2570.4 → 5140.8.
    settles(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": p, "duration": 30, "videoUrls": [clip(30.0)], "outputResolution": "1080p"}),
        2570.4,
        5140.8,
    )
    .await;
    // The 2.0 family is charged in full at submit, never rewritten.
    settles(
        &c,
        &fake,
        "seedance-20",
        json!({"prompt": p, "videoUrls": [clip(10.0)]}),
        240.0,
        240.0,
    )
    .await;

    // A failure refunds the reservation and is never settled.
    let before = fake.balance();
    let id = create_model(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": format!("{p} [fake:fail=1001-busy]"), "videoUrls": [clip(6.0)]}),
    )
    .await;
    fake.advance_service_time(60.0);
    let (_, v) = record(&c, &fake, KEY, &id).await;
    assert_eq!(v["status"], "fail");
    assert_eq!(v["creditsUsed"], json!(525));
    assert_eq!(fake.balance(), before);
    assert!(fake.task(&id).unwrap().refunded);
    fake.shutdown().await;
}

#[tokio::test]
async fn the_admin_clock_moves_the_settlement() {
    // Scale 2: the settlement lands 10 real seconds after success.
    let fake = start(2.0).await;
    let c = client();
    let id = create_model(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": format!("more {NOW}"), "duration": 5, "videoUrls": [clip(6.0)]}),
    )
    .await;
    assert_eq!(
        record(&c, &fake, KEY, &id).await.1["creditsUsed"],
        json!(175)
    );
    // 2 s of service time at scale 2 are 4 real seconds: not yet.
    let (s, clock) = admin_post(&c, &fake, "clock", json!({"advance_service_seconds": 2})).await;
    assert_eq!((s, clock["offset_ms"].as_u64()), (200, Some(4000)));
    assert_eq!(
        record(&c, &fake, KEY, &id).await.1["creditsUsed"],
        json!(175)
    );
    let (s, _) = admin_post(&c, &fake, "clock", json!({"advance_seconds": 6.1})).await;
    assert_eq!(s, 200);
    assert_eq!(
        record(&c, &fake, KEY, &id).await.1["creditsUsed"],
        json!(385)
    );
    let (s, v) = admin_post(&c, &fake, "clock", json!({"advance_seconds": -1})).await;
    assert_eq!(
        (s, v),
        (400, json!({"message": "the clock only moves forward"}))
    );
    assert_eq!(fake.stats().clock_offset_ms, 10_100);
    fake.shutdown().await;
}

/// Creates a task whose inputs fail after creation, lets the quick failure happen (a 1 s
/// wait and 1 s of work, service time) and returns its `error`. Used at time scale 5, so the
/// task is certainly still waiting when first read.
async fn quick_failure(
    c: &reqwest::Client,
    fake: &seedance_fake::FakeService,
    model: &str,
    inputs: Value,
) -> Value {
    let id = create_model(c, fake, model, inputs).await;
    let (_, v) = record(c, fake, KEY, &id).await;
    assert_eq!(v["status"], "waiting");
    fake.advance_service_time(2.1);
    let (_, v) = record(c, fake, KEY, &id).await;
    assert_eq!(v["status"], "fail", "{v}");
    assert!(fake.task(&id).unwrap().refunded);
    v["error"].clone()
}

#[tokio::test]
async fn inputs_accepted_but_failing() {
    let fake = start(5.0).await;
    let c = client();
    let p = "Keep the same hand, change the nail polish";
    let length = json!({"code": "InvalidParameter", "message": "The parameter `content` specified in the request is not valid: the parameter video duration must be between 2 and 30 seconds."});
    let total = json!({"code": "InvalidParameter", "message": "The parameter `content` specified in the request is not valid: the parameter video total duration exceeds 30 seconds."});
    let edit = json!({"code": "1001", "message": "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds."});
    let cases: Vec<(&str, Value, &Value)> = vec![
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": [clip(1.5)]}),
            &length,
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": [clip(30.5)]}),
            &length,
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": [clip(20.0), clip(15.0)]}),
            &total,
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 5, "videoUrls": [clip(1.9)]}),
            &length,
        ),
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 5, "videoUrls": [clip(20.0), clip(11.0)]}),
            &total,
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(3.9)]}),
            &edit,
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(31.0)]}),
            &edit,
        ),
    ];
    for (model, inputs, want) in cases {
        let got = quick_failure(&c, &fake, model, inputs.clone()).await;
        assert_eq!(&got, want, "{model} {inputs}");
    }
    let audio_only = quick_failure(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "audioUrls": ["https://e.com/a.mp3"]}),
    )
    .await;
    assert_eq!(
        audio_only,
        json!({"code": "InvalidParameter", "message": "Audio cannot be the only reference input. Please also provide an image or video reference."})
    );
    let empty = quick_failure(&c, &fake, "seedance2-5", json!({"prompt": "  "})).await;
    assert_eq!(empty["code"], "InvalidParameter");
    assert!(empty["message"]
        .as_str()
        .unwrap()
        .starts_with("The parameter `content[0].text.text` specified in the request is not valid: text content must contain"));
    // Every failure was refunded.
    assert_eq!(fake.balance(), 1_000_000.0);

    // Inside the limits nothing fails early: a 2 s extend source, a 4 s edit source, 30 s
    // of reference video in total.
    let fine: Vec<(&str, Value)> = vec![
        (
            "seedance2-5-extend",
            json!({"prompt": p, "duration": 4, "videoUrls": [clip(2.0)]}),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(4.0)]}),
        ),
        (
            "seedance2-5-edit",
            json!({"prompt": p, "videoUrls": [clip(30.0)]}),
        ),
        (
            "seedance2-5",
            json!({"prompt": p, "videoUrls": [clip(20.0), clip(10.0)]}),
        ),
    ];
    for (model, inputs) in fine {
        let id = create_model(&c, &fake, model, inputs.clone()).await;
        fake.advance_service_time(2.1);
        assert_ne!(
            record(&c, &fake, KEY, &id).await.1["status"],
            "fail",
            "{inputs}"
        );
        assert!(fake.complete_task(&id).await);
        assert_eq!(
            record(&c, &fake, KEY, &id).await.1["status"],
            "success",
            "{inputs}"
        );
    }
    fake.shutdown().await;
}

/// The documented `1001` catalogue (service-api §12.5.2), as the test expects it.
const CATALOGUE_1001: &[(&str, &str)] = &[
    (
        "1001-download",
        "Failed to download your reference video. Please replace it or try again.",
    ),
    (
        "1001-input",
        "Your uploaded video may contain sensitive content. Please use a different video.",
    ),
    (
        "1001-input-image",
        "Your uploaded image may contain sensitive content. Please use a different image.",
    ),
    (
        "1001-output",
        "The generated video did not pass review. Please modify your prompt or inputs and try again.",
    ),
    (
        "1001-output-audio",
        "The generated audio did not pass review. Please modify your prompt or inputs and try again.",
    ),
    (
        "1001-copyright",
        "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again.",
    ),
    (
        "1001-busy",
        "Service temporarily unavailable. Please try again later.",
    ),
    (
        "1001-edit-params",
        "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds.",
    ),
    (
        "1001-extend-params",
        "Request parameters are invalid for video extension. Use adaptive aspect ratio.",
    ),
];

#[tokio::test]
async fn the_1001_family_by_marker_admin_and_rust() {
    let fake = start(5.0).await;
    let c = client();
    // Markers: each one fails its task with the documented code and message, refunded.
    for (name, message) in CATALOGUE_1001 {
        let id = create_model(
            &c,
            &fake,
            "seedance2-5-extend",
            json!({"prompt": format!("go on [fake:fail={name}] {NOW}"), "duration": 5, "videoUrls": [clip(6.0)]}),
        )
        .await;
        let (_, v) = record(&c, &fake, KEY, &id).await;
        assert_eq!(v["status"], "fail", "{name}");
        assert_eq!(
            v["error"],
            json!({"code": "1001", "message": message}),
            "{name}"
        );
        assert_eq!(v["output"], Value::Null);
        assert_eq!(v["creditsUsed"], json!(175));
    }
    assert_eq!(fake.balance(), 1_000_000.0);

    // Download, input and capacity failures come quickly; output and copyright ones after
    // the whole generation.
    let quick = create_model(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": "x [fake:fail=1001-download]"}),
    )
    .await;
    let slow = create_model(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": "x [fake:fail=1001-copyright]"}),
    )
    .await;
    fake.advance_service_time(2.1);
    assert_eq!(record(&c, &fake, KEY, &quick).await.1["status"], "fail");
    assert_ne!(record(&c, &fake, KEY, &slow).await.1["status"], "fail");
    fake.advance_service_time(700.0);
    assert_eq!(record(&c, &fake, KEY, &slow).await.1["status"], "fail");

    // The admin API knows the catalogue by name.
    let catalogue: Value = c
        .get(format!("{}/__admin/failures", fake.origin()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (name, message) in CATALOGUE_1001 {
        let entry = catalogue
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == *name)
            .unwrap();
        assert_eq!(
            (&entry["code"], &entry["message"]),
            (&json!("1001"), &json!(message))
        );
    }
    let (s, pending) = admin_post(
        &c,
        &fake,
        "outcomes",
        json!([{"failure": "1001-output", "gen_seconds": 0, "wait_seconds": 0}, {"failure": "1001-busy"}]),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(pending.as_array().unwrap().len(), 2);
    let a = create_model(&c, &fake, "seedance2-5", json!({"prompt": "plain"})).await;
    let b = create_model(&c, &fake, "seedance2-5", json!({"prompt": "plain"})).await;
    assert_eq!(
        record(&c, &fake, KEY, &a).await.1["error"],
        json!({"code": "1001", "message": CATALOGUE_1001[3].1})
    );
    // A queued quick failure keeps the quick timing.
    fake.advance_service_time(2.1);
    assert_eq!(
        record(&c, &fake, KEY, &b).await.1["error"],
        json!({"code": "1001", "message": CATALOGUE_1001[6].1})
    );
    let (s, v) = admin_post(&c, &fake, "outcomes", json!({"failure": "1001-nope"})).await;
    assert_eq!(
        (s, v),
        (400, json!({"message": "unknown failure \"1001-nope\""}))
    );
    // Finishing a task now with a named failure.
    let d = create_model(&c, &fake, "seedance2-5", json!({"prompt": "plain"})).await;
    let (s, rec) = admin_post(
        &c,
        &fake,
        &format!("tasks/{d}/complete"),
        json!({"failure": "1001-input"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        rec["error"],
        json!({"code": "1001", "message": CATALOGUE_1001[1].1})
    );
    // And from Rust, any code and message.
    fake.queue_outcome(Outcome::Fail {
        code: Some("1001".into()),
        message: CATALOGUE_1001[5].1.into(),
    });
    let e = create_model(&c, &fake, "seedance2-5", json!({"prompt": "plain"})).await;
    fake.advance_service_time(700.0);
    assert_eq!(
        record(&c, &fake, KEY, &e).await.1["error"]["message"],
        CATALOGUE_1001[5].1
    );
    assert_eq!(fake.balance(), 1_000_000.0);
    fake.shutdown().await;
}

#[tokio::test]
async fn output_sizes_containers_and_codecs() {
    let fake = start(1.0).await;
    let c = client();
    let p = format!("A barista sets down a cup {NOW}");
    let size = |v: &Value| {
        (
            output(v)["width"].as_u64().unwrap(),
            output(v)["height"].as_u64().unwrap(),
        )
    };
    let rec = |id: String| {
        let c = c.clone();
        let fake = &fake;
        async move { record(&c, fake, KEY, &id).await.1 }
    };
    let sizes: Vec<(&str, Value, (u64, u64))> = vec![
        (
            "seedance2-5",
            json!({"outputResolution": "480p"}),
            (854, 480),
        ),
        (
            "seedance2-5",
            json!({"outputResolution": "480p", "aspectRatio": "9:16"}),
            (480, 854),
        ),
        (
            "seedance-20",
            json!({"outputResolution": "480p"}),
            (864, 496),
        ),
        (
            "seedance2-5",
            json!({"outputResolution": "1080p"}),
            (1920, 1080),
        ),
        (
            "seedance2-5",
            json!({"outputResolution": "720p", "aspectRatio": "21:9"}),
            (1470, 630),
        ),
        // Edit and extend keep the source's shape (a portrait clip here); aspectRatio is
        // accepted and ignored.
        (
            "seedance2-5-edit",
            json!({"videoUrls": [format!("{CLIP}?duration=6&ratio=9:16")], "aspectRatio": "16:9"}),
            (720, 1280),
        ),
        (
            "seedance2-5-extend",
            json!({"videoUrls": [format!("{CLIP}?duration=6&ratio=9:16")], "duration": 5, "outputResolution": "480p"}),
            (480, 854),
        ),
        // 2.5 reference tasks follow their reference unless aspectRatio is set.
        (
            "seedance2-5",
            json!({"videoUrls": [format!("{CLIP}?ratio=1:1")]}),
            (960, 960),
        ),
        (
            "seedance2-5",
            json!({"videoUrls": [format!("{CLIP}?ratio=1:1")], "aspectRatio": "4:3"}),
            (1112, 834),
        ),
    ];
    for (model, mut inputs, want) in sizes {
        inputs["prompt"] = json!(p);
        let id = create_model(&c, &fake, model, inputs.clone()).await;
        assert_eq!(size(&rec(id).await), want, "{model} {inputs}");
    }

    // mp4 H.264 at 720p, HEVC at 1080p, QuickTime for mov: the record and the file agree.
    let files: Vec<(Value, &str, &str, &str, Option<&str>)> = vec![
        (json!({}), "mp4", "video/mp4", "avc1", Some("mp4a")),
        (
            json!({"outputResolution": "1080p"}),
            "mp4",
            "video/mp4",
            "hvc1",
            Some("mp4a"),
        ),
        (
            json!({"output_format": "mov"}),
            "mov",
            "video/quicktime",
            "avc1",
            Some("sowt"),
        ),
        (
            json!({"output_format": "mov", "outputResolution": "1080p", "generate_audio": false}),
            "mov",
            "video/quicktime",
            "hvc1",
            None,
        ),
        (
            json!({"generate_audio": false, "outputResolution": "480p"}),
            "mp4",
            "video/mp4",
            "avc1",
            None,
        ),
    ];
    for (mut inputs, ext, media_type, codec, audio) in files {
        inputs["prompt"] = json!(p);
        let id = create_model(&c, &fake, "seedance2-5", inputs.clone()).await;
        let v = rec(id.clone()).await;
        let url = output(&v)["url"].as_str().unwrap().to_string();
        assert_eq!(url, format!("{}/static/videos/{id}.{ext}", fake.origin()));
        assert_eq!(output(&v)["mediaType"], media_type);
        let (status, ct, bytes) = fetch(&c, &url).await;
        assert_eq!((status, ct.as_str()), (200, media_type), "{inputs}");
        let info = media::probe(&bytes).unwrap();
        assert_eq!(info.brand == "qt  ", ext == "mov", "{info:?}");
        assert_eq!(info.video().unwrap().codec, codec, "{inputs}");
        assert_eq!(info.audio().map(|a| a.codec.as_str()), audio, "{inputs}");
        // The other extension is not there.
        let other = if ext == "mov" { "mp4" } else { "mov" };
        let (status, _, _) =
            fetch(&c, &url.replace(&format!(".{ext}"), &format!(".{other}"))).await;
        assert_eq!(status, 404);
    }
    // The 2.0 family stays H.264 at 1080p.
    let id = create_model(
        &c,
        &fake,
        "seedance-20",
        json!({"prompt": p, "outputResolution": "1080p"}),
    )
    .await;
    let v = rec(id).await;
    let (_, _, bytes) = fetch(&c, output(&v)["url"].as_str().unwrap()).await;
    assert_eq!(media::probe(&bytes).unwrap().video().unwrap().codec, "avc1");

    // Lengths: an edit is as long as its source, an extend is the new footage only,
    // 2.5 clips run duration + 0.06 s.
    let edit = create_model(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(7.4)]}),
    )
    .await;
    let extend = create_model(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": p, "videoUrls": [clip(12.0)], "duration": 6}),
    )
    .await;
    let plain = create_model(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": p, "duration": 8}),
    )
    .await;
    assert_eq!(fake.task(&edit).unwrap().output_seconds, 7.4);
    assert_eq!(fake.task(&extend).unwrap().output_seconds, 6.06);
    assert_eq!(fake.task(&plain).unwrap().output_seconds, 8.06);
    assert_eq!(fake.task(&edit).unwrap().effective_mode, "reference");
    fake.shutdown().await;
}

#[tokio::test]
async fn modes_of_the_2_5_family() {
    let fake = start(1.0).await;
    let c = client();
    let three = urls("png", 3);
    let cases: Vec<(&str, Value, &str, usize)> = vec![
        ("seedance2-5", json!({"imageUrls": three}), "reference", 0),
        (
            "seedance2-5",
            json!({"imageUrls": three, "mode": "keyframe"}),
            "keyframe",
            1,
        ),
        (
            "seedance2-5",
            json!({"imageUrls": urls("png", 2)}),
            "keyframe",
            0,
        ),
        (
            "seedance2-5",
            json!({"audioUrls": urls("mp3", 1), "imageUrls": urls("png", 1)}),
            "reference",
            0,
        ),
        ("seedance-20", json!({"imageUrls": three}), "keyframe", 1),
    ];
    for (model, mut inputs, mode, dropped) in cases {
        inputs["prompt"] = json!("x");
        let id = create_model(&c, &fake, model, inputs.clone()).await;
        let t = fake.task(&id).unwrap();
        assert_eq!(
            (t.effective_mode.as_str(), t.images_dropped),
            (mode, dropped),
            "{inputs}"
        );
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn last_frames_png_for_2_0_signed_expiring_jpeg_for_2_5() {
    let fake = start_with(FakeConfig {
        time_scale: 1.0,
        last_frame_max_downloads: 3,
        ..FakeConfig::default()
    })
    .await;
    let c = client();
    let p = format!("A lighthouse at dusk {NOW}");
    let v20 = create_model(&c, &fake, "seedance-20", json!({"prompt": p})).await;
    let v25 = create_model(&c, &fake, "seedance2-5", json!({"prompt": p})).await;
    let (_, r20) = record(&c, &fake, KEY, &v20).await;
    let (_, r25) = record(&c, &fake, KEY, &v25).await;

    let png = output(&r20)["lastFrameImage"].as_str().unwrap().to_string();
    assert_eq!(
        png,
        format!("{}/static/videos/{v20}_lastframe.png", fake.origin())
    );
    let jpeg = output(&r25)["lastFrameImage"].as_str().unwrap().to_string();
    let prefix = format!("{}/tos/doubao-seedance-2-5/", fake.origin());
    assert!(jpeg.starts_with(&prefix), "{jpeg}");
    let (path, query) = jpeg[prefix.len()..].split_once('?').unwrap();
    // `<day>/cgt-<day><time>-<key>.jpeg`, signed like the real host's links.
    let (day, name) = path.split_once('/').unwrap();
    assert!(
        name.starts_with(&format!("cgt-{day}")) && name.ends_with(".jpeg"),
        "{path}"
    );
    for part in [
        "X-Tos-Algorithm=TOS4-HMAC-SHA256",
        "X-Tos-Expires=86400",
        "X-Tos-SignedHeaders=host",
        "X-Tos-Date=",
        "X-Tos-Signature=",
    ] {
        assert!(query.contains(part), "{query}");
    }
    // Not on the static host.
    let (status, _, _) = fetch(
        &c,
        &format!("{}/static/videos/{v25}_lastframe.png", fake.origin()),
    )
    .await;
    assert_eq!(status, 404);

    let (status, ct, bytes) = fetch(&c, &png).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(media::image_size(&bytes).map(|i| i.0), Some("png"));
    let (status, ct, bytes) = fetch(&c, &jpeg).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(media::image_size(&bytes).map(|i| i.0), Some("jpeg"));

    // A tampered link is refused like the real store refuses it.
    let tampered = jpeg.replace("X-Tos-Expires=86400", "X-Tos-Expires=999999");
    let (status, ct, body) = fetch(&c, &tampered).await;
    assert_eq!((status, ct.as_str()), (403, "application/xml"));
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("<Code>SignatureDoesNotMatch</Code>"));

    // 23 h 59 min later it still serves; past 24 h it answers 403 with the store's XML.
    fake.advance_service_time(86_400.0 - 60.0);
    assert_eq!(fetch(&c, &jpeg).await.0, 200);
    fake.advance_service_time(61.0);
    let (status, ct, body) = fetch(&c, &jpeg).await;
    assert_eq!((status, ct.as_str()), (403, "application/xml"));
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>"), "{body}");
    // The 2.0 PNG and the videos are kept.
    fake.advance_service_time(86_400.0);
    assert_eq!(fetch(&c, &png).await.0, 200);
    assert_eq!(
        fetch(&c, output(&r25)["url"].as_str().unwrap()).await.0,
        200
    );

    // The download limit: 3 GETs here (HEADs do not count), then 403.
    let w = create_model(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": p, "videoUrls": [clip(5.0)]}),
    )
    .await;
    let (_, rw) = record(&c, &fake, KEY, &w).await;
    let link = output(&rw)["lastFrameImage"].as_str().unwrap().to_string();
    assert_eq!(c.head(&link).send().await.unwrap().status(), 200);
    for _ in 0..3 {
        assert_eq!(fetch(&c, &link).await.0, 200);
    }
    let (status, _, body) = fetch(&c, &link).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("<Code>AccessDenied</Code><Message>Access Denied</Message>"));
    assert_eq!(fake.task(&w).unwrap().last_frame_downloads, 3);

    // The API key never belongs on the object host.
    let leaks = fake.stats().auth_header_leaks;
    c.get(&jpeg).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(fake.stats().auth_header_leaks, leaks + 1);
    fake.shutdown().await;
}

#[tokio::test]
async fn uploaded_references_give_length_and_shape() {
    let fake = start(5.0).await;
    let c = client();
    // The embedded 1 s 320x180 clip, uploaded: too short for an edit source (4–30 s) and
    // for a 2.5 reference (2–30 s); its shape (16:9) is what an extend would follow.
    let slot: Value = c
        .post(format!("{}/uploads", fake.base_url()))
        .bearer_auth(KEY)
        .json(&json!({"fileName": "source.mov"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let clip_bytes = include_bytes!("../assets/result.mov").to_vec();
    let r = c
        .put(slot["uploadUrl"].as_str().unwrap())
        .header("Content-Type", "video/quicktime")
        .body(clip_bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let url = slot["url"].as_str().unwrap();
    let err = quick_failure(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": "x", "videoUrls": [url]}),
    )
    .await;
    assert_eq!(err["code"], "1001");
    let id = create_model(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": format!("x {NOW}"), "videoUrls": [url], "duration": 4, "outputResolution": "480p"}),
    )
    .await;
    let t = fake.task(&id).unwrap();
    assert_eq!(
        (t.width, t.height, t.aspect_ratio.as_str()),
        (854, 480, "16:9")
    );
    assert_eq!(
        record(&c, &fake, KEY, &id).await.1["error"]["code"],
        "InvalidParameter"
    );
    assert!(
        (t.reference_seconds - 1.02).abs() < 0.05,
        "{}",
        t.reference_seconds
    );
    fake.shutdown().await;
}
