//! Sequences against the fake service (real HTTP, a real ledger and library): "generate
//! all" quotes and cap-checks the whole sequence before anything is paid, a shot that
//! follows another waits until that shot's take is in the library and is then sent from
//! it, a second pass sends nothing twice, and the stitched film of the chosen takes is
//! one video with its sound whose length is the sum of the takes. Variations: N takes of
//! one request are one group with different seeds, refused as a whole over the cap, and
//! queued within the concurrency limit.
//!
//! ffmpeg and ffprobe must be installed (the last frame of a take, and the fake's
//! rendered results).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::*;
use futures_util::future::BoxFuture;
use seedance_core::engine::{EngineSettings, SpendingCap, SubmitRefusal};
use seedance_core::film::{EditorFormat, FfmpegCli};
use seedance_core::ledger::{LocalState, ShotLink, Verdict};
use seedance_core::media::MediaKind;
use seedance_core::model::{Mode, ModelId, Resolution};
use seedance_core::request::{GenerationRequest, ReferenceSource};
use seedance_core::sequence::{self, Changes, SequenceError, ShotOutcome, Until};
use seedance_fake::FakeConfig;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Wakes on every engine event.
struct EngineChanges(watch::Receiver<u64>);

impl Changes for EngineChanges {
    fn changed(&mut self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            tokio::time::timeout(DEADLINE, self.0.changed())
                .await
                .is_ok_and(|r| r.is_ok())
        })
    }
}

fn changes(h: &Harness) -> EngineChanges {
    EngineChanges(h.events.version.subscribe())
}

fn tools() -> FfmpegCli {
    FfmpegCli::locate(None).expect("ffmpeg and ffprobe must be installed for these tests")
}

fn shot(prompt: &str, secs: u32) -> GenerationRequest {
    let mut r = GenerationRequest::new(ModelId::Seedance20, prompt);
    r.duration_secs = secs;
    r.resolution = Resolution::P480;
    r
}

async fn rendering_harness(settings: EngineSettings) -> Harness {
    harness_with(
        FakeConfig {
            render_results: true,
            ..FakeConfig::default()
        },
        settings,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyframe_shot_waits_for_the_take_before_it_and_starts_from_its_last_frame() {
    let h = harness().await;
    let tools = tools();
    let seq = h.ledger.create_sequence("Lighthouse").unwrap();
    let one = h
        .ledger
        .add_shot(seq, &shot("a lighthouse at dusk", 5), ShotLink::None, None)
        .unwrap();
    let two = h
        .ledger
        .add_shot(
            seq,
            &shot("the beam sweeps the sea", 5),
            ShotLink::Keyframe,
            None,
        )
        .unwrap();
    let three = h
        .ledger
        .add_shot(seq, &shot("gulls over the rocks", 5), ShotLink::None, None)
        .unwrap();

    let quote = sequence::quote(&h.ledger, seq).unwrap();
    let each = seedance_core::pricing::estimate(&shot("x", 5))
        .unwrap()
        .credits;
    assert_eq!(quote.shots.len(), 3);
    assert!((quote.credits - 3.0 * each).abs() < 0.01, "{quote:?}");
    assert!(!quote.settles_differently());

    // The first pass sends the shots that follow nothing; the keyframe shot waits.
    let first = sequence::advance(&h.engine, &h.ledger, &tools, seq)
        .await
        .unwrap();
    assert!(matches!(first[0].outcome, ShotOutcome::Submitted { .. }));
    assert_eq!(
        first[1].outcome,
        ShotOutcome::WaitingForPrevious { previous: one }
    );
    assert!(matches!(first[2].outcome, ShotOutcome::Submitted { .. }));

    let report = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools,
        seq,
        Until::Finished,
        &mut changes(&h),
    )
    .await
    .unwrap();
    assert!(
        report
            .iter()
            .all(|r| matches!(r.outcome, ShotOutcome::Finished { .. })),
        "{report:?}"
    );
    let s = h.ledger.sequence(seq).unwrap();
    let take = |i: usize| h.ledger.get(s.shots[i].takes[0].task).unwrap();
    let (t1, t2, t3) = (take(0), take(1), take(2));
    assert_eq!(s.shots[1].id, two);
    assert_eq!(s.shots[2].id, three);
    // Sent only once the take it follows was in the library, from that take's last frame.
    assert!(t2.id > t3.id, "the keyframe shot was sent before shot 3");
    assert!(t2.created_at_ms >= t1.completed_at_ms.unwrap());
    assert_eq!(t2.request.mode, Some(Mode::Keyframe));
    let frame = match &t2.request.references[0].source {
        ReferenceSource::LocalFile { path, .. } => path.clone(),
        other => panic!("keyframe reference is {other:?}"),
    };
    assert_eq!(t2.request.references[0].kind, MediaKind::Image);
    let mut expected = t1.video_path.clone().unwrap().into_os_string();
    expected.push(".last-frame.png");
    assert_eq!(frame, PathBuf::from(expected));
    assert!(std::fs::metadata(&frame).unwrap().len() > 100);

    // Every shot has its take: another pass, or another "generate all", sends nothing.
    let created = h.fake.stats().tasks_created;
    assert_eq!(created, 3);
    let again = sequence::advance(&h.engine, &h.ledger, &tools, seq)
        .await
        .unwrap();
    assert!(again
        .iter()
        .all(|r| matches!(r.outcome, ShotOutcome::Finished { .. })));
    assert!(sequence::quote(&h.ledger, seq).unwrap().shots.is_empty());
    assert_eq!(h.fake.stats().tasks_created, created);
    assert_eq!(h.ledger.count(&Default::default()).unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_take_failing_during_the_run_is_reported_not_paid_for_again() {
    let h = harness().await;
    let seq = h.ledger.create_sequence("Refused").unwrap();
    h.ledger
        .add_shot(
            seq,
            &shot("a harbour [fake:fail=transient]", 5),
            ShotLink::None,
            None,
        )
        .unwrap();
    h.ledger
        .add_shot(seq, &shot("boats leave", 5), ShotLink::Keyframe, None)
        .unwrap();
    let report = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools(),
        seq,
        Until::Finished,
        &mut changes(&h),
    )
    .await
    .unwrap();
    let ShotOutcome::Blocked { reason } = &report[0].outcome else {
        panic!("{report:?}");
    };
    assert!(reason.contains("failed"), "{reason}");
    let ShotOutcome::Blocked { reason } = &report[1].outcome else {
        panic!("{report:?}");
    };
    assert!(reason.contains("shot 1 has no finished take"), "{reason}");
    assert_eq!(h.fake.stats().create_task_calls, 1);
    // Asked again, the creator pays for one new take of the failed shot.
    assert_eq!(sequence::quote(&h.ledger, seq).unwrap().shots.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_take_left_queued_by_a_stopped_run_is_sent_once_by_the_next() {
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            // As the CLI runs: tasks queued before this engine are not sent on their own.
            send_earlier_queued: false,
            ..fast_settings()
        },
    )
    .await;
    let seq = h.ledger.create_sequence("Interrupted").unwrap();
    let first = h
        .ledger
        .add_shot(seq, &shot("left in the queue", 5), ShotLink::None, None)
        .unwrap();
    h.ledger
        .add_shot(seq, &shot("then this", 5), ShotLink::Keyframe, None)
        .unwrap();
    // What a run killed between recording the take and sending it leaves behind.
    let service = h.engine.status().service;
    let request = shot("left in the queue", 5);
    let left = h
        .ledger
        .create_takes(
            &seedance_core::ledger::NewTask {
                request: &request,
                estimate_credits: Some(1.0),
                initial: LocalState::Queued,
                service: Some(&service),
                duplicate_window_ms: None,
            },
            std::slice::from_ref(&request),
            Some(first),
        )
        .unwrap()[0];
    let quote = sequence::quote(&h.ledger, seq).unwrap();
    assert_eq!(
        quote.already_taken,
        [first],
        "a queued take is not paid again"
    );
    let report = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools(),
        seq,
        Until::Finished,
        &mut changes(&h),
    )
    .await
    .unwrap();
    assert_eq!(report[0].outcome, ShotOutcome::Finished { task: left });
    assert!(matches!(report[1].outcome, ShotOutcome::Finished { .. }));
    assert_eq!(h.fake.stats().create_task_calls, 2);
    assert_eq!(h.ledger.sequence(seq).unwrap().shots[0].takes.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_following_shot_the_engine_refuses_is_blocked_with_the_reason_and_nothing_paid() {
    // The fake's unrendered result lasts 1 s: too short a source for an extension, which
    // only shows once the take exists.
    let h = harness().await;
    let seq = h.ledger.create_sequence("Short source").unwrap();
    h.ledger
        .add_shot(seq, &shot("a harbour", 5), ShotLink::None, None)
        .unwrap();
    let mut extension = GenerationRequest::new(ModelId::Seedance25Extend, "boats leave");
    extension.duration_secs = 4;
    h.ledger
        .add_shot(seq, &extension, ShotLink::Extend, None)
        .unwrap();
    let report = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools(),
        seq,
        Until::Finished,
        &mut changes(&h),
    )
    .await
    .unwrap();
    assert!(matches!(report[0].outcome, ShotOutcome::Finished { .. }));
    let ShotOutcome::Blocked { reason } = &report[1].outcome else {
        panic!("{report:?}");
    };
    assert!(
        reason.starts_with("not sent (nothing paid)") && reason.contains("2 s"),
        "{reason}"
    );
    assert_eq!(h.fake.stats().create_task_calls, 1);
    assert!(h.ledger.sequence(seq).unwrap().shots[1].takes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_all_over_the_cap_is_refused_whole_before_anything_is_paid() {
    let each = seedance_core::pricing::estimate(&shot("x", 5))
        .unwrap()
        .credits;
    let h = harness_with(
        FakeConfig::default(),
        EngineSettings {
            // Room for two shots, not three.
            spending_cap: Some(SpendingCap {
                daily_credits: Some(2.5 * each),
                monthly_credits: None,
            }),
            ..fast_settings()
        },
    )
    .await;
    let seq = h.ledger.create_sequence("Too long").unwrap();
    for prompt in ["one", "two", "three"] {
        h.ledger
            .add_shot(seq, &shot(prompt, 5), ShotLink::None, None)
            .unwrap();
    }
    let err = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools(),
        seq,
        Until::Sent,
        &mut changes(&h),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            SequenceError::OverCap(SubmitRefusal::SpendingCap { .. })
        ),
        "{err:?}"
    );
    assert_eq!(h.ledger.count(&Default::default()).unwrap(), 0);
    assert_eq!(h.fake.stats().create_task_calls, 0);
    assert!(h.ledger.sequence(seq).unwrap().shots[0].takes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shot_linked_to_nothing_before_it_is_refused_with_the_fix() {
    let h = harness().await;
    let seq = h.ledger.create_sequence("Backwards").unwrap();
    h.ledger
        .add_shot(seq, &shot("first", 5), ShotLink::Keyframe, None)
        .unwrap();
    let err = sequence::quote(&h.ledger, seq).unwrap_err().to_string();
    assert!(
        err.contains("shot 1") && err.contains("set its link to none"),
        "{err}"
    );
    let mut not_extend = shot("second", 5);
    not_extend.model = ModelId::Seedance25;
    let seq = h.ledger.create_sequence("Wrong model").unwrap();
    h.ledger
        .add_shot(seq, &shot("first", 5), ShotLink::None, None)
        .unwrap();
    h.ledger
        .add_shot(seq, &not_extend, ShotLink::Extend, None)
        .unwrap();
    let err = sequence::quote(&h.ledger, seq).unwrap_err().to_string();
    assert!(
        err.contains("shot 2") && err.contains("seedance2-5-extend"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_continues_the_take_before_it_and_the_film_is_the_sum_of_its_takes() {
    let h = rendering_harness(fast_settings()).await;
    let tools = tools();
    let seq = h.ledger.create_sequence("Harbour, at dawn").unwrap();
    let mut opening = GenerationRequest::new(ModelId::Seedance25, "a harbour at dawn");
    opening.duration_secs = 4;
    opening.resolution = Resolution::P480;
    h.ledger
        .add_shot(seq, &opening, ShotLink::None, None)
        .unwrap();
    let mut extension = GenerationRequest::new(ModelId::Seedance25Extend, "boats leave");
    extension.duration_secs = 4;
    extension.resolution = Resolution::P480;
    h.ledger
        .add_shot(seq, &extension, ShotLink::Extend, None)
        .unwrap();
    let quote = sequence::quote(&h.ledger, seq).unwrap();
    // The extension settles on its source's seconds as well: shown apart.
    assert!(quote.settles_differently(), "{quote:?}");

    let report = sequence::generate(
        &h.engine,
        &h.ledger,
        &tools,
        seq,
        Until::Finished,
        &mut changes(&h),
    )
    .await
    .unwrap();
    assert!(
        report
            .iter()
            .all(|r| matches!(r.outcome, ShotOutcome::Finished { .. })),
        "{report:?}"
    );
    let s = h.ledger.sequence(seq).unwrap();
    let first = h.ledger.get(s.shots[0].takes[0].task).unwrap();
    let ext = h.ledger.get(s.shots[1].takes[0].task).unwrap();
    assert_eq!(ext.request.model, ModelId::Seedance25Extend);
    let source = &ext.request.references[0];
    assert_eq!(source.kind, MediaKind::Video);
    match &source.source {
        ReferenceSource::LocalFile { path, .. } => {
            assert_eq!(Some(path), first.video_path.as_ref())
        }
        other => panic!("extension source is {other:?}"),
    }
    assert!(source.duration_ms.unwrap().abs_diff(4000) < 200);

    // Stitch the chosen takes (shot 2's chosen explicitly, shot 1's the first finished).
    h.ledger.choose_take(s.shots[1].id, Some(ext.id)).unwrap();
    let films = h.library.root().join("films");
    let film = sequence::stitch(
        &h.ledger,
        &tools,
        seq,
        &films,
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(film.takes, [first.id, ext.id]);
    assert!(film.path.starts_with(&films));
    let probe = |path: &PathBuf| {
        let out = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_streams",
                "-show_format",
            ])
            .arg(path)
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let duration = |v: &serde_json::Value| {
        v["format"]["duration"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let made = probe(&film.path);
    let kinds: Vec<&str> = made["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "video").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "audio").count(),
        1,
        "{kinds:?}"
    );
    let sum = duration(&probe(first.video_path.as_ref().unwrap()))
        + duration(&probe(ext.video_path.as_ref().unwrap()));
    let cuts = 1.0;
    assert!(
        (duration(&made) - sum).abs() <= 0.1 * cuts,
        "film {} s, takes {sum} s",
        duration(&made)
    );
    let recorded = h.ledger.sequence(seq).unwrap().films;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].takes, [first.id, ext.id]);
    assert_eq!(recorded[0].path, film.path);

    // Editors get the takes' library files, in order.
    let written = sequence::export(&h.ledger, &tools, seq, &films, &EditorFormat::ALL)
        .await
        .unwrap();
    assert_eq!(written.len(), 3);
    for path in &written {
        let text = std::fs::read_to_string(path).unwrap();
        let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
        let a = text.find(&name(first.video_path.as_ref().unwrap()));
        let b = text.find(&name(ext.video_path.as_ref().unwrap()));
        assert!(
            a.is_some() && b.is_some() && a < b,
            "{} lacks the takes in order",
            path.display()
        );
    }
    assert!(written[0].ends_with("Harbour_ at dawn.otio"));
    // And they read back through OpenTimelineIO's adapters with the same clips.
    let (timeline, _) = sequence::timeline(&h.ledger, &tools, seq).await.unwrap();
    let mut expected = serde_json::json!({
        "rate": timeline.format().unwrap().frame_rate.fps(),
        "audio_track": true,
        "clips": timeline.clips.iter().map(|c| serde_json::json!({
            "name": c.name,
            "path": c.facts.path,
            "url": url::Url::from_file_path(&c.facts.path).unwrap().to_string(),
            "in": 0.0,
            "duration": c.duration_secs(),
        })).collect::<Vec<_>>(),
    });
    for (format, path) in EditorFormat::ALL.iter().zip(&written) {
        expected[format.extension()] = serde_json::json!(path);
    }
    let expected_path = films.join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    if let Some(said) = read_back_with_otio(&expected_path) {
        assert!(said.starts_with("OK 2 clips"), "{said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takes_are_one_group_with_different_seeds_within_cap_and_concurrency() {
    let request = shot("waves on a pier", 5);
    let each = seedance_core::pricing::estimate(&request).unwrap().credits;
    let h = harness_with(
        FakeConfig {
            concurrency_limit: 2,
            ..FakeConfig::default()
        },
        EngineSettings {
            spending_cap: Some(SpendingCap {
                daily_credits: Some(5.5 * each),
                monthly_credits: None,
            }),
            concurrency_limit_hint: Some(2),
            ..fast_settings()
        },
    )
    .await;
    let ids = h
        .engine
        .submit_takes(request.clone(), 4, None, false)
        .await
        .unwrap();
    assert_eq!(ids.len(), 4);
    let mut seeds = Vec::new();
    for id in &ids {
        assert_eq!(h.ledger.take_group(*id).unwrap(), Some(ids[0]));
        seeds.push(h.ledger.get(*id).unwrap().request.seed.unwrap());
    }
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), 4, "seeds repeat: {seeds:?}");
    // Four more would pass the cap (4 + 4 > 5.5): refused whole, nothing recorded.
    let refused = h.engine.submit_takes(request.clone(), 4, None, false).await;
    assert!(
        matches!(refused, Err(SubmitRefusal::SpendingCap { .. })),
        "{refused:?}"
    );
    assert_eq!(h.ledger.count(&Default::default()).unwrap(), 4);
    let out_of_range = h
        .engine
        .submit_takes(request, 5, None, false)
        .await
        .unwrap_err();
    assert!(
        out_of_range.to_string().starts_with("takes:"),
        "{out_of_range}"
    );
    for id in &ids {
        h.wait_state(*id, LocalState::Downloaded).await;
    }
    let stats = h.fake.stats();
    assert_eq!(stats.tasks_created, 4);
    // The queue held the other two until a slot freed: the service never had to refuse.
    assert_eq!(stats.responses_by_status.get(&429), None, "{stats:?}");
    h.ledger
        .set_verdict(ids[2], Some(Verdict::Starred))
        .unwrap();
    h.ledger
        .set_verdict(ids[3], Some(Verdict::Rejected))
        .unwrap();
    let starred = h
        .ledger
        .list_with_verdict(&Default::default(), Verdict::Starred)
        .unwrap();
    assert_eq!(starred.iter().map(|t| t.id).collect::<Vec<_>>(), [ids[2]]);
}
