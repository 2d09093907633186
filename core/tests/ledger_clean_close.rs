//! The clean-close record (`ledger.clean-close`): it spares the full integrity check only
//! for a ledger nothing has touched since the app closed it cleanly. After a crash, a
//! write, an outside change, a pending write-ahead log or a damaged record, the next open
//! checks every page again, and damage found then is moved aside as always.
#![allow(clippy::unwrap_used)]

use seedance_core::ledger::{Ledger, LocalState, CLEAN_CLOSE_FILE, LEDGER_FILE};
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest::new(ModelId::Seedance20, prompt)
}

/// A ledger with `tasks` drafts in `dir`, closed cleanly.
fn closed_cleanly(dir: &Path, tasks: usize) {
    let (ledger, _) = Ledger::open(dir).unwrap();
    for n in 0..tasks {
        ledger
            .create(
                &request(&format!("task {n}")),
                None,
                None,
                LocalState::Draft,
            )
            .unwrap();
    }
    ledger.close_cleanly().unwrap();
    assert!(dir.join(CLEAN_CLOSE_FILE).exists());
}

/// Sets the ledger's modification time well past the record's, as any later change by
/// another program would (the kernel's file clock is coarser than a test's steps).
fn touched_later(path: &Path) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
}

#[test]
fn an_untouched_ledger_skips_the_check_once() {
    let dir = tempfile::tempdir().unwrap();
    closed_cleanly(dir.path(), 20);

    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(!report.integrity_checked, "{report:?}");
    assert!(report.messages.is_empty(), "{report:?}");
    assert_eq!(ledger.list(&Default::default()).unwrap().len(), 20);
    // The record vouches for one open only: a crash from here on brings the check back.
    assert!(!dir.path().join(CLEAN_CLOSE_FILE).exists());
    drop(ledger);

    let (_, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.integrity_checked, "closed without a record");
}

#[test]
fn writes_after_the_clean_close_bring_the_check_back() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(dir.path()).unwrap();
    ledger
        .create(&request("before"), None, None, LocalState::Draft)
        .unwrap();
    ledger.close_cleanly().unwrap();
    // Something still wrote: it sits in the write-ahead log.
    ledger
        .create(&request("after"), None, None, LocalState::Draft)
        .unwrap();
    drop(ledger);

    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.integrity_checked, "{report:?}");
    assert_eq!(ledger.list(&Default::default()).unwrap().len(), 2);
}

#[test]
fn a_pending_write_ahead_log_brings_the_check_back() {
    let dir = tempfile::tempdir().unwrap();
    closed_cleanly(dir.path(), 3);
    let wal = dir.path().join(format!("{LEDGER_FILE}-wal"));
    std::fs::write(&wal, vec![0u8; 512]).unwrap();

    let (_, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.integrity_checked, "{report:?}");
}

#[test]
fn damage_after_the_clean_close_is_still_found_and_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    closed_cleanly(dir.path(), 200);
    let path = dir.path().join(LEDGER_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192, "{}", bytes.len());
    // Same size, pages scribbled over: only the full check can tell.
    for b in bytes.iter_mut().skip(4096).step_by(7) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    touched_later(&path);

    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.integrity_checked, "{report:?}");
    let aside = report.moved_aside.clone().expect("moved aside");
    assert_eq!(std::fs::read(aside).unwrap(), bytes, "kept byte for byte");
    assert!(report.created);
    // The clean close left a last good copy: every row comes back from it.
    let recovered = report.recovered.clone().expect("rows recovered");
    assert_eq!(recovered.tasks, 200, "{report:?}");
    assert_eq!(ledger.list(&Default::default()).unwrap().len(), 200);
}

#[test]
fn a_record_that_does_not_match_is_not_trusted() {
    for record in [
        String::new(),
        "garbage\n".to_owned(),
        "seedance-ledger-clean-close 1\nsize 1\nmodified-ns 1\n".to_owned(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        closed_cleanly(dir.path(), 3);
        std::fs::write(dir.path().join(CLEAN_CLOSE_FILE), &record).unwrap();

        let (_, report) = Ledger::open(dir.path()).unwrap();
        assert!(report.integrity_checked, "{record:?}: {report:?}");
        assert!(!dir.path().join(CLEAN_CLOSE_FILE).exists(), "{record:?}");
    }
}

#[test]
fn a_record_left_beside_a_replaced_ledger_is_not_trusted() {
    // The creator restores an older copy of the data folder's ledger.
    let dir = tempfile::tempdir().unwrap();
    closed_cleanly(dir.path(), 3);
    let other = tempfile::tempdir().unwrap();
    closed_cleanly(other.path(), 5);
    std::fs::copy(other.path().join(LEDGER_FILE), dir.path().join(LEDGER_FILE)).unwrap();
    touched_later(&dir.path().join(LEDGER_FILE));

    let (ledger, report) = Ledger::open(dir.path()).unwrap();
    assert!(report.integrity_checked, "{report:?}");
    assert_eq!(ledger.list(&Default::default()).unwrap().len(), 5);
}
