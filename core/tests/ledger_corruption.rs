//! Startup with a damaged or foreign ledger file (checklist 22, 23): the app always
//! starts, a bad file is moved aside and never overwritten, a newer one is opened
//! read-only and left byte-for-byte unchanged.
#![allow(clippy::unwrap_used)]

use rand::{RngCore, SeedableRng};
use seedance_core::ledger::{
    Ledger, LedgerError, ListQuery, LocalState, NewTask, PromptKind, SequenceId, ShotLink, Verdict,
    BACKUP_FILE, LEDGER_FILE,
};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::path::{Path, PathBuf};

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest::new(ModelId::Seedance20, prompt)
}

/// Opens a ledger over `bytes` and checks the move-aside behaviour.
fn assert_moved_aside(bytes: &[u8], what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    std::fs::write(&path, bytes).unwrap();
    let (ledger, report) =
        Ledger::open(dir.path()).unwrap_or_else(|e| panic!("{what}: the app must start, got {e}"));
    assert!(report.created, "{what}");
    assert!(!report.read_only, "{what}");
    let aside = report
        .moved_aside
        .clone()
        .unwrap_or_else(|| panic!("{what}: not moved"));
    let name = aside.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("ledger.sqlite3.corrupt-"),
        "{what}: {name}"
    );
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        bytes,
        "{what}: kept byte for byte"
    );
    assert_eq!(report.messages.len(), 1, "{what}");
    let message = &report.messages[0];
    assert!(
        message.contains(name),
        "{what}: message names the kept file: {message}"
    );
    assert!(
        !message.to_lowercase().contains("sqlite error"),
        "{what}: {message}"
    );

    // The fresh ledger works and is a different file.
    let id = ledger
        .create(&request("after"), None, None, LocalState::Draft)
        .unwrap();
    assert_eq!(ledger.get(id).unwrap().request.prompt, "after");
    drop(ledger);
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        bytes,
        "{what}: still untouched"
    );
    let (again, report) = Ledger::open(dir.path()).unwrap();
    assert!(!report.created && report.moved_aside.is_none(), "{what}");
    assert_eq!(again.count(&ListQuery::default()).unwrap(), 1);
}

/// A real ledger with some rows, closed cleanly; returns its bytes.
fn real_ledger_bytes(rows: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        for i in 0..rows {
            let prompt = format!("row {i} {}", "x".repeat(300));
            ledger
                .create(&request(&prompt), Some(1.0), None, LocalState::Queued)
                .unwrap();
        }
    }
    assert!(!sidecar(&dir.path().join(LEDGER_FILE), "-wal").exists());
    std::fs::read(dir.path().join(LEDGER_FILE)).unwrap()
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[test]
fn empty_file() {
    assert_moved_aside(&[], "empty");
}

#[test]
fn nul_filled_file() {
    assert_moved_aside(&vec![0u8; 64 * 1024], "NUL-filled");
}

#[test]
fn random_garbage() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut bytes = vec![0u8; 40_000];
    rng.fill_bytes(&mut bytes);
    assert_moved_aside(&bytes, "garbage");
    assert_moved_aside(b"{\"tasks\": []}", "a JSON file");
}

#[test]
fn truncated_database() {
    let bytes = real_ledger_bytes(500);
    assert!(bytes.len() > 100_000, "{}", bytes.len());
    assert_moved_aside(&bytes[..bytes.len() / 2], "truncated half");
    assert_moved_aside(&bytes[..100], "header only");
}

#[test]
fn damaged_pages() {
    // A valid header with the pages after it scribbled over.
    let mut bytes = real_ledger_bytes(200);
    for b in bytes.iter_mut().skip(4096).step_by(7) {
        *b = 0xA5;
    }
    assert_moved_aside(&bytes, "scribbled pages");
}

#[test]
fn someone_elses_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    assert_moved_aside(&std::fs::read(&foreign).unwrap(), "foreign schema");
}

#[test]
fn a_previous_corrupt_copy_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    let mut kept = Vec::new();
    for round in 0..3u8 {
        std::fs::write(&path, vec![round; 1000]).unwrap();
        let (_, report) = Ledger::open(dir.path()).unwrap();
        kept.push((report.moved_aside.unwrap(), vec![round; 1000]));
    }
    // Three moves within the same second still produce three distinct files.
    for (aside, bytes) in &kept {
        assert_eq!(&std::fs::read(aside).unwrap(), bytes, "{}", aside.display());
    }
}

#[test]
fn a_stale_wal_moves_aside_with_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    std::fs::write(&path, b"not a database at all").unwrap();
    std::fs::write(sidecar(&path, "-wal"), b"orphan wal").unwrap();
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    let aside = report.moved_aside.unwrap();
    assert_eq!(
        std::fs::read(sidecar(&aside, "-wal")).unwrap(),
        b"orphan wal"
    );
    assert_eq!(ledger.count(&ListQuery::default()).unwrap(), 0);
}

#[test]
fn newer_schema_opens_read_only_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        ledger
            .create(
                &request("from the future"),
                Some(3.0),
                None,
                LocalState::Queued,
            )
            .unwrap()
    };
    let path = dir.path().join(LEDGER_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    {
        let (ledger, report) = Ledger::open(dir.path()).unwrap();
        assert!(report.read_only && ledger.is_read_only());
        assert!(!report.created);
        assert_eq!(report.moved_aside, None);
        assert!(
            report.messages[0].contains("newer version"),
            "{:?}",
            report.messages
        );
        // Readable...
        assert_eq!(ledger.get(id).unwrap().request.prompt, "from the future");
        assert_eq!(ledger.count(&ListQuery::default()).unwrap(), 1);
        // ...never written.
        assert!(matches!(
            ledger.create(&request("x"), None, None, LocalState::Draft),
            Err(LedgerError::ReadOnly)
        ));
        assert!(matches!(
            ledger.mark_submitting(id),
            Err(LedgerError::ReadOnly)
        ));
        assert!(matches!(
            ledger.record_poll(id, 1),
            Err(LedgerError::ReadOnly)
        ));
        assert!(matches!(ledger.delete(id), Err(LedgerError::ReadOnly)));
        let recovery = ledger.recover_after_restart(5).unwrap();
        assert_eq!(recovery.queued, vec![id]);
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "byte-for-byte unchanged"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.contains("corrupt")), "{names:?}");
}

#[test]
fn schema_version_zero_is_not_ours() {
    let dir = tempfile::tempdir().unwrap();
    {
        Ledger::open(dir.path()).unwrap();
    }
    {
        let conn = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
        conn.execute(
            "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    }
    let (_, report) = Ledger::open(dir.path()).unwrap();
    // Version 0 never existed: not a file this app wrote.
    assert!(report.moved_aside.is_some());
}

#[test]
fn missing_folder_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let (ledger, report) = Ledger::open(&nested).unwrap();
    assert!(report.created && report.messages.is_empty());
    assert!(nested.join(LEDGER_FILE).exists());
    drop(ledger);
}

#[test]
fn unusable_folder_is_a_plain_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    match Ledger::open(&file.join("data")) {
        Err(e @ LedgerError::Io { .. }) => assert!(e.to_string().contains("a-file"), "{e}"),
        other => panic!("expected an Io error, got {other:?}"),
    }
}

#[test]
fn a_crash_copy_with_wal_but_no_shm_keeps_every_row() {
    // What a backup or a sync tool copying a running app's folder leaves behind.
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    for i in 0..20 {
        ledger
            .create(
                &request(&format!("row {i}")),
                None,
                None,
                LocalState::Queued,
            )
            .unwrap();
    }
    let path = dir.path().join(LEDGER_FILE);
    let wal = sidecar(&path, "-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "rows still in the WAL"
    );
    std::fs::copy(&path, copy.path().join(LEDGER_FILE)).unwrap();
    std::fs::copy(&wal, sidecar(&copy.path().join(LEDGER_FILE), "-wal")).unwrap();
    drop(ledger);

    let (copied, report) = Ledger::open(copy.path()).unwrap();
    assert_eq!(report.moved_aside, None, "{:?}", report.messages);
    assert_eq!(copied.count(&ListQuery::default()).unwrap(), 20);
}

/// Writes `count` tasks that the service has (remote ids), as the engine records them.
fn paid_tasks(ledger: &Ledger, from: usize, count: usize) -> Vec<String> {
    let mut remotes = Vec::new();
    for i in from..from + count {
        let prompt = format!("paid {i} {}", "y".repeat(300));
        let id = ledger
            .create(&request(&prompt), Some(200.0), None, LocalState::Queued)
            .unwrap();
        ledger.mark_submitting(id).unwrap();
        let remote = format!("task_paid{i:019}");
        ledger
            .record_submitted(id, &remote, 1_700_000_000_000)
            .unwrap();
        remotes.push(remote);
    }
    remotes
}

/// Overwrites the first bytes of page `page` (1-based, 4 KiB pages): an invalid page type,
/// which `quick_check` reports and which makes only that page unreadable.
fn damage_page(path: &Path, page: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let start = (page - 1) * 4096;
    assert!(bytes.len() > start + 4096, "no page {page}");
    for b in &mut bytes[start..start + 16] {
        *b = 0xA5;
    }
    std::fs::write(path, &bytes).unwrap();
}

fn remotes_in(ledger: &Ledger) -> std::collections::HashSet<String> {
    ledger
        .list(&ListQuery::default())
        .unwrap()
        .iter()
        .filter_map(|s| ledger.get(s.id).unwrap().remote_task_id)
        .collect()
}

/// Checklist 49: a damaged ledger keeps the task ids of paid generations: the rows of
/// the last good copy (taken at the clean close) come back, then every row still
/// readable in the damaged file (the newer ones, written after that copy).
#[test]
fn a_damaged_ledger_keeps_its_in_flight_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    let mut all = Vec::new();
    {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        all.extend(paid_tasks(&ledger, 0, 300));
        ledger.close_cleanly().unwrap();
    }
    assert!(dir.path().join(BACKUP_FILE).exists());
    {
        // After the copy: 30 more, only in the ledger itself.
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        all.extend(paid_tasks(&ledger, 300, 30));
    }
    let pages = std::fs::metadata(&path).unwrap().len() as usize / 4096;
    damage_page(&path, pages / 3);
    let damaged = std::fs::read(&path).unwrap();

    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    let aside = report.moved_aside.clone().expect("moved aside");
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        damaged,
        "kept byte for byte"
    );
    let recovered = report.recovered.clone().expect("rows recovered");
    assert_eq!(recovered.tasks, 330, "{report:?}");
    assert_eq!(recovered.in_flight, 330);
    assert!(recovered.from_damaged_file >= 30, "{recovered:?}");
    assert_eq!(remotes_in(&ledger), all.iter().cloned().collect());
    assert!(
        report.messages[0].contains("330 task(s) that could be recovered"),
        "{:?}",
        report.messages
    );
    // The engine resumes them as usual.
    let recovery = ledger.recover_after_restart(1).unwrap();
    assert_eq!(recovery.to_poll.len(), 330);
}

/// Checklist 49, without a last good copy: the rows still readable in the damaged file
/// are salvaged (only those on the damaged page are lost).
#[test]
fn rows_are_salvaged_from_a_damaged_file_without_a_good_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    let all = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        paid_tasks(&ledger, 0, 200)
    };
    assert!(!dir.path().join(BACKUP_FILE).exists());
    let pages = std::fs::metadata(&path).unwrap().len() as usize / 4096;
    damage_page(&path, pages / 2);
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.moved_aside.is_some());
    let recovered = report.recovered.clone().expect("rows salvaged");
    assert_eq!(recovered.from_backup, 0);
    // A 4 KiB page holds a handful of these rows at most.
    assert!(recovered.tasks >= 190, "{recovered:?}");
    let kept = remotes_in(&ledger);
    assert!(kept.iter().all(|r| all.contains(r)));
    assert_eq!(kept.len() as u32, recovered.tasks);
}

/// What `everything_but_tasks` wrote, to compare after a salvage.
struct Records {
    sequence: SequenceId,
    takes: Vec<i64>,
    chosen: i64,
    verdict_task: i64,
}

/// A sequence of two shots (three takes, made as one take group, one chosen), a film, a
/// verdict, a saved prompt and a snippet.
fn everything_but_tasks(ledger: &Ledger) -> Records {
    let sequence = ledger.create_sequence("Harbour at dawn").unwrap();
    let first = ledger
        .add_shot(sequence, &request("boats leave"), ShotLink::None, None)
        .unwrap();
    let second = ledger
        .add_shot(sequence, &request("gulls follow"), ShotLink::Keyframe, None)
        .unwrap();
    let takes = ledger
        .create_takes(
            &NewTask {
                request: &request("boats leave"),
                estimate_credits: Some(100.0),
                initial: LocalState::Queued,
                service: None,
                duplicate_window_ms: None,
            },
            &[request("boats leave"), request("boats leave, wider")],
            Some(first),
        )
        .unwrap();
    let third = ledger
        .create_takes(
            &NewTask {
                request: &request("gulls follow"),
                estimate_credits: Some(100.0),
                initial: LocalState::Queued,
                service: None,
                duplicate_window_ms: None,
            },
            &[request("gulls follow")],
            Some(second),
        )
        .unwrap();
    ledger.choose_take(first, Some(takes[1])).unwrap();
    ledger
        .set_verdict(takes[0], Some(Verdict::Rejected))
        .unwrap();
    ledger
        .record_film(
            sequence,
            Path::new("/films/harbour.mp4"),
            &[takes[1], third[0]],
            true,
        )
        .unwrap();
    ledger
        .save_prompt(
            "Dawn light",
            PromptKind::Prompt,
            "low sun over water",
            false,
        )
        .unwrap();
    ledger
        .save_prompt("Handheld", PromptKind::Snippet, "handheld camera", false)
        .unwrap();
    Records {
        sequence,
        takes: [takes.clone(), third].concat(),
        chosen: takes[1],
        verdict_task: takes[0],
    }
}

fn assert_records_back(ledger: &Ledger, records: &Records) {
    let sequence = ledger.sequence(records.sequence).unwrap();
    assert_eq!(sequence.name, "Harbour at dawn");
    assert_eq!(sequence.shots.len(), 2);
    let takes: Vec<i64> = sequence
        .shots
        .iter()
        .flat_map(|s| s.takes.iter().map(|t| t.task))
        .collect();
    assert_eq!(takes, records.takes);
    assert_eq!(sequence.shots[0].chosen, Some(records.chosen));
    assert_eq!(sequence.shots[1].link, ShotLink::Keyframe);
    assert_eq!(sequence.films.len(), 1);
    assert_eq!(
        sequence.films[0].takes,
        vec![records.takes[1], records.takes[2]]
    );
    assert_eq!(
        ledger.group_takes(records.takes[0]).unwrap(),
        records.takes[..2].to_vec()
    );
    assert_eq!(
        ledger.verdict(records.verdict_task).unwrap(),
        Some(Verdict::Rejected)
    );
    let saved = ledger.saved_prompts("").unwrap();
    let names: Vec<&str> = saved.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Dawn light") && names.contains(&"Handheld"));
}

/// Issue 20: a damaged ledger brings back its sequences (shots, takes, chosen takes,
/// films), take groups, verdicts and saved prompts with its tasks, and says so.
#[test]
fn a_damaged_ledger_keeps_sequences_groups_verdicts_and_saved_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    let records = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        let records = everything_but_tasks(&ledger);
        paid_tasks(&ledger, 0, 300);
        ledger.close_cleanly().unwrap();
        records
    };
    {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        paid_tasks(&ledger, 300, 30);
    }
    let pages = std::fs::metadata(&path).unwrap().len() as usize / 4096;
    damage_page(&path, pages / 3);
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.moved_aside.is_some());
    let recovered = report.recovered.clone().expect("recovered");
    assert_eq!(recovered.tasks, 333, "{recovered:?}");
    let r = &recovered.records;
    assert_eq!(
        (r.sequences, r.shots, r.takes, r.chosen_takes, r.films),
        (1, 2, 3, 1, 1),
        "{r:?}"
    );
    assert_eq!(
        (r.take_groups, r.verdicts, r.saved_prompts),
        (2, 1, 2),
        "{r:?}"
    );
    assert!(r.not_restored.is_empty(), "{r:?}");
    assert_records_back(&ledger, &records);
    assert!(
        report.messages[0].contains("1 sequence(s) with 2 shot(s)"),
        "{:?}",
        report.messages
    );
}

/// Without a last good copy, the records of a damaged table come back from their other
/// pages only; what cannot is named in the report, and nothing dangling is kept.
#[test]
fn records_on_a_damaged_page_are_reported_lost_and_their_takes_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    let records = {
        let (ledger, _) = Ledger::open(dir.path()).unwrap();
        let records = everything_but_tasks(&ledger);
        paid_tasks(&ledger, 0, 50);
        records
    };
    // The shots table fits in its root page: damage exactly that one.
    let root: i64 = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'sequence_shots'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    damage_page(&path, root as usize);
    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    let recovered = report.recovered.clone().expect("recovered");
    assert_eq!(recovered.tasks, 53, "{recovered:?}");
    let r = &recovered.records;
    assert_eq!(
        (r.sequences, r.shots, r.takes, r.chosen_takes),
        (1, 0, 0, 0),
        "{r:?}"
    );
    assert_eq!(
        (r.films, r.take_groups, r.verdicts, r.saved_prompts),
        (1, 2, 1, 2)
    );
    let lost = r.not_restored.join("; ");
    assert!(lost.contains("no shot(s) could be read"), "{lost}");
    assert!(lost.contains("3 take(s) that no longer fit"), "{lost}");
    let sequence = ledger.sequence(records.sequence).unwrap();
    assert!(sequence.shots.is_empty());
    assert!(
        report.messages[0].contains("Could not be recovered: no shot(s) could be read"),
        "{:?}",
        report.messages
    );
}
