//! 10,000 tasks in the history (promise 5): open, the first gallery page and the count
//! stay correct. Figures are printed for the lead (`--nocapture`); no timing assertions.
#![allow(clippy::unwrap_used)]

use seedance_core::api::{OutputItem, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, ListQuery, LocalState, LEDGER_FILE};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::time::Instant;

const TASKS: i64 = 10_000;

/// Building 10,000 tasks through the API costs 25,000 fsyncs (about 80 s on a slow
/// disk), so the history is built on tmpfs when there is one and then copied to a
/// normal temp dir, where it is opened and read. The cost of one durable commit on the
/// real disk is measured separately.
fn build_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

#[test]
fn ten_thousand_tasks() {
    let build = build_dir();
    let insert_started = Instant::now();
    {
        let (ledger, _) = Ledger::open(build.path()).unwrap();
        for i in 0..TASKS {
            let prompt = if i % 10 == 0 {
                format!("golden retriever in the snow, take {i}")
            } else {
                format!("a slow pan over a neon city at night, take {i}")
            };
            let req = GenerationRequest::new(ModelId::Seedance20, prompt);
            let id = ledger
                .create(&req, Some(100.0), None, LocalState::Queued)
                .unwrap();
            if i % 2 == 0 {
                ledger.mark_submitting(id).unwrap();
                ledger
                    .record_submitted(id, &format!("task_{i}"), i)
                    .unwrap();
                let record = TaskRecord {
                    task_id: format!("task_{i}"),
                    model: None,
                    status: TaskStatus::Success,
                    credits_used: Some(100.0),
                    output: vec![OutputItem {
                        url: format!("http://127.0.0.1:9/static/{i}.mp4"),
                        width: Some(1280),
                        height: Some(720),
                        media_type: Some("video/mp4".into()),
                        seed: None,
                        last_frame_image: None,
                    }],
                    error: None,
                    create_time: None,
                    complete_time: Some(i + 1),
                };
                ledger.apply_remote(id, &record, i + 1).unwrap();
            }
        }
    }
    let insert = insert_started.elapsed();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(build.path().join(LEDGER_FILE), dir.path().join(LEDGER_FILE)).unwrap();
    drop(build);
    let size = std::fs::metadata(dir.path().join(LEDGER_FILE))
        .unwrap()
        .len();

    let t = Instant::now();
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    let open = t.elapsed();
    assert!(!report.created && report.moved_aside.is_none());

    let t = Instant::now();
    let page = ledger
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap();
    let first_page = t.elapsed();
    assert_eq!(page.len(), 100);
    assert!(page.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(
        page[0].prompt,
        format!("a slow pan over a neon city at night, take {}", TASKS - 1)
    );

    let t = Instant::now();
    let total = ledger.count(&ListQuery::default()).unwrap();
    let count = t.elapsed();
    assert_eq!(total, TASKS as u64);

    let t = Instant::now();
    let succeeded = ListQuery {
        states: vec![LocalState::Succeeded],
        limit: 100,
        ..ListQuery::default()
    };
    let filtered = ledger.list(&succeeded).unwrap();
    let filtered_count = ledger.count(&succeeded).unwrap();
    let by_state = t.elapsed();
    assert_eq!(filtered.len(), 100);
    assert!(filtered
        .iter()
        .all(|s| s.state == LocalState::Succeeded && s.output_url.is_some()));
    assert_eq!(filtered_count, TASKS as u64 / 2);

    let t = Instant::now();
    let search = ListQuery {
        text: Some("golden retriever".into()),
        limit: 100,
        ..ListQuery::default()
    };
    let found = ledger.list(&search).unwrap();
    let found_count = ledger.count(&search).unwrap();
    let text = t.elapsed();
    assert_eq!(found.len(), 100);
    assert_eq!(found_count, TASKS as u64 / 10);

    let t = Instant::now();
    let in_flight = ledger.in_flight().unwrap();
    let queued = ledger.queued_in_order().unwrap();
    let reserved = ledger.reserved_credits_since(0).unwrap();
    let startup_queries = t.elapsed();
    assert_eq!(in_flight.len(), TASKS as usize / 2);
    assert_eq!(queued.len(), TASKS as usize / 2);
    assert_eq!(reserved, 100.0 * (TASKS / 2) as f64);

    let t = Instant::now();
    let recovery = ledger.recover_after_restart(0).unwrap();
    let recover = t.elapsed();
    assert!(recovery.submission_unknown.is_empty());

    // One durable commit on the real disk: a poll recorded.
    let id = in_flight[0].id;
    let t = Instant::now();
    for i in 0..50 {
        ledger.record_poll(id, i).unwrap();
    }
    let commit = t.elapsed() / 50;
    assert_eq!(ledger.get(id).unwrap().poll_count, 50);

    println!(
        "ledger scale ({TASKS} tasks, {:.1} MB): durable commit on disk {:.2} ms; \
         build through the API {:.2} s ({:.3} ms/commit, tmpfs), \
         open {:.2} ms, first page(100) {:.2} ms, count {:.2} ms, state filter page+count {:.2} ms, \
         text search page+count {:.2} ms, in_flight+queue+reserved {:.2} ms, recover {:.2} ms",
        size as f64 / 1e6,
        commit.as_secs_f64() * 1e3,
        insert.as_secs_f64(),
        insert.as_secs_f64() * 1e3 / (TASKS as f64 * 2.5),
        open.as_secs_f64() * 1e3,
        first_page.as_secs_f64() * 1e3,
        count.as_secs_f64() * 1e3,
        by_state.as_secs_f64() * 1e3,
        text.as_secs_f64() * 1e3,
        startup_queries.as_secs_f64() * 1e3,
        recover.as_secs_f64() * 1e3,
    );
}
