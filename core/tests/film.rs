//! The film module against the real ffmpeg and ffprobe: clips made by ffmpeg in a temp
//! folder (small, short, with sound, in several variants), stitched, and the result
//! checked by ffprobe; the editor exports read back by OpenTimelineIO's adapters.
//!
//! ffmpeg and ffprobe must be installed (`scripts/setup.sh` installs them). The export
//! check runs `core/tests/film/check_exports.py` with the Python that has the
//! `opentimelineio` package: `$SEEDANCE_OTIO_PYTHON`, else the virtual environment
//! `scripts/setup.sh` makes (`target/otio-venv`), else `python3`. It is skipped, saying
//! why, only when that package cannot be imported, and fails instead when
//! `SEEDANCE_OTIO_TEST=required`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use seedance_core::film::{
    self, check_output, export, plan_join, plan_stitch, plan_stitch_reencoded, probe, stitch,
    ClipFacts, Container, EditorFormat, FfmpegCli, FilmError, Seam, StitchMethod, StitchProgress,
    StitchStep, Timeline, TimelineClip,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// A clip to make.
#[derive(Clone, Copy)]
struct Spec {
    width: u32,
    height: u32,
    fps: u32,
    secs: f64,
    codec: &'static str,
    container: &'static str,
    sound: bool,
    /// Which test picture, so clips differ in content.
    picture: &'static str,
}

const BASE: Spec = Spec {
    width: 320,
    height: 240,
    fps: 24,
    secs: 2.0,
    codec: "libx264",
    container: "mp4",
    sound: true,
    picture: "testsrc2",
};

fn tools() -> FfmpegCli {
    FfmpegCli::locate(None).expect("ffmpeg and ffprobe must be installed for these tests")
}

async fn run(program: &str, args: &[&str]) -> std::process::Output {
    let output = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Makes `spec` as `dir/name.<container>` with ffmpeg's test sources.
async fn make_clip(dir: &Path, name: &str, spec: Spec) -> PathBuf {
    let path = dir.join(format!("{name}.{}", spec.container));
    let picture = format!(
        "{}=s={}x{}:r={}:d={}",
        spec.picture, spec.width, spec.height, spec.fps, spec.secs
    );
    let sound = format!("sine=f=440:r=48000:d={}", spec.secs);
    let mut args: Vec<String> = ["-v", "error", "-y", "-f", "lavfi", "-i", &picture]
        .map(String::from)
        .to_vec();
    if spec.sound {
        args.extend(["-f", "lavfi", "-i", &sound].map(String::from));
    }
    args.extend(
        [
            "-c:v", spec.codec, "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        ]
        .map(String::from),
    );
    if spec.codec == "libx265" {
        args.extend(["-x265-params", "log-level=error", "-tag:v", "hvc1"].map(String::from));
    }
    if spec.sound {
        args.extend(["-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "48000"].map(String::from));
    }
    args.push(path.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("ffmpeg", &args).await;
    path
}

async fn facts_of(path: &Path) -> ClipFacts {
    probe(&tools(), path).await.unwrap()
}

async fn clip(dir: &Path, name: &str, spec: Spec) -> TimelineClip {
    let path = make_clip(dir, name, spec).await;
    TimelineClip::whole(name, facts_of(&path).await)
}

/// What ffprobe says about a finished film.
struct Output {
    duration: f64,
    video_streams: usize,
    audio_streams: usize,
    video_codec: String,
    audio_codec: Option<String>,
    width: u64,
    height: u64,
    frames: u64,
}

async fn inspect(path: &Path) -> Output {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-count_frames",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            path.to_str().unwrap(),
        ],
    )
    .await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = json["streams"].as_array().unwrap();
    let of = |kind: &str| {
        streams
            .iter()
            .filter(|s| s["codec_type"] == kind)
            .collect::<Vec<_>>()
    };
    let (video, audio) = (of("video"), of("audio"));
    Output {
        duration: json["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        video_streams: video.len(),
        audio_streams: audio.len(),
        video_codec: video[0]["codec_name"].as_str().unwrap().to_owned(),
        audio_codec: audio
            .first()
            .map(|a| a["codec_name"].as_str().unwrap().to_owned()),
        width: video[0]["width"].as_u64().unwrap(),
        height: video[0]["height"].as_u64().unwrap(),
        frames: video[0]["nb_read_frames"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    }
}

/// Decodes the whole file; any decoder complaint (a broken cut, headers that do not fit
/// the packets) fails the test.
async fn decodes_cleanly(path: &Path) {
    let out = run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "null",
            "-",
        ],
    )
    .await;
    let complaints = String::from_utf8_lossy(&out.stderr);
    assert!(
        complaints.trim().is_empty(),
        "{}: {complaints}",
        path.display()
    );
}

/// Records progress reports.
#[derive(Default)]
struct Progress(Mutex<Vec<StitchProgress>>);

impl Progress {
    fn reporter(self: &Arc<Self>) -> impl Fn(StitchProgress) + Send + Sync + 'static {
        let me = self.clone();
        move |p| me.0.lock().unwrap().push(p)
    }

    fn all(&self) -> Vec<StitchProgress> {
        self.0.lock().unwrap().clone()
    }
}

/// Stitches `clips` to `dir/name` and checks what every film must be: the planned method,
/// a duration equal to the clips' sum within 0.1 s per cut, one video and one audio stream
/// (when any clip has sound), a clean decode, progress that rises to Done.
async fn stitch_and_check(
    dir: &Path,
    name: &str,
    clips: Vec<TimelineClip>,
    lossless: bool,
) -> Output {
    let cuts = clips.len().saturating_sub(1).max(1) as f64;
    let sum: f64 = clips.iter().map(TimelineClip::duration_secs).sum();
    let sound = clips.iter().any(|c| c.facts.audio.is_some());
    let plan = plan_stitch(clips).unwrap();
    assert_eq!(plan.is_lossless(), lossless, "{}", plan.summary());
    assert!(
        (plan.duration_secs - sum).abs() <= 0.1 * cuts,
        "{} against {sum}",
        plan.duration_secs
    );
    let output = dir.join(format!("{name}.{}", plan.file_extension()));
    let progress = Arc::new(Progress::default());
    let outcome = stitch(
        &tools(),
        &plan,
        &output,
        &progress.reporter(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.path, output);
    assert_eq!(outcome.lossless, lossless);
    check_output(&tools(), &plan, &output).await.unwrap();

    let film = inspect(&output).await;
    assert!(
        (film.duration - sum).abs() <= 0.1 * cuts,
        "{name}: {} s, clips sum to {sum} s",
        film.duration
    );
    assert_eq!(film.video_streams, 1, "{name}");
    assert_eq!(film.audio_streams, usize::from(sound), "{name}");
    decodes_cleanly(&output).await;

    let reports = progress.all();
    assert_eq!(
        reports.last().map(|p| p.step),
        Some(StitchStep::Done),
        "{name}"
    );
    assert!(
        reports.windows(2).all(|w| w[0].fraction <= w[1].fraction),
        "{name}: progress went back: {reports:?}"
    );
    // Only the film is left in the folder besides the clips: no work folder.
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    film
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_reads_codec_size_rate_sound_and_container() {
    let dir = tempfile::tempdir().unwrap();
    let a = facts_of(&make_clip(dir.path(), "a", BASE).await).await;
    assert_eq!(a.container, Container::Mp4);
    assert_eq!(a.video.codec, "h264");
    assert_eq!((a.video.width, a.video.height), (320, 240));
    assert_eq!(a.video.frame_rate, film::FrameRate::new(24, 1));
    assert_eq!(a.video.frame_count, 48);
    assert_eq!(a.video.pix_fmt, "yuv420p");
    assert!(a.video.parameter_sets.is_some());
    let sound = a.audio.as_ref().unwrap();
    assert_eq!(
        (sound.codec.as_str(), sound.sample_rate, sound.channels),
        ("aac", 48000, 2)
    );
    assert!((a.duration_secs - 2.0).abs() < 0.05, "{}", a.duration_secs);

    let spec = Spec {
        codec: "libx265",
        container: "mov",
        sound: false,
        fps: 30,
        ..BASE
    };
    let b = facts_of(&make_clip(dir.path(), "b", spec).await).await;
    assert_eq!(b.container, Container::Mov);
    assert_eq!(b.video.codec, "hevc");
    assert_eq!(b.video.frame_rate, film::FrameRate::new(30, 1));
    assert!(b.audio.is_none());

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a video").unwrap();
    let err = probe(&tools(), &text).await.unwrap_err();
    assert!(matches!(err, FilmError::Unreadable { .. }), "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_clips_are_joined_by_copy() {
    let dir = tempfile::tempdir().unwrap();
    let clips = vec![
        clip(dir.path(), "one", BASE).await,
        clip(
            dir.path(),
            "it's two",
            Spec {
                picture: "smptebars",
                secs: 1.5,
                ..BASE
            },
        )
        .await,
        clip(
            dir.path(),
            "three",
            Spec {
                picture: "rgbtestsrc",
                ..BASE
            },
        )
        .await,
    ];
    let plan = plan_stitch(clips.clone()).unwrap();
    assert!(
        plan.summary().starts_with("Joined without re-encoding"),
        "{}",
        plan.summary()
    );
    let film = stitch_and_check(dir.path(), "film", clips, true).await;
    assert_eq!(film.video_codec, "h264");
    assert_eq!(film.audio_codec.as_deref(), Some("aac"));
    assert_eq!(film.frames, 48 + 36 + 48);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_difference_is_re_encoded_to_one_format() {
    let dir = tempfile::tempdir().unwrap();
    let base = clip(dir.path(), "base", BASE).await;
    let variants: [(&str, Spec, &str); 5] = [
        (
            "size",
            Spec {
                width: 256,
                height: 144,
                ..BASE
            },
            "is 256×144",
        ),
        ("rate", Spec { fps: 30, ..BASE }, "runs at 30 fps"),
        (
            "hevc",
            Spec {
                codec: "libx265",
                ..BASE
            },
            "is HEVC video",
        ),
        (
            "mov",
            Spec {
                container: "mov",
                ..BASE
            },
            "is a MOV file",
        ),
        (
            "silent",
            Spec {
                sound: false,
                ..BASE
            },
            "has no sound",
        ),
    ];
    for (name, spec, reason) in variants {
        let other = clip(dir.path(), name, Spec { secs: 1.5, ..spec }).await;
        let clips = vec![base.clone(), other];
        let plan = plan_stitch(clips.clone()).unwrap();
        assert!(
            plan.reasons.iter().any(|r| r.contains(reason)),
            "{name}: {:?}",
            plan.reasons
        );
        let StitchMethod::Reencode(target) = plan.method else {
            panic!("{name}: not re-encoded");
        };
        let film = stitch_and_check(dir.path(), &format!("film-{name}"), clips, false).await;
        assert_eq!(film.video_codec, "h264", "{name}");
        assert_eq!(film.audio_codec.as_deref(), Some("aac"), "{name}");
        assert_eq!(
            (film.width, film.height),
            (
                u64::from(target.format.width),
                u64::from(target.format.height)
            ),
            "{name}"
        );
        let rate = target.format.frame_rate;
        let expected_frames = rate.frames_in(2.0) + rate.frames_in(1.5);
        assert_eq!(film.frames, expected_frames, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clips_differing_in_every_way_become_one_film() {
    let dir = tempfile::tempdir().unwrap();
    let clips = vec![
        clip(dir.path(), "a", BASE).await,
        clip(
            dir.path(),
            "b",
            Spec {
                width: 240,
                height: 320,
                fps: 30,
                sound: false,
                secs: 1.0,
                ..BASE
            },
        )
        .await,
        clip(
            dir.path(),
            "c",
            Spec {
                codec: "libx265",
                container: "mov",
                secs: 1.5,
                ..BASE
            },
        )
        .await,
        clip(dir.path(), "d", Spec { secs: 1.0, ..BASE }).await,
    ];
    let plan = plan_stitch(clips.clone()).unwrap();
    assert!(plan.summary().contains("black bars"), "{}", plan.summary());
    let film = stitch_and_check(dir.path(), "film", clips, false).await;
    assert_eq!((film.width, film.height), (320, 240));
    assert_eq!(film.frames, 48 + 24 + 36 + 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_drops_the_extensions_repeated_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let source = facts_of(&make_clip(dir.path(), "source", BASE).await).await;
    let extension = facts_of(
        &make_clip(
            dir.path(),
            "extension",
            Spec {
                secs: 1.0,
                picture: "smptebars",
                ..BASE
            },
        )
        .await,
    )
    .await;
    let plan = plan_join(source.clone(), extension.clone(), Seam::TrimRepeatedFrame).unwrap();
    assert!(!plan.is_lossless());
    let output = dir.path().join("joined.mp4");
    stitch(&tools(), &plan, &output, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let film = inspect(&output).await;
    assert_eq!(film.frames, 48 + 24 - 1);
    assert!(
        (film.duration - 71.0 / 24.0).abs() <= 0.1,
        "{}",
        film.duration
    );
    assert_eq!(film.audio_streams, 1);
    decodes_cleanly(&output).await;

    // Keeping both is a plain copy with every frame.
    let plan = plan_join(source, extension, Seam::KeepBoth).unwrap();
    assert!(plan.is_lossless());
    let output = dir.path().join("joined-whole.mp4");
    stitch(&tools(), &plan, &output, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(inspect(&output).await.frames, 48 + 24);
}

/// The pids of running processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_kills_ffmpeg_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let long = Spec {
        width: 640,
        height: 360,
        secs: 20.0,
        ..BASE
    };
    let clips = vec![
        clip(dir.path(), "a", long).await,
        clip(dir.path(), "b", long).await,
    ];
    let plan = plan_stitch_reencoded(clips).unwrap();
    let output = dir.path().join("film.mp4");
    let cancel = CancellationToken::new();
    // Cancel at the first progress report: ffmpeg is running and writing.
    let on_progress = {
        let cancel = cancel.clone();
        move |_: StitchProgress| cancel.cancel()
    };
    let err = stitch(&tools(), &plan, &output, &on_progress, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, FilmError::Cancelled), "{err}");
    assert!(!output.exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n == "a.mp4" || n == "b.mp4"),
        "{names:?}"
    );
    // The work folder's name was on ffmpeg's command line; no such process is left.
    let work = dir.path().join(".film.mp4.stitch-partial-");
    assert_eq!(
        processes_mentioning(&work.to_string_lossy()),
        Vec::<u32>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_check_notices_a_film_that_is_not_its_plan() {
    let dir = tempfile::tempdir().unwrap();
    let one = clip(dir.path(), "one", BASE).await;
    let silent = clip(
        dir.path(),
        "silent",
        Spec {
            sound: false,
            ..BASE
        },
    )
    .await;
    // A plan of two clips against a file of one: too short.
    let plan = plan_stitch(vec![one.clone(), one.clone()]).unwrap();
    let err = check_output(&tools(), &plan, &one.facts.path)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("add up to 4.0"), "{err}");
    // Sound where the clips have none.
    let plan = plan_stitch(vec![silent.clone()]).unwrap();
    let err = check_output(&tools(), &plan, &one.facts.path)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("has sound, but its clips have none"),
        "{err}"
    );
    let plan = plan_stitch(vec![one.clone()]).unwrap();
    check_output(&tools(), &plan, &one.facts.path)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let clips = vec![clip(dir.path(), "a", BASE).await];
    let plan = plan_stitch(clips).unwrap();
    let output = dir.path().join("film.mp4");
    std::fs::write(&output, b"the creator's own file").unwrap();
    let err = stitch(&tools(), &plan, &output, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, FilmError::OutputExists { .. }), "{err}");
    assert_eq!(std::fs::read(&output).unwrap(), b"the creator's own file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ffmpeg_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = FfmpegCli::locate_in([dir.path().to_path_buf()]).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("ffmpeg is not installed"), "{text}");
    assert!(text.contains("sudo apt install ffmpeg"), "{text}");

    // Configured paths that are not there: the probe and the stitch say the same.
    let gone = FfmpegCli::at(dir.path().join("ffmpeg"), dir.path().join("ffprobe"));
    let real = make_clip(dir.path(), "a", BASE).await;
    let err = probe(&gone, &real).await.unwrap_err();
    assert!(
        err.to_string().starts_with("ffprobe is not installed"),
        "{err}"
    );
    let plan = plan_stitch(vec![TimelineClip::whole("a", facts_of(&real).await)]).unwrap();
    let output = dir.path().join("film.mp4");
    let err = stitch(&gone, &plan, &output, &|_| {}, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FilmError::ToolMissing { tool: "ffmpeg", .. }),
        "{err}"
    );
    assert!(!output.exists());
}

/// The Python with `opentimelineio`, or why there is none.
fn otio_python() -> Result<String, String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut candidates = Vec::new();
    if let Ok(python) = std::env::var("SEEDANCE_OTIO_PYTHON") {
        candidates.push(python);
    }
    for venv in [
        repo.join("target/otio-venv/bin/python3"),
        repo.join("target/otio-venv/Scripts/python.exe"),
    ] {
        candidates.push(venv.to_string_lossy().into_owned());
    }
    candidates.push("python3".to_owned());
    let mut reasons = Vec::new();
    for python in candidates {
        match std::process::Command::new(&python)
            .args(["-c", "import opentimelineio"])
            .output()
        {
            Ok(out) if out.status.success() => return Ok(python),
            Ok(out) => reasons.push(format!(
                "{python}: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )),
            Err(e) => reasons.push(format!("{python}: {e}")),
        }
    }
    Err(reasons.join("; "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_read_back_through_opentimelineio_with_the_same_clips() {
    let dir = tempfile::tempdir().unwrap();
    let mut trimmed = clip(
        dir.path(),
        "Shot 2 <b> & \"c\"",
        Spec {
            secs: 1.5,
            picture: "smptebars",
            ..BASE
        },
    )
    .await;
    trimmed.in_frame = 6;
    let timeline = Timeline::new(
        "My film: part 1",
        vec![
            clip(dir.path(), "Shot 1", BASE).await,
            trimmed,
            clip(
                dir.path(),
                "Shot 3 (silent)",
                Spec {
                    sound: false,
                    secs: 1.0,
                    ..BASE
                },
            )
            .await,
            clip(
                dir.path(),
                "Shot 4 at 30",
                Spec {
                    fps: 30,
                    secs: 1.5,
                    ..BASE
                },
            )
            .await,
        ],
    );
    let mut files = serde_json::Map::new();
    for format in EditorFormat::ALL {
        let path = dir.path().join(format!("film.{}", format.extension()));
        export(&timeline, format, &path).await.unwrap();
        files.insert(format.extension().to_owned(), path.to_string_lossy().into());
    }
    let edl = std::fs::read_to_string(dir.path().join("film.edl")).unwrap();
    assert!(
        edl.starts_with("TITLE: My film: part 1\nFCM: NON-DROP FRAME\n"),
        "{edl}"
    );
    assert!(
        edl.contains(
            "001  AX       AA/V  C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00"
        ),
        "{edl}"
    );
    assert!(edl.contains("003  AX       V     C "), "{edl}");

    let rate = timeline.format().unwrap().frame_rate;
    assert_eq!(rate, film::FrameRate::new(24, 1));
    let mut expected = serde_json::json!({
        "rate": rate.fps(),
        "audio_track": true,
        "clips": timeline.clips.iter().map(|c| serde_json::json!({
            "name": c.name,
            "path": c.facts.path,
            "url": url::Url::from_file_path(&c.facts.path).unwrap().to_string(),
            "in": c.facts.video.frame_rate.seconds(c.in_frame),
            "duration": c.duration_secs(),
        })).collect::<Vec<_>>(),
    });
    expected.as_object_mut().unwrap().extend(files);
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();

    let python = match otio_python() {
        Ok(python) => python,
        Err(why) => {
            assert_ne!(
                std::env::var("SEEDANCE_OTIO_TEST").as_deref(),
                Ok("required"),
                "opentimelineio is required but cannot be imported: {why}"
            );
            println!("SKIPPED: opentimelineio cannot be imported ({why}); run scripts/setup.sh");
            return;
        }
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/film/check_exports.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(&expected_path)
        .output()
        .await
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(3) {
        assert_ne!(
            std::env::var("SEEDANCE_OTIO_TEST").as_deref(),
            Ok("required"),
            "{said}"
        );
        println!("SKIPPED: {said}");
        return;
    }
    assert!(out.status.success(), "{said}");
    assert!(said.starts_with("OK 4 clips"), "{said}");
}
