//! Render mode over real HTTP: results made with ffmpeg carry the prompt's colour, the
//! task's length, frame size, codec, container and audio; last frames come from the video;
//! equal results are rendered once (also across runs sharing a cache directory); and the
//! fake refuses clearly to run render mode without a usable ffmpeg. These tests need ffmpeg
//! (with libx264, libx265 and drawtext) on PATH.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;
use seedance_fake::{media, prompt_colour, FakeConfig, FakeService};
use serde_json::{json, Value};

const NOW: &str = "[fake:wait=0][fake:gen=0]";

fn render_config() -> FakeConfig {
    FakeConfig {
        time_scale: 1.0,
        render_results: true,
        ..FakeConfig::default()
    }
}

/// The RGB of one pixel of an image or video frame, decoded by ffmpeg.
fn pixel(bytes: &[u8], x: u32, y: u32) -> [u8; 3] {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frame");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(&path)
        .args([
            "-vf",
            &format!("format=rgb24,crop=1:1:{x}:{y}"),
            "-frames:v",
            "1",
        ])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    [out.stdout[0], out.stdout[1], out.stdout[2]]
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 10)
}

/// Finishes `inputs` on `model` at once and returns (record, video bytes, last-frame bytes,
/// seconds from the record read to both files downloaded).
async fn result(
    c: &reqwest::Client,
    fake: &FakeService,
    model: &str,
    inputs: Value,
) -> (Value, Vec<u8>, Vec<u8>, f64) {
    let id = create_model(c, fake, model, inputs).await;
    let started = Instant::now();
    let (_, rec) = record(c, fake, KEY, &id).await;
    assert_eq!(rec["status"], "success");
    let (s, _, video) = fetch(c, output(&rec)["url"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    let (s, _, frame) = fetch(c, output(&rec)["lastFrameImage"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    (rec, video, frame, started.elapsed().as_secs_f64())
}

/// A client that waits as long as ffmpeg takes: a 1080p HEVC render on a busy two-core
/// machine can take longer than the shared client's 10 s, and speed is not what these
/// tests check.
fn render_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(180))
        .build()
        .expect("client")
}

#[tokio::test]
async fn rendered_results_follow_the_task() {
    let fake = start_with(render_config()).await;
    let c = render_client();

    // 2.0, 5 s 720p: H.264 + AAC in mp4, PNG last frame, the prompt's colour.
    let dog = "A golden retriever running through autumn leaves";
    let (rec, video, frame, took) = result(
        &c,
        &fake,
        "seedance-20",
        json!({"prompt": format!("{dog} {NOW}"), "duration": 5, "outputResolution": "720p"}),
    )
    .await;
    eprintln!("2.0 5 s 720p H.264 rendered and served in {took:.2} s");
    let info = media::probe(&video).unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("avc1", 1280, 720));
    assert!((info.duration_secs - 5.0).abs() < 0.1, "{info:?}");
    assert_eq!(info.audio().unwrap().codec, "mp4a");
    assert_ne!(info.brand, "qt  ");
    assert_eq!(media::image_size(&frame), Some(("png", 1280, 720)));
    let (w, h) = (
        output(&rec)["width"].as_u64(),
        output(&rec)["height"].as_u64(),
    );
    assert_eq!((w, h), (Some(1280), Some(720)));
    assert!(close(pixel(&frame, 640, 6), prompt_colour(dog)));
    assert!(close(pixel(&video, 640, 6), prompt_colour(dog)));

    // 2.5, 4 s 1080p, mov, silent: HEVC in QuickTime, no audio, a JPEG on the signed host.
    let bike = "A red bicycle on a cobblestone street";
    assert!(!close(prompt_colour(bike), prompt_colour(dog)));
    let (_, video, frame, took) = result(
        &c,
        &fake,
        "seedance2-5",
        json!({"prompt": format!("{bike} {NOW}"), "duration": 4, "outputResolution": "1080p",
               "output_format": "mov", "generate_audio": false}),
    )
    .await;
    eprintln!("2.5 4 s 1080p HEVC mov rendered and served in {took:.2} s");
    let info = media::probe(&video).unwrap();
    assert_eq!(info.brand, "qt  ");
    let v = info.video().unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("hvc1", 1920, 1080));
    assert!((info.duration_secs - 4.06).abs() < 0.1, "{info:?}");
    assert_eq!(info.audio(), None);
    assert_eq!(media::image_size(&frame), Some(("jpeg", 1920, 1080)));
    assert!(close(pixel(&frame, 960, 6), prompt_colour(bike)));

    // Edit at 480p of a 4.5 s portrait source: the source's length and shape, with sound.
    let (_, video, frame, _) = result(
        &c,
        &fake,
        "seedance2-5-edit",
        json!({"prompt": format!("Make the sweater burgundy {NOW}"), "outputResolution": "480p",
               "videoUrls": ["https://static.example.com/hand.mp4?duration=4.5&ratio=9:16"]}),
    )
    .await;
    let info = media::probe(&video).unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.codec.as_str(), v.width, v.height), ("avc1", 480, 854));
    assert!((info.duration_secs - 4.5).abs() < 0.1, "{info:?}");
    assert_eq!(info.audio().unwrap().codec, "mp4a");
    assert_eq!(media::image_size(&frame), Some(("jpeg", 480, 854)));

    // Extend 4 s of a 12 s source: the new footage only.
    let (_, video, _, _) = result(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": format!("The hand picks up a ring {NOW}"), "duration": 4,
               "outputResolution": "480p", "output_format": "mov",
               "videoUrls": ["https://static.example.com/hand.mp4?duration=12"]}),
    )
    .await;
    let info = media::probe(&video).unwrap();
    assert!((info.duration_secs - 4.06).abs() < 0.1, "{info:?}");
    assert_eq!(info.audio().unwrap().codec, "sowt");
    assert_eq!(info.video().unwrap().width, 854);

    // The same result again is served from the cache, not rendered again.
    let renders = fake.stats().renders;
    let (_, again, _, _) = result(
        &c,
        &fake,
        "seedance2-5-extend",
        json!({"prompt": format!("The hand picks up a ring {NOW}"), "duration": 4,
               "outputResolution": "480p", "output_format": "mov",
               "videoUrls": ["https://static.example.com/hand.mp4?duration=12"]}),
    )
    .await;
    assert_eq!(again, video);
    let stats = fake.stats();
    assert_eq!(stats.renders, renders);
    assert_eq!(stats.renders, 4);
    eprintln!(
        "{} renders, {:.2} s each on average",
        stats.renders,
        stats.render_millis as f64 / 1000.0 / stats.renders as f64
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn a_cache_directory_is_reused_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = FakeConfig {
        render_cache_dir: Some(dir.path().to_path_buf()),
        ..render_config()
    };
    let body = json!({"prompt": format!("Waves on a pebble beach {NOW}"), "duration": 4,
                      "outputResolution": "480p"});
    let c = render_client();
    let first = start_with(config.clone()).await;
    let (_, video, frame, _) = result(&c, &first, "seedance2-fast", body.clone()).await;
    assert_eq!(first.stats().renders, 1);
    first.shutdown().await;
    let second = start_with(config).await;
    let (_, again, frame_again, _) = result(&c, &second, "seedance2-fast", body).await;
    assert_eq!((again, frame_again), (video, frame));
    assert_eq!(second.stats().renders, 0);
    second.shutdown().await;
}

#[tokio::test]
async fn render_mode_without_ffmpeg_fails_clearly() {
    let missing = "/nonexistent/bin/ffmpeg";
    let err = FakeService::start(FakeConfig {
        ffmpeg: missing.into(),
        ..render_config()
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("ffmpeg not found (`{missing}`)")),
        "{err}"
    );

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-seedance"))
        .args(["--port", "0", "--render-results", "--ffmpeg", missing])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "fake-seedance: cannot start: render mode (--render-results) needs ffmpeg"
        ),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // Turning it on at run time: the admin API checks and refuses…
    let fake = start(1.0).await;
    let c = render_client();
    let (s, v) = admin_post(
        &c,
        &fake,
        "config",
        json!({"render_results": true, "ffmpeg": missing}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["message"].as_str().unwrap().contains("ffmpeg not found"),
        "{v}"
    );
    assert!(!fake.config().render_results);
    // …and from Rust the result files say why they cannot be made.
    fake.set_config(|cfg| {
        cfg.render_results = true;
        cfg.ffmpeg = missing.into();
    });
    let id = create_model(
        &c,
        &fake,
        "seedance-20",
        json!({"prompt": format!("x {NOW}")}),
    )
    .await;
    let (_, rec) = record(&c, &fake, KEY, &id).await;
    let (s, ct, body) = fetch(&c, output(&rec)["url"].as_str().unwrap()).await;
    assert_eq!((s, ct.as_str()), (500, "text/plain; charset=utf-8"));
    assert!(String::from_utf8(body)
        .unwrap()
        .starts_with("render failed: ffmpeg not found"));
    fake.shutdown().await;
}
