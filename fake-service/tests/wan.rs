//! Wan 3.0 over real HTTP (service-api §12.1, §12.3, §12.4, §12.5.3): its three faces and
//! their Prime variants, their own limits and 400s, prices charged at submit, outputs without
//! seed or last frame, and the documented task failures.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use seedance_fake::{media, FakeConfig};
use serde_json::{json, Value};

const NOW: &str = "[fake:wait=0][fake:gen=0]";

fn invalid(message: &str, path: &str) -> Value {
    json!({"message": "Invalid inputs for model",
           "errors": [{"code": "custom", "message": message, "path": [path]}]})
}

fn urls(ext: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://static.example.com/{i}.{ext}"))
        .collect()
}

#[tokio::test]
async fn wan_limits_and_400s() {
    let fake = start_with(FakeConfig {
        concurrency_limit: 100,
        ..FakeConfig::default()
    })
    .await;
    let c = client();
    let p = "A paper boat drifting down a rain gutter";
    let five = "'16:9' | '9:16' | '4:3' | '3:4' | '1:1'";
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 1)}),
            invalid("imageUrls is not supported by this model", "imageUrls"),
        ),
        (
            "wan3.0-prime-text-to-video",
            json!({"prompt": p, "videoUrls": urls("mp4", 1)}),
            invalid("videoUrls is not supported by this model", "videoUrls"),
        ),
        (
            "wan3.0-image-to-video",
            json!({"prompt": p}),
            invalid(
                "Image-to-video needs 1 or 2 images (imageUrls)",
                "imageUrls",
            ),
        ),
        (
            "wan3.0-image-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 3)}),
            invalid(
                "Image-to-video needs 1 or 2 images (imageUrls)",
                "imageUrls",
            ),
        ),
        (
            "wan3.0-image-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 1), "videoUrls": urls("mp4", 1)}),
            invalid("videoUrls is not supported by this model", "videoUrls"),
        ),
        (
            "wan3.0-ref-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 11)}),
            invalid("Array must contain at most 10 element(s)", "imageUrls"),
        ),
        (
            "wan3.0-ref-to-video",
            json!({"prompt": p, "videoUrls": urls("mp4", 6)}),
            invalid("Array must contain at most 5 element(s)", "videoUrls"),
        ),
        (
            "wan3.0-prime-ref-to-video",
            json!({"prompt": p, "audioUrls": urls("mp3", 6), "imageUrls": urls("png", 1)}),
            invalid("Array must contain at most 5 element(s)", "audioUrls"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "duration": 1}),
            invalid("Duration must be between 2 and 30 seconds", "duration"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "duration": 31}),
            invalid("Duration must be between 2 and 30 seconds", "duration"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "outputResolution": "4k"}),
            invalid(
                "Invalid enum value. Expected '480p' | '720p' | '1080p', received \"4k\"",
                "outputResolution",
            ),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "aspectRatio": "21:9"}),
            invalid(
                &format!("Invalid enum value. Expected {five}, received \"21:9\""),
                "aspectRatio",
            ),
        ),
        (
            "wan3.0-ref-to-video",
            json!({"prompt": p, "aspectRatio": "adaptive"}),
            invalid(
                &format!("Invalid enum value. Expected {five}, received \"adaptive\""),
                "aspectRatio",
            ),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": "a".repeat(20_001)}),
            invalid("String must contain at most 20000 character(s)", "prompt"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "audio": "no"}),
            invalid("Expected boolean", "audio"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "seed": -1}),
            invalid("Seed must be an integer between 0 and 2147483647", "seed"),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "seed": 2_147_483_648_i64}),
            invalid("Seed must be an integer between 0 and 2147483647", "seed"),
        ),
    ];
    for (model, inputs, want) in cases {
        let (status, body) = create_raw(&c, &fake, model, inputs.clone()).await;
        assert_eq!((status, &body), (400, &want), "{model} {inputs}");
    }
    assert_eq!(fake.stats().tasks_created, 0);

    let ok: Vec<(&str, Value)> = vec![
        ("wan3.0-text-to-video", json!({"prompt": p, "duration": 2})),
        ("wan3.0-text-to-video", json!({"prompt": p, "duration": 30})),
        (
            "wan3.0-text-to-video",
            json!({"prompt": "a".repeat(20_000)}),
        ),
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "seed": 2_147_483_647_i64, "audio": false}),
        ),
        // Seedance's fields are unknown keys to Wan, ignored.
        (
            "wan3.0-text-to-video",
            json!({"prompt": p, "generate_audio": "yes", "mode": "frames", "bitrate_mode": "low"}),
        ),
        (
            "wan3.0-image-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 2), "aspectRatio": "adaptive"}),
        ),
        (
            "wan3.0-prime-ref-to-video",
            json!({"prompt": p, "imageUrls": urls("png", 10), "videoUrls": urls("mp4?duration=3", 5), "audioUrls": urls("mp3", 5)}),
        ),
    ];
    for (model, inputs) in ok {
        let (status, body) = create_raw(&c, &fake, model, inputs.clone()).await;
        assert_eq!(status, 200, "{model} {inputs}: {body}");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn wan_is_charged_at_submit() {
    let fake = start(1.0).await;
    fake.set_balance(0.0);
    let c = client();
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "wan3.0-text-to-video",
            json!({"duration": 5}),
            json!(142.57),
        ),
        (
            "wan3.0-ref-to-video",
            json!({"videoUrls": urls("mp4", 1)}),
            json!(142.57),
        ),
        ("wan3.0-prime-text-to-video", json!({}), json!(194.15)),
        (
            "wan3.0-text-to-video",
            json!({"outputResolution": "480p"}),
            json!(71.3),
        ),
        (
            "wan3.0-prime-image-to-video",
            json!({"outputResolution": "1080p", "imageUrls": urls("png", 1)}),
            json!(388.3),
        ),
    ];
    for (model, mut inputs, required) in cases {
        inputs["prompt"] = json!("x");
        let (status, body) = create_raw(&c, &fake, model, inputs).await;
        assert_eq!(status, 402);
        assert_eq!(
            body,
            json!({"message": "Insufficient credits", "required": required, "available": 0})
        );
    }
    // Charged in full at submit, never rewritten after success.
    fake.set_balance(1000.0);
    let id = create_model(
        &c,
        &fake,
        "wan3.0-ref-to-video",
        json!({"prompt": format!("x {NOW}"), "videoUrls": ["https://e.com/v.mp4?duration=10"]}),
    )
    .await;
    fake.advance_service_time(60.0);
    let (_, v) = record(&c, &fake, KEY, &id).await;
    assert_eq!(
        (v["status"].as_str(), v["creditsUsed"].as_f64()),
        (Some("success"), Some(142.57))
    );
    assert_eq!(fake.balance(), 857.43);
    assert_eq!(fake.task(&id).unwrap().final_credits, None);
    fake.shutdown().await;
}

#[tokio::test]
async fn wan_outputs_have_no_seed_or_last_frame() {
    let fake = start(1.0).await;
    let c = client();
    let p = format!("A paper boat {NOW}");
    let id = create_model(&c, &fake, "wan3.0-text-to-video", json!({"prompt": p})).await;
    let (_, v) = record(&c, &fake, KEY, &id).await;
    let url = format!("{}/static/videos/wan3_{id}.mp4", fake.origin());
    assert_eq!(
        v["output"],
        json!([{"url": url, "width": 1280, "height": 720, "mediaType": "video/mp4"}])
    );
    let (s, ct, bytes) = fetch(&c, &url).await;
    assert_eq!((s, ct.as_str()), (200, "video/mp4"));
    let info = media::probe(&bytes).unwrap();
    assert_eq!(info.video().unwrap().codec, "avc1");
    assert_eq!(info.audio().unwrap().codec, "mp4a");
    for other in [
        format!("{}/static/videos/{id}.mp4", fake.origin()),
        format!("{}/static/videos/{id}_lastframe.png", fake.origin()),
    ] {
        assert_eq!(fetch(&c, &other).await.0, 404, "{other}");
    }

    // `audio:false` gives no audio stream; 1080p stays H.264.
    let id = create_model(
        &c,
        &fake,
        "wan3.0-prime-text-to-video",
        json!({"prompt": p, "audio": false, "outputResolution": "1080p"}),
    )
    .await;
    let (_, v) = record(&c, &fake, KEY, &id).await;
    let (_, _, bytes) = fetch(&c, output(&v)["url"].as_str().unwrap()).await;
    let info = media::probe(&bytes).unwrap();
    assert_eq!(info.audio(), None);
    assert_eq!(info.video().unwrap().codec, "avc1");

    let sizes: Vec<(&str, Value, (u64, u64), &str)> = vec![
        (
            "wan3.0-text-to-video",
            json!({"outputResolution": "480p"}),
            (854, 480),
            "text",
        ),
        (
            "wan3.0-text-to-video",
            json!({"outputResolution": "480p", "aspectRatio": "9:16"}),
            (480, 854),
            "text",
        ),
        (
            "wan3.0-text-to-video",
            json!({"outputResolution": "480p", "aspectRatio": "1:1"}),
            (640, 640),
            "text",
        ),
        (
            "wan3.0-image-to-video",
            json!({"outputResolution": "720p", "aspectRatio": "9:16", "imageUrls": ["https://e.com/a.png?ratio=1:1"]}),
            (720, 1280),
            "keyframe",
        ),
        // `adaptive` keeps the image's shape: a square image gives 640×640 at 480p.
        (
            "wan3.0-image-to-video",
            json!({"outputResolution": "480p", "aspectRatio": "adaptive", "imageUrls": ["https://e.com/a.png?ratio=1024x1024"]}),
            (640, 640),
            "keyframe",
        ),
        (
            "wan3.0-ref-to-video",
            json!({"imageUrls": urls("png", 2)}),
            (1280, 720),
            "reference",
        ),
    ];
    for (model, mut inputs, want, mode) in sizes {
        inputs["prompt"] = json!(p);
        let id = create_model(&c, &fake, model, inputs.clone()).await;
        let (_, v) = record(&c, &fake, KEY, &id).await;
        let got = (
            output(&v)["width"].as_u64().unwrap(),
            output(&v)["height"].as_u64().unwrap(),
        );
        assert_eq!(got, want, "{model} {inputs}");
        assert_eq!(fake.task(&id).unwrap().effective_mode, mode);
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn wan_task_failures() {
    // Scale 5: the quick failures (1 s wait + 1 s, service time) are certainly not over when
    // a task is first read.
    let fake = start(5.0).await;
    let c = client();
    let long = "https://static.example.com/long.mp4?duration=16.12";
    let cases: Vec<(Value, String)> = vec![
        (
            json!({"videoUrls": [long]}),
            format!("Wan 3.0 generation failed: InvalidParameter - {long} duration should be at most 15s, got 16.12s"),
        ),
        (
            json!({"videoUrls": ["https://e.com/v.mp4?duration=10.61"], "duration": 20}),
            "Wan 3.0 generation failed: InvalidParameter - input_video_duration(10.61s) + duration(20.0s) = 30.61s exceeds 30s limit".into(),
        ),
        (
            json!({"imageUrls": urls("png", 1), "audioUrls": ["https://e.com/a.mp3?duration=10", "https://e.com/b.mp3?duration=6"]}),
            "Reference audio total duration exceeds the limit. Please use audio with a combined duration of 15 seconds or less.".into(),
        ),
    ];
    for (mut inputs, message) in cases {
        inputs["prompt"] = json!("x");
        let id = create_model(&c, &fake, "wan3.0-ref-to-video", inputs.clone()).await;
        assert_eq!(record(&c, &fake, KEY, &id).await.1["status"], "waiting");
        fake.advance_service_time(2.1);
        let (_, v) = record(&c, &fake, KEY, &id).await;
        assert_eq!(
            v["error"],
            json!({"code": "InvalidParameter", "message": message}),
            "{inputs}"
        );
    }
    // Inside the limits: 15 s of video and 15 s of duration.
    let id = create_model(
        &c,
        &fake,
        "wan3.0-ref-to-video",
        json!({"prompt": "x", "videoUrls": ["https://e.com/v.mp4?duration=15"], "duration": 15}),
    )
    .await;
    fake.advance_service_time(2.1);
    assert_ne!(record(&c, &fake, KEY, &id).await.1["status"], "fail");

    // The documented catalogue, by marker.
    let catalogue = [
        ("wan-moderation", "500", "Your content was blocked by moderation. Please adjust your prompt or uploaded media and try again."),
        ("wan-face-output", "500", "Wan 3.0 generation failed: FaceDetectionSuspect - The output content is suspected to include real human faces."),
        ("wan-face-input", "500", "Wan 3.0 generation failed: FaceDetectionSuspect - The input content is suspected to include real human faces."),
        ("wan-copyright", "500", "Your uploaded image may be restricted by copyright. Please use a different image."),
        ("wan-busy", "500", "Wan 3.0 generation failed: ServiceUnavailable - <503> InternalError.Algo: Service is temporarily unavailable. Please try again later."),
        ("wan-download", "InvalidParameter", "Failed to download your uploaded media. Please re-upload and try again."),
        ("wan-low-resolution", "InvalidParameter", "Input image resolution is too low. Please use a higher-resolution image and try again."),
        ("wan-green-net", "InvalidParameter", "Wan 3.0 generation failed: InvalidParameter - Green net service failed to process the file."),
    ];
    for (name, code, message) in catalogue {
        let id = create_model(
            &c,
            &fake,
            "wan3.0-image-to-video",
            json!({"prompt": format!("x [fake:fail={name}] {NOW}"), "imageUrls": urls("png", 1)}),
        )
        .await;
        let (_, v) = record(&c, &fake, KEY, &id).await;
        assert_eq!(
            v["error"],
            json!({"code": code, "message": message}),
            "{name}"
        );
    }
    // Every failure was refunded; only the task inside the limits (15 s × 28.514) is held.
    assert_eq!(fake.balance(), 1_000_000.0 - 427.71);
    fake.shutdown().await;
}
