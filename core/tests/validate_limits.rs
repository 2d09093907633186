//! Every documented input limit broken one at a time (and a few together), the boundary
//! values that must pass, and the local-file checks on real files in a temp dir: the 2.0
//! family (service-api §3.2–3.4), the Seedance 2.5 family with Edit and Extend (§3.5,
//! §12.1–12.2) and the "2.0 way" video jobs (§12.2.2). Each problem names its field and
//! the fix.
#![allow(clippy::unwrap_used)]

use seedance_core::media::MediaKind;
use seedance_core::model::{
    AspectRatio, Mode, ModelId, OutputFormat, Resolution, TaskKind, VideoJob,
};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::validate::{validate, Field, Problem, ProblemCode, Validation};

fn base(model: ModelId) -> GenerationRequest {
    GenerationRequest::new(model, "A paper boat drifting down a rainy street")
}

fn url_ref(kind: MediaKind, url: &str, duration_ms: Option<u64>) -> Reference {
    Reference {
        kind,
        source: ReferenceSource::Url { url: url.into() },
        duration_ms,
    }
}

fn image(n: usize) -> Reference {
    url_ref(
        MediaKind::Image,
        &format!("https://cdn.example.test/i{n}.png"),
        None,
    )
}

fn video(n: usize, ms: Option<u64>) -> Reference {
    url_ref(
        MediaKind::Video,
        &format!("https://cdn.example.test/v{n}.mp4"),
        ms,
    )
}

fn audio(n: usize, ms: Option<u64>) -> Reference {
    url_ref(
        MediaKind::Audio,
        &format!("https://cdn.example.test/a{n}.mp3"),
        ms,
    )
}

fn codes(list: &[Problem]) -> Vec<ProblemCode> {
    list.iter().map(|p| p.code).collect()
}

/// Exactly one problem, with this code and field, whose message contains every fragment.
fn only_problem(v: &Validation, code: ProblemCode, field: Field, fragments: &[&str]) {
    assert_eq!(codes(&v.problems), vec![code], "{:#?}", v.problems);
    assert!(!v.is_valid());
    let p = &v.problems[0];
    assert_eq!(p.field, field, "{p:#?}");
    for f in fragments {
        assert!(
            p.message.contains(f),
            "{:?} does not contain {f:?}",
            p.message
        );
    }
}

fn clean(v: &Validation) {
    assert!(v.problems.is_empty(), "{:#?}", v.problems);
    assert!(v.warnings.is_empty(), "{:#?}", v.warnings);
}

#[test]
fn defaults_are_valid_on_every_generation_model_and_edit_and_extend_ask_for_their_source() {
    for &model in ModelId::all() {
        let v = validate(&base(model));
        match model.spec().unwrap().task {
            TaskKind::Generate => clean(&v),
            TaskKind::Edit => only_problem(
                &v,
                ProblemCode::SourceVideoMissing,
                Field::References,
                &[
                    "Seedance 2.5 Edit changes an existing clip",
                    "add the video to edit as reference video 1",
                ],
            ),
            TaskKind::Extend => only_problem(
                &v,
                ProblemCode::SourceVideoMissing,
                Field::References,
                &[
                    "Seedance 2.5 Extend continues an existing clip",
                    "add the video to continue as reference video 1",
                ],
            ),
        }
    }
    assert_eq!(ModelId::all().len(), 6);
}

#[test]
fn empty_or_blank_prompt_is_refused() {
    for prompt in ["", "   \n\t"] {
        let mut r = base(ModelId::Seedance20);
        r.prompt = prompt.into();
        only_problem(
            &validate(&r),
            ProblemCode::PromptEmpty,
            Field::Prompt,
            &["prompt", "10,000 characters"],
        );
    }
}

#[test]
fn prompt_over_the_limit_names_length_limit_and_excess() {
    let mut r = base(ModelId::Seedance20);
    r.prompt = "a".repeat(11_000);
    only_problem(
        &validate(&r),
        ProblemCode::PromptTooLong,
        Field::Prompt,
        &["The prompt is 11,000 characters; Seedance 2.0 accepts at most 10,000. Shorten it by 1,000."],
    );
    r.prompt = "a".repeat(10_001);
    only_problem(
        &validate(&r),
        ProblemCode::PromptTooLong,
        Field::Prompt,
        &["10,001", "by 1."],
    );
}

#[test]
fn prompt_length_counts_characters_not_bytes() {
    let mut r = base(ModelId::Seedance2Fast);
    // 10,000 characters, 27,000+ bytes: é is 2 bytes, 雨 3, 🌧 4.
    r.prompt = "é".repeat(5_000) + &"雨".repeat(4_999) + "🌧";
    assert_eq!(r.prompt.chars().count(), 10_000);
    assert!(r.prompt.len() > 20_000);
    clean(&validate(&r));
    r.prompt.push('é');
    only_problem(
        &validate(&r),
        ProblemCode::PromptTooLong,
        Field::Prompt,
        &["10,001 characters", "Seedance 2.0 Fast"],
    );
}

#[test]
fn duration_outside_4_to_15_is_refused_and_the_ends_pass() {
    for (secs, fix) in [
        (0, "4 s or more"),
        (3, "4 s or more"),
        (16, "15 s or less"),
        (60, "15 s or less"),
    ] {
        let mut r = base(ModelId::Seedance20Mini);
        r.duration_secs = secs;
        let v = validate(&r);
        only_problem(
            &v,
            ProblemCode::DurationOutOfRange,
            Field::Duration,
            &["duration", &format!("{secs} s"), "4 to 15 s", fix],
        );
    }
    for secs in [4, 15] {
        let mut r = base(ModelId::Seedance20Mini);
        r.duration_secs = secs;
        clean(&validate(&r));
    }
}

#[test]
fn resolutions_the_model_lacks_are_refused() {
    for model in [ModelId::Seedance2Fast, ModelId::Seedance20Mini] {
        for res in [Resolution::P1080, Resolution::K4] {
            let mut r = base(model);
            r.resolution = res;
            only_problem(
                &validate(&r),
                ProblemCode::ResolutionUnsupported,
                Field::Resolution,
                &[
                    "resolution",
                    res.wire_id(),
                    model.label(),
                    "480p and 720p",
                    "Choose 720p",
                    "switch to Seedance 2.0",
                ],
            );
        }
    }
    for res in Resolution::ALL {
        let mut r = base(ModelId::Seedance20);
        r.resolution = res;
        clean(&validate(&r));
    }
}

#[test]
fn seed_out_of_range_is_refused_and_the_ends_pass() {
    for seed in [-2, 4_294_967_296, i64::MIN, i64::MAX] {
        let mut r = base(ModelId::Seedance20);
        r.seed = Some(seed);
        only_problem(
            &validate(&r),
            ProblemCode::SeedOutOfRange,
            Field::Seed,
            &["seed", "0 to 4,294,967,295", "-1"],
        );
    }
    for seed in [-1, 0, 4_294_967_295] {
        let mut r = base(ModelId::Seedance20);
        r.seed = Some(seed);
        clean(&validate(&r));
    }
}

#[test]
fn too_many_references_of_each_kind() {
    let mut r = base(ModelId::Seedance20);
    r.mode = Some(Mode::Reference);
    r.references = (1..=10).map(image).collect();
    only_problem(
        &validate(&r),
        ProblemCode::TooManyImages,
        Field::References,
        &["10 reference images", "at most 9", "Remove 1"],
    );

    let mut r = base(ModelId::Seedance20);
    r.references = (1..=4).map(|n| video(n, Some(1_000))).collect();
    only_problem(
        &validate(&r),
        ProblemCode::TooManyVideos,
        Field::References,
        &["4 reference videos", "at most 3", "Remove 1"],
    );

    let mut r = base(ModelId::Seedance20);
    r.references = vec![image(1)];
    r.references.extend((1..=5).map(|n| audio(n, Some(1_000))));
    only_problem(
        &validate(&r),
        ProblemCode::TooManyAudio,
        Field::References,
        &["5 reference audio clips", "at most 3", "Remove 2"],
    );
}

#[test]
fn nine_images_in_reference_mode_and_three_videos_of_exactly_15_s_pass() {
    let mut r = base(ModelId::Seedance20);
    r.mode = Some(Mode::Reference);
    r.references = (1..=9).map(image).collect();
    clean(&validate(&r));

    let mut r = base(ModelId::Seedance20);
    r.references = vec![
        video(1, Some(5_000)),
        video(2, Some(4_500)),
        video(3, Some(5_500)),
    ];
    r.references.push(audio(1, Some(15_000)));
    clean(&validate(&r));
}

#[test]
fn audio_alone_is_refused_because_the_service_accepts_then_fails_it() {
    let mut r = base(ModelId::Seedance20);
    r.references = vec![audio(1, Some(3_000))];
    only_problem(
        &validate(&r),
        ProblemCode::AudioWithoutVisual,
        Field::References,
        &["audio only", "at least 1 image or video", "Add an image"],
    );
    r.references.push(image(1));
    clean(&validate(&r));
    r.references[1] = video(1, Some(3_000));
    clean(&validate(&r));
}

#[test]
fn combined_reference_video_and_audio_over_15_s_are_refused() {
    let mut r = base(ModelId::Seedance20);
    r.references = vec![video(1, Some(10_000)), video(2, Some(7_500))];
    only_problem(
        &validate(&r),
        ProblemCode::VideoTooLong,
        Field::References,
        &[
            "videos add up to 17.5 s",
            "at most 15 s combined",
            "Trim them by 2.5 s",
        ],
    );

    r.references = vec![video(1, Some(15_001))];
    only_problem(
        &validate(&r),
        ProblemCode::VideoTooLong,
        Field::References,
        &["15.001 s", "by 0.001 s"],
    );

    let mut r = base(ModelId::Seedance2Fast);
    r.references = vec![image(1), audio(1, Some(9_000)), audio(2, Some(9_000))];
    only_problem(
        &validate(&r),
        ProblemCode::AudioTooLong,
        Field::References,
        &[
            "audio clips add up to 18 s",
            "at most 15 s combined",
            "by 3 s",
        ],
    );
}

#[test]
fn unknown_video_length_is_a_warning_unless_the_known_ones_already_exceed() {
    let mut r = base(ModelId::Seedance20);
    r.references = vec![image(1), video(1, Some(5_000)), video(2, None)];
    let v = validate(&r);
    assert!(v.is_valid(), "{:#?}", v.problems);
    assert_eq!(codes(&v.warnings), vec![ProblemCode::DurationUnknown]);
    let w = &v.warnings[0];
    assert_eq!((w.field, w.reference), (Field::Reference(2), Some(2)));
    assert!(
        w.message.contains("video 2") && w.message.contains("15 s") && w.message.contains("checks"),
        "{}",
        w.message
    );

    r.references[1].duration_ms = Some(16_000);
    let v = validate(&r);
    assert_eq!(codes(&v.problems), vec![ProblemCode::VideoTooLong]);
    assert!(v.warnings.is_empty(), "{:#?}", v.warnings);
}

#[test]
fn reference_urls_must_be_http_or_https() {
    for (url, says) in [
        ("ftp://files.example.test/a.png", "starting with ftp:"),
        ("file:///home/me/a.png", "starting with file:"),
        ("data:image/png;base64,AAAA", "starting with data:"),
        ("cdn.example.test/a.png", "not a web address"),
        ("", "not a web address"),
        ("https://", "not a web address"),
    ] {
        let mut r = base(ModelId::Seedance20);
        r.references = vec![image(1), url_ref(MediaKind::Image, url, None)];
        let v = validate(&r);
        only_problem(
            &v,
            ProblemCode::UrlNotHttp,
            Field::Reference(1),
            &["Image 2", says, "http:// or https://"],
        );
        assert_eq!(v.problems[0].reference, Some(1));
    }
    let mut r = base(ModelId::Seedance20);
    r.references = vec![url_ref(
        MediaKind::Image,
        "HTTP://CDN.example.test/A.PNG",
        None,
    )];
    clean(&validate(&r));
}

#[test]
fn url_extension_of_the_wrong_kind_is_a_warning() {
    let mut r = base(ModelId::Seedance20);
    r.references = vec![
        url_ref(
            MediaKind::Image,
            "https://cdn.example.test/clip.mp4?sig=abc",
            None,
        ),
        url_ref(
            MediaKind::Video,
            "https://cdn.example.test/song.MP3",
            Some(2_000),
        ),
        url_ref(
            MediaKind::Audio,
            "https://cdn.example.test/cover.jpg",
            Some(2_000),
        ),
        url_ref(MediaKind::Image, "https://cdn.example.test/anim.gif", None),
        url_ref(
            MediaKind::Image,
            "https://cdn.example.test/render?id=3",
            None,
        ),
    ];
    let v = validate(&r);
    assert!(v.is_valid(), "{:#?}", v.problems);
    let w: Vec<(ProblemCode, Option<usize>)> =
        v.warnings.iter().map(|p| (p.code, p.reference)).collect();
    assert_eq!(
        w,
        vec![
            (ProblemCode::UrlWrongKind, Some(0)),
            (ProblemCode::UrlWrongKind, Some(1)),
            (ProblemCode::UrlWrongKind, Some(2)),
            (ProblemCode::UrlUnsupportedFormat, Some(3)),
        ]
    );
    let m = |i: usize| v.warnings[i].message.as_str();
    assert!(
        m(0).contains("Image 1")
            && m(0).contains(".mp4")
            && m(0).contains("a video file")
            && m(0).contains(".jpg, .jpeg, .png or .webp"),
        "{}",
        m(0)
    );
    assert!(
        m(1).contains("Video 1")
            && m(1).contains("an audio file")
            && m(1).contains("as an audio reference")
            && m(1).contains(".mp4, .mov or .webm"),
        "{}",
        m(1)
    );
    assert!(
        m(2).contains("Audio 1") && m(2).contains("an image file") && m(2).contains(".flac"),
        "{}",
        m(2)
    );
    assert!(
        m(3).contains("Image 2") && m(3).contains(".gif") && m(3).contains(".webp"),
        "{}",
        m(3)
    );
    assert_eq!(v.for_reference(1).count(), 1);
}

#[test]
fn keyframe_mode_with_video_or_audio_and_image_warns_that_reference_is_forced() {
    let mut r = base(ModelId::Seedance20);
    r.mode = Some(Mode::Keyframe);
    r.references = vec![image(1), video(1, Some(3_000))];
    let v = validate(&r);
    assert!(v.is_valid());
    assert_eq!(codes(&v.warnings), vec![ProblemCode::ModeForcedToReference]);
    assert_eq!(v.warnings[0].field, Field::Mode);
    assert!(
        v.warnings[0].message.contains("keyframe")
            && v.warnings[0].message.contains("reference video")
    );

    r.references = vec![image(1), audio(1, Some(3_000))];
    assert_eq!(
        codes(&validate(&r).warnings),
        vec![ProblemCode::ModeForcedToReference]
    );

    r.mode = None;
    clean(&validate(&r));
}

#[test]
fn three_to_nine_images_without_reference_mode_warn_that_images_are_dropped() {
    for n in 3..=9 {
        for mode in [None, Some(Mode::Keyframe)] {
            let mut r = base(ModelId::Seedance20);
            r.mode = mode;
            r.references = (1..=n).map(image).collect();
            let v = validate(&r);
            assert!(v.is_valid());
            assert_eq!(codes(&v.warnings), vec![ProblemCode::ImagesIgnored]);
            let m = &v.warnings[0].message;
            assert!(m.contains("only images 1 and 2 are used"), "{m}");
            assert!(
                m.contains(&format!("Switch to Reference mode to use all {n}")),
                "{m}"
            );
        }
    }
    let mut r = base(ModelId::Seedance20);
    r.references = (1..=2).map(image).collect();
    clean(&validate(&r));
    // A video forces reference mode, so nothing is dropped.
    r.references = (1..=5).map(image).chain([video(1, Some(2_000))]).collect();
    clean(&validate(&r));
}

#[test]
fn several_limits_broken_at_once_are_all_reported() {
    let mut r = base(ModelId::Seedance2Fast);
    r.prompt = "x".repeat(12_345);
    r.duration_secs = 20;
    r.resolution = Resolution::K4;
    r.seed = Some(-7);
    r.references = (1..=4).map(|n| video(n, Some(6_000))).collect();
    r.references
        .push(url_ref(MediaKind::Image, "ftp://x/a.png", None));
    let v = validate(&r);
    let mut got = codes(&v.problems);
    got.sort_by_key(|c| c.as_str());
    let mut want = vec![
        ProblemCode::PromptTooLong,
        ProblemCode::DurationOutOfRange,
        ProblemCode::ResolutionUnsupported,
        ProblemCode::SeedOutOfRange,
        ProblemCode::TooManyVideos,
        ProblemCode::UrlNotHttp,
        ProblemCode::VideoTooLong,
    ];
    want.sort_by_key(|c| c.as_str());
    assert_eq!(got, want);
    for p in &v.problems {
        assert!(p.message.contains("Seedance 2.0 Fast"), "{}", p.message);
    }
}

#[test]
fn validation_serializes_for_the_app() {
    let mut r = base(ModelId::Seedance20);
    r.references = vec![image(1), url_ref(MediaKind::Image, "ftp://x/a.png", None)];
    let json = serde_json::to_value(validate(&r)).unwrap();
    let p = &json["problems"][0];
    assert_eq!(p["code"], "url_not_http");
    assert_eq!(p["field"], serde_json::json!({"reference": 1}));
    assert_eq!(p["reference"], 1);
    assert!(p["message"].as_str().unwrap().contains("Image 2"));
    let back: Validation = serde_json::from_value(json).unwrap();
    assert_eq!(back, validate(&r));
}

// ---- Local files, read by content ------------------------------------------------------

mod local_files {
    use super::*;
    use seedance_core::media::Container;
    use seedance_core::validate::{
        inspect_local_reference, kind_for_path_by_content, LARGE_UPLOAD_BYTES,
    };
    use std::path::{Path, PathBuf};

    /// A real 2×1 PNG (IHDR, one IDAT, IEND) with valid CRCs.
    const PNG_2X1: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x7b,
        0x40, 0xe8, 0xdd, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0x00, 0x04, 0xff, 0x01, 0x07, 0x00, 0x01, 0xff, 0xe2, 0x23, 0x9e, 0x59, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/media")
            .join(name)
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn refused(
        result: Result<impl std::fmt::Debug, Problem>,
        code: ProblemCode,
        fragments: &[&str],
    ) {
        let p = result.expect_err("the file must be refused");
        assert_eq!(p.code, code, "{p:#?}");
        assert_eq!((p.field, p.reference), (Field::References, None));
        for f in fragments {
            assert!(
                p.message.contains(f),
                "{:?} does not contain {f:?}",
                p.message
            );
        }
    }

    #[tokio::test]
    async fn a_real_png_written_here_is_an_image_with_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "frame.png", PNG_2X1);
        let report = inspect_local_reference(&path, MediaKind::Image)
            .await
            .unwrap();
        assert_eq!(report.media.container, Container::Png);
        assert_eq!(
            (report.media.width, report.media.height),
            (Some(2), Some(1))
        );
        assert_eq!(report.duration_ms, None);
        assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
        assert_eq!(kind_for_path_by_content(&path).unwrap(), MediaKind::Image);
    }

    #[tokio::test]
    async fn a_text_file_named_png_is_refused_naming_what_it_is_and_what_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "notes.png",
            b"Shot list: boat, rain, lamp post.\n",
        );
        refused(
            inspect_local_reference(&path, MediaKind::Image).await,
            ProblemCode::UnsupportedFileType,
            &[
                "“notes.png”",
                "an image reference",
                "plain text",
                "JPEG, PNG or WebP",
                "MP4, MOV or WebM",
            ],
        );
        refused(
            kind_for_path_by_content(&path),
            ProblemCode::UnsupportedFileType,
            &["“notes.png”", "plain text"],
        );
    }

    #[tokio::test]
    async fn an_empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "blank.mp4", b"");
        refused(
            inspect_local_reference(&path, MediaKind::Video).await,
            ProblemCode::FileEmpty,
            &[
                "“blank.mp4”",
                "empty (0 bytes)",
                "a video reference",
                ".mp4, .mov or .webm",
            ],
        );
    }

    #[tokio::test]
    async fn a_file_that_vanished_is_reported_missing_with_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "gone.png", PNG_2X1);
        std::fs::remove_file(&path).unwrap();
        refused(
            inspect_local_reference(&path, MediaKind::Image).await,
            ProblemCode::FileMissing,
            &[
                "“gone.png”",
                "no longer at",
                &dir.path().display().to_string(),
            ],
        );
        refused(
            kind_for_path_by_content(&path),
            ProblemCode::FileMissing,
            &["“gone.png”"],
        );
    }

    #[tokio::test]
    async fn a_folder_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("stills.png");
        std::fs::create_dir(&sub).unwrap();
        refused(
            inspect_local_reference(&sub, MediaKind::Image).await,
            ProblemCode::NotAFile,
            &["“stills.png”", "folder"],
        );
    }

    #[tokio::test]
    async fn names_with_spaces_and_non_ascii_characters_work_and_are_quoted_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(dir.path(), "Plan séquence 雨の街 🌧 final v2.png", PNG_2X1);
        let report = inspect_local_reference(&good, MediaKind::Image)
            .await
            .unwrap();
        assert_eq!(report.kind(), MediaKind::Image);
        let reference = report.to_reference(good.clone());
        assert_eq!(
            reference.source,
            ReferenceSource::LocalFile {
                path: good,
                uploaded: None
            }
        );

        let bad = write(dir.path(), "notes d’été 雨.png", b"plain words");
        refused(
            inspect_local_reference(&bad, MediaKind::Image).await,
            ProblemCode::UnsupportedFileType,
            &["“notes d’été 雨.png”"],
        );
    }

    #[tokio::test]
    async fn a_very_long_path_works_and_an_over_long_name_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..12 {
            deep.push(format!("{i:02}-{}", "ü".repeat(60)));
        }
        std::fs::create_dir_all(&deep).unwrap();
        let path = write(&deep, &format!("{}.png", "long name ".repeat(20)), PNG_2X1);
        assert!(path.as_os_str().len() > 1_500, "{}", path.as_os_str().len());
        let report = inspect_local_reference(&path, MediaKind::Image)
            .await
            .unwrap();
        assert_eq!(report.media.container, Container::Png);

        // One component over the usual 255-byte limit cannot exist at all.
        let too_long = dir.path().join(format!("{}.png", "x".repeat(300)));
        let p = inspect_local_reference(&too_long, MediaKind::Image)
            .await
            .expect_err("cannot exist");
        assert_eq!(p.code, ProblemCode::FileUnreadable, "{p:#?}");
        assert!(p.message.contains("xxxxxxxx"), "{}", p.message);
    }

    #[tokio::test]
    async fn a_file_of_another_kind_is_refused_naming_the_kind_it_really_is() {
        refused(
            inspect_local_reference(&fixture("video.mp4"), MediaKind::Image).await,
            ProblemCode::KindMismatch,
            &[
                "“video.mp4”",
                "holds a video (MP4), not an image",
                "Add it as a video reference",
            ],
        );
        refused(
            inspect_local_reference(&fixture("image.jpg"), MediaKind::Audio).await,
            ProblemCode::KindMismatch,
            &["holds an image (JPEG), not audio", "as an image reference"],
        );
        // An MP4 with sound only is audio, whatever its name says.
        refused(
            inspect_local_reference(&fixture("audio_only.mp4"), MediaKind::Video).await,
            ProblemCode::KindMismatch,
            &["holds audio", "not a video", "as an audio reference"],
        );
    }

    #[tokio::test]
    async fn accepted_fixtures_report_their_kind_and_duration() {
        for (name, kind, duration_ms) in [
            ("video.mp4", MediaKind::Video, Some(3_000)),
            ("video.mov", MediaKind::Video, Some(3_000)),
            ("video.webm", MediaKind::Video, Some(3_000)),
            ("audio.mp3", MediaKind::Audio, Some(2_000)),
            ("audio.wav", MediaKind::Audio, Some(2_000)),
            ("audio.flac", MediaKind::Audio, Some(2_000)),
            ("image.jpg", MediaKind::Image, None),
            ("image.webp", MediaKind::Image, None),
        ] {
            let report = inspect_local_reference(&fixture(name), kind).await.unwrap();
            assert_eq!(report.kind(), kind, "{name}");
            match (report.duration_ms, duration_ms) {
                // Encoders pad a few ms; the rule only needs the length to the millisecond.
                (Some(got), Some(want)) => assert!(got.abs_diff(want) <= 100, "{name}: {got} ms"),
                (got, want) => assert_eq!(got, want, "{name}"),
            }
            assert!(report.warnings.is_empty(), "{name}: {:#?}", report.warnings);
            assert_eq!(
                kind_for_path_by_content(&fixture(name)).unwrap(),
                kind,
                "{name}"
            );
        }
    }

    #[tokio::test]
    async fn formats_the_service_refuses_are_named() {
        for (name, declared, says) in [
            ("image.gif", MediaKind::Image, "GIF"),
            ("image.bmp", MediaKind::Image, "BMP"),
            ("video.mkv", MediaKind::Video, "MKV"),
            ("doc.pdf", MediaKind::Image, "PDF"),
            ("text_named.png", MediaKind::Image, "plain text"),
        ] {
            refused(
                inspect_local_reference(&fixture(name), declared).await,
                ProblemCode::UnsupportedFileType,
                &[name, says],
            );
        }
    }

    #[tokio::test]
    async fn a_jpeg_named_png_is_used_with_a_rename_warning() {
        let report = inspect_local_reference(&fixture("jpeg_named.png"), MediaKind::Image)
            .await
            .unwrap();
        assert_eq!(report.media.container, Container::Jpeg);
        assert_eq!(
            report.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
            vec![ProblemCode::FileExtensionMismatch]
        );
        assert!(
            report.warnings[0].message.contains(".jpg"),
            "{}",
            report.warnings[0].message
        );
    }

    #[tokio::test]
    async fn files_over_500_mb_warn_that_the_upload_takes_a_while() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "huge still.png", PNG_2X1);
        // Sparse: no disk is used for the padding after IEND.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(LARGE_UPLOAD_BYTES + 112_000_000)
            .unwrap();
        let report = inspect_local_reference(&path, MediaKind::Image)
            .await
            .unwrap();
        let w: Vec<&Problem> = report
            .warnings
            .iter()
            .filter(|w| w.code == ProblemCode::LargeUpload)
            .collect();
        assert_eq!(w.len(), 1, "{:#?}", report.warnings);
        assert!(
            w[0].message.contains("“huge still.png” is 612 MB") && w[0].message.contains("500 MB"),
            "{}",
            w[0].message
        );

        let at_limit = write(dir.path(), "limit.png", PNG_2X1);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&at_limit)
            .unwrap()
            .set_len(LARGE_UPLOAD_BYTES)
            .unwrap();
        let report = inspect_local_reference(&at_limit, MediaKind::Image)
            .await
            .unwrap();
        assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
    }

    #[tokio::test]
    async fn probed_durations_feed_the_combined_limit() {
        // Three 3 s fixture videos: 9 s passes; five would be 15 s but too many; with a
        // stated 7 s clip added to two of them, 13 s passes and 3 + 3 + 10 = 16 s fails.
        let mut r = base(ModelId::Seedance20);
        for _ in 0..3 {
            let report = inspect_local_reference(&fixture("video.mp4"), MediaKind::Video)
                .await
                .unwrap();
            r.references.push(report.to_reference(fixture("video.mp4")));
        }
        clean(&validate(&r));
        r.references[2] = video(9, Some(7_000));
        assert!(validate(&r).is_valid());
        r.references[2] = video(9, Some(10_000));
        let v = validate(&r);
        assert_eq!(
            codes(&v.problems),
            vec![ProblemCode::VideoTooLong],
            "{:#?}",
            v.problems
        );
        let p = &v.problems[0];
        assert!(
            p.message.contains("16") && p.message.contains("15 s combined"),
            "{}",
            p.message
        );
    }
}

// ---- Seedance 2.5 (service-api §3.5, §12.1) --------------------------------------------

#[test]
fn seedance_2_5_durations_are_4_to_30_s() {
    for (secs, fix) in [
        (3, "4 s or more"),
        (31, "30 s or less"),
        (60, "30 s or less"),
    ] {
        let mut r = base(ModelId::Seedance25);
        r.duration_secs = secs;
        only_problem(
            &validate(&r),
            ProblemCode::DurationOutOfRange,
            Field::Duration,
            &[
                &format!("{secs} s"),
                "Seedance 2.5 makes clips of 4 to 30 s",
                fix,
            ],
        );
    }
    for secs in [4, 16, 30] {
        let mut r = base(ModelId::Seedance25);
        r.duration_secs = secs;
        clean(&validate(&r));
    }
}

#[test]
fn seedance_2_5_prompts_take_30_000_characters() {
    let mut r = base(ModelId::Seedance25);
    r.prompt = "雨".repeat(30_000);
    clean(&validate(&r));
    r.prompt.push('a');
    only_problem(
        &validate(&r),
        ProblemCode::PromptTooLong,
        Field::Prompt,
        &[
            "30,001 characters",
            "Seedance 2.5 accepts at most 30,000",
            "Shorten it by 1.",
        ],
    );
}

#[test]
fn seedance_2_5_takes_30_images_10_videos_and_10_audio_clips() {
    let mut r = base(ModelId::Seedance25);
    r.references = (1..=30).map(image).collect();
    clean(&validate(&r));
    r.references.push(image(31));
    only_problem(
        &validate(&r),
        ProblemCode::TooManyImages,
        Field::References,
        &[
            "31 reference images",
            "Seedance 2.5 accepts at most 30",
            "Remove 1",
        ],
    );

    let mut r = base(ModelId::Seedance25);
    r.references = (1..=10).map(|n| video(n, Some(2_000))).collect();
    clean(&validate(&r));
    r.references.push(video(11, Some(2_000)));
    only_problem(
        &validate(&r),
        ProblemCode::TooManyVideos,
        Field::References,
        &["11 reference videos", "at most 10", "Remove 1"],
    );

    let mut r = base(ModelId::Seedance25);
    r.references = vec![image(1)];
    r.references.extend((1..=10).map(|n| audio(n, Some(2_500))));
    clean(&validate(&r));
    r.references.push(audio(11, Some(1_000)));
    only_problem(
        &validate(&r),
        ProblemCode::TooManyAudio,
        Field::References,
        &["11 reference audio clips", "at most 10", "Remove 1"],
    );
}

#[test]
fn seedance_2_5_videos_last_2_to_30_s_each_and_30_s_together() {
    let mut r = base(ModelId::Seedance25);
    r.references = vec![
        video(1, Some(10_000)),
        video(2, Some(10_000)),
        video(3, Some(10_000)),
    ];
    clean(&validate(&r));

    r.references[2].duration_ms = Some(10_500);
    only_problem(
        &validate(&r),
        ProblemCode::VideoTooLong,
        Field::References,
        &[
            "add up to 30.5 s",
            "at most 30 s combined",
            "Trim them by 0.5 s",
        ],
    );

    r.references = vec![video(1, Some(5_000)), video(2, Some(1_500))];
    only_problem(
        &validate(&r),
        ProblemCode::VideoLengthOutOfRange,
        Field::Reference(1),
        &[
            "Video 2 is 1.5 s",
            "reference videos of 2 s to 30 s each",
            "Use a longer clip or remove it.",
        ],
    );

    r.references = vec![video(1, Some(31_000))];
    let v = validate(&r);
    assert_eq!(
        codes(&v.problems),
        vec![
            ProblemCode::VideoLengthOutOfRange,
            ProblemCode::VideoTooLong
        ]
    );
    assert!(v.problems[0].message.contains("Trim it to 30 s or less."));

    r.references = vec![image(1), audio(1, Some(20_000)), audio(2, Some(10_001))];
    only_problem(
        &validate(&r),
        ProblemCode::AudioTooLong,
        Field::References,
        &["audio clips add up to 30.001 s", "at most 30 s combined"],
    );
}

#[test]
fn seedance_2_5_has_no_4k_and_makes_mov_or_mp4() {
    for model in [
        ModelId::Seedance25,
        ModelId::Seedance25Edit,
        ModelId::Seedance25Extend,
    ] {
        let mut r = base(model);
        r.references = vec![video(1, Some(6_000))];
        r.resolution = Resolution::K4;
        let v = validate(&r);
        assert_eq!(
            codes(&v.problems),
            vec![ProblemCode::ResolutionUnsupported],
            "{model}"
        );
        let m = &v.problems[0].message;
        assert!(
            m.contains("480p, 720p and 1080p") && m.contains("Choose 1080p"),
            "{m}"
        );
        if model == ModelId::Seedance25 {
            assert!(m.contains("or switch to Seedance 2.0 for 4k"), "{m}");
        } else {
            // Only another edit (or extend) model is offered as the way out.
            assert!(!m.contains("switch to"), "{m}");
        }
        for format in [OutputFormat::Mp4, OutputFormat::Mov] {
            let mut r = base(model);
            r.references = vec![video(1, Some(6_000))];
            r.output_format = Some(format);
            assert!(validate(&r).is_valid(), "{model} {format:?}");
        }
    }
    let mut r = base(ModelId::Seedance2Fast);
    r.output_format = Some(OutputFormat::Mov);
    only_problem(
        &validate(&r),
        ProblemCode::OutputFormatUnsupported,
        Field::OutputFormat,
        &[
            "Seedance 2.0 Fast makes .mp4 files only, not .mov",
            "Choose mp4",
            "switch to Seedance 2.5 for .mov",
        ],
    );
    r.output_format = Some(OutputFormat::Mp4);
    clean(&validate(&r));
}

#[test]
fn seedance_2_5_runs_three_images_or_more_as_references() {
    for n in [3, 9, 30] {
        let mut r = base(ModelId::Seedance25);
        r.references = (1..=n).map(image).collect();
        clean(&validate(&r));
        // An explicit keyframe uses the first two, as on 2.0.
        r.mode = Some(Mode::Keyframe);
        let v = validate(&r);
        assert!(v.is_valid());
        assert_eq!(codes(&v.warnings), vec![ProblemCode::ImagesIgnored]);
        assert!(v.warnings[0]
            .message
            .contains("only images 1 and 2 are used"));
        assert!(v.warnings[0].message.contains("or leave the mode empty"));
    }
}

#[test]
fn seedance_2_5_keyframe_ignores_the_aspect_ratio_as_a_note_not_an_error() {
    let mut r = base(ModelId::Seedance25);
    r.references = vec![image(1), image(2)];
    r.aspect_ratio = Some(AspectRatio::Portrait9x16);
    let v = validate(&r);
    assert!(v.is_valid(), "{:#?}", v.problems);
    assert_eq!(codes(&v.warnings), vec![ProblemCode::AspectRatioIgnored]);
    assert_eq!(v.warnings[0].field, Field::AspectRatio);
    let m = &v.warnings[0].message;
    assert!(
        m.contains("keeps the shape of image 1") && m.contains("9:16") && m.contains("Clear it"),
        "{m}"
    );
    // Text-to-video and reference mode do take the ratio; 2.0 keyframes do too.
    r.references.clear();
    clean(&validate(&r));
    r.references = (1..=3).map(image).collect();
    clean(&validate(&r));
    r.model = ModelId::Seedance20;
    r.references = vec![image(1)];
    clean(&validate(&r));
}

#[test]
fn adaptive_is_not_a_seedance_ratio() {
    let mut r = base(ModelId::Seedance25);
    r.aspect_ratio = Some(AspectRatio::Adaptive);
    only_problem(
        &validate(&r),
        ProblemCode::AspectRatioUnsupported,
        Field::AspectRatio,
        &[
            "adaptive",
            "16:9, 9:16, 1:1, 4:3, 3:4 and 21:9",
            "leave it empty",
        ],
    );
}

#[test]
fn an_edit_like_prompt_with_a_reference_video_on_2_5_is_flagged() {
    let mut r = base(ModelId::Seedance25);
    r.prompt = "Replace the red car with a blue bus, keep every motion.".into();
    r.references = vec![video(1, Some(8_000))];
    let v = validate(&r);
    assert!(v.is_valid());
    assert_eq!(codes(&v.warnings), vec![ProblemCode::PromptReadsAsEdit]);
    let m = &v.warnings[0].message;
    assert!(
        m.contains("“replace”") && m.contains("2 × its seconds") && m.contains("Seedance 2.5 Edit"),
        "{m}"
    );
    for prompt in [
        "Change the jacket to red.",
        "Turn it into a cartoon",
        "edit: more rain",
    ] {
        r.prompt = prompt.into();
        assert_eq!(
            codes(&validate(&r).warnings),
            vec![ProblemCode::PromptReadsAsEdit],
            "{prompt}"
        );
    }
    r.prompt = "A dog runs along the beach, like the reference.".into();
    clean(&validate(&r));
    // Without a video there is nothing to edit; on 2.0 no such rule is documented.
    r.prompt = "Replace the sky".into();
    r.references.clear();
    clean(&validate(&r));
    r.model = ModelId::Seedance20;
    r.references = vec![video(1, Some(8_000))];
    clean(&validate(&r));
}

// ---- Edit and Extend (service-api §12.2.1) -----------------------------------------------

fn edit(source_ms: Option<u64>) -> seedance_core::request::GenerationRequest {
    let mut r = base(ModelId::Seedance25Edit);
    r.references = vec![video(1, source_ms)];
    r
}

fn extend(source_ms: Option<u64>) -> seedance_core::request::GenerationRequest {
    let mut r = base(ModelId::Seedance25Extend);
    r.references = vec![video(1, source_ms)];
    r
}

#[test]
fn an_edit_source_lasts_4_to_30_s() {
    for ms in [4_000, 6_000, 30_000] {
        clean(&validate(&edit(Some(ms))));
    }
    only_problem(
        &validate(&edit(Some(3_900))),
        ProblemCode::SourceVideoOutOfRange,
        Field::Reference(0),
        &[
            "The video to edit (video 1) is 3.9 s",
            "Seedance 2.5 Edit needs a source of 4 s to 30 s",
            "Use a longer clip.",
        ],
    );
    // Over 30 s is also over the 30 s the videos may add up to: both limits are named.
    let v = validate(&edit(Some(30_001)));
    assert_eq!(
        codes(&v.problems),
        vec![
            ProblemCode::SourceVideoOutOfRange,
            ProblemCode::VideoTooLong
        ]
    );
    assert!(v.problems[0].message.contains("30.001 s"));
    assert!(v.problems[0].message.contains("Trim it to 30 s or less."));
    // Unknown length: the service checks it (a task outside fails, refunded).
    let v = validate(&edit(None));
    assert!(v.is_valid());
    assert_eq!(codes(&v.warnings), vec![ProblemCode::DurationUnknown]);
    assert!(v.warnings[0].message.contains("4 s to 30 s"));
}

#[test]
fn an_edit_takes_no_duration_aspect_ratio_or_mode() {
    let mut r = edit(Some(6_000));
    r.duration_secs = 99;
    clean(&validate(&r));
    r.aspect_ratio = Some(AspectRatio::Landscape16x9);
    r.mode = Some(Mode::Keyframe);
    let v = validate(&r);
    assert!(v.is_valid());
    assert_eq!(
        codes(&v.warnings),
        vec![ProblemCode::AspectRatioIgnored, ProblemCode::ModeIgnored]
    );
    assert!(v.warnings[0]
        .message
        .contains("keeps the shape of the video to edit"));
    assert!(v.warnings[1].message.contains("has no mode setting"));
}

#[test]
fn an_extension_needs_4_to_30_s_of_new_footage_from_a_2_to_30_s_source() {
    for ms in [2_000, 6_000, 30_000] {
        clean(&validate(&extend(Some(ms))));
    }
    only_problem(
        &validate(&extend(Some(1_999))),
        ProblemCode::SourceVideoOutOfRange,
        Field::Reference(0),
        &[
            "The video to continue (video 1) is 1.999 s",
            "Seedance 2.5 Extend needs a source of 2 s to 30 s",
        ],
    );
    for (secs, fix) in [(3, "4 s or more"), (31, "30 s or less")] {
        let mut r = extend(Some(6_000));
        r.duration_secs = secs;
        only_problem(
            &validate(&r),
            ProblemCode::DurationOutOfRange,
            Field::Duration,
            &["Seedance 2.5 Extend adds 4 to 30 s of new footage", fix],
        );
    }
    let mut r = extend(Some(20_000));
    r.references.push(video(2, Some(11_000)));
    only_problem(
        &validate(&r),
        ProblemCode::VideoTooLong,
        Field::References,
        &["add up to 31 s", "at most 30 s combined"],
    );
    // Each further video must be 2–30 s; the source has its own rule.
    let mut r = extend(Some(6_000));
    r.references.push(video(2, Some(1_000)));
    only_problem(
        &validate(&r),
        ProblemCode::VideoLengthOutOfRange,
        Field::Reference(1),
        &["Video 2 is 1 s"],
    );
}

// ---- The 2.0 way (service-api §12.2.2) ----------------------------------------------------

fn job(
    model: ModelId,
    job: VideoJob,
    source_ms: Option<u64>,
) -> seedance_core::request::GenerationRequest {
    let mut r = base(model);
    r.video_job = Some(job);
    if source_ms.is_some() {
        r.references = vec![video(1, source_ms)];
    }
    r
}

#[test]
fn the_2_0_way_needs_its_source_video() {
    for j in VideoJob::ALL {
        let r = job(ModelId::Seedance20, j, None);
        let v = validate(&r);
        assert_eq!(
            codes(&v.problems),
            vec![ProblemCode::SourceVideoMissing],
            "{j:?}"
        );
        let m = &v.problems[0].message;
        assert!(
            m.contains("as reference video 1") && m.contains("or turn the job off"),
            "{m}"
        );
        clean(&validate(&job(ModelId::Seedance2Fast, j, Some(10_000))));
    }
}

#[test]
fn a_2_0_edit_lasts_as_long_as_its_source() {
    // The duration field says 5; the source's 10 s is what is sent, priced and checked.
    let r = job(ModelId::Seedance20Mini, VideoJob::Edit, Some(10_000));
    assert_eq!(r.duration_secs, 5);
    assert_eq!(r.effective_duration_secs(), 10);
    clean(&validate(&r));
    // Also over the 15 s of reference video 2.0 takes in all: both are named.
    let v = validate(&job(ModelId::Seedance20, VideoJob::Edit, Some(17_400)));
    assert_eq!(
        codes(&v.problems),
        vec![
            ProblemCode::SourceVideoOutOfRange,
            ProblemCode::VideoTooLong
        ]
    );
    assert_eq!(v.problems[0].field, Field::Reference(0));
    for fragment in [
        "The video to edit (video 1) is 17.4 s",
        "makes clips of 4 to 15 s",
        "Trim it to 15 s or less",
        "switch to Seedance 2.5 Edit (sources of 4 s to 30 s)",
    ] {
        assert!(
            v.problems[0].message.contains(fragment),
            "{}",
            v.problems[0].message
        );
    }
    let v = validate(&job(ModelId::Seedance20, VideoJob::Edit, Some(3_000)));
    assert_eq!(codes(&v.problems), vec![ProblemCode::SourceVideoOutOfRange]);
    assert!(v.problems[0].message.contains("Use a longer clip"));
    // Unknown length: the duration cannot follow it.
    let mut r = job(ModelId::Seedance20, VideoJob::Edit, Some(1));
    r.references[0].duration_ms = None;
    let v = validate(&r);
    assert!(v.is_valid());
    assert!(v
        .warnings
        .iter()
        .any(|w| w.code == ProblemCode::DurationUnknown
            && w.message
                .contains("Set the duration to the source's length")));
}

#[test]
fn the_2_0_way_keeps_the_sources_shape_for_edit_and_extend() {
    for j in [VideoJob::Edit, VideoJob::Extend] {
        let mut r = job(ModelId::Seedance20, j, Some(8_000));
        r.aspect_ratio = Some(AspectRatio::Square1x1);
        let v = validate(&r);
        assert!(v.is_valid());
        assert_eq!(
            codes(&v.warnings),
            vec![ProblemCode::AspectRatioIgnored],
            "{j:?}"
        );
    }
    let mut r = job(ModelId::Seedance20, VideoJob::Restyle, Some(8_000));
    r.aspect_ratio = Some(AspectRatio::Square1x1);
    clean(&validate(&r));
}

#[test]
fn the_2_5_family_has_models_of_its_own_instead_of_the_2_0_way() {
    for (j, fix) in [
        (
            VideoJob::Edit,
            "Switch to Seedance 2.5 Edit, or turn the job off.",
        ),
        (
            VideoJob::Extend,
            "Switch to Seedance 2.5 Extend, or turn the job off.",
        ),
        (
            VideoJob::Restyle,
            "Add the video as a reference and describe the new look",
        ),
    ] {
        let v = validate(&job(ModelId::Seedance25, j, Some(8_000)));
        assert_eq!(
            codes(&v.problems),
            vec![ProblemCode::VideoJobUnsupported],
            "{j:?}"
        );
        assert_eq!(v.problems[0].field, Field::VideoJob);
        assert!(
            v.problems[0].message.contains(fix),
            "{}",
            v.problems[0].message
        );
    }
}

#[test]
fn a_model_this_build_does_not_know_is_refused_by_name() {
    let r: seedance_core::request::GenerationRequest = serde_json::from_value(serde_json::json!({
        "model": "wan3.0-text-to-video", "prompt": "p", "duration_secs": 5,
        "resolution": "720p", "generate_audio": true
    }))
    .unwrap();
    only_problem(
        &validate(&r),
        ProblemCode::ModelUnknown,
        Field::Model,
        &[
            "no model called “wan3.0-text-to-video”",
            "Choose Seedance 2.0,",
        ],
    );
}

#[test]
fn a_prompt_naming_a_reference_that_is_not_attached_is_flagged() {
    let mut r = base(ModelId::Seedance20);
    r.mode = Some(Mode::Reference);
    r.references = vec![image(1), image(2), video(1, Some(4_000))];
    r.prompt = "The cat from image 1 meets the dog from @image2 in video 1.".into();
    clean(&validate(&r));

    // Removed or reordered away: each missing name once, in the order written, not a refusal.
    r.prompt = "image 3 walks into @Video2; image 3 again, then audio 1.".into();
    let v = validate(&r);
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(
        codes(&v.warnings),
        vec![ProblemCode::PromptNamesMissingReference; 3]
    );
    assert!(v.warnings.iter().all(|w| w.field == Field::Prompt));
    let messages: Vec<&str> = v.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages[0].contains("names image 3, but only 2 images are attached"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("names video 2, but only 1 video is attached"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("names audio 1, but no audio is attached"),
        "{messages:?}"
    );
    assert!(messages
        .iter()
        .all(|m| m.contains("Attach it, or change the prompt")));
}

#[test]
fn keyframe_mode_on_2_0_says_which_named_images_it_will_not_see() {
    let mut r = base(ModelId::Seedance20);
    r.references = (1..=4).map(image).collect();
    r.prompt = "Open on image 1, close on image 2, with the hat of image 4 and image 3.".into();
    let v = validate(&r);
    assert_eq!(codes(&v.warnings), vec![ProblemCode::ImagesIgnored]);
    let m = &v.warnings[0].message;
    assert!(
        m.contains("Your prompt names image 4 and image 3, which Seedance 2.0 will not see."),
        "{m}"
    );
    // In reference mode all four are used and the names are fine.
    r.mode = Some(Mode::Reference);
    clean(&validate(&r));
}
