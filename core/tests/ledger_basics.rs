//! The ledger's state machine, queries and credit accounting, on a real SQLite file in a
//! temp dir.
#![allow(clippy::unwrap_used)]

use seedance_core::api::{OutputItem, TaskError, TaskRecord, TaskStatus};
use seedance_core::ledger::{
    Ledger, LedgerError, ListQuery, LocalState, StateChange, TaskId, LEDGER_FILE,
};
use seedance_core::model::{ModelId, Resolution};
use seedance_core::request::GenerationRequest;
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

struct Fixture {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    now: Arc<AtomicI64>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.created);
    assert!(report.messages.is_empty());
    let now = Arc::new(AtomicI64::new(1_000_000));
    let clock = now.clone();
    let ledger = ledger.with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    Fixture {
        _dir: dir,
        ledger,
        now,
    }
}

impl Fixture {
    fn tick(&self, ms: i64) -> i64 {
        self.now.fetch_add(ms, Ordering::SeqCst) + ms
    }
}

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest::new(ModelId::Seedance20, prompt)
}

fn record(remote: &str, status: TaskStatus) -> TaskRecord {
    TaskRecord {
        task_id: remote.into(),
        model: Some("seedance-20".into()),
        status,
        credits_used: None,
        output: Vec::new(),
        error: None,
        create_time: None,
        complete_time: None,
    }
}

fn output() -> OutputItem {
    OutputItem {
        url: "http://127.0.0.1:9/static/results/x.mp4".into(),
        width: Some(1280),
        height: Some(720),
        media_type: Some("video/mp4".into()),
        seed: Some(7),
        last_frame_image: Some("http://127.0.0.1:9/static/results/x_lastframe.png".into()),
    }
}

/// Creates a task and walks it to `Waiting` with the given remote id.
fn submitted(f: &Fixture, prompt: &str, remote: &str, estimate: f64) -> TaskId {
    let id = f
        .ledger
        .create(&request(prompt), Some(estimate), None, LocalState::Queued)
        .unwrap();
    f.ledger.mark_submitting(id).unwrap();
    let at = f.tick(10);
    f.ledger.record_submitted(id, remote, at).unwrap();
    id
}

fn illegal(result: Result<StateChange, LedgerError>) -> LocalState {
    match result {
        Err(LedgerError::IllegalTransition { from, .. }) => from,
        other => panic!("expected an illegal transition, got {other:?}"),
    }
}

#[test]
fn happy_path_to_downloaded_with_history() {
    let f = fixture();
    let req = request("A golden retriever running through autumn leaves");
    let id = f
        .ledger
        .create(&req, Some(100.0), None, LocalState::Queued)
        .unwrap();
    let e = f.ledger.get(id).unwrap();
    assert_eq!(e.state, LocalState::Queued);
    assert_eq!(e.request, req);
    assert_eq!(e.queue_position, Some(1));
    assert_eq!(e.created_at_ms, 1_000_000);

    let c = f.ledger.mark_submitting(id).unwrap();
    assert_eq!((c.from, c.to), (LocalState::Queued, LocalState::Submitting));
    assert_eq!(f.ledger.get(id).unwrap().queue_position, None);

    let at = f.tick(500);
    let c = f.ledger.record_submitted(id, "task_abc", at).unwrap();
    assert_eq!(c.to, LocalState::Waiting);
    let e = f.ledger.get(id).unwrap();
    assert_eq!(e.remote_task_id.as_deref(), Some("task_abc"));
    assert_eq!(e.submitted_at_ms, Some(at));

    let at = f.tick(1000);
    let c = f
        .ledger
        .apply_remote(id, &record("task_abc", TaskStatus::Generating), at)
        .unwrap()
        .unwrap();
    assert_eq!(c.to, LocalState::Generating);

    let mut done = record("task_abc", TaskStatus::Success);
    done.output = vec![output()];
    done.credits_used = Some(100.0);
    done.complete_time = Some(2_000_000);
    let c = f
        .ledger
        .apply_remote(id, &done, f.tick(1000))
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.from, c.to),
        (LocalState::Generating, LocalState::Succeeded)
    );
    let e = f.ledger.get(id).unwrap();
    assert_eq!(e.output, Some(output()));
    assert_eq!(e.service_credits, Some(100.0));
    assert_eq!(e.completed_at_ms, Some(2_000_000));
    assert_eq!(
        f.ledger
            .needs_download()
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![id]
    );

    let c = f
        .ledger
        .set_downloaded(id, "/lib/a.mp4".as_ref(), Some("/lib/a.png".as_ref()))
        .unwrap();
    assert_eq!(c.to, LocalState::Downloaded);
    let e = f.ledger.get(id).unwrap();
    assert_eq!(e.video_path.as_deref(), Some("/lib/a.mp4".as_ref()));
    assert_eq!(e.poster_path.as_deref(), Some("/lib/a.png".as_ref()));
    assert_eq!(e.output.unwrap().url, output().url, "remote URL kept");
    assert!(f.ledger.needs_download().unwrap().is_empty());

    let trail: Vec<(Option<LocalState>, LocalState)> = f
        .ledger
        .history(id)
        .unwrap()
        .into_iter()
        .map(|h| (h.from, h.to))
        .collect();
    use LocalState::*;
    assert_eq!(
        trail,
        vec![
            (None, Queued),
            (Some(Queued), Submitting),
            (Some(Submitting), Waiting),
            (Some(Waiting), Generating),
            (Some(Generating), Succeeded),
            (Some(Succeeded), Downloaded),
        ]
    );
}

#[test]
fn remote_polls_are_coalesced() {
    let f = fixture();
    let id = submitted(&f, "p", "task_1", 10.0);
    let waiting = record("task_1", TaskStatus::Waiting);
    assert_eq!(
        f.ledger.apply_remote(id, &waiting, f.tick(1)).unwrap(),
        None
    );
    let generating = record("task_1", TaskStatus::Generating);
    assert!(f
        .ledger
        .apply_remote(id, &generating, f.tick(1))
        .unwrap()
        .is_some());
    assert_eq!(
        f.ledger.apply_remote(id, &generating, f.tick(1)).unwrap(),
        None
    );
    // Undocumented statuses and a status going backwards change nothing.
    let odd = record("task_1", TaskStatus::Unknown("paused".into()));
    assert_eq!(f.ledger.apply_remote(id, &odd, f.tick(1)).unwrap(), None);
    assert_eq!(
        f.ledger.apply_remote(id, &waiting, f.tick(1)).unwrap(),
        None
    );
    assert_eq!(f.ledger.get(id).unwrap().state, LocalState::Generating);
    assert_eq!(f.ledger.history(id).unwrap().len(), 4);

    // A rewritten creditsUsed after success is one data change, then nothing.
    let mut done = record("task_1", TaskStatus::Success);
    done.output = vec![output()];
    done.credits_used = Some(10.0);
    assert!(f
        .ledger
        .apply_remote(id, &done, f.tick(1))
        .unwrap()
        .is_some());
    assert_eq!(f.ledger.apply_remote(id, &done, f.tick(1)).unwrap(), None);
    done.credits_used = Some(12.5);
    let c = f
        .ledger
        .apply_remote(id, &done, f.tick(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.from, c.to),
        (LocalState::Succeeded, LocalState::Succeeded)
    );
    assert_eq!(f.ledger.get(id).unwrap().service_credits, Some(12.5));
    // A late `fail` for a finished task is ignored.
    let fail = record("task_1", TaskStatus::Fail);
    assert_eq!(f.ledger.apply_remote(id, &fail, f.tick(1)).unwrap(), None);
    assert_eq!(f.ledger.get(id).unwrap().state, LocalState::Succeeded);
}

#[test]
fn remote_failure_then_guidance() {
    let f = fixture();
    let id = submitted(&f, "p", "task_f", 50.0);
    let mut fail = record("task_f", TaskStatus::Fail);
    fail.error = Some(TaskError {
        code: Some("2038".into()),
        message: "Please try again".into(),
    });
    let c = f
        .ledger
        .apply_remote(id, &fail, f.tick(5))
        .unwrap()
        .unwrap();
    assert_eq!(c.to, LocalState::Failed);
    assert_eq!(f.ledger.get(id).unwrap().error_raw, fail.error);

    // Attaching guidance to a recorded failure is not a second state change.
    let guidance = json!({"category": "transient", "title": "Try again"});
    let c = f.ledger.mark_failed(id, &guidance, None).unwrap();
    assert_eq!((c.from, c.to), (LocalState::Failed, LocalState::Failed));
    let e = f.ledger.get(id).unwrap();
    assert_eq!(e.failure, Some(guidance));
    assert_eq!(e.error_raw, fail.error, "raw error kept when none given");
    let rows = f
        .ledger
        .list(&ListQuery {
            states: vec![LocalState::Failed],
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].failure_category.as_deref(), Some("transient"));
    assert_eq!(f.ledger.history(id).unwrap().len(), 4);
}

#[test]
fn submission_outcomes() {
    let f = fixture();
    // Unknown outcome.
    let a = f
        .ledger
        .create(&request("a"), Some(1.0), None, LocalState::Queued)
        .unwrap();
    f.ledger.mark_submitting(a).unwrap();
    let c = f
        .ledger
        .mark_submission_unknown(a, "connection reset after the request was sent")
        .unwrap();
    assert_eq!(c.to, LocalState::SubmissionUnknown);
    assert_eq!(
        f.ledger.history(a).unwrap().last().unwrap().note.as_deref(),
        Some("connection reset after the request was sent")
    );
    // Never resubmitted from there.
    assert_eq!(
        illegal(f.ledger.mark_submitting(a)),
        LocalState::SubmissionUnknown
    );
    assert!(matches!(
        f.ledger.record_submitted(a, "task_late", 1),
        Err(LedgerError::IllegalTransition { .. })
    ));

    // A definite rejection (say 402) fails the task straight from Submitting.
    let b = f
        .ledger
        .create(&request("b"), Some(1.0), None, LocalState::Queued)
        .unwrap();
    f.ledger.mark_submitting(b).unwrap();
    let err = TaskError {
        code: Some("402".into()),
        message: "Insufficient credits".into(),
    };
    let c = f
        .ledger
        .mark_failed(b, &json!({"category": "insufficient_credits"}), Some(&err))
        .unwrap();
    assert_eq!((c.from, c.to), (LocalState::Submitting, LocalState::Failed));
    assert_eq!(f.ledger.get(b).unwrap().error_raw, Some(err));

    // Recording the same remote id twice is harmless; a different one is refused.
    let d = submitted(&f, "d", "task_d", 1.0);
    let c = f.ledger.record_submitted(d, "task_d", 5).unwrap();
    assert_eq!(c.from, c.to);
    assert!(f.ledger.record_submitted(d, "task_other", 5).is_err());
    // A remote id belongs to one task only.
    let e = f
        .ledger
        .create(&request("e"), None, None, LocalState::Queued)
        .unwrap();
    f.ledger.mark_submitting(e).unwrap();
    assert!(matches!(
        f.ledger.record_submitted(e, "task_d", 5),
        Err(LedgerError::Sqlite(_))
    ));
    assert_eq!(f.ledger.get(e).unwrap().state, LocalState::Submitting);
    assert!(f.ledger.record_submitted(e, "", 5).is_err());
}

#[test]
fn stuck_and_not_found() {
    let f = fixture();
    let id = submitted(&f, "slow", "task_s", 1.0);
    assert_eq!(f.ledger.mark_stuck(id).unwrap().to, LocalState::Stuck);
    // Still "generating" there: stays Stuck, no event.
    let generating = record("task_s", TaskStatus::Generating);
    assert_eq!(
        f.ledger.apply_remote(id, &generating, f.tick(1)).unwrap(),
        None
    );
    assert!(f.ledger.in_flight().unwrap().iter().any(|e| e.id == id));
    let mut done = record("task_s", TaskStatus::Success);
    done.output = vec![output()];
    let c = f
        .ledger
        .apply_remote(id, &done, f.tick(1))
        .unwrap()
        .unwrap();
    assert_eq!((c.from, c.to), (LocalState::Stuck, LocalState::Succeeded));

    let gone = submitted(&f, "gone", "task_g", 1.0);
    assert_eq!(
        f.ledger.mark_not_found(gone).unwrap().to,
        LocalState::NotFound
    );
    assert!(!f.ledger.in_flight().unwrap().iter().any(|e| e.id == gone));
    // It may reappear (eventual consistency) and is then followed again.
    let c = f
        .ledger
        .apply_remote(gone, &record("task_g", TaskStatus::Generating), f.tick(1))
        .unwrap()
        .unwrap();
    assert_eq!(c.to, LocalState::Generating);
}

#[test]
fn illegal_transitions_are_rejected_and_change_nothing() {
    let f = fixture();
    let draft = f
        .ledger
        .create(&request("draft"), None, None, LocalState::Draft)
        .unwrap();
    assert_eq!(f.ledger.get(draft).unwrap().queue_position, None);
    assert_eq!(illegal(f.ledger.mark_stuck(draft)), LocalState::Draft);
    assert_eq!(illegal(f.ledger.mark_not_found(draft)), LocalState::Draft);
    assert_eq!(
        illegal(f.ledger.mark_submission_unknown(draft, "x")),
        LocalState::Draft
    );
    assert_eq!(
        illegal(f.ledger.set_downloaded(draft, "/a.mp4".as_ref(), None)),
        LocalState::Draft
    );
    assert!(f.ledger.record_submitted(draft, "task_x", 1).is_err());
    // apply_remote on a task never submitted does nothing.
    assert_eq!(
        f.ledger
            .apply_remote(draft, &record("task_x", TaskStatus::Success), 1)
            .unwrap(),
        None
    );
    assert_eq!(f.ledger.enqueue(draft).unwrap().to, LocalState::Queued);

    let waiting = submitted(&f, "w", "task_w", 1.0);
    assert_eq!(
        illegal(f.ledger.cancel_queued(waiting)),
        LocalState::Waiting
    );
    assert_eq!(
        illegal(f.ledger.mark_submitting(waiting)),
        LocalState::Waiting
    );
    assert!(matches!(
        f.ledger.delete(waiting),
        Err(LedgerError::IllegalTransition { .. })
    ));
    assert_eq!(
        illegal(f.ledger.set_downloaded(waiting, "/a.mp4".as_ref(), None)),
        LocalState::Waiting
    );

    let mut done = record("task_w", TaskStatus::Success);
    done.output = vec![output()];
    f.ledger.apply_remote(waiting, &done, 1).unwrap();
    assert_eq!(
        illegal(f.ledger.mark_failed(waiting, &json!({}), None)),
        LocalState::Succeeded
    );
    assert_eq!(illegal(f.ledger.mark_stuck(waiting)), LocalState::Succeeded);

    assert!(matches!(
        f.ledger
            .create(&request("x"), None, None, LocalState::Waiting),
        Err(LedgerError::Invalid(_))
    ));
    assert!(matches!(
        f.ledger.get(9999),
        Err(LedgerError::NoSuchTask(9999))
    ));
    assert!(matches!(
        f.ledger.mark_stuck(9999),
        Err(LedgerError::NoSuchTask(_))
    ));
    assert!(matches!(
        f.ledger.record_poll(9999, 1),
        Err(LedgerError::NoSuchTask(_))
    ));
    // Nothing above wrote a history line for the rejected calls.
    assert_eq!(f.ledger.history(draft).unwrap().len(), 2);
}

#[test]
fn queue_order_cancel_and_delete() {
    let f = fixture();
    let ids: Vec<TaskId> = (0..4)
        .map(|i| {
            f.ledger
                .create(
                    &request(&format!("q{i}")),
                    Some(5.0),
                    None,
                    LocalState::Queued,
                )
                .unwrap()
        })
        .collect();
    let c = f.ledger.cancel_queued(ids[1]).unwrap();
    assert_eq!(c.to, LocalState::Cancelled);
    let order: Vec<TaskId> = f
        .ledger
        .queued_in_order()
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(order, vec![ids[0], ids[2], ids[3]]);
    // A later-queued draft goes to the back.
    let draft = f
        .ledger
        .create(&request("late"), None, None, LocalState::Draft)
        .unwrap();
    f.ledger.enqueue(draft).unwrap();
    assert_eq!(
        f.ledger.queued_in_order().unwrap().last().unwrap().id,
        draft
    );

    f.ledger.record_poll(ids[0], 42).unwrap();
    f.ledger.record_poll(ids[0], 43).unwrap();
    assert_eq!(f.ledger.get(ids[0]).unwrap().poll_count, 2);

    f.ledger.delete(ids[1]).unwrap();
    assert!(matches!(
        f.ledger.get(ids[1]),
        Err(LedgerError::NoSuchTask(_))
    ));
    assert!(f.ledger.history(ids[1]).unwrap().is_empty());
    assert!(matches!(
        f.ledger.delete(ids[1]),
        Err(LedgerError::NoSuchTask(_))
    ));

    // Ids are never reused, even after a delete of the newest row.
    let last = f
        .ledger
        .create(&request("x"), None, None, LocalState::Draft)
        .unwrap();
    f.ledger.delete(last).unwrap();
    let next = f
        .ledger
        .create(&request("y"), None, None, LocalState::Draft)
        .unwrap();
    assert!(next > last);
}

#[test]
fn list_search_filter_and_count() {
    let f = fixture();
    let mut ids = Vec::new();
    for i in 0..30 {
        f.tick(1000);
        let prompt = if i % 3 == 0 {
            format!("A Golden retriever #{i} in 100% autumn_light")
        } else {
            format!("city at night {i}")
        };
        let mut req = request(&prompt);
        req.resolution = Resolution::P1080;
        ids.push(
            f.ledger
                .create(&req, Some(f64::from(i)), None, LocalState::Queued)
                .unwrap(),
        );
    }
    for &id in &ids[..5] {
        f.ledger.cancel_queued(id).unwrap();
    }

    let all = f.ledger.list(&ListQuery::default()).unwrap();
    assert_eq!(all.len(), 30);
    assert_eq!(all[0].id, ids[29], "newest first");
    assert_eq!(all[29].id, ids[0]);
    assert_eq!(all[0].model, "seedance-20");
    assert_eq!(all[0].resolution, "1080p");
    assert_eq!(all[0].duration_secs, 5);

    let page = f
        .ledger
        .list(&ListQuery {
            limit: 10,
            offset: 10,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(
        page.iter().map(|s| s.id).collect::<Vec<_>>(),
        all[10..20].iter().map(|s| s.id).collect::<Vec<_>>()
    );

    let golden = ListQuery {
        text: Some("golden RETRIEVER".into()),
        ..ListQuery::default()
    };
    assert_eq!(f.ledger.count(&golden).unwrap(), 10);
    assert!(f
        .ledger
        .list(&golden)
        .unwrap()
        .iter()
        .all(|s| s.prompt.contains("Golden")));
    // LIKE wildcards in the search are literal.
    let percent = ListQuery {
        text: Some("100%".into()),
        ..ListQuery::default()
    };
    assert_eq!(f.ledger.count(&percent).unwrap(), 10);
    let underscore = ListQuery {
        text: Some("at_night".into()),
        ..ListQuery::default()
    };
    assert_eq!(f.ledger.count(&underscore).unwrap(), 0);

    let cancelled_golden = ListQuery {
        states: vec![LocalState::Cancelled],
        text: Some("golden".into()),
        ..ListQuery::default()
    };
    // ids[0] and ids[3] are golden and cancelled.
    assert_eq!(
        f.ledger
            .list(&cancelled_golden)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![ids[3], ids[0]]
    );
    let two_states = ListQuery {
        states: vec![LocalState::Cancelled, LocalState::Queued],
        ..ListQuery::default()
    };
    assert_eq!(f.ledger.count(&two_states).unwrap(), 30);
    let none = ListQuery {
        states: vec![LocalState::Downloaded],
        ..ListQuery::default()
    };
    assert_eq!(f.ledger.count(&none).unwrap(), 0);
    assert!(f.ledger.list(&none).unwrap().is_empty());
}

#[test]
fn summary_prompt_is_cut_at_200_characters() {
    let f = fixture();
    let long: String = "é".repeat(500);
    let id = f
        .ledger
        .create(&request(&long), None, None, LocalState::Draft)
        .unwrap();
    let rows = f.ledger.list(&ListQuery::default()).unwrap();
    assert_eq!(rows[0].prompt.chars().count(), 200);
    assert_eq!(f.ledger.get(id).unwrap().request.prompt, long);
}

#[test]
fn reserved_credits_count_only_what_may_be_spent() {
    let f = fixture();
    let start = f.tick(0);
    // Queued and draft: nothing reserved.
    f.ledger
        .create(&request("q"), Some(1000.0), None, LocalState::Queued)
        .unwrap();
    f.ledger
        .create(&request("d"), Some(1000.0), None, LocalState::Draft)
        .unwrap();
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 0.0);

    // Waiting: the estimate counts until the service states its figure.
    let a = submitted(&f, "a", "task_a", 100.0);
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 100.0);
    let mut gen = record("task_a", TaskStatus::Generating);
    gen.credits_used = Some(120.0);
    f.ledger.apply_remote(a, &gen, f.tick(1)).unwrap();
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 120.0);

    // Failed tasks are refunded; their creditsUsed keeps the reserved number.
    let b = submitted(&f, "b", "task_b", 50.0);
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 170.0);
    let mut fail = record("task_b", TaskStatus::Fail);
    fail.credits_used = Some(50.0);
    f.ledger.apply_remote(b, &fail, f.tick(1)).unwrap();
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 120.0);

    // Unknown outcome counts: it may have been charged.
    let c = f
        .ledger
        .create(&request("c"), Some(7.5), None, LocalState::Queued)
        .unwrap();
    let before_sending = f.ledger.cap_credits_since(start).unwrap();
    assert_eq!(
        (before_sending.reserved, before_sending.queued),
        (120.0, 1007.5)
    );
    f.ledger.mark_submitting(c).unwrap();
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 127.5);
    // Sending moves the estimate from the queue to the reserved credits: a cap counts
    // it once, before and after.
    let after_sending = f.ledger.cap_credits_since(start).unwrap();
    assert_eq!(
        (after_sending.reserved, after_sending.queued),
        (127.5, 1000.0)
    );
    f.ledger.mark_submission_unknown(c, "reset").unwrap();
    assert_eq!(f.ledger.reserved_credits_since(start).unwrap(), 127.5);

    // Only submissions since the given instant.
    let later = f.tick(10_000);
    assert_eq!(f.ledger.reserved_credits_since(later).unwrap(), 0.0);
    submitted(&f, "late", "task_late", 3.0);
    assert_eq!(f.ledger.reserved_credits_since(later).unwrap(), 3.0);
}

/// A second engine on the same history (a second window, or the engine restarted on
/// another address) recovers at its start: a createTask the first engine has on the wire
/// right now is not a crash, so its row stays `Submitting` and the first engine records
/// its task id. Only a process that opens the history afresh calls it unknown.
#[test]
fn a_recovery_leaves_alone_what_this_process_is_sending() {
    let dir = tempfile::tempdir().unwrap();
    let sending;
    {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        sending = ledger
            .create(&request("on the wire"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.claim_sending(sending);
        ledger.mark_submitting(sending).unwrap();
        let rec = ledger.recover_after_restart(5).unwrap();
        assert!(rec.submission_unknown.is_empty(), "{rec:?}");
        assert_eq!(ledger.get(sending).unwrap().state, LocalState::Submitting);
        ledger
            .record_submitted(sending, "task_on_the_wire", 6)
            .unwrap();
        ledger.release_sending(sending);
        assert_eq!(ledger.get(sending).unwrap().state, LocalState::Waiting);

        // A send still claimed is left alone; once released (the engine that sent it was
        // stopped short), a recovery in the same process calls the row unknown.
        let cut_short = ledger
            .create(&request("cut short"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.claim_sending(cut_short);
        ledger.mark_submitting(cut_short).unwrap();
        assert!(ledger
            .recover_after_restart(7)
            .unwrap()
            .submission_unknown
            .is_empty());
        ledger.release_sending(cut_short);
        assert_eq!(
            ledger.recover_after_restart(8).unwrap().submission_unknown,
            vec![cut_short]
        );

        // Claimed and never released, then the process ends.
        let on_the_wire = ledger
            .create(
                &request("when the process ended"),
                Some(1.0),
                None,
                LocalState::Queued,
            )
            .unwrap();
        ledger.claim_sending(on_the_wire);
        ledger.mark_submitting(on_the_wire).unwrap();
    }
    // Claims do not outlive the process: the next one calls that row unknown.
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let rec = ledger.recover_after_restart(9).unwrap();
    assert_eq!(rec.submission_unknown.len(), 1);
    assert_eq!(
        ledger.get(rec.submission_unknown[0]).unwrap().state,
        LocalState::SubmissionUnknown
    );
}

#[test]
fn recovery_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (intent, waiting, queued, succeeded, unknown);
    {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        intent = ledger
            .create(&request("intent"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(intent).unwrap();
        waiting = ledger
            .create(&request("waiting"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(waiting).unwrap();
        ledger.record_submitted(waiting, "task_w", 1).unwrap();
        queued = ledger
            .create(&request("queued"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        succeeded = ledger
            .create(&request("done"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(succeeded).unwrap();
        ledger.record_submitted(succeeded, "task_s", 1).unwrap();
        let mut done = record("task_s", TaskStatus::Success);
        done.output = vec![output()];
        ledger.apply_remote(succeeded, &done, 2).unwrap();
        unknown = ledger
            .create(&request("unknown"), Some(1.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(unknown).unwrap();
        ledger.mark_submission_unknown(unknown, "reset").unwrap();
    }
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(!report.created);
    let rec = ledger.recover_after_restart(99).unwrap();
    assert_eq!(rec.submission_unknown, vec![intent]);
    assert_eq!(rec.to_poll, vec![waiting]);
    assert_eq!(rec.queued, vec![queued]);
    assert_eq!(rec.to_download, vec![succeeded]);
    let e = ledger.get(intent).unwrap();
    assert_eq!(e.state, LocalState::SubmissionUnknown);
    assert_eq!(e.updated_at_ms, 99);
    assert_eq!(
        ledger.get(unknown).unwrap().state,
        LocalState::SubmissionUnknown
    );
    // Idempotent: a second recovery finds nothing new to change.
    assert!(ledger
        .recover_after_restart(100)
        .unwrap()
        .submission_unknown
        .is_empty());
    assert_eq!(
        ledger
            .in_flight()
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![waiting, queued]
    );
}

#[test]
fn a_second_opener_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = Ledger::open(dir.path()).unwrap();
    let id = first
        .create(&request("mine"), None, None, LocalState::Draft)
        .unwrap();
    match Ledger::open(dir.path()) {
        Err(e @ LedgerError::Busy { .. }) => {
            assert!(e.to_string().contains("in use by another"), "{e}");
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    drop(first);
    let (second, report) = Ledger::open(dir.path()).unwrap();
    assert!(!report.created);
    assert_eq!(second.get(id).unwrap().request.prompt, "mine");
    assert!(dir.path().join(LEDGER_FILE).exists());
}

#[test]
fn a_task_refused_with_429_goes_back_to_the_front_of_the_queue() {
    let f = fixture();
    let first = f
        .ledger
        .create(&request("first"), Some(200.0), None, LocalState::Queued)
        .unwrap();
    let second = f
        .ledger
        .create(&request("second"), Some(200.0), None, LocalState::Queued)
        .unwrap();
    f.ledger.mark_submitting(first).unwrap();
    f.tick(10);
    let change = f.ledger.requeue(first, "concurrency limit").unwrap();
    assert_eq!(
        (change.from, change.to),
        (LocalState::Submitting, LocalState::Queued)
    );
    let order: Vec<TaskId> = f
        .ledger
        .queued_in_order()
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(order, vec![first, second]);
    // A crash now must not turn it into an unknown outcome: nothing was created.
    let recovery = f.ledger.recover_after_restart(f.tick(10)).unwrap();
    assert!(recovery.submission_unknown.is_empty());
    assert_eq!(recovery.queued, vec![first, second]);
    // Only a task being submitted can go back.
    f.ledger.mark_submitting(first).unwrap();
    f.ledger
        .record_submitted(first, "task_abc", f.tick(10))
        .unwrap();
    assert_eq!(
        illegal(f.ledger.requeue(first, "late")),
        LocalState::Waiting
    );
}

#[test]
fn an_original_knows_its_newest_retry_in_entries_and_gallery_rows() {
    let f = fixture();
    let create = |prompt: &str, retry_of: Option<TaskId>| {
        f.ledger
            .create(&request(prompt), Some(100.0), retry_of, LocalState::Queued)
            .unwrap()
    };
    let original = create("a retried prompt", None);
    let unrelated = create("another prompt", None);
    assert_eq!(f.ledger.get(original).unwrap().retried_as, None);

    let first = create("a retried prompt", Some(original));
    let second = create("a retried prompt", Some(original));
    let entry = f.ledger.get(original).unwrap();
    assert_eq!(entry.retried_as, Some(second));
    assert_eq!(f.ledger.get(first).unwrap().retry_of, Some(original));
    assert_eq!(f.ledger.get(first).unwrap().retried_as, None);
    assert_eq!(f.ledger.get(unrelated).unwrap().retried_as, None);

    let rows = f.ledger.list(&ListQuery::default()).unwrap();
    let row = |id| rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row(original).retried_as, Some(second));
    assert_eq!(row(second).retry_of, Some(original));
    assert_eq!(row(unrelated).retried_as, None);
}

/// Checklist 50: a finished task whose video is not in the library yet holds the only copy
/// of the result's address; deleting it needs the creator's confirmation.
#[test]
fn deleting_a_finished_task_not_yet_downloaded_needs_confirmation() {
    let f = fixture();
    let id = submitted(&f, "finished, not downloaded", "task_done_not_dl", 200.0);
    let mut done = record("task_done_not_dl", TaskStatus::Success);
    done.output = vec![output()];
    f.ledger.apply_remote(id, &done, f.tick(10)).unwrap();
    assert_eq!(f.ledger.get(id).unwrap().state, LocalState::Succeeded);
    match f.ledger.delete(id) {
        Err(LedgerError::NeedsConfirmation {
            id: refused,
            message,
        }) => {
            assert_eq!(refused, id);
            assert!(message.contains("only copy"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(f.ledger.get(id).is_ok(), "still there");
    f.ledger.delete_confirmed(id).unwrap();
    assert!(matches!(f.ledger.get(id), Err(LedgerError::NoSuchTask(_))));
    // A downloaded one needs no question.
    let other = submitted(&f, "downloaded", "task_downloaded", 200.0);
    let mut done = record("task_downloaded", TaskStatus::Success);
    done.output = vec![output()];
    f.ledger.apply_remote(other, &done, f.tick(10)).unwrap();
    f.ledger
        .set_downloaded(other, std::path::Path::new("/videos/a.mp4"), None)
        .unwrap();
    f.ledger.delete(other).unwrap();
}

/// Checklist 41: a task has at most one retry, whoever asks; the check is in the
/// transaction that writes it.
#[test]
fn a_task_is_retried_once_whoever_asks() {
    use seedance_core::ledger::{NewTask, RetryCreated};
    let f = fixture();
    let id = submitted(&f, "fails", "task_fails", 200.0);
    f.ledger
        .mark_failed(
            id,
            &json!({"category": "transient", "retryable": true}),
            None,
        )
        .unwrap();
    let retry = |ledger: &Ledger| {
        ledger
            .create_retry(
                id,
                &NewTask {
                    request: &request("fails"),
                    estimate_credits: Some(200.0),
                    initial: LocalState::Queued,
                    service: Some("https://kinovi.ai/api/v1"),
                    duplicate_window_ms: None,
                },
                &[LocalState::Failed],
                None,
            )
            .unwrap()
    };
    let first = retry(&f.ledger);
    assert!(first.created);
    let second = retry(&f.ledger);
    assert_eq!(
        second,
        RetryCreated {
            id: first.id,
            created: false
        }
    );
    assert_eq!(f.ledger.count(&ListQuery::default()).unwrap(), 2);
    assert_eq!(f.ledger.get(id).unwrap().retried_as, Some(first.id));
    // A retry withdrawn before it was sent spent nothing: the task may be retried again.
    f.ledger.cancel_queued(first.id).unwrap();
    let third = retry(&f.ledger);
    assert!(third.created && third.id != first.id, "{third:?}");
    assert_eq!(retry(&f.ledger).id, third.id);
}

/// Checklist 44: a task id left in the journal is recorded at the next open, even when the
/// ledger lost the row itself; the journal is removed once applied.
#[test]
fn the_journal_is_replayed_at_open_and_rebuilds_a_lost_row() {
    use seedance_core::ledger::{JournalEntry, JOURNAL_FILE};
    let dir = tempfile::tempdir().unwrap();
    let in_flight = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        let id = ledger
            .create(&request("answered"), Some(200.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(id).unwrap();
        for (task, remote, prompt) in [
            (id, "task_journaled_kept_row_0000", "answered"),
            (999, "task_journaled_lost_row_0000", "its row was lost"),
        ] {
            ledger
                .journal_submission(&JournalEntry {
                    task,
                    remote_task_id: remote.into(),
                    at_ms: 1_700_000_000_000,
                    service: Some("https://kinovi.ai/api/v1".into()),
                    estimate_credits: Some(200.0),
                    request: request(prompt),
                })
                .unwrap();
        }
        // A line torn by a crash mid-append is skipped.
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL_FILE))
            .unwrap()
            .write_all(b"{\"task\":3,\"remo")
            .unwrap();
        id
    };
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.journal_replayed, 2, "{report:?}");
    assert_eq!(report.messages.len(), 1, "{:?}", report.messages);
    assert!(!dir.path().join(JOURNAL_FILE).exists());
    let kept = ledger.get(in_flight).unwrap();
    assert_eq!(kept.state, LocalState::Waiting);
    assert_eq!(
        kept.remote_task_id.as_deref(),
        Some("task_journaled_kept_row_0000")
    );
    let rebuilt = ledger
        .list(&ListQuery::default())
        .unwrap()
        .into_iter()
        .find(|s| s.prompt == "its row was lost")
        .expect("rebuilt from the journal");
    let rebuilt = ledger.get(rebuilt.id).unwrap();
    assert_eq!(rebuilt.state, LocalState::Waiting);
    assert_eq!(
        rebuilt.remote_task_id.as_deref(),
        Some("task_journaled_lost_row_0000")
    );
    assert_eq!(rebuilt.service.as_deref(), Some("https://kinovi.ai/api/v1"));
    // Nothing left to replay.
    drop(ledger);
    let (_, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.journal_replayed, 0);
}
