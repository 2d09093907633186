//! What the poll schedule learns from the ledger: how long finished tasks took, from the
//! createTask answer to the end the service reported, per kind of task.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use seedance_core::api::{TaskError, TaskRecord, TaskStatus};
use seedance_core::ledger::{Ledger, LocalState};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use seedance_core::schedule::TimingKey;

const SENT_AT: i64 = 1_700_000_000_000;

fn ended(remote: &str, status: TaskStatus, at_ms: i64) -> TaskRecord {
    let failed = status == TaskStatus::Fail;
    TaskRecord {
        task_id: remote.into(),
        model: Some("seedance-20".into()),
        status,
        credits_used: None,
        output: Vec::new(),
        error: failed.then(|| TaskError {
            code: Some("500".into()),
            message: "failed".into(),
        }),
        create_time: None,
        complete_time: Some(at_ms),
    }
}

fn sent(ledger: &Ledger, request: &GenerationRequest, n: u32) -> (i64, String) {
    let id = ledger
        .create(request, Some(100.0), None, LocalState::Queued)
        .unwrap();
    ledger.mark_submitting(id).unwrap();
    let remote = format!("task_timing{n:04}");
    ledger.record_submitted(id, &remote, SENT_AT).unwrap();
    (id, remote)
}

#[test]
fn finished_tasks_give_their_durations_oldest_first_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    let text = GenerationRequest::new(ModelId::Seedance20, "a lighthouse at night");
    let (a, ra) = sent(&ledger, &text, 1);
    let (b, rb) = sent(&ledger, &text, 2);
    let (c, rc) = sent(&ledger, &text, 3);
    let (_, _) = sent(&ledger, &text, 4);
    // b ends first (150 s), then a (200 s); c's end is before it was sent (another
    // clock): left out; the fourth is still running: left out.
    ledger
        .apply_remote(b, &ended(&rb, TaskStatus::Fail, SENT_AT + 150_000), 1)
        .unwrap();
    ledger
        .apply_remote(a, &ended(&ra, TaskStatus::Fail, SENT_AT + 200_000), 2)
        .unwrap();
    ledger
        .apply_remote(c, &ended(&rc, TaskStatus::Fail, SENT_AT - 5_000), 3)
        .unwrap();
    let key = TimingKey::of(&text);
    assert!(!key.fetches_references && !key.reference_video);
    assert_eq!(
        ledger.finished_durations(100).unwrap(),
        vec![
            (key, Duration::from_secs(150)),
            (key, Duration::from_secs(200))
        ]
    );
    // Only the most recent count.
    assert_eq!(
        ledger.finished_durations(1).unwrap(),
        vec![(key, Duration::from_secs(200))]
    );
}
