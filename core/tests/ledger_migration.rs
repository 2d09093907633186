//! Schema 1 → 2 on a real version-1 file (checklist 42): written here exactly as the
//! first release wrote it, with tasks in every kind of state; the upgrade keeps every
//! row, adds the service, the dismissal and the fingerprint, and a file written before
//! services were recorded keeps its queued tasks waiting for the creator.
#![allow(clippy::unwrap_used)]

use seedance_core::ledger::{
    Created, Ledger, ListQuery, LocalState, NewTask, PromptKind, LEDGER_FILE, SCHEMA_VERSION,
};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::path::Path;

/// The schema of version 1, as the first release created it.
const SCHEMA_V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    request              TEXT NOT NULL,
    prompt               TEXT NOT NULL,
    model                TEXT NOT NULL,
    resolution           TEXT NOT NULL,
    duration_secs        INTEGER NOT NULL,
    state                TEXT NOT NULL,
    remote_task_id       TEXT,
    retry_of             INTEGER,
    estimate_credits     REAL,
    service_credits      REAL,
    output               TEXT,
    failure              TEXT,
    error_raw            TEXT,
    video_path           TEXT,
    poster_path          TEXT,
    created_at_ms        INTEGER NOT NULL,
    submit_started_at_ms INTEGER,
    submitted_at_ms      INTEGER,
    updated_at_ms        INTEGER NOT NULL,
    completed_at_ms      INTEGER,
    queue_position       INTEGER,
    poll_count           INTEGER NOT NULL DEFAULT 0,
    last_polled_at_ms    INTEGER
);
CREATE INDEX tasks_by_created ON tasks (created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_state ON tasks (state, created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_queue ON tasks (queue_position) WHERE queue_position IS NOT NULL;
CREATE INDEX tasks_by_submitted ON tasks (submitted_at_ms);
CREATE UNIQUE INDEX tasks_by_remote ON tasks (remote_task_id) WHERE remote_task_id IS NOT NULL;
CREATE TABLE history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX history_by_task ON history (task_id, id);
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
";

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest::new(ModelId::Seedance20, prompt)
}

/// A version-1 ledger with a queued task (1), one on the service (2), a finished one (3)
/// and a retry of a failure (4 retries 5).
fn write_v1(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join(LEDGER_FILE)).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(SCHEMA_V1).unwrap();
    // (id, state, remote task id, queue position, retry of)
    type Row<'a> = (i64, &'a str, Option<&'a str>, Option<i64>, Option<i64>);
    let rows: [Row; 5] = [
        (1, "queued", None, Some(1), None),
        (
            2,
            "waiting",
            Some("task_v1waiting00000000000000"),
            None,
            None,
        ),
        (
            3,
            "downloaded",
            Some("task_v1done000000000000000000"),
            None,
            None,
        ),
        (4, "queued", None, Some(2), Some(5)),
        (
            5,
            "failed",
            Some("task_v1failed0000000000000000"),
            None,
            None,
        ),
    ];
    for (id, state, remote, position, retry_of) in rows {
        let request = request(&format!("version one row {id}"));
        conn.execute(
            "INSERT INTO tasks (id, request, prompt, model, resolution, duration_secs, state,
                remote_task_id, retry_of, estimate_credits, created_at_ms, updated_at_ms,
                queue_position)
             VALUES (?1, ?2, ?3, 'seedance-20', '720p', 5, ?4, ?5, ?6, 200.0, ?7, ?7, ?8)",
            rusqlite::params![
                id,
                serde_json::to_string(&request).unwrap(),
                request.prompt,
                state,
                remote,
                retry_of,
                1_700_000_000_000i64 + id,
                position
            ],
        )
        .unwrap();
    }
}

#[test]
fn a_version_one_file_is_upgraded_in_place_keeping_every_row() {
    let dir = tempfile::tempdir().unwrap();
    write_v1(dir.path());
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.migrated, Some((1, SCHEMA_VERSION)));
    assert_eq!(SCHEMA_VERSION, 5);
    // Every step ran: the sequence tables of version 4 are there and usable.
    assert!(ledger.sequences().unwrap().is_empty());
    let sequence = ledger.create_sequence("after the upgrade").unwrap();
    assert_eq!(ledger.sequence(sequence).unwrap().shots.len(), 0);
    assert!(
        report.moved_aside.is_none() && !report.created,
        "{report:?}"
    );
    assert_eq!(ledger.count(&ListQuery::default()).unwrap(), 5);
    for id in 1..=5 {
        let entry = ledger.get(id).unwrap();
        assert_eq!(entry.request.prompt, format!("version one row {id}"));
        assert_eq!(entry.service, None, "no service was recorded in version 1");
        assert!(!entry.dismissed);
    }
    assert_eq!(
        ledger.get(2).unwrap().remote_task_id.as_deref(),
        Some("task_v1waiting00000000000000")
    );
    assert_eq!(ledger.get(5).unwrap().retried_as, Some(4));
    assert_eq!(ledger.get(4).unwrap().retry_of, Some(5));
    let queued: Vec<i64> = ledger
        .queued_in_order()
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(queued, vec![1, 4]);

    // The new columns work: a task for a service, the duplicate check, a dismissal.
    let service = "https://seedance2-pro.com/api/v1";
    let made = ledger
        .create_new(&NewTask {
            request: &request("after the upgrade"),
            estimate_credits: Some(200.0),
            initial: LocalState::Queued,
            service: Some(service),
            duplicate_window_ms: Some(10_000),
        })
        .unwrap();
    let Created::New(new_id) = made else {
        panic!("{made:?}")
    };
    assert_eq!(
        ledger.get(new_id).unwrap().service.as_deref(),
        Some(service)
    );
    let again = ledger
        .create_new(&NewTask {
            request: &request("after the upgrade"),
            estimate_credits: Some(200.0),
            initial: LocalState::Queued,
            service: Some(service),
            duplicate_window_ms: Some(10_000),
        })
        .unwrap();
    assert!(
        matches!(again, Created::Duplicate { existing, .. } if existing == new_id),
        "{again:?}"
    );

    // Tasks already sent are adopted by the running service; queued ones are not (they
    // wait for the creator rather than go somewhere by surprise).
    assert_eq!(ledger.adopt_unassigned(service).unwrap(), 3);
    assert_eq!(ledger.get(2).unwrap().service.as_deref(), Some(service));
    assert_eq!(ledger.get(1).unwrap().service, None);
    assert_eq!(ledger.get(4).unwrap().service, None);
    drop(ledger);

    // Upgraded once: the next open finds the current version.
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert_eq!(report.migrated, None);
    assert_eq!(ledger.count(&ListQuery::default()).unwrap(), 6);
    let version: String = rusqlite::Connection::open(dir.path().join(LEDGER_FILE))
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_string());
    // The prompt library came with the upgrade.
    ledger
        .save_prompt("after upgrade", PromptKind::Snippet, "golden hour", false)
        .unwrap();
}
