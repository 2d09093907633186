//! Schema 2 → 3 and what it holds: the settled charge beside the reservation, the output
//! check, the local last frame and the source → extension → joined clip links, on a real
//! version-2 file and on a new ledger.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{
    Created, Ledger, LedgerError, ListQuery, LocalState, NewTask, LEDGER_FILE, SCHEMA_VERSION,
};
use seedance_core::media::MediaKind;
use seedance_core::model::{ModelId, Resolution};
use seedance_core::output_check::{check, Expected, Measured};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};

/// Version 1 as the first release made it, then the 1 → 2 columns: a version-2 file.
const SCHEMA_V2: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, request TEXT NOT NULL, prompt TEXT NOT NULL,
    model TEXT NOT NULL, resolution TEXT NOT NULL, duration_secs INTEGER NOT NULL,
    state TEXT NOT NULL, remote_task_id TEXT, retry_of INTEGER, estimate_credits REAL,
    service_credits REAL, output TEXT, failure TEXT, error_raw TEXT, video_path TEXT,
    poster_path TEXT, created_at_ms INTEGER NOT NULL, submit_started_at_ms INTEGER,
    submitted_at_ms INTEGER, updated_at_ms INTEGER NOT NULL, completed_at_ms INTEGER,
    queue_position INTEGER, poll_count INTEGER NOT NULL DEFAULT 0, last_polled_at_ms INTEGER
);
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, at_ms INTEGER NOT NULL,
    from_state TEXT, to_state TEXT NOT NULL, note TEXT
);
ALTER TABLE tasks ADD COLUMN service TEXT;
ALTER TABLE tasks ADD COLUMN dismissed_at_ms INTEGER;
ALTER TABLE tasks ADD COLUMN fingerprint TEXT;
INSERT INTO meta (key, value) VALUES ('schema_version', '2');
";

fn extend_request() -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance25Extend, "over the fence");
    request.duration_secs = 5;
    request.resolution = Resolution::P720;
    request.references.push(Reference {
        kind: MediaKind::Video,
        source: ReferenceSource::Url {
            url: "https://cdn.example/source.mp4".into(),
        },
        duration_ms: Some(10_000),
    });
    request
}

fn write_v2(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join(LEDGER_FILE)).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(SCHEMA_V2).unwrap();
    let request = GenerationRequest::new(ModelId::Seedance20, "version two row");
    conn.execute(
        "INSERT INTO tasks (id, request, prompt, model, resolution, duration_secs, state,
            remote_task_id, estimate_credits, service_credits, created_at_ms, updated_at_ms,
            video_path, service)
         VALUES (1, ?1, ?2, 'seedance-20', '720p', 5, 'downloaded', 'task_v2done0000000000000000',
            200.0, 200.0, 1700000000000, 1700000000000, '/videos/a.mp4',
            'https://seedance2-pro.com/api/v1')",
        rusqlite::params![serde_json::to_string(&request).unwrap(), request.prompt],
    )
    .unwrap();
}

fn new_task(ledger: &Ledger, request: &GenerationRequest, estimate: f64) -> i64 {
    match ledger
        .create_new(&NewTask {
            request,
            estimate_credits: Some(estimate),
            initial: LocalState::Queued,
            service: Some("https://seedance2-pro.com/api/v1"),
            duplicate_window_ms: None,
        })
        .unwrap()
    {
        Created::New(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Takes task `id` from the queue to `Succeeded`, with `credits` reported on the way.
fn succeed(ledger: &Ledger, id: i64, remote: &str, credits: f64) {
    ledger.mark_submitting(id).unwrap();
    ledger.record_submitted(id, remote, 1).unwrap();
    let record = |status, credits: f64| TaskRecord {
        task_id: remote.into(),
        model: None,
        status,
        credits_used: Some(credits),
        output: vec![OutputItem {
            url: format!("https://static.example/{remote}.mp4"),
            width: Some(720),
            height: Some(1280),
            media_type: Some("video/mp4".into()),
            seed: None,
            last_frame_image: None,
        }],
        error: None,
        create_time: None,
        complete_time: None,
    };
    ledger
        .apply_remote(id, &record(TaskStatus::Generating, credits), 2)
        .unwrap();
    // A success read late already carries the settled figure: the reservation stays.
    ledger
        .apply_remote(id, &record(TaskStatus::Success, credits * 3.0), 3)
        .unwrap();
}

#[test]
fn a_version_two_file_is_upgraded_keeping_its_rows_and_the_new_columns_work() {
    let dir = tempfile::tempdir().unwrap();
    write_v2(dir.path());
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.migrated, Some((2, SCHEMA_VERSION)));
    let old = ledger.get(1).unwrap();
    assert_eq!(old.request.prompt, "version two row");
    assert_eq!(old.state, LocalState::Downloaded);
    assert_eq!(
        (
            old.cap_credits,
            old.settled_credits,
            old.output_check.clone()
        ),
        (None, None, None)
    );
    assert!(!old.settlement_pending());

    // The old row can be checked and linked like a new one.
    let measured = Measured {
        duration: Some(Duration::from_secs(1)),
        width: Some(320),
        height: Some(180),
        has_audio: Some(true),
    };
    let result = check(&Expected::of(&old.request), &measured, None);
    ledger.set_output_check(1, &result).unwrap();
    let id = new_task(&ledger, &extend_request(), 175.0);
    ledger.set_source(id, 1).unwrap();
    assert_eq!(ledger.get(1).unwrap().output_check, Some(result.clone()));
    let row = ledger
        .list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .find(|r| r.id == 1)
        .unwrap();
    assert_eq!(row.output_mismatch, result.summary());
    assert!(row
        .output_mismatch
        .unwrap()
        .starts_with("Asked for 5 s, 720p"));
    assert_eq!(
        ledger
            .made_from(1)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![id]
    );
    drop(ledger);
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.migrated, None);
    assert_eq!(ledger.get(id).unwrap().source_task, Some(1));
}

#[test]
fn a_settling_task_keeps_its_reservation_and_records_one_settled_figure() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let id = new_task(&ledger, &extend_request(), 175.0);
    // Extend 10 s + 5 s at 720p: the cap counts the 525 it settles at, not the 175.
    assert_eq!(ledger.get(id).unwrap().cap_credits, Some(525.0));
    assert_eq!(ledger.cap_credits_since(0).unwrap().queued, 525.0);
    let refused = ledger.record_settlement(id, 525.0, 10).unwrap_err();
    assert!(
        matches!(refused, LedgerError::IllegalTransition { .. }),
        "{refused:?}"
    );

    succeed(&ledger, id, "task_settle000000000000000000", 175.0);
    let entry = ledger.get(id).unwrap();
    assert_eq!(entry.service_credits, Some(175.0));
    assert!(entry.settlement_pending());
    assert_eq!(ledger.cap_credits_since(0).unwrap().reserved, 525.0);
    assert_eq!(ledger.awaiting_settlement(0).unwrap().len(), 1);

    assert!(ledger.record_settlement(id, 525.0, 20).unwrap());
    assert!(!ledger.record_settlement(id, 600.0, 30).unwrap());
    let entry = ledger.get(id).unwrap();
    assert_eq!(
        (
            entry.reserved_credits(),
            entry.settled_credits,
            entry.settled_at_ms
        ),
        (Some(175.0), Some(525.0), Some(20))
    );
    assert!(!entry.settlement_pending());
    assert!(ledger.awaiting_settlement(0).unwrap().is_empty());
    assert_eq!(ledger.cap_credits_since(0).unwrap().reserved, 525.0);

    ledger
        .set_last_frame(id, Path::new("/library/frame.jpg"))
        .unwrap();
    ledger
        .set_joined(id, Path::new("/library/joined.mp4"))
        .unwrap();
    let entry = ledger.get(id).unwrap();
    assert_eq!(
        entry.last_frame_path.as_deref(),
        Some(Path::new("/library/frame.jpg"))
    );
    assert_eq!(
        entry.joined_path.as_deref(),
        Some(Path::new("/library/joined.mp4"))
    );
    assert!(matches!(
        ledger.set_source(id, id),
        Err(LedgerError::Invalid(_))
    ));
    assert!(matches!(
        ledger.set_source(id, 999),
        Err(LedgerError::NoSuchTask(999))
    ));
}

#[test]
fn a_model_whose_reservation_is_final_has_no_cap_figure_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let id = new_task(
        &ledger,
        &GenerationRequest::new(ModelId::Seedance20, "a fox"),
        200.0,
    );
    assert_eq!(ledger.get(id).unwrap().cap_credits, None);
    assert_eq!(ledger.cap_credits_since(0).unwrap().queued, 200.0);
}

#[test]
fn a_first_answer_at_success_is_never_taken_as_the_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let id = new_task(&ledger, &extend_request(), 175.0);
    ledger.mark_submitting(id).unwrap();
    let remote = "task_latesuccess0000000000000";
    ledger.record_submitted(id, remote, 1).unwrap();
    // The app was closed the whole time: its first read is a success already settled.
    let record = TaskRecord {
        task_id: remote.into(),
        model: None,
        status: TaskStatus::Success,
        credits_used: Some(525.0),
        output: vec![OutputItem {
            url: format!("https://static.example/{remote}.mp4"),
            width: None,
            height: None,
            media_type: None,
            seed: None,
            last_frame_image: None,
        }],
        error: None,
        create_time: None,
        complete_time: None,
    };
    ledger.apply_remote(id, &record, 2).unwrap();
    let entry = ledger.get(id).unwrap();
    assert_eq!(entry.state, LocalState::Succeeded);
    assert_eq!(entry.service_credits, None);
    assert_eq!(entry.reserved_credits(), Some(175.0));
    assert!(entry.settlement_pending());
}

#[test]
fn a_damaged_ledger_brings_back_the_result_columns_from_its_last_good_copy() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        let source = new_task(
            &ledger,
            &GenerationRequest::new(ModelId::Seedance20, "the source"),
            200.0,
        );
        let id = new_task(&ledger, &extend_request(), 175.0);
        succeed(&ledger, id, "task_salvage00000000000000000", 175.0);
        ledger.record_settlement(id, 525.0, 20).unwrap();
        ledger.set_source(id, source).unwrap();
        ledger
            .set_last_frame(id, Path::new("/library/frame.jpg"))
            .unwrap();
        ledger
            .set_joined(id, Path::new("/library/joined.mp4"))
            .unwrap();
        assert!(ledger.backup().unwrap());
        id
    };
    let file = dir.path().join(LEDGER_FILE);
    std::fs::write(&file, vec![0x5a; 16 * 1024]).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", file.display()));
    }
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.recovered.is_some(), "{report:?}");
    let entry = ledger.get(id).unwrap();
    assert_eq!(
        (
            entry.cap_credits,
            entry.service_credits,
            entry.settled_credits
        ),
        (Some(525.0), Some(175.0), Some(525.0))
    );
    assert_eq!(entry.source_task, Some(id - 1));
    assert_eq!(
        entry.last_frame_path.as_deref(),
        Some(Path::new("/library/frame.jpg"))
    );
    assert_eq!(
        entry.joined_path.as_deref(),
        Some(Path::new("/library/joined.mp4"))
    );
}

#[test]
fn an_extension_of_a_dropped_clip_joins_with_the_dropped_file() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let dropped = dir.path().join("handed").join("my clip.mp4");
    let mut request = extend_request();
    request.references[0].source = ReferenceSource::LocalFile {
        path: dropped.clone(),
        uploaded: None,
    };
    let from_file = new_task(&ledger, &request, 175.0);
    let entry = ledger.get(from_file).unwrap();
    assert_eq!(
        seedance_core::continuation::dropped_source_video(&entry),
        Some(dropped)
    );

    // An extension of a library task joins with that task's video, not a reference.
    let source = new_task(
        &ledger,
        &GenerationRequest::new(ModelId::Seedance20, "src"),
        200.0,
    );
    ledger.set_source(from_file, source).unwrap();
    let linked = ledger.get(from_file).unwrap();
    assert_eq!(
        seedance_core::continuation::dropped_source_video(&linked),
        None
    );
    // A URL source has no local file; a generation with a video is not an extension.
    let by_url = ledger
        .get(new_task(&ledger, &extend_request(), 175.0))
        .unwrap();
    assert_eq!(
        seedance_core::continuation::dropped_source_video(&by_url),
        None
    );
    let mut generation = request.clone();
    generation.model = ModelId::Seedance20;
    let generated = ledger.get(new_task(&ledger, &generation, 200.0)).unwrap();
    assert_eq!(
        seedance_core::continuation::dropped_source_video(&generated),
        None
    );
}
